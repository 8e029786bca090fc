"""Named mentions in a document, and pronoun / role-noun resolution against them."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from .lexicon import (
    FEMALE_NAMES,
    FEMALE_TITLES,
    MALE_NAMES,
    MALE_TITLES,
    ORG_WORDS,
    PLACE_WORDS,
    TITLES,
)

# Each repetition starts with whitespace, which the token part cannot consume, so
# the regex cannot backtrack more than one token.
_NAME_RE = re.compile(
    r"(?<![\w\u2019'])(?:Mc|Mac|O['\u2019]|D['\u2019])?[A-Z][\w\u2019'\-]*\.?"
    r"(?:[ \u00a0]+(?:(?:Mc|Mac|O['\u2019]|D['\u2019])?[A-Z][\w\u2019'\-]*\.?"
    r"|(?:de|van|von|der|da|di|al|bin|la|le|du)(?=[ \u00a0]+[A-Z])))*"
)
_SENT_BREAK_RE = re.compile(r"[.!?][\"\u201d\u2019']?\s|\n")

FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "but",
        "and",
        "or",
        "however",
        "in",
        "on",
        "at",
        "for",
        "to",
        "of",
        "from",
        "by",
        "with",
        "as",
        "if",
        "when",
        "while",
        "after",
        "before",
        "since",
        "despite",
        "although",
        "though",
        "yet",
        "so",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "you",
        "what",
        "who",
        "why",
        "how",
        "where",
        "which",
        "mr",
        "mrs",
        "ms",
        "not",
        "no",
        "all",
        "some",
        "many",
        "most",
        "more",
        "one",
        "two",
        "earlier",
        "later",
        "last",
        "next",
        "meanwhile",
        "still",
        "even",
        "also",
        "then",
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "according",
        "during",
        "under",
        "over",
        "among",
        "between",
        "against",
        "through",
        "into",
        "about",
        "like",
        "unlike",
        "just",
        "only",
        "both",
        "either",
        "neither",
        "each",
        "every",
        "other",
        "another",
        "such",
        "instead",
        "rather",
        "asked",
        "said",
        "says",
    ]
)

_KEEP_DOT = frozenset(["jr", "sr", "inc", "corp", "co", "st"])
_POSSESSIVE = ("\u2019s", "'s", "\u2019", "'")


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    name: str  # titles stripped
    kind: str  # "person" | "org" | "other"
    gender: str | None
    subject: bool = False
    in_quote: bool = False


def clean_name(raw: str) -> tuple[str, str, str | None, int]:
    """Strip leading function words and titles; classify. Returns (name, kind, gender, skip).

    `skip` is how many characters were removed from the front of `raw`.
    """
    toks = raw.split()
    offs: list[int] = []
    pos = 0
    for t in toks:
        pos = raw.index(t, pos)
        offs.append(pos)
        pos += len(t)
    i = 0
    while i < len(toks) and toks[i].lower().rstrip(".") in FUNCTION_WORDS:
        i += 1
    j = len(toks)
    if i < j:
        last = toks[j - 1]
        for suf in _POSSESSIVE:
            if last.endswith(suf) and len(last) > len(suf):
                toks = [*toks[: j - 1], last[: -len(suf)]]
                break
    if i >= j:
        return "", "other", None, 0
    last = toks[j - 1]
    if last.endswith(".") and last[:-1].lower() not in _KEEP_DOT and len(last) > 2:
        toks = [*toks[: j - 1], last[:-1]]
    gender: str | None = None
    kind = "other"
    last_title = -1
    for k in range(i, j):
        w = toks[k].lower()
        if w in TITLES:
            last_title = k
            if w in MALE_TITLES:
                gender = "m"
            elif w in FEMALE_TITLES:
                gender = "f"
    if 0 <= last_title < j - 1:
        i = last_title + 1
        kind = "person"
    low = [t.lower() for t in toks[i:j]]
    if any(w in ORG_WORDS for w in low) or (toks[j - 1].isupper() and len(toks[j - 1]) > 1):
        kind = "org"
    body = toks[i:j]
    low = [t.lower() for t in body]
    if kind == "other":
        if low[0] in MALE_NAMES:
            kind, gender = "person", gender or "m"
        elif low[0] in FEMALE_NAMES:
            kind, gender = "person", gender or "f"
        elif len(body) >= 2 and not any(w in PLACE_WORDS for w in low):
            kind = "person"
    return " ".join(body), kind, gender, offs[i] if i < len(offs) else 0


def last_token(name: str) -> str:
    toks = [t for t in name.split() if t.lower().rstrip(".") not in ("jr", "sr", "ii", "iii")]
    return toks[-1] if toks else name


class Mentions:
    """All capitalised-name mentions of a document, built once on first use."""

    def __init__(self, text: str, quote_spans: list[tuple[int, int]]) -> None:
        self.text = text
        self.items: list[Mention] = []
        # surname -> [(offset, full name)] in text order, so "Clinton" can mean
        # a different Clinton in different parts of one article.
        self.full: dict[str, list[tuple[int, str]]] = {}
        self.gender: dict[str, str] = {}  # full name -> "m" / "f"
        self._build(quote_spans)
        self.starts = [m.start for m in self.items]

    def _build(self, quote_spans: list[tuple[int, int]]) -> None:
        text = self.text
        qi = 0
        prev_end = 0
        sentence_has_person = False
        for m in _NAME_RE.finditer(text):
            name, kind, gender, skip = clean_name(m.group(0))
            if not name:
                continue
            s = m.start() + skip
            if _SENT_BREAK_RE.search(text, prev_end, s) is not None:
                sentence_has_person = False
            while qi < len(quote_spans) and quote_spans[qi][1] <= s:
                qi += 1
            in_quote = qi < len(quote_spans) and quote_spans[qi][0] <= s
            surname = last_token(name)
            if kind != "person" and " " not in name and surname in self.full:
                kind = "person"
            if kind == "person":
                if " " in name:
                    hist = self.full.setdefault(surname, [])
                    if not hist or hist[-1][1] != name:
                        hist.append((s, name))
                full = self.canonical(name, s)
                if gender is None:
                    gender = self.gender.get(full)
                elif full not in self.gender:
                    self.gender[full] = gender
            mention = Mention(s, m.end(), name, kind, gender, in_quote=in_quote)
            if kind == "person" and not in_quote:
                mention.subject = not sentence_has_person
                sentence_has_person = True
            self.items.append(mention)
            prev_end = m.end()

    def canonical(self, name: str, pos: int) -> str:
        if " " in name:
            return name
        hist = self.full.get(name)
        if not hist:
            return name
        best = hist[0][1]
        for p, full in hist:
            if p >= pos:
                break
            best = full
        return best

    def resolve(self, pos: int, gender: str | None, window: int = 3000) -> Mention | None:
        """Most salient person mention before `pos`: the first-in-sentence (subject)
        mention of the nearest sentence that has a compatible one, else the nearest
        compatible mention."""
        i = bisect_left(self.starts, pos) - 1
        lo = pos - window
        fallback: Mention | None = None
        while i >= 0 and self.items[i].start >= lo:
            m = self.items[i]
            i -= 1
            if m.kind != "person" or m.in_quote:
                continue
            g = m.gender or self.gender.get(self.canonical(m.name, m.start))
            if gender is not None and g is not None and g != gender:
                continue
            if m.subject:
                if g is None and gender is not None:
                    self.gender[self.canonical(m.name, m.start)] = gender
                return m
            if fallback is None:
                fallback = m
        return fallback

    def set_gender(self, name: str, pos: int, gender: str) -> None:
        self.gender.setdefault(self.canonical(name, pos), gender)
