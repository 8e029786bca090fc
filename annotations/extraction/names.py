"""Named mentions in a document, and pronoun / role-noun resolution against them."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import (
    ABBREV,
    BOILERPLATE_LINES,
    FEMALE_NAMES,
    FEMALE_TITLES,
    FUNCTION_WORDS,
    MALE_NAMES,
    MALE_TITLES,
    ORG_WORDS,
    PERSON_ROLES,
    PLACE_WORDS,
    POSS,
    SPEECH_VERBS,
    SUBORDINATORS,
    TITLES,
)

# Each repetition starts with whitespace, which the token part cannot consume, so
# the regex cannot backtrack more than one token.
_NAME_RE = re.compile(
    r"(?<![\w\u2019'])(?:Mc|Mac|O['\u2019]|D['\u2019])?[A-Z][\w\u2019'\-]*\.?"
    r"(?:[ \u00a0]+(?:(?:Mc|Mac|O['\u2019]|D['\u2019])?[A-Z][\w\u2019'\-]*\.?"
    r"|(?:de|van|von|der|da|di|al|bin|la|le|du)(?=[ \u00a0]+[A-Z])))*"
)
_BOILERPLATE_RE = re.compile(
    r"^[ \t]*(?:" + "|".join(re.escape(p) for p in BOILERPLATE_LINES) + r")[^\n]{0,120}$",
    re.MULTILINE | re.IGNORECASE,
)
_POSSESSIVE_BEFORE_RE = re.compile(r"\b(?:his|her|their|its|our|my|your)[ \u00a0]$")
_SENT_BREAK_RE = re.compile(r"[.!?][\"\u201d\u2019']?\s|\n")
_WORD_END_RE = re.compile(r"(?<![\w.])[A-Za-z]+$")
_INITIAL_RE = re.compile(r"[A-Z]$")
# `Trump's attorney, Alan Garten,`: a role of the possessor, then the person's name
_POSS_ROLE_NAME_RE = re.compile(r"(?:[ \u00a0]+[a-z][\w\-]*){1,4},[ \u00a0]+[A-Z]")

_FIRST_NAMES = MALE_NAMES | FEMALE_NAMES
_KEEP_DOT = frozenset(["jr", "sr", "inc", "corp", "co", "st"])
_PLACE_BEFORE_RE = re.compile(r"\b(the|in|at|from|near|on|of)[ \u00a0]$", re.IGNORECASE)
_ROLE_THEN_NAME_RE = re.compile(
    r"(?:[\u2019']s)?(?:[ \u00a0][a-z][a-z\-]*){0,3}[ \u00a0]([a-z]+)[ \u00a0][A-Z]"
)
# a capitalised multi-word name, small linking words allowed: "Bank of New York Mellon"
_ORG_NAME_RE = re.compile(
    r"\b[A-Z][a-z][\w\-]*(?:[ \u00a0](?:(?:of|for|and|on|the)[ \u00a0])?[A-Z][a-z][\w\-]*)+"
)
_WORK_BEFORE_RE = re.compile(
    r"\b(?:book|memoir|novel|film|movie|song|album|essay|documentary|play|series),[ \u00a0]$"
)
_LOCAL_NAME_WINDOW = 800  # chars within which the latest full name wins for a bare surname
# `Woolson said`, `Hemsley also says`, `said Jeffery Hemsley`: the speaker of an attribution
_SPEAKER_AFTER_RE = re.compile(r"[ \u00a0]+(?:[a-z]+ly[ \u00a0]+|also[ \u00a0]+)?([a-z]+)\b")
_SPEAKER_BEFORE_RE = re.compile(r"\b(?:said|says|added|adds|according[ \u00a0]to),?[ \u00a0]+$")
# after `said`, the name closes the clause: `said Jeffery Hemsley, a professor` (not the
# reported clause's subject, `said Donald Trump was right`)
_CLAUSE_CLOSE_RE = re.compile(r"[\u2019']?s?(?:[,.;:)]|[ \u00a0]*$|[ \u00a0]\()")
# present-tense forms that are plural nouns too (`Republican claims`) are left out
_SPEAKER_PRESENT = frozenset(["says", "tells", "writes", "adds", "argues", "insists", "explains"])
# `he`/`she` opening a clause (not `When he arrived, ...`): the sentence's subject
_SUBJECT_PRONOUN_RE = re.compile(r"(?:^|(?<=[\s,(]))(?:[Hh]e|[Ss]he)(?=[ \u00a0]+[a-z])")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z]+)[ \u00a0,]*$")
_ORG_HEAD_RE = re.compile(r"\b([A-Z][\w\-]+)[ \u00a0](?:on|of)[ \u00a0]$")
_APPOS_RE = re.compile(r",[ \u00a0]+(?:a|an|the)[ \u00a0]+([^,.;:\n\"\u201c\u201d]{1,60}),")
_ROLE_ALIASES = {
    "sen": "senator",
    "sen.": "senator",
    "sens.": "senator",
    "rep": "congressman",
    "rep.": "congressman",
    "representative": "congressman",
    "congresswoman": "congressman",
    "gov": "governor",
    "gov.": "governor",
    "del.": "delegate",
    "chairwoman": "chairman",
    "chair": "chairman",
    "spokeswoman": "spokesman",
    "spokesperson": "spokesman",
    "secretary-general": "secretary",
    "nominee": "nominee",
}


def _last_sentence_break(text: str, start: int, end: int) -> int:
    """Where the last sentence that starts in [start, end) begins, or -1. The period of
    a title or an initial (`the comment by Dr. Paul Song`, `James B. Comey`) ends no
    sentence."""
    out = -1
    for m in _SENT_BREAK_RE.finditer(text, start, end):
        i = m.start()
        if text[i] == ".":
            w = _WORD_END_RE.search(text, max(0, i - 6), i)
            if w is not None and (w.group(0).lower() in ABBREV or _INITIAL_RE.match(w.group(0))):
                continue
        out = m.end()
    return out


def boilerplate_lines(text: str) -> list[tuple[int, int]]:
    """Spans of lines such as `Story continues below advertisement` or `RELATED: ...`:
    web furniture between paragraphs, never a speaker or part of a sentence."""
    return [m.span() for m in _BOILERPLATE_RE.finditer(text)]


def role_word(w: str) -> str:
    w = w.lower()
    return _ROLE_ALIASES.get(w, w)


def _roles(text: str, ms: int, s: int, me: int) -> tuple[str, ...]:
    """Role words introduced with a person: titles before the name ("Mayor", "Sen.")
    and the head words of an appositive after it ("Kim Lee, the city's mayor,")."""
    out = [role_word(w) for w in text[ms:s].split() if w.lower() in TITLES]
    m = _APPOS_RE.match(text, me)
    if m is not None:
        out.extend(role_word(w) for w in m.group(1).split() if w[:1].islower())
    return tuple(out)


# a nickname in marks between the parts of a name: ` "Chico" `
NICKNAME = r"[A-Z][a-z][\w\-]*(?: [A-Z][\w\-]*)?"  # `Chico`, `Big Mike`
_NICKNAME_GAP_RE = re.compile(
    "[ \u00a0][\"\u201c\u2018']" + NICKNAME + "[\"\u201d\u2019'][ \u00a0]"
)
_DOT_SPLIT_RE = re.compile(r"([\w\u2019'\-]+)\.[ \u00a0]+")


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Capitalised runs, split where a full stop after a word ends a sentence
    ("... Obama. Trump said" is two names; "Mary J. Blige" and "Sen. Lee" are one)."""
    out: list[tuple[int, int]] = []
    for m in _NAME_RE.finditer(text):
        s, e = m.span()
        if ". " in m.group(0) or ".\u00a0" in m.group(0):
            for d in _DOT_SPLIT_RE.finditer(text, s, e):
                w = d.group(1).lower()
                if (
                    len(w) > 2
                    and "." not in w
                    and w not in TITLES
                    and w + "." not in TITLES
                    and w not in _KEEP_DOT
                ):
                    out.append((s, d.start(1) + len(d.group(1)) + 1))
                    s = d.end()
        if s < e:
            if (
                len(out) > 1
                and _NICKNAME_GAP_RE.fullmatch(text, out[-2][1], s) is not None
                and not text[out[-2][0] : out[-2][1]].endswith(_POSSESSIVE)
            ):
                out.pop()  # `Juan "Chico" Manriquez`: one name around a nickname
                s = out.pop()[0]
            out.append((s, e))
    return out


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
    strong: bool = False  # titled, a known first name, or a surname used on its own
    roles: tuple[str, ...] = ()
    speaker: bool = False  # the subject of a speech verb (`Woolson said`, `said Hemsley`)
    sentence: int = 0  # offset where the mention's sentence starts


def _opening_participle(word: str) -> bool:
    """`Speaking Sunday on ABC, Carson ...`: a participle opening a sentence is no name."""
    low = word.lower()
    return len(low) > 5 and low.endswith("ing") and low not in _FIRST_NAMES


def _inverted_cue(word: str, more: bool) -> bool:
    """`Continued Stone: "..."`, `Added Kim Lee,`: a past-tense cue opening the sentence
    before the name is no part of it."""
    low = word.lower()
    return more and low.endswith("ed") and low in SPEECH_VERBS


@lru_cache(maxsize=1 << 14)  # names recur within and across stories
def clean_name(raw: str) -> tuple[str, str, str | None, int]:
    """Strip leading function words and titles; classify. Returns (name, kind, gender, skip).

    `skip` is how many characters were removed from the front of `raw`.
    """
    raw = _NICKNAME_GAP_RE.sub(" ", raw)  # `Juan "Chico" Manriquez` -> `Juan Manriquez`
    toks = raw.split()
    offs: list[int] = []
    pos = 0
    for t in toks:
        pos = raw.index(t, pos)
        offs.append(pos)
        pos += len(t)
    i = 0
    while i < len(toks) and (
        toks[i].lower().rstrip(".") in FUNCTION_WORDS
        or toks[i].lower().endswith(("n\u2019t", "n't"))  # `Don't Republicans run ...?`
        or _opening_participle(toks[i])
        or _inverted_cue(toks[i], i + 1 < len(toks))
    ):
        if toks[i].lower() in TITLES and i + 1 < len(toks):
            break  # "Mr. Haddad": a title, not a function word
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
    if gender is None and len(body) >= 2:
        # `former President Bill Clinton`: the first name tells even after a title
        gender = "m" if low[0] in MALE_NAMES else "f" if low[0] in FEMALE_NAMES else None
    if kind == "other":
        if low[0] in MALE_NAMES:
            kind, gender = "person", gender or "m"
        elif low[0] in FEMALE_NAMES:
            kind, gender = "person", gender or "f"
        elif len(body) >= 2 and not any(w in PLACE_WORDS for w in low):
            kind = "person"
    return " ".join(body), kind, gender, offs[i] if i < len(offs) else 0


# a party is an affiliation, not a title: "Republican Donald Trump" has none
_NOT_TITLES = frozenset(
    ["republican", "democrat", "democratic", "gop", "presidential", "liberal", "conservative"]
)
_TITLE_MODIFIERS = frozenset(
    ["state", "house", "senate", "national", "u.s.", "us", "former", "acting", "first"]
)


@lru_cache(maxsize=1 << 12)
def title_of(raw: str, skip: int) -> str | None:
    """The title words `clean_name` stripped from the front of `raw` ("the former
    Councillor Tomas Reyes" -> "former Councillor"), or None."""
    words = [w for w in raw[:skip].split() if w.lower() not in _NOT_TITLES]
    while words and words[0].lower() not in TITLES:
        words = words[1:]
    if all(w.lower() in _TITLE_MODIFIERS for w in words):
        return None  # "State", "House": a modifier left without its title
    return " ".join(words)


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
        self.titled: set[str] = set()  # bare surnames seen with a title
        # bare surname -> [(offset, gender)] of gendered titles ("Mr. Obama", "Mrs. Obama")
        self.titled_gender: dict[str, list[tuple[int, str]]] = {}
        self._acronyms: dict[str, str] | None = None
        self.full_count: dict[str, int] = {}  # full name -> mentions outside quotations
        self.titles: dict[str, str] = {}  # full name -> the title it was first given
        self.given: dict[str, list[str]] = {}  # first name -> full names, in text order
        self._build(quote_spans)
        self.starts = [m.start for m in self.items]

    def _build(self, quote_spans: list[tuple[int, int]]) -> None:
        text = self.text
        qi = 0
        furniture = boilerplate_lines(text)
        fi = 0
        prev_end = sent_start = 0
        sentence_has_person = False
        quote_starts = [q[0] for q in quote_spans]
        singles: set[str] = set()
        cache: dict[str, tuple[str, str, str | None, int]] = {}  # names recur a lot
        for ms, me in _name_spans(text):
            raw = text[ms:me]
            if " " not in raw and raw.lower().rstrip(".") in FUNCTION_WORDS:
                continue  # "The", "But", "He": most capitalised words are these
            while fi < len(furniture) and furniture[fi][1] <= ms:
                fi += 1
            if fi < len(furniture) and furniture[fi][0] <= ms:
                continue  # "Story continues below advertisement" names nobody
            hit = cache.get(raw)
            if hit is None:
                hit = cache[raw] = clean_name(raw)
            name, kind, gender, skip = hit
            if not name:
                continue
            s = ms + skip
            brk = _last_sentence_break(text, prev_end, s)
            if brk >= 0:
                sentence_has_person = False
                sent_start = brk
            while qi < len(quote_spans) and quote_spans[qi][1] <= s:
                qi += 1
            in_quote = qi < len(quote_spans) and quote_spans[qi][0] <= s
            surname = last_token(name)
            single = " " not in name
            strong = gender is not None or (skip > 0 and kind == "person")
            if single and kind == "person":
                # "Mr. Obama", "Sen. Lee": the bare surname is a person from now on
                self.titled.add(name)
                if gender is not None:
                    self.titled_gender.setdefault(name, []).append((s, gender))
            if kind != "person" and single and (surname in self.full or name in self.titled):
                kind = "person"
                strong = True
            elif kind == "other" and single and not in_quote:
                # "McLenney said ...", "Cruz openly admitted": whoever says something
                # is a speaker
                verb = _SPEAKER_AFTER_RE.match(text, me)
                if verb is not None and verb.group(1) in SPEECH_VERBS:
                    kind = "person"
            if kind == "person" and not single and name.split()[0].lower() in _FIRST_NAMES:
                strong = True
            roles = _roles(text, ms, s, me) if kind == "person" else ()
            if kind == "person" and single and _POSSESSIVE_BEFORE_RE.search(text, max(0, s - 7), s):
                kind = "other"  # `his Christian values`, `her Democratic rivals`: a modifier
            before = _PLACE_BEFORE_RE.search(text, max(0, s - 6), s)
            if kind == "person" and _WORK_BEFORE_RE.search(text, max(0, ms - 16), ms):
                kind = "other"  # `her 2003 book, Living History,`: a title, not a person
            if kind == "person":
                # "Commission on Presidential Debates", "University of Virginia": the
                # tail of an organisation's name, unless a title precedes ("Secretary
                # of State John Kerry")
                org = _ORG_HEAD_RE.search(text, max(0, ms - 40), ms)
                if org is not None and org.group(1).lower() not in TITLES:
                    kind = "other"
            if (
                kind == "person"
                and not roles
                and before is not None
                and (not strong or before.group(1).lower() not in ("on", "of"))
            ):
                kind = "other"  # "the Pacific Ocean", "in Fort Wayne": not a person
            if single:
                singles.add(name)
            if kind == "person":
                if " " in name and name.count(" ") <= 3:  # not a title-case headline
                    self.full_count[name] = self.full_count.get(name, 0) + (not in_quote)
                    hist = self.full.setdefault(surname, [])
                    # a nickname inside a quotation ("... than working Crooked Hillary
                    # Clinton") is not the person's name
                    nickname = in_quote and hist and name.split()[0].lower() not in _FIRST_NAMES
                    if (not hist or hist[-1][1] != name) and not nickname:
                        hist.append((s, name))
                        first = name.split()[0]
                        given = self.given.setdefault(first, [])
                        if name not in given and first.lower() in _FIRST_NAMES:
                            given.append(name)
                full = self.canonical(name, s)
                title = title_of(raw, skip) if skip and not in_quote else None
                if title is not None:
                    self.titles.setdefault(full, title)
                if gender is None:
                    gender = self.gender.get(full)
                elif full not in self.gender:
                    self.gender[full] = gender
            mention = Mention(
                s,
                me,
                name,
                kind,
                gender,
                in_quote=in_quote,
                strong=strong,
                roles=roles,
                sentence=sent_start,
            )
            if kind == "person" and not in_quote and not self._modifier(me):
                if raw.endswith(POSS) and _POSS_ROLE_NAME_RE.match(text, me):
                    # `Trump's attorney, Alan Garten, said`: the possessor is no subject;
                    # the person named after it may be
                    mention.subject = False
                else:
                    mention.subject = not sentence_has_person and not self._pronoun_subject(
                        sent_start, ms, quote_spans, quote_starts
                    )
                    sentence_has_person = True
                after = _SPEAKER_AFTER_RE.match(text, me)
                mention.speaker = self._speaker(after.group(1) if after else "") or (
                    _SPEAKER_BEFORE_RE.search(text, max(0, ms - 16), ms) is not None
                    and _CLAUSE_CLOSE_RE.match(text, me) is not None
                )
            self.items.append(mention)
            prev_end = me
        for mention in self.items:
            if mention.kind == "person" and not mention.strong:
                mention.strong = last_token(mention.name) in singles

    @staticmethod
    def _speaker(verb: str) -> bool:
        """Does `verb` after a name make it an attribution's speaker (`Woolson said`)?"""
        if verb not in SPEECH_VERBS:
            return False
        return verb in _SPEAKER_PRESENT or verb.endswith("ed") or verb in ("said", "told", "wrote")

    def _pronoun_subject(
        self, start: int, end: int, quote_spans: list[tuple[int, int]], quote_starts: list[int]
    ) -> bool:
        """Is a `he`/`she` outside quotations the subject of the sentence from `start`
        before the name at `end` (`Asked who leads the party, he said Ryan.`)? Then the
        name is no subject: the pronoun is, and it refers further back."""
        for m in _SUBJECT_PRONOUN_RE.finditer(self.text, start, end):
            q = bisect_left(quote_starts, m.start()) - 1
            if q >= 0 and quote_spans[q][1] > m.start():
                continue  # inside a quotation
            before = _WORD_BEFORE_RE.search(self.text, max(start, m.start() - 24), m.start())
            if before is None or before.group(1).lower() not in SUBORDINATORS:
                return True
        return False

    def _modifier(self, end: int) -> bool:
        """Is the name ending at `end` a modifier of a role and the next name (`Trump
        campaign spokesman Jason Miller told`, `Obama's press secretary Josh Earnest`)?"""
        m = _ROLE_THEN_NAME_RE.match(self.text, end)
        return m is not None and m.group(1) in PERSON_ROLES

    def expand_acronym(self, acronym: str) -> str | None:
        """`IMF` -> `International Monetary Fund` when the document has a capitalised name
        with those initials (small words like "of" and "for" skipped)."""
        if self._acronyms is None:
            self._acronyms = {}
            for m in _ORG_NAME_RE.finditer(self.text):
                words = m.group(0).split()
                if words[0] in ("The", "A", "An"):
                    words = words[1:]
                initials = "".join(w[0] for w in words if w[0].isupper())
                if 2 <= len(initials) <= 6 and len(words) >= 2:
                    self._acronyms.setdefault(initials, " ".join(words))
        return self._acronyms.get(acronym)

    def canonical(self, name: str, pos: int, gender: str | None = None) -> str:
        if " " in name:
            return name
        hist = self.full.get(name)
        if not hist:
            # `says Michael`: a first name the story gave one full name
            given = self.given.get(name)
            return given[0] if given is not None and len(given) == 1 else name
        # "Mr. Obama" is not "Michelle Obama": the gender of the nearest gendered title
        # on this surname rules out full names of the other gender
        titled = self.titled_gender.get(name)
        if gender is None and titled:
            gender = min(titled, key=lambda pg: abs(pg[0] - pos))[1]
        best: str | None = None
        best_pos = -1
        seen: list[str] = []
        for p, full in hist:
            if p >= pos and best is not None:
                break
            g = self.gender.get(full)
            if gender is not None and g is not None and g != gender:
                continue
            best, best_pos = full, p
            seen.append(full)
        if best is not None and len(set(seen)) > 1 and pos - best_pos > _LOCAL_NAME_WINDOW:
            # several people share the surname and none was named nearby: the one the
            # story names most (its subject; on a tie the first named) rather than the latest
            known = [f for f in seen if self.gender.get(f) is not None]
            if len(set(known)) > 1:
                best = max(known, key=lambda f: self.full_count.get(f, 0))  # ties: the first
        return best if best is not None else name

    def resolve(self, pos: int, gender: str | None, window: int = 3000) -> Mention | None:
        """Most salient person mention before `pos`: the first-in-sentence (subject)
        mention of the nearest sentence that has a compatible one, else the nearest
        compatible mention."""
        return self._resolve(pos, gender, window, False)

    def _resolve(self, pos: int, gender: str | None, window: int, strong: bool) -> Mention | None:
        i = bisect_left(self.starts, pos) - 1
        lo = pos - window
        fallback: Mention | None = None
        while i >= 0 and self.items[i].start >= lo:
            m = self.items[i]
            i -= 1
            if m.kind != "person" or m.in_quote or (strong and not m.strong):
                continue
            full = self.canonical(m.name, m.start, gender)
            g = m.gender or self.gender.get(full)
            if gender is not None and g is not None and g != gender:
                continue
            if m.subject or m.speaker:
                # the subject of the nearest sentence with a compatible person, or the
                # speaker of an attribution in it (`The good news for Cruz, Woolson said,`)
                if g is None and gender is not None:
                    self.gender[full] = gender
                return m
            if fallback is None:
                fallback = m
        return fallback

    def rivals(self, antecedent: Mention, pos: int, gender: str | None) -> int:
        """How many other people a he/she at `pos` could also name: persons of a
        compatible gender mentioned outside quotations in the sentences from its
        antecedent's up to `pos` (0: the resolution had no choice to make)."""
        full = self.canonical(antecedent.name, antecedent.start, gender)
        seen: set[str] = set()
        i = bisect_left(self.starts, antecedent.sentence)
        while i < len(self.items) and self.items[i].start < pos:
            m = self.items[i]
            i += 1
            if m.kind != "person" or m.in_quote or m is antecedent:
                continue
            other = self.canonical(m.name, m.start, gender)
            g = m.gender or self.gender.get(other)
            if other != full and (gender is None or g is None or g == gender):
                seen.add(other)
        return len(seen)

    def resolve_role(self, pos: int, role: str, window: int = 4000) -> Mention | None:
        """`the mayor`: the latest person introduced with that role before `pos`."""
        role = role_word(role)
        i = bisect_left(self.starts, pos) - 1
        lo = pos - window
        while i >= 0 and self.items[i].start >= lo:
            m = self.items[i]
            i -= 1
            if m.kind == "person" and not m.in_quote and role in m.roles:
                return m
        # the role may have been given to an earlier mention of the same person
        return None

    def next_with_role(self, pos: int, role: str, window: int = 2000) -> Mention | None:
        """`Mayor Vows "No New Taxes"` above `Mayor Tomas Reyes spoke ...`: the first
        person introduced with that role after `pos` (a headline's subject)."""
        role = role_word(role)
        i = bisect_left(self.starts, pos)
        while i < len(self.items) and self.items[i].start <= pos + window:
            m = self.items[i]
            i += 1
            if m.kind == "person" and not m.in_quote and role in m.roles:
                return m
        return None

    def is_person_surname(self, word: str, after: int) -> bool:
        """Is `word` the surname of a person mentioned after offset `after`?"""
        i = bisect_left(self.starts, after)
        items = self.items[i : i + 400]
        return any(m.kind == "person" and last_token(m.name) == word for m in items)

    def set_gender(self, name: str, pos: int, gender: str) -> None:
        self.gender.setdefault(self.canonical(name, pos), gender)
