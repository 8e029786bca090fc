"""Find quoted regions: classify quotation marks and pair them, paragraph by paragraph.

Everything here is a single left-to-right pass over the marks found by one
character-class regex, so the cost is linear in the text length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOUBLE_MARKS = '"\u201c\u201d\u201e\u201f\u00ab\u00bb'
SINGLE_MARKS = "'\u2018\u2019\u201a\u201b"
OPEN_HINT = "\u201c\u201e\u201f\u00ab\u2018\u201a\u201b"
CLOSE_HINT = "\u201d\u00bb\u2019"
# Curly and straight quotes are different "families": a straight pair inside a
# curly pair (or vice versa) is a nested quote, not a broken one.
CURLY = "\u201c\u201d\u201e\u201f\u00ab\u00bb"

_PARA_RE = re.compile(r"[^\n]+")
# Two apostrophes stand for a double mark in some wire copy (`''Yes,'' he said`); they
# are matched as one token so that, when that reading is off, they are skipped whole.
_MARK_RE = re.compile("''|[" + DOUBLE_MARKS + SINGLE_MARKS + "]")
_OPENER_PUNCT = "([{\u2014\u2013-/\u2026:" + DOUBLE_MARKS + SINGLE_MARKS
_CLOSER_FOLLOW = ".,;:!?)]}\u2014\u2013-/\u2026" + DOUBLE_MARKS + SINGLE_MARKS
_SENT_END = ".!?"

PAIRED = "paired"
OPEN_END = "open_end"  # paragraph ended with the quote still open
BROKEN = "broken"  # a new opening mark arrived before a closing one
RECOVERED = "recovered"  # closing mark without an opener; start reconstructed


@dataclass(slots=True)
class RawQuote:
    start: int
    end: int
    open_pos: int  # offset of the opening mark, -1 if reconstructed
    close_pos: int  # offset of the closing mark, -1 if none
    para_start: int
    para_end: int
    status: str
    single: bool = False
    continues: bool = False  # re-opens a quotation left open by the previous paragraph
    continued: bool = False  # left open and re-opened by the next paragraph
    nested: bool = False


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PARA_RE.finditer(text)]


def _is_space(ch: str) -> bool:
    return ch.isspace()


def _flanks(text: str, i: int, ps: int, pe: int, width: int = 1) -> tuple[bool, bool]:
    prev = text[i - 1] if i > ps else " "
    nxt = text[i + width] if i + width < pe else " "
    can_open = (
        not _is_space(nxt) and nxt not in ".,;!?" and (_is_space(prev) or prev in _OPENER_PUNCT)
    )
    can_close = not _is_space(prev) and (_is_space(nxt) or nxt in _CLOSER_FOLLOW)
    return can_open, can_close


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_GLUE_RE = re.compile(r"[A-Za-z]{3,}ed(?=[a-z]{3,}\b)|(?:said|says|told)(?=[a-z]{3,}\b)")
_CLAUSE_WORDS = frozenset(
    [
        "said",
        "says",
        "say",
        "told",
        "tells",
        "added",
        "adds",
        "asked",
        "wrote",
        "writes",
        "noted",
        "stated",
        "declared",
        "called",
        "described",
        "that",
        "as",
    ]
)


def _recover_start(text: str, ps: int, close: int, floor: int) -> int:
    """Pick a start for a quotation whose opening mark is missing.

    Walk back to the nearest clause boundary (sentence end, colon, semicolon,
    another mark, paragraph start), then move forward past any speech verb or
    "that", and split a word glued to a verb when the mark and space were lost
    together ("orderedeligible").
    """
    lo = max(ps, floor, close - 300)
    s = close
    while s > lo:
        ch = text[s - 1]
        if ch in ";:" or ch in DOUBLE_MARKS:
            break
        if ch in _SENT_END and s < close and text[s].isspace():
            break
        s -= 1
    start = s
    for m in re.finditer(r"[A-Za-z]+", text[s:close]):
        w = m.group(0)
        if w.lower() in _CLAUSE_WORDS:
            start = s + m.end()
    for m in _GLUE_RE.finditer(text, start, close):
        start = m.end()
    # A clause starting with a capitalised subject is reported, not quoted.
    return start


def find_quotes(text: str, double_apostrophe: bool = False) -> list[RawQuote]:
    """Quoted regions of `text` in order.

    `double_apostrophe`: read `''` as a double quotation mark (wire-archive copy). By
    default two apostrophes are left alone, neither a mark nor two single marks.
    """
    out: list[RawQuote] = []
    prev_open: RawQuote | None = None  # quotation left open by the previous paragraph
    for ps, pe in paragraphs(text):
        prev_open = _scan_paragraph(text, ps, pe, out, prev_open, double_apostrophe)
    return out


def _scan_paragraph(
    text: str,
    ps: int,
    pe: int,
    out: list[RawQuote],
    prev_open: RawQuote | None,
    double_apostrophe: bool = False,
) -> RawQuote | None:
    first = ps
    while first < pe and text[first].isspace():
        first += 1
    cur: RawQuote | None = None
    cur_family = False
    nested_open = -1
    nested_family = False
    single_open = -1
    floor = ps  # recovered spans must not reach back past earlier quotes
    for m in _MARK_RE.finditer(text, ps, pe):
        i = m.start()
        ch = text[i]
        width = m.end() - i
        if width == 2:
            if not double_apostrophe:
                continue
            ch = '"'
        can_open, can_close = _flanks(text, i, ps, pe, width)
        if ch in SINGLE_MARKS:
            if cur is not None:
                continue  # nested single quotes stay part of the outer quotation
            prev = text[i - 1] if i > ps else " "
            nxt = text[i + 1] if i + 1 < pe else " "
            if prev.isalnum() and nxt.isalnum():
                continue  # apostrophe
            if single_open < 0:
                if can_open and ch != "\u2019" and nxt.isalnum():
                    single_open = i
            elif can_close and ch != "\u2018" and i > single_open + 1:
                s, e = _trim(text, single_open + 1, i)
                if e > s:
                    out.append(RawQuote(s, e, single_open, i, ps, pe, PAIRED, single=True))
                single_open = -1
                floor = i + width
            continue
        family = ch in CURLY
        if can_open and not can_close:
            opening = True
        elif can_close and not can_open:
            opening = False
        elif ch in OPEN_HINT:
            opening = True
        elif ch in CLOSE_HINT:
            opening = False
        else:
            opening = cur is None
        if cur is None:
            single_open = -1
            if opening:
                cur = RawQuote(i + width, pe, i, -1, ps, pe, PAIRED)
                cur_family = family
                if i == first and prev_open is not None:
                    cur.continues = True
                    prev_open.continued = True
            else:
                s = _recover_start(text, ps, i, floor)
                s, e = _trim(text, s, i)
                if e > s:
                    out.append(RawQuote(s, e, -1, i, ps, pe, RECOVERED))
                floor = i + width
            continue
        if nested_open >= 0:
            if not opening or family == nested_family:
                nested_open = -1
            continue
        if opening:
            j = i - 1
            while j > cur.start and text[j].isspace():
                j -= 1
            if family != cur_family or text[j] not in ".!?,:;":
                nested_open = i
                nested_family = family
                continue
            s, e = _trim(text, cur.start, i)
            cur.start, cur.end, cur.status = s, e, BROKEN
            if e > s:
                out.append(cur)
            cur = RawQuote(i + width, pe, i, -1, ps, pe, PAIRED)
            cur_family = family
            continue
        s, e = _trim(text, cur.start, i)
        cur.start, cur.end, cur.close_pos = s, e, i
        if e > s:
            out.append(cur)
        cur = None
        floor = i + width
    if cur is not None:
        s, e = _trim(text, cur.start, pe)
        cur.start, cur.end, cur.status = s, e, OPEN_END
        if e > s:
            out.append(cur)
            return cur
    return None
