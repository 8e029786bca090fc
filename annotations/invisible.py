r"""Characters that change what text looks like without being seen, and how we show them.

A body holding `RTL \u202eevil\u202c text` displays as "RTL live text": the right-to-left
override reverses what follows. Fact-checking depends on seeing the exact words, so stored text
keeps these characters byte-exact (quote offsets count them) and every place that shows text
shows them as a marked symbol instead, with a tooltip naming the code point.

The set (`INVISIBLE`):
- every format character, Unicode category Cf: the bidirectional controls (U+061C ALM,
  U+200E/F LRM/RLM, U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates), zero-width
  space and (non-)joiners U+200B-U+200D, word joiner and invisible operators U+2060-U+2064,
  deprecated format characters U+206A-U+206F, the BOM U+FEFF, the soft hyphen U+00AD, the
  interlinear annotation characters, the tag characters U+E0001 and U+E0020-U+E007F, and the
  rest of Cf (some of which, like U+0600 ARABIC NUMBER SIGN, do draw a mark: the rule is kept
  simple rather than judged font by font);
- control characters other than tab, line feed and carriage return (category Cc);
- U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR;
- blanks that are letters or marks by category: U+034F COMBINING GRAPHEME JOINER, the Hangul
  fillers U+115F, U+1160, U+3164, U+FFA0, and U+17B4/U+17B5 KHMER VOWEL INHERENT AQ/AA.

Not in the set: ordinary spaces (including no-break and ideographic space, which look like
spaces) and variation selectors (U+FE00-U+FE0F pick emoji or text style and appear in most
emoji). Revealing the set breaks the look of emoji built with ZWJ or tag sequences (families,
subdivision flags); the desk prefers exact characters.

In titles, outlets, bylines and speaker names the same set is refused (validators.py).
"""

import re
import unicodedata

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Category Cf as of Unicode 15.1 (a test checks it still covers the running Python's Cf), then
# the controls, the separators and the blank letters listed above.
INVISIBLE = re.compile(
    "["
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u2028\u2029"
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"
    "]"
)

# Short forms for the characters an editor is most likely to meet; the rest show as U+XXXX.
ABBREVIATIONS = {
    0x00AD: "SHY",
    0x034F: "CGJ",
    0x061C: "ALM",
    0x180E: "MVS",
    0x200B: "ZWSP",
    0x200C: "ZWNJ",
    0x200D: "ZWJ",
    0x200E: "LRM",
    0x200F: "RLM",
    0x2028: "LSEP",
    0x2029: "PSEP",
    0x202A: "LRE",
    0x202B: "RLE",
    0x202C: "PDF",
    0x202D: "LRO",
    0x202E: "RLO",
    0x2060: "WJ",
    0x2066: "LRI",
    0x2067: "RLI",
    0x2068: "FSI",
    0x2069: "PDI",
    0xFEFF: "BOM",
}


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def describe(char: str) -> str:
    """ "U+202E RIGHT-TO-LEFT OVERRIDE"; controls have no Unicode name."""
    return f"{code_point(char)} {unicodedata.name(char, 'CONTROL CHARACTER')}"


def first_invisible(text: str) -> tuple[int, str] | None:
    """The position and character of the first invisible character, if any."""
    found = INVISIBLE.search(text)
    return (found.start(), found.group()) if found else None


def invisible_marker(char: str) -> SafeString:
    """The symbol shown in place of one invisible character (styled by .invisible-char)."""
    label = ABBREVIATIONS.get(ord(char), code_point(char))
    return format_html('<span class="invisible-char" title="{}">⟨{}⟩</span>', describe(char), label)


def reveal_invisible(text: str, *, escaped: bool = False) -> SafeString:
    """HTML for `text` with every invisible character shown as a marker.

    The text is escaped unless `escaped` says it already is HTML (then only the characters are
    replaced; none of them can be part of markup we wrote).
    """
    safe = text if escaped else escape(text)
    if not INVISIBLE.search(safe):
        return mark_safe(safe)  # noqa: S308 - escaped above, or given as HTML by the caller
    return mark_safe(  # noqa: S308 - escaped above; the markers are built by format_html
        INVISIBLE.sub(lambda found: invisible_marker(found.group()), safe)
    )


def reveal_invisible_plain(text: str) -> str:
    """Plain text with every invisible character written as ⟨U+202E⟩ (CSV, attributes)."""
    return INVISIBLE.sub(lambda found: f"⟨{code_point(found.group())}⟩", text)


def escape_invisible_json(serialized: str) -> str:
    r"""JSON text with every invisible character written as its \u escape.

    Lossless: a JSON parser reads back the exact character, while a person reading the file
    sees `\u202e` instead of reversed text. Valid only on serialized JSON, where such a
    character can only occur inside a string.
    """

    def escaped(found: re.Match[str]) -> str:
        units = found.group().encode("utf-16-be")
        return "".join(
            f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2)
        )

    return INVISIBLE.sub(escaped, serialized)
