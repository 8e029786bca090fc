"""Quote extraction: find quoted regions, attribute each to a speaker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexicon import (
    DETERMINERS,
    DOC_WORDS,
    FEMALE,
    MALE,
    PERSON_ROLES,
    PRONOUNS,
    SKIP_BEFORE_VERB,
    SPEECH_VERBS,
    STOP_CONJ,
    WEAK_VERBS,
)
from .marks import BROKEN, DOUBLE_MARKS, OPEN_END, RECOVERED, SINGLE_MARKS, RawQuote, find_quotes
from .names import Mentions, clean_name
from .speakers import SpeakerIndex
from .types import QuoteCandidate, SpeakerRecord

_TOK_RE = re.compile(
    r"[^\W_](?:[\w\u2019'&\-]*[^\W_])?(?:\.(?:[^\W_]\.?)*)?|[,;:()\u2014\u2013\u2015!?]"
)
_ABBREV = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "sen",
        "rep",
        "gov",
        "lt",
        "gen",
        "col",
        "sgt",
        "capt",
        "prof",
        "rev",
        "st",
        "jr",
        "sr",
        "adm",
        "maj",
        "u.s",
        "u.n",
        "inc",
        "corp",
        "co",
        "jan",
        "feb",
        "aug",
        "sept",
        "oct",
        "nov",
        "dec",
        "vs",
        "no",
        "d",
        "r",
        "i",
    ]
)
_MARK_CHARS = DOUBLE_MARKS + SINGLE_MARKS
_ALL_CAPS_LINE_MIN = 12
_LABEL_RE = re.compile(r"([A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]+)?):\s")


@dataclass(slots=True)
class Tok:
    start: int
    end: int
    word: str

    @property
    def low(self) -> str:
        return self.word.lower()

    @property
    def cap(self) -> bool:
        return self.word[:1].isupper()


@dataclass(slots=True)
class Attribution:
    mention: str
    start: int
    end: int
    cue: str | None
    strength: float


def _tokens(text: str, s: int, e: int) -> list[Tok]:
    out: list[Tok] = []
    for m in _TOK_RE.finditer(text, s, e):
        w = m.group(0)
        if w.endswith(".") and len(w) > 1:
            core = w[:-1].lower()
            if "." not in core and core not in _ABBREV and not (len(core) == 1 and w[0].isupper()):
                out.append(Tok(m.start(), m.end() - 1, w[:-1]))
                out.append(Tok(m.end() - 1, m.end(), "."))
                continue
        out.append(Tok(m.start(), m.end(), w))
    # Sentence-final periods not caught above ("end. Next") are plain tokens.
    return out


def _is_sentence_end(text: str, s: int, e: int) -> list[int]:
    """Offsets of sentence ends in [s, e)."""
    out: list[int] = []
    for m in re.finditer(r"[.!?](?=[\"\u201d\u2019')]*\s)", text[s:e]):
        i = s + m.start()
        j = i
        while j > s and not text[j - 1].isspace():
            j -= 1
        word = text[j:i].lower().strip("(\"'\u201c\u2018")
        if text[i] == "." and (word in _ABBREV or (len(word) == 1 and word.isalpha())):
            continue
        out.append(i + 1)
    return out


def _np_from_chunk(toks: list[Tok]) -> tuple[int, int] | None:
    """Speaker span inside a noun-phrase chunk: the pronoun, the last capitalised run
    when the chunk ends in a name, or the whole role phrase ("a senior official")."""
    toks = [t for t in toks if t.word not in ",;:()"]
    if not toks:
        return None
    if toks[0].low in PRONOUNS:
        return toks[0].start, toks[0].end
    if toks[-1].cap:
        j = len(toks) - 1
        i = j
        while i > 0 and (toks[i - 1].cap or toks[i - 1].low in ("de", "van", "von", "al")):
            i -= 1
        return toks[i].start, toks[j].end
    if len(toks) > 7:
        return None
    return toks[0].start, toks[-1].end


def _chunk_after(toks: list[Tok], k: int) -> list[Tok]:
    """NP starting at toks[k], up to a comma, parenthesis, preposition or clause word."""
    out: list[Tok] = []
    for t in toks[k:]:
        if t.word in ",;:().!?\u2014\u2013" or t.low in STOP_CONJ:
            break
        if (
            t.low
            in (
                "in",
                "on",
                "at",
                "during",
                "to",
                "after",
                "before",
                "about",
                "of",
                "for",
                "with",
                "from",
                "who",
                "last",
                "this",
                "earlier",
                "late",
                "told",
                "says",
                "said",
                "wrote",
            )
            and out
        ):
            if t.low == "of" and out and not out[-1].cap:
                out.append(t)  # "a spokesman of ..." keeps going
                continue
            break
        out.append(t)
        if len(out) >= 9:
            break
    return out


def _chunk_before(toks: list[Tok], k: int) -> list[Tok]:
    """NP ending just before toks[k] (the verb), skipping adverbs and auxiliaries."""
    j = k
    while j > 0 and toks[j - 1].low in SKIP_BEFORE_VERB:
        j -= 1
    # step over an appositive or aside: "Clinton, at a press gaggle, said"
    if j > 1 and toks[j - 1].word in ",)":
        close = toks[j - 1].word
        opener = "," if close == "," else "("
        i = j - 2
        while i >= 0 and j - i < 14 and toks[i].word != opener:
            if toks[i].word in ".;:" or (close == "," and toks[i].low in STOP_CONJ):
                i = -1
                break
            i -= 1
        if i <= 0:
            return []
        j = i
        while j > 0 and toks[j - 1].low in SKIP_BEFORE_VERB:
            j -= 1
        if j == 0:
            return []
    if j == 0:
        return []
    head = toks[j - 1]
    if head.low in PRONOUNS:
        return [head]
    out: list[Tok] = []
    i = j - 1
    if head.cap:
        while i >= 0 and (toks[i].cap or toks[i].low in ("de", "van", "von", "al")):
            out.append(toks[i])
            i -= 1
        # keep a lowercase role in front ("press secretary Jen Psaki") out of the name
        return out[::-1]
    while i >= 0 and len(out) < 7:
        t = toks[i]
        if t.word in ",;:().!?\u2014\u2013" or t.low in STOP_CONJ or t.low in PRONOUNS:
            break
        out.append(t)
        if t.low in DETERMINERS or t.word.endswith(("\u2019s", "'s")):
            break
        i -= 1
    return out[::-1]


def _cue(toks: list[Tok], k: int, text: str) -> tuple[str, int]:
    v = toks[k]
    end = v.end
    if v.low in ("told", "tells", "tell", "telling") and k + 1 < len(toks):
        n = toks[k + 1]
        if n.word not in ",;:().!?" and n.low not in STOP_CONJ:
            end = n.end
    return text[v.start : end], end


_LEAD_SKIP = frozenset(
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
        "all",
        "meanwhile",
        "still",
        "even",
        "also",
        "then",
        "now",
        "today",
        "earlier",
        "later",
        "last",
        "instead",
    ]
)
# Verbs that make a proper-name subject the likely source of a partial quote.
_SUBJECT_VERBS = frozenset(
    [
        "is",
        "was",
        "has",
        "had",
        "have",
        "wants",
        "wanted",
        "will",
        "would",
        "could",
        "should",
        "can",
        "thinks",
        "thought",
        "believes",
        "believed",
        "called",
        "calls",
        "accused",
        "accuses",
        "described",
        "describes",
        "urged",
        "urges",
        "vowed",
        "vows",
        "blasted",
        "blasts",
        "slammed",
        "slams",
        "branded",
        "brands",
        "dubbed",
        "labeled",
        "referred",
        "insisted",
        "pledged",
        "promised",
        "warned",
        "argued",
        "responded",
        "bemoaned",
        "mocked",
        "praised",
        "touted",
        "criticized",
        "denounced",
        "defended",
        "dismissed",
    ]
)
_PREP = frozenset(
    ["of", "in", "on", "at", "for", "to", "from", "by", "with", "about", "as", "into", "over"]
)
_NOT_BEFORE_VERB = frozenset(
    [
        "a",
        "an",
        "the",
        "his",
        "her",
        "their",
        "its",
        "our",
        "my",
        "your",
        "this",
        "that",
        "these",
        "those",
        "to",
        "of",
        "for",
        "with",
    ]
)
_GROUPS = frozenset(
    [
        "officials",
        "sources",
        "aides",
        "critics",
        "analysts",
        "experts",
        "advisers",
        "advisors",
        "supporters",
        "protesters",
        "voters",
        "residents",
        "people",
        "democrats",
        "republicans",
        "observers",
        "lawmakers",
        "leaders",
        "police",
        "investigators",
        "prosecutors",
        "authorities",
        "witnesses",
        "organizers",
        "officers",
        "economists",
        "historians",
        "scientists",
        "researchers",
        "activists",
        "spokesmen",
    ]
)


def _verb_position(toks: list[Tok], k: int) -> bool:
    if k == 0:
        return True
    p = toks[k - 1]
    return p.low not in _NOT_BEFORE_VERB and not p.word.endswith(("\u2019s", "'s"))


def _valid_np(chunk: list[Tok]) -> bool:
    words = [t for t in chunk if t.word not in ",;:()"]
    if not words:
        return False
    first, head = words[0], words[-1]
    if first.low in PRONOUNS or head.cap:
        return True
    if first.low in DETERMINERS or first.word.endswith(("\u2019s", "'s")) or first.cap:
        return True
    return len(words) <= 2 and head.low in _GROUPS


def _speech_verb(t: Tok) -> bool:
    return t.word[0].islower() and t.low in SPEECH_VERBS


class _Extractor:
    def __init__(self, text: str, index: SpeakerIndex) -> None:
        self.text = text
        self.index = index
        self._mentions: Mentions | None = None
        self.spans: list[tuple[int, int]] = []

    @property
    def mentions(self) -> Mentions:
        if self._mentions is None:
            self._mentions = Mentions(self.text, self.spans)
        return self._mentions

    # -- attribution -----------------------------------------------------------------

    def after(self, q: RawQuote, nxt_mark: int) -> Attribution | None:
        text = self.text
        if q.close_pos < 0:
            return None
        last = text[q.end - 1] if q.end > q.start else ""
        a = q.close_pos + 1
        e = min(q.para_end, nxt_mark, a + 250)
        toks = _tokens(text, a, e)
        k0 = 0
        while k0 < len(toks) and toks[k0].word in ",\u2014\u2013:\u2015":
            k0 += 1
        dashed = k0 > 0 and toks[k0 - 1].word in "\u2015\u2014"
        toks = toks[k0:]
        if not toks or toks[0].word in ".;":
            return None
        if dashed and toks[0].cap:
            chunk = []
            for x in toks:
                if x.word in ",(;.":
                    break
                chunk.append(x)
            np = _np_from_chunk(chunk)
            if np is not None and chunk[-1].cap:
                return Attribution(text[np[0] : np[1]], np[0], np[1], None, 0.85)
        # `"... ." Smith said` is rare; `"... ." Smith said the...` reports new speech.
        limit = 4 if last == "." and toks[0].cap and toks[0].low not in PRONOUNS else 16
        if toks[0].low == "according" and len(toks) > 2 and toks[1].low == "to":
            return self._according(toks, 2, q, text, toks[0].start, toks[1].end)
        if _speech_verb(toks[0]) and toks[0].low not in WEAK_VERBS:
            chunk = _chunk_after(toks, 1)
            np = _np_from_chunk(chunk)
            if np is None:
                return None
            cue, _ = _cue(toks, 0, text)
            return Attribution(text[np[0] : np[1]], np[0], np[1], cue, 0.95)
        for k in range(1, min(len(toks), limit)):
            t = toks[k]
            if t.word in ".!?;" or t.low in ("that", "because", "which"):
                return None
            if _speech_verb(t) and t.low not in WEAK_VERBS and _verb_position(toks, k):
                chunk = []
                for x in toks[:k]:
                    if x.word in ",(;\u2014\u2013":
                        break
                    chunk.append(x)
                while chunk and chunk[-1].low in SKIP_BEFORE_VERB:
                    chunk.pop()
                np = _np_from_chunk(chunk) if _valid_np(chunk) else None
                if np is None:
                    return None
                cue, _cue_end = _cue(toks, k, text)
                strength = 0.95 if k <= 4 else 0.85
                if limit == 4:
                    # must be the whole sentence: `"Go." Smith said.`
                    rest = [x for x in toks[k + 1 :] if x.word not in ","]
                    if rest and rest[0].word != ".":
                        return None
                return Attribution(text[np[0] : np[1]], np[0], np[1], cue, strength)
        return None

    def _according(
        self, toks: list[Tok], k: int, q: RawQuote, text: str, cs: int, ce: int
    ) -> Attribution | None:
        chunk = _chunk_after(toks, k)
        np = _np_from_chunk(chunk)
        if np is None:
            return None
        head = chunk[-1].low if chunk else ""
        if head in DOC_WORDS:
            # "according to a statement": the statement's author is the clause subject
            subj = self.subject(q)
            if subj is not None:
                return Attribution(subj.mention, subj.start, subj.end, text[cs:ce], 0.6)
            return Attribution("", -1, -1, text[cs:ce], 0.5)
        return Attribution(text[np[0] : np[1]], np[0], np[1], text[cs:ce], 0.9)

    def before(self, q: RawQuote, floor: int) -> Attribution | None:
        text = self.text
        e = q.open_pos if q.open_pos >= 0 else q.start
        s = max(floor, q.para_start, e - 400)
        ends = _is_sentence_end(text, s, e)
        if ends:
            s = ends[-1]
        toks = _tokens(text, s, e)
        if not toks:
            return None
        for k in range(len(toks) - 1, -1, -1):
            t = toks[k]
            if t.low == "to" and k > 0 and toks[k - 1].low == "according":
                r = self._according(toks, k + 1, q, text, toks[k - 1].start, t.end)
                if r is not None:
                    return r
                continue
            if not _speech_verb(t) or not _verb_position(toks, k):
                continue
            gap = len(toks) - 1 - k
            if t.low in WEAK_VERBS and gap > 3:
                continue
            if k > 0 and toks[k - 1].low in ("was", "were", "been", "be", "is", "are", "being"):
                continue
            cue, _ = _cue(toks, k, text)
            if t.low.endswith("ing"):
                subj = self.subject(q)
                if subj is None:
                    continue
                return Attribution(subj.mention, subj.start, subj.end, cue, 0.75)
            chunk = _chunk_before(toks, k)
            np = _np_from_chunk(chunk) if _valid_np(chunk) else None
            if np is None:
                continue
            strength = 0.9 if gap <= 3 else 0.8
            return Attribution(text[np[0] : np[1]], np[0], np[1], cue, strength)
        return None

    def subject(self, q: RawQuote) -> Attribution | None:
        """The first noun phrase of the quotation's sentence."""
        text = self.text
        e = q.open_pos if q.open_pos >= 0 else q.start
        s = max(q.para_start, e - 400)
        ends = _is_sentence_end(text, s, e)
        if ends:
            s = ends[-1]
        toks = _tokens(text, s, e)
        # skip an introductory phrase ("Last weekend, ...")
        for k, t in enumerate(toks[:8]):
            if t.word == ",":
                toks = toks[k + 1 :]
                break
        if not toks:
            return None
        k = 0
        while k < len(toks) and toks[k].cap and toks[k].low in _LEAD_SKIP:
            k += 1
        toks = toks[k:]
        if toks and toks[0].low in PRONOUNS:
            return Attribution(toks[0].word, toks[0].start, toks[0].end, None, 0.5)
        if toks and toks[0].cap:
            j = 0
            while j + 1 < len(toks) and (toks[j + 1].cap or toks[j + 1].low in ("of",)):
                j += 1
            while j > 0 and toks[j].low == "of":
                j -= 1
            nxt = toks[j + 1] if j + 1 < len(toks) else None
            if (
                nxt is None
                or nxt.word in ",("
                or (nxt.word[:1].islower() and nxt.low not in STOP_CONJ and nxt.low not in _PREP)
            ):
                chunk = toks[: j + 1]
                np = _np_from_chunk(chunk)
                if np is not None:
                    return Attribution(text[np[0] : np[1]], np[0], np[1], None, 0.5)
        return None

    def label(self, q: RawQuote) -> Attribution | None:
        """Transcript style: the content opens with an upper-case speaker label."""
        text = self.text
        m = _LABEL_RE.match(text, q.start, q.end)
        if m is None:
            return None
        return Attribution(m.group(1), m.start(1), m.end(1), None, 0.8)

    def intro(self, q: RawQuote) -> Attribution | None:
        """A paragraph-long quotation introduced by the previous paragraph ("X said:")."""
        text = self.text
        ps = q.para_start - 1
        while ps > 0 and text[ps - 1].isspace():
            ps -= 1
        if ps <= 0 or text[ps - 1] != ":":
            return None
        start = text.rfind("\n", 0, ps) + 1
        fake = RawQuote(ps, ps, ps, -1, start, ps, "intro")
        return self.before(fake, start)

    # -- resolution ------------------------------------------------------------------

    def resolve(self, att: Attribution) -> tuple[str | None, str | None, int, int]:
        """Turn a mention into (speaker, kind, mention_start, mention_end)."""
        if att.start < 0 or not att.mention:
            return None, None, -1, -1
        words = att.mention.split()
        low0 = words[0].lower()
        if len(words) == 1 and low0 in PRONOUNS:
            gender = "m" if low0 in MALE else "f" if low0 in FEMALE else None
            if low0 in ("he", "she"):
                m = self.mentions.resolve(att.start, gender)
                if m is not None:
                    name = self.mentions.canonical(m.name, m.start)
                    rec = self.index.lookup(name)
                    if rec is not None:
                        return rec.name, rec.kind, att.start, att.end
                    return name, "person", att.start, att.end
            return None, None, att.start, att.end
        rec = self.index.lookup(att.mention)
        if rec is not None:
            return rec.name, rec.kind, att.start, att.end
        if low0 in DETERMINERS or not words[0][:1].isupper():
            head = words[-1].lower()
            if low0 == "the" and head in PERSON_ROLES and len(words) <= 4:
                m = self.mentions.resolve(att.start, None)
                if m is not None:
                    name = self.mentions.canonical(m.name, m.start)
                    rec = self.index.lookup(name)
                    if rec is not None:
                        return rec.name, rec.kind, att.start, att.end
                    return name, "person", att.start, att.end
            return att.mention, None, att.start, att.end
        name, kind, _, skip = clean_name(att.mention)
        if not name:
            return att.mention, None, att.start, att.end
        full = self.mentions.canonical(name, att.start)
        rec = self.index.lookup(full) or self.index.lookup(name)
        if rec is not None:
            return rec.name, rec.kind, att.start, att.end
        return full, kind if kind != "other" else None, att.start + skip, att.end


def _is_boilerplate(text: str, ps: int, pe: int) -> bool:
    if pe - ps > 200:
        return False  # headlines and promo lines are short; also keeps this O(1) per quote
    line = text[ps:pe]
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= _ALL_CAPS_LINE_MIN and all(c.isupper() for c in letters):
        return True
    low = line.lower()
    return low.startswith(("click here", "read more", "related:", "sign up", "subscribe"))


def _word_count(text: str, s: int, e: int) -> int:
    return len(text[s:e].split())


def extract_quotes(
    text: str, speakers: Sequence[SpeakerRecord] | None = None
) -> list[QuoteCandidate]:
    raws = find_quotes(text)
    if not raws:
        return []
    index = SpeakerIndex(speakers or ())
    ex = _Extractor(text, index)
    ex.spans = [(r.start, r.end) for r in raws]
    ex.spans.sort()
    n = len(raws)
    atts: list[Attribution | None] = [None] * n
    subject_only = [False] * n
    for i, q in enumerate(raws):
        nxt_mark = raws[i + 1].open_pos if i + 1 < n and raws[i + 1].open_pos >= 0 else q.para_end
        if i + 1 < n and raws[i + 1].open_pos < 0 and raws[i + 1].para_start == q.para_start:
            nxt_mark = min(nxt_mark, raws[i + 1].start)
        floor = q.para_start
        if i > 0 and raws[i - 1].para_start == q.para_start:
            prev = raws[i - 1]
            floor = prev.close_pos + 1 if prev.close_pos >= 0 else prev.end
        att = ex.after(q, nxt_mark)
        if att is None:
            att = ex.before(q, floor)
        if att is None:
            att = ex.label(q)
        if att is None and _standalone(text, q) and not q.continues:
            att = ex.intro(q)
        atts[i] = att
    # Inherit along quotation chains: continued paragraphs, and quotes standing alone
    # right after an attributed one ("A," he said. "B.").
    last_attributed = -1  # latest attributed quote, so the inheritance pass stays linear
    for i, q in enumerate(raws):
        if atts[i] is not None:
            last_attributed = i
            continue
        if i == 0:
            continue
        prev = raws[i - 1]
        if q.continues or (_standalone(text, q) and _ends_paragraph(text, prev)):
            atts[i] = atts[i - 1]
        elif (
            prev.para_start == q.para_start
            and _sentence_initial(text, q)
            and last_attributed >= 0
            and raws[last_attributed].para_start == q.para_start
        ):
            atts[i] = atts[last_attributed]
        if atts[i] is not None:
            last_attributed = i
    for i in range(n - 2, -1, -1):
        if atts[i] is None and raws[i].continued and raws[i + 1].continues:
            atts[i] = atts[i + 1]
    for i, q in enumerate(raws):
        # a second partial quote in the same sentence shares the first one's speaker
        if (
            atts[i] is None
            and i > 0
            and atts[i - 1] is not None
            and _same_sentence(text, raws[i - 1], q)
        ):
            atts[i] = atts[i - 1]
    for i, q in enumerate(raws):
        if atts[i] is None and not q.single:
            s = ex.subject(q)
            if s is not None:
                atts[i] = s
                subject_only[i] = True
    out: list[QuoteCandidate] = []
    for i, q in enumerate(raws):
        att = atts[i]
        conf = 0.9
        if q.status == RECOVERED:
            conf = 0.6
        elif q.status in (BROKEN, OPEN_END) and not q.continued:
            conf = 0.5
        if q.single:
            conf -= 0.2
        words = _word_count(text, q.start, q.end)
        if att is None or subject_only[i]:
            conf = min(conf, 0.55 if words >= 8 else 0.3 if words >= 3 else 0.15)
        else:
            conf = min(conf, att.strength)
        if _is_boilerplate(text, q.para_start, q.para_end):
            conf = min(conf, 0.1)
        speaker: str | None = None
        kind: str | None = None
        ss: int | None = None
        se: int | None = None
        cue: str | None = None
        if att is not None:
            speaker, kind, s0, e0 = ex.resolve(att)
            if s0 >= 0:
                ss, se = s0, e0
            cue = att.cue
            if speaker is not None and speaker.lower() in PRONOUNS:
                conf = min(conf, 0.5)
        out.append(
            QuoteCandidate(
                start=q.start,
                end=q.end,
                text=text[q.start : q.end],
                speaker=speaker,
                speaker_start=ss,
                speaker_end=se,
                cue=cue,
                confidence=round(max(0.0, min(1.0, conf)), 3),
                speaker_kind=kind,
            )
        )
    return out


def _sentence_initial(text: str, q: RawQuote) -> bool:
    i = q.open_pos if q.open_pos >= 0 else q.start
    j = i - 1
    while j >= q.para_start and text[j].isspace():
        j -= 1
    return (
        j < q.para_start
        or text[j] in ".!?"
        or (text[j] in _MARK_CHARS and (j > 0 and text[j - 1] in ".!?"))
    )


def _standalone(text: str, q: RawQuote) -> bool:
    first = q.para_start
    return q.open_pos == first


def _ends_paragraph(text: str, q: RawQuote) -> bool:
    return q.close_pos >= 0 and len(text[q.close_pos + 1 : q.para_end].strip()) < 60


def _same_sentence(text: str, a: RawQuote, b: RawQuote) -> bool:
    if a.para_start != b.para_start or a.close_pos < 0 or b.open_pos < 0:
        return False
    if text[a.end - 1 : a.end] in (".", "!", "?"):
        return False
    return not _is_sentence_end(text, a.close_pos, b.open_pos)
