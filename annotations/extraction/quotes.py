"""Quote extraction: find quoted regions, attribute each to a speaker."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .confidence import ConfidenceModel, shipped_model
from .lexicon import (
    ABBREV,
    ADDRESSEE_VERBS,
    ADJECTIVE_ENDINGS,
    AUX,
    BOILERPLATE_LINES,
    CHUNK_BREAKS,
    CLAUSE_WORDS,
    DETERMINERS,
    DOC_WORDS,
    FEMALE,
    FEMALE_NAMES,
    FINITE_IRREGULAR,
    FUNCTION_WORDS,
    GROUPS,
    HEADLINE_VERBS,
    INTRO_WORDS,
    LEAD_ADVERBS,
    LIGHT_VERBS,
    MALE,
    MALE_NAMES,
    MODALS,
    NAME_LINKS,
    NOT_BEFORE_VERB,
    OPENING_PHRASES,
    ORG_WORDS,
    PERSON_ROLES,
    PHRASAL_CUES,
    PLACE_TIME_LEADS,
    POSS,
    POSS_DETS,
    PREP,
    PREP_NOT_BY,
    PRONOUNS,
    REGIONS,
    SAY,
    SENTENCE_OPENERS,
    SKIP_BEFORE_VERB,
    SOURCE_LEADS,
    SOURCE_LINKS,
    SOURCE_NOUNS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    STOP_CONJ,
    SUBJECT_DETS,
    SUBJECT_VERBS,
    SUBORDINATORS,
    TIME_NOUNS,
    TIME_PREPS,
    TITLE_SMALL,
    TITLES,
    WEAK_VERBS,
    WEEKDAY_LEAD,
    WEEKDAYS,
    WORK_NOUNS,
)
from .marks import DOUBLE_MARKS, SINGLE_MARKS, RawQuote, find_quotes
from .names import NICKNAME, Mention, Mentions, clean_name, title_of
from .speakers import SpeakerIndex
from .types import QuoteCandidate, SpeakerRecord

_TOK_RE = re.compile(
    r"[^\W_](?:[\w\u2019'&\-]*[^\W_])?(?:\.(?:[^\W_]\.?)*)?|[,;:()\u2014\u2013\u2015!?]"
)
_MARK_CHARS = DOUBLE_MARKS + SINGLE_MARKS
_HEAD_LABEL_RE = re.compile(r"[ \t]*([A-Z][\w\u2019'.\-]*(?: [A-Z][\w\u2019'.\-]*){0,3}):\s")
_HEAD_SAYS_RE = re.compile(
    r",[\u2019\u201d'\"]?\s+([A-Z][\w\u2019'.\-]*(?: [A-Z][\w\u2019'.\-]*){0,3})"
    r"\s+(?:Says|Said)\.?\s*$"
)
_ALL_CAPS_LINE_MIN = 12
_DENSE_PARAGRAPH = 40  # quotations in one paragraph beyond which it is not prose
# a capitalised word inside a sentence (after a lowercase word or a comma)
_MIDCAP_RE = re.compile(r"(?<=[a-z0-9,;] )([A-Z][\w\-]*)")
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
    # the cue ends in a colon (`..., Trump said: "`): it may introduce the next quotation
    forward: bool = False


def _tokens(text: str, s: int, e: int) -> list[Tok]:
    out: list[Tok] = []
    for m in _TOK_RE.finditer(text, s, e):
        w = m.group(0)
        if w.endswith(".") and len(w) > 1:
            core = w[:-1].lower()
            if (
                "." not in core
                and core not in ABBREV
                and not (len(core) == 1 and w[0].isupper())
                and text[m.end() : m.end() + 1] not in (",", ")")  # "R-Ky.," is no full stop
            ):
                out.append(Tok(m.start(), m.end() - 1, w[:-1]))
                out.append(Tok(m.end() - 1, m.end(), "."))
                continue
        if len(w) > 3 and w[-2] in "\u2019'" and w[:-2].lower() in PRONOUNS:
            # "He's claiming": the pronoun is the subject, "'s" the auxiliary
            out.append(Tok(m.start(), m.end() - 2, w[:-2]))
            out.append(Tok(m.end() - 2, m.end(), w[-2:]))
            continue
        out.append(Tok(m.start(), m.end(), w))
    # Sentence-final periods not caught above ("end. Next") are plain tokens.
    return out


def _is_sentence_end(text: str, s: int, e: int) -> list[int]:
    """Offsets of sentence ends in [s, e)."""
    out: list[int] = []
    for m in _SENT_END_RE.finditer(text, s, e):
        i = m.start()
        j = i
        while j > s and not text[j - 1].isspace():
            j -= 1
        word = text[j:i].lower().strip("(\"'\u201c\u2018")
        if text[i] == "." and (word in ABBREV or (len(word) == 1 and word.isalpha())):
            continue
        if text[i] == "." and i + 1 < len(text) and text[i + 1] == ")":
            continue  # "(D-Md.) said": an abbreviation closing a parenthesis
        if text[i] == "." and "." in word and text[i + 2 : i + 3].islower():
            continue  # "a veteran D.C. lobbyist": an initialism inside the sentence
        out.append(i + 1)
    return out


_SENT_END_RE = re.compile(r"[.!?](?=[\"\u201d\u2019')]*\s)")


def _drop_parens(toks: list[Tok]) -> list[Tok]:
    """Remove short parenthesised groups: party-state tags "(D-Md.)", ages, acronyms."""
    if not any(t.word == "(" for t in toks):
        return toks
    out: list[Tok] = []
    k = 0
    n = len(toks)
    while k < n:
        t = toks[k]
        if t.word == "(":
            j = k + 1
            while j < n and j - k <= 8 and toks[j].word not in "()":
                j += 1
            if j < n and toks[j].word == ")":
                k = j + 1
                continue
        out.append(t)
        k += 1
    return out


def _np_from_chunk(toks: list[Tok]) -> tuple[int, int] | None:
    """Speaker span inside a noun-phrase chunk: the pronoun, the last capitalised run
    when the chunk ends in a name, or the whole role phrase ("a senior official", "a
    person close to the Clintons")."""
    toks = [t for t in toks if t.word not in ",;:()"]
    if not toks:
        return None
    if _source_link(toks) > 0:
        return toks[0].start, toks[-1].end
    if toks[0].low in PRONOUNS:
        return toks[0].start, toks[0].end
    if toks[-1].cap:
        j = len(toks) - 1
        i = _name_run_start(toks, j)
        return toks[i].start, toks[j].end
    if len(toks) > 7:
        return None
    return toks[0].start, toks[-1].end


def _source_link(toks: Sequence[Tok]) -> int:
    """Where the phrase placing an anonymous source starts in a chunk that opens with
    that source (`a person close to the Clintons`: 2, the offset of "close"), else 0."""
    for i in range(1, min(len(toks) - 2, 5)):
        if (toks[i].low, toks[i + 1].low) in SOURCE_LINKS and toks[i - 1].low in SOURCE_NOUNS:
            lead = toks[0].low
            if lead in DETERMINERS or lead in SOURCE_LEADS or toks[0].word.islower():
                return i
            return 0
    return 0


def _source_before(toks: list[Tok], j: int) -> list[Tok] | None:
    """`A source familiar with the talks said`: the described source ending at toks[j - 1],
    found by its link words within ten tokens."""
    for m in range(j - 2, max(0, j - 10), -1):
        if toks[m].word in ",;:()\u2014\u2013" or _speech_verb(toks[m]):
            return None
        if (toks[m].low, toks[m + 1].low) not in SOURCE_LINKS or m == 0:
            continue
        if toks[m - 1].low not in SOURCE_NOUNS:
            return None
        s = m - 1
        while s > 0 and m - s < 4 and toks[s - 1].word not in ",;:()\u2014\u2013":
            if toks[s].low in DETERMINERS or toks[s].low in SOURCE_LEADS:
                break
            s -= 1
        chunk = toks[s:j]
        return chunk if _source_link(chunk) > 0 else None
    return None


def _name_run_start(toks: list[Tok], j: int) -> int:
    """Start of the capitalised run ending at toks[j], two names joined by "and" kept
    together as one group (`Nick Offerman and Megan Mullally said`)."""
    i = j
    while True:
        while i > 0 and (toks[i - 1].cap or toks[i - 1].low in ("de", "van", "von", "al")):
            i -= 1
        if i > 1 and toks[i - 1].low == "and" and toks[i - 2].cap and j - i < 4:
            i -= 1
            continue
        return i


def _without_role_words(name: list[Tok]) -> list[Tok]:
    """An appositive's name without the role words and modifiers before it (`actress
    Jamie Lee Curtis`, `state Del. Marcia Price`), keeping at least two tokens."""
    i = 0
    while i < len(name) - 2 and (name[i].low in PERSON_ROLES or not name[i].cap):
        i += 1
    return name[i:]


def _is_full_name(toks: Sequence[Tok]) -> bool:
    """Two to five capitalised words (name links allowed): `James B. Comey`."""
    return (
        2 <= len(toks) <= 5
        and toks[0].cap
        and toks[-1].cap
        and all(t.cap or t.low in NAME_LINKS for t in toks)
        and not any(t.low in FUNCTION_WORDS for t in toks)
    )


def _chunk_after(toks: list[Tok], k: int) -> list[Tok]:
    """NP starting at toks[k], up to a comma, parenthesis, preposition or clause word."""
    out: list[Tok] = []
    for t in toks[k:]:
        if t.word in ",;:().!?\u2014\u2013" or t.low in STOP_CONJ:
            break
        if t.low in CHUNK_BREAKS and out:
            if t.low == "of" and out and not out[-1].cap:
                out.append(t)  # "a spokesman of ..." keeps going
                continue
            if len(out) > 1 and (out[-1].low, t.low) in SOURCE_LINKS:
                out.append(t)  # "a person close to the Clintons"
                continue
            break
        out.append(t)
        if len(out) >= 9:
            break
    return out


# a paragraph that only signs the quotation above it: `- Hillary Clinton.`
_DASH_LINE_RE = re.compile(
    r"\s*\n[ \t]*[-\u2013\u2014\u2015][ \t]*([A-Z][^\n,.;:]{1,60})[ \t.]*"
    r"(?:,[^\n]{1,80})?(?:\n|$)"  # `- Michelle Marks, Philadelphia.`: a place or a role
)
_PRONOUN_CHAIN_WINDOW = 1200  # chars: a quotation this close is the one just before
_ROLE_WINDOW = 600  # chars back within which "the owner" is the person just introduced


def _chunk_before(toks: list[Tok], k: int) -> list[Tok]:
    """NP ending just before toks[k] (the verb), skipping adverbs and auxiliaries."""
    j = k
    while j > 0 and toks[j - 1].low in SKIP_BEFORE_VERB:
        j -= 1
    if j > 1 and toks[j - 1].low in WEEKDAYS:
        # `Bernie Sanders (I-Vt.) on Saturday criticized`: a time, not the subject
        j -= 1
        if toks[j - 1].low in WEEKDAY_LEAD:
            j -= 1
        while j > 0 and toks[j - 1].low in SKIP_BEFORE_VERB:
            j -= 1
    if j > 2 and toks[j - 1].low in TIME_NOUNS:
        # `The State Department less than two weeks ago said`, `Trump at the time said`,
        # `Lee earlier this year told`: a time, not the subject
        i = j - 1
        while i > 0 and j - i < 7 and not toks[i - 1].cap and toks[i - 1].word not in ",;:()":
            i -= 1
        lead = toks[i].low
        if (
            i > 0
            and toks[i - 1].cap
            and i < j - 1
            and (toks[j - 1].low == "ago" or lead in TIME_PREPS or lead in WEEKDAY_LEAD)
        ):
            j = i
            while j > 0 and toks[j - 1].low in SKIP_BEFORE_VERB:
                j -= 1
    # step over an appositive or aside: "Clinton, at a press gaggle, said"
    if j > 1 and toks[j - 1].word in ",)\u2014\u2013":
        # (`Kim Lee \u2014 a teacher from Dover \u2014 says`: a dash aside like a comma one)
        close = toks[j - 1].word
        opener = "(" if close == ")" else close
        i = j - 2
        conj = False
        while i >= 0 and j - i < 32 and toks[i].word != opener:
            if toks[i].word in ".;:":
                i = -1
                break
            conj = conj or (close == "," and toks[i].low in STOP_CONJ)
            i -= 1
        if close == "," and i > 1 and _region_at(toks, i + 1) == j - 1:
            # `a pastor at the church of Elizabeth, Colorado, slammed`: the state's comma
            # is inside the aside, which began at the comma before
            i -= 1
            while i >= 0 and j - i < 32 and toks[i].word != ",":
                if toks[i].word in ".;:":
                    return []
                conj = conj or toks[i].low in STOP_CONJ
                i -= 1
        if i <= 0 or j - i >= 32:
            return []
        # a relative clause or "and" is fine inside "Kim Lee, a lawyer who ..., said",
        # but not after a lowercase phrase ("the bill, which passed, said" is no speaker)
        if (conj or j - i >= 14) and not toks[i - 1].cap:
            return []
        aside = toks[i + 1 : j - 1]
        if close != ")" and not toks[i - 1].cap and _is_full_name(aside):
            # `Her chief policy aide, Jake Sullivan, calls`: the name beside the role
            return aside
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
    source = _source_before(toks, j)
    if source is not None:
        return source
    out: list[Tok] = []
    i = j - 1
    if head.cap:
        # keep a lowercase role in front ("press secretary Jen Psaki") out of the name
        start = _name_run_start(toks, i)
        of = start - 2 if start > 1 and toks[start - 1].low == "the" else start - 1
        if of > 0 and toks[of].low == "of" and toks[of - 1].cap:
            # `Sen. Chuck Schumer of New York says`, `Kim Lee of the Cook Report said`:
            # the person, not the place or employer after "of"
            person = toks[_name_run_start(toks, of - 1) : of]
            if _is_full_name(person) and not any(t.low in ORG_WORDS for t in person):
                return person
        return toks[start : i + 1]
    while i >= 0 and len(out) < 7:
        t = toks[i]
        if t.word in ",;:().!?\u2014\u2013" or t.low in STOP_CONJ or t.low in PRONOUNS:
            break
        out.append(t)
        if t.low in DETERMINERS or t.word.endswith(("\u2019s", "'s")):
            break
        i -= 1
    out.reverse()
    # the head noun phrase, not the clause: `Trump in recent days has called it`
    k = 0
    while k < len(out) and (out[k].cap or (k and out[k].low in NAME_LINKS)):
        k += 1
    if 0 < k < len(out) and out[k].low in TIME_PREPS:
        return out[:k]
    return out


def _phrasal_cue(toks: Sequence[Tok], k: int) -> bool:
    """`"...," Trump went on.`, `her husband cut in`: a phrasal verb of speaking that
    closes the attribution clause."""
    return (
        k + 1 < len(toks)
        and toks[k + 1].low == PHRASAL_CUES.get(toks[k].low)
        and _clause_end(list(toks), k + 2)
    )


def _phrasal_cue_before(toks: Sequence[Tok], k: int) -> bool:
    """`Rubio fired back forcefully: "..."`, `Lee went on to say, "..."`: a phrasal verb of
    speaking at toks[k] whose clause ends at the quotation (not `the Senate goes on
    recess, "..."`)."""
    if k + 1 >= len(toks) or toks[k + 1].low != PHRASAL_CUES.get(toks[k].low):
        return False
    rest = [t for t in toks[k + 2 :] if t.word not in ",:"]
    if len(rest) > 3:
        return False
    if rest and rest[0].low == "to":
        return len(rest) >= 2 and _speech_verb(rest[1])
    return all(t.low.endswith("ly") for t in rest)


def _cue(toks: list[Tok], k: int, text: str) -> tuple[str, int]:
    v = toks[k]
    end = v.end
    if _phrasal_cue(toks, k):
        return text[v.start : toks[k + 1].end], toks[k + 1].end
    if v.low in ("told", "tells", "tell", "telling") and k + 1 < len(toks):
        n = toks[k + 1]
        if n.word not in ",;:().!?" and n.low not in STOP_CONJ:
            end = n.end
    return text[v.start : end], end


def _possessor(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """`Kim Lee's repeated claim`: the offsets of "Kim Lee" for the noun at toks[k]."""
    j = k - 1
    while j >= 0 and k - j <= 3 and not toks[j].word.endswith(POSS):
        if toks[j].cap or toks[j].word in ",;:()":
            return None
        j -= 1
    if j < 0 or k - j > 3 or not toks[j].cap:
        return None
    w = toks[j].word
    end = toks[j].start + len(w) - (2 if w.endswith("s") else 1)
    i = j
    while i > 0 and (toks[i - 1].cap or toks[i - 1].low in NAME_LINKS):
        i -= 1
    if end <= toks[i].start:
        return None
    return toks[i].start, end


def _relative_antecedent(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """Offsets of the name a `who` right before the verb toks[k] refers to (`Kim Lee, the
    party chair, who in 2010 said`), or None."""
    j = k - 1
    while j >= 0 and k - j <= 4 and toks[j].low != "who":
        if toks[j].word in ",;:.()" or toks[j].cap:
            return None
        j -= 1
    if j < 1 or toks[j].low != "who":
        return None
    i = j - 1
    if toks[i].word == ",":
        i -= 1
        if i >= 0 and not toks[i].cap:
            # step over an appositive: `, now the majority leader,`
            while i >= 0 and j - i < 12 and toks[i].word != ",":
                if toks[i].word in ".;:":
                    return None
                i -= 1
            i -= 1
    if i < 0 or not toks[i].cap or toks[i].low in PRONOUNS:
        return None
    end = i
    while i > 0 and (toks[i - 1].cap or toks[i - 1].low in NAME_LINKS):
        i -= 1
    w = toks[end].word
    cut = len(w) - (2 if w.endswith(POSS) else 0)
    return toks[i].start, toks[end].start + cut


def _intro_word(toks: list[Tok], i: int) -> bool:
    """Does the sentence open with an introductory phrase ("In a statement, ...")?"""
    t = toks[i]
    if t.low in INTRO_WORDS:
        return True
    if t.low in PLACE_TIME_LEADS and i + 1 < len(toks) and toks[i + 1].low in PREP:
        return True  # `Here in Columbia, Sanders ...`, `Early in his campaign, Trump ...`
    j = i + 1 if t.low in DETERMINERS or t.word.isdigit() else i
    if (
        j + 1 < len(toks)
        and toks[j + 1].low in ("later", "earlier")
        and (toks[j].low in TIME_NOUNS or toks[j].low[:-1] in TIME_NOUNS)
    ):
        return True  # `Hours later, Trump returned the compliment`, `A day earlier, ...`
    # a participle opening the sentence: "Bemoaning the cuts, ..."
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return t.cap and len(t.word) > 5 and t.low.endswith("ing") and nxt is not None and not nxt.cap


def _without_time_phrase(toks: list[Tok]) -> list[Tok] | None:
    """`Kim Lee on Thursday said`, `Kim Lee last week said`: the name's tokens with the
    time phrase after them left out, or None when no time phrase follows the name."""
    j = 1
    while j < len(toks) and j < 6 and toks[j].cap:
        j += 1
    k = j
    if k < len(toks) and toks[k].low in WEEKDAY_LEAD:
        k += 1
        if k < len(toks) and toks[k].low in ("this", "last", "next"):
            k += 1  # `earlier this week`
    if k == j or k >= len(toks) or not (toks[k].low in WEEKDAYS or toks[k].low in TIME_NOUNS):
        return None
    k += 1
    while k < len(toks) and toks[k].low in TIME_NOUNS:
        k += 1  # `on Monday night`
    if k >= len(toks) or toks[k].word[:1].isupper() or toks[k].word in ",;:":
        return None
    return toks[:j] + toks[k:]


def _verbish(t: Tok) -> bool:
    w = t.low
    return (
        w in SPEECH_VERBS
        or w in SUBJECT_VERBS
        or w in AUX
        or w in SKIP_BEFORE_VERB
        or (t.word[:1].islower() and w.endswith("ed") and len(w) > 4)
    )


def _role_head(w: str) -> bool:
    return w in PERSON_ROLES or w in GROUPS or w in DOC_WORDS or w in ORG_WORDS


def _verb_position(toks: list[Tok], k: int) -> bool:
    if k == 0:
        return True
    p = toks[k - 1]
    if p.word.islower() and "-" in p.word:
        return False  # "late-night tweets": a noun
    if k > 1 and p.low.endswith("ed") and toks[k - 2].word.endswith(POSS):
        return False  # "Trump's repeated calls": a noun after a possessive and a participle
    return p.low not in NOT_BEFORE_VERB and not p.word.endswith(("\u2019s", "'s"))


def _object_not_subject(toks: list[Tok], chunk: list[Tok], verb: Tok | None = None) -> bool:
    """Is the chunk before a "speech verb" no subject, so the verb is a noun or the chunk
    an object? `32% of Republican claims`, `through the streets chanted`, `a Donald
    Trump tweet`, `a controversial comment`."""
    first, head = chunk[0], chunk[-1]
    if _source_link(chunk) > 0:
        return False  # `two officials briefed on the plan said`: a described source
    if first.low in PREP_NOT_BY and len(chunk) > 1 and not head.cap:
        return True  # `In somber comments, Trump called`: a phrase, not the subject
    prep = next((n for n, t in enumerate(chunk[:-1]) if t.low in PREP_NOT_BY), -1)
    if prep > 0 and not head.cap and any(_verbish(t) for t in chunk[1:prep]):
        return True  # `The Ledger rated 20% of mayoral claims`: a clause, then a PP
    if first.low in ("a", "an") and len(chunk) == 2 and head.low.endswith("ly"):
        return True  # `a swiftly called meeting`: a participle, not a verb
    if (
        verb is not None
        and (first.low in DETERMINERS or first.word.endswith(POSS))
        and len(chunk) > 1
        and not head.cap
        and not verb.low.endswith(("s", "ed"))
        and verb.low not in FINITE_IRREGULAR
    ):
        # a singular subject takes "comments"/"commented", never "comment": in `a
        # controversial comment`, `the following comment`, `Kim's mental state` the
        # "verb" is a noun
        return True
    i = next((n for n, t in enumerate(toks) if t is first), 0)
    before = toks[i - 1].low if i > 0 else ""
    if before in PREP_NOT_BY:
        # but `Officials at Homeland Security said`, `the Association of Flight
        # Attendants said`: the phrase before the preposition speaks through it
        owner = toks[i - 2] if i > 1 else None
        return owner is None or not (owner.cap or _role_head(owner.low) or owner.low in GROUPS)
    return before in ("a", "an") and first.cap


def _valid_np(chunk: list[Tok]) -> bool:
    words = [t for t in chunk if t.word not in ",;:()"]
    if not words:
        return False
    first, head = words[0], words[-1]
    if first.low in PRONOUNS or head.cap or _source_link(words) > 0:
        return True
    if len(words) == 2 and first.word[:1].isdigit() and head.low == "percent":
        return True  # a poll's share: `63 percent said`
    if first.low in DETERMINERS or first.word.endswith(("\u2019s", "'s")) or first.cap:
        return True
    return len(words) <= 2 and head.low in GROUPS


def _clause_end(toks: list[Tok], k: int) -> bool:
    """Does the clause end at toks[k]? (`"...," the letter reads.`: a verb like "reads"
    or "put" that closes the attribution clause introduces the quotation.)"""
    if k < len(toks) and toks[k].low == "it":
        k += 1  # "as the memo put it"
    return k >= len(toks) or toks[k].word in ".!?;,"


def _speech_verb(t: Tok) -> bool:
    return t.word[0].islower() and t.low in SPEECH_VERBS


class _Extractor:
    def __init__(self, text: str, index: SpeakerIndex) -> None:
        self.text = text
        self.index = index
        self._mentions: Mentions | None = None
        self._midcaps: set[str] | None = None
        self.spans: list[tuple[int, int]] = []
        self.antecedents: dict[int, Mention] = {}  # pronoun offset -> the mention it names

    @property
    def mentions(self) -> Mentions:
        if self._mentions is None:
            self._mentions = Mentions(self.text, self.spans)
        return self._mentions

    # -- attribution -----------------------------------------------------------------

    def after(self, quote: RawQuote, nxt_mark: int) -> Attribution | None:
        text = self.text
        if quote.close_pos < 0:
            return None
        last = text[quote.end - 1] if quote.end > quote.start else ""
        a = quote.close_pos + 1
        e = min(quote.para_end, nxt_mark, a + 250)
        toks = _tokens(text, a, e)
        k0 = 0
        while k0 < len(toks) and toks[k0].word in ",\u2014\u2013:\u2015":
            k0 += 1
        dashed = k0 > 0 and toks[k0 - 1].word in "\u2015\u2014"
        toks = _drop_parens(toks[k0:])
        if not toks and not text[a : quote.para_end].strip(" \t."):
            return self._dash_line(quote.para_end)
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
        if (
            toks[0].low in SUBORDINATORS
            or toks[0].low == "that"
            or (toks[0].low in ("and", "but") and len(toks) > 1 and toks[1].cap)
        ):
            # (`"leading from behind" and Donald Trump says he's ...`: a new clause)
            # `"That makes me smart," when Clinton blasted him`, `"It seems unlikely" that
            # Sanders can catch Clinton, said X`: another clause, whose subject is no speaker
            return None
        # `"... ." Smith said` is rare; `"... ." Smith said the...` reports new speech.
        # (a full stop after the closing mark, `"... o". You know what they say`, too)
        ended = last == "." or "." in text[a : toks[0].start]
        limit = 4 if ended and toks[0].cap and toks[0].low not in PRONOUNS else 16
        if toks[0].low == "according" and len(toks) > 2 and toks[1].low == "to":
            return self._according(toks, 2, quote, text, toks[0].start, toks[1].end)
        if toks[0].low.endswith("ing") and _speech_verb(toks[0]):
            # `..., but said, "...," promising the Friends of Abe will return`: the
            # participle's subject is the main clause's; what follows it is its object
            return None
        if _speech_verb(toks[0]) and (toks[0].low not in WEAK_VERBS or _inverted_name_closes(toks)):
            out = 2 if toks[0].low in ("points", "pointed") and len(toks) > 1 else 1
            if out == 2 and toks[1].low != "out":
                return None
            chunk = _chunk_after(toks, out)
            if (
                chunk
                and not any(x.cap for x in chunk)
                and last.isalnum()
                and not text[a : toks[0].start].strip()
                and chunk[0].low not in DETERMINERS
            ):
                return None  # `any "top secret" email chains`: a noun, the sentence goes on
            end = out + len(chunk)
            called = _called(toks, end) if chunk and not chunk[-1].cap else []
            if called:
                chunk = called  # `said the base chief known as Bob`: the name
            elif chunk and not chunk[-1].cap and end < len(toks) and toks[end].word == ",":
                # `said the bureau's director, James B. Comey, on Monday`: the name
                name: list[Tok] = []
                for x in toks[end + 1 :]:
                    if x.word in ",.;":
                        break
                    name.append(x)
                name = _without_role_words(name)  # `..., actress Jamie Lee Curtis`
                if _is_full_name(name):
                    chunk = name
            np = _np_from_chunk(chunk)
            if np is None:
                return None
            cue, _ = _cue(toks, 0, text)
            return Attribution(text[np[0] : np[1]], np[0], np[1], cue, 0.95)
        # `"...," Kim Lee, a lawyer for the group, who ..., said`: a long appositive
        appos = False
        if limit == 16 and toks[0].cap and toks[0].low not in PRONOUNS:
            for k in range(1, min(len(toks), 7)):
                if toks[k].word == ",":
                    appos = k > 0 and toks[k - 1].cap
                    break
                if not toks[k].cap and toks[k].low not in NAME_LINKS:
                    break
            if appos:
                limit = 45
        for k in range(1, min(len(toks), limit)):
            t = toks[k]
            if t.word in ".!?;" or (t.low in ("that", "because", "which") and not appos):
                return None
            if t.low in SUBORDINATORS and not appos:
                return None  # `"...," while Sanders suggests`: another clause's speaker
            if (
                k + 1 < len(toks)
                and (t.low, toks[k + 1].low) in SOURCE_LINKS
                and toks[k - 1].low in SOURCE_NOUNS
            ):
                continue  # `officials briefed on the plan said`: "briefed" places them
            if (
                _speech_verb(t)
                and toks[k - 1].word == ","
                and k > 1
                and not toks[k - 2].cap  # `Mitch McConnell, R-Ky., said Tuesday`
                and not t.low.endswith("ing")
                and t.low not in ADDRESSEE_VERBS
                and t.low not in WEAK_VERBS
            ):
                # `"We're happy" about the decision, said Kim Lee, ...`: the sentence goes
                # on after the quote, then an inverted attribution names the speaker
                name = _chunk_after(toks, k + 1)
                if name and (
                    _is_full_name(name) or (len(name) == 1 and self._proper(name[0].word))
                ):
                    a, b = name[0].start, name[-1].end
                    return Attribution(text[a:b], a, b, t.word, 0.85)
            if (
                (_speech_verb(t) or _phrasal_cue(toks, k))
                and _verb_position(toks, k)
                and (t.low not in WEAK_VERBS or _clause_end(toks, k + 1))
            ):
                if appos and k > 6:
                    j = k
                    while j > 0 and toks[j - 1].low in SKIP_BEFORE_VERB:
                        j -= 1
                    if toks[j - 1].word != ",":
                        return None  # a verb inside the appositive's relative clause
                chunk = []
                for x in toks[:k]:
                    if x.word in ",(;\u2014\u2013":
                        break
                    chunk.append(x)
                while chunk and chunk[-1].low in SKIP_BEFORE_VERB:
                    chunk.pop()
                n = len(chunk)
                if chunk and not chunk[-1].cap and n < k and toks[n].word == ",":
                    # `"...," another friend, Mariam Emara, told CNN`: the name
                    name = [x for x in toks[n + 1 : k] if x.word != ","]
                    while name and name[-1].low in SKIP_BEFORE_VERB:
                        name.pop()
                    # `Scott's niece, state Del. Marcia Price, shouted`
                    name = _without_role_words(name)
                    if _is_full_name(name) or (
                        # `"...," the dawn of the movement, Bozell says`
                        len(name) == 1
                        and name[0].cap
                        and name[0].low not in FUNCTION_WORDS
                        and toks[k - 1] is name[0]
                    ):
                        chunk = name
                if chunk and chunk[0].low == "as":
                    chunk = chunk[1:]  # `"...," as the memo put it`
                elif len(chunk) > 1 and chunk[0].low in PRONOUNS:
                    # `the "firepower" they need to win, DFA spokesman Neil Sroka said`:
                    # a clause goes on after the quote; its closing clause attributes
                    return None
                elif (
                    chunk
                    and (chunk[0].low in PREP_NOT_BY or chunk[0].low == "by")
                    and len(chunk) > 1
                ):
                    # `a "mistake" in the check for Dylann Roof, Comey has said`: the
                    # sentence goes on after the quote; its closing clause attributes
                    return None
                np = _np_from_chunk(chunk) if _valid_np(chunk) else None
                if np is None:
                    return None
                head = next(n for n, x in enumerate(chunk) if x.start == np[0])
                if _object_not_subject(chunk, chunk[head:]):
                    return None  # `"...," compared to 11% of Democratic claims`
                cue, _cue_end = _cue(toks, k, text)
                strength = 0.95 if k <= 4 else 0.85
                if limit == 4:
                    # must be the whole sentence: `"Go." Smith said.`
                    rest = [x for x in toks[k + 1 :] if x.word not in ","]
                    if rest and rest[0].word != ".":
                        return None
                forward = k + 1 < len(toks) and toks[k + 1].word == ":"
                return Attribution(text[np[0] : np[1]], np[0], np[1], cue, strength, forward)
        return None

    def _dash_line(self, para_end: int) -> Attribution | None:
        """A quotation paragraph signed by the next one: `"..." / - Hillary Clinton.`"""
        m = _DASH_LINE_RE.match(self.text, para_end)
        if m is None:
            return None
        chunk = _tokens(self.text, m.start(1), m.end(1))
        np = _np_from_chunk(chunk)
        if np is None or not chunk or not chunk[-1].cap or len(chunk) > 5:
            return None
        return Attribution(self.text[np[0] : np[1]], np[0], np[1], None, 0.85)

    def sentence_final(self, quote: RawQuote) -> Attribution | None:
        """`A cashier who "steals ..." is held accountable, Warren said.`: the attribution
        clause that closes the quotation's sentence."""
        text = self.text
        if quote.close_pos < 0:
            return None
        a = quote.close_pos + 1
        e = min(quote.para_end, a + 300)
        ends = _is_sentence_end(text, a, e)
        if not ends:
            if e < quote.para_end:
                return None
            ends = [e]
        toks = _drop_parens(self._outside_quotes(_tokens(text, a, ends[0])))
        while toks and toks[-1].word in ".!?":
            toks.pop()
        c = len(toks) - 1
        while c >= 0 and toks[c].word != ",":
            if toks[c].word in ";:\u2014\u2013" or len(toks) - c > 16:
                return None
            c -= 1
        if c < 1:
            return None
        clause = toks[c + 1 :]
        if (
            1 <= len(clause) <= 2
            and clause[0].cap
            and c > 1
            and not any(_speech_verb(t) for t in clause)
        ):
            # `..., says Kim Lee, an analyst in Alexandria, Va.`: a place's state or
            # country closes the appositive; the clause before it is the appositive
            b = c - 1
            while b >= 0 and toks[b].word != ",":
                if toks[b].word in ";:\u2014\u2013" or c - b > 14:
                    break
                b -= 1
            if (
                b >= 1
                and toks[b].word == ","
                and toks[c - 1].cap
                and toks[b + 1].low in ("a", "an")
            ):
                c = b
                clause = toks[c + 1 :]
        if (
            len(clause) > 1
            and (clause[0].low in ("a", "an") or clause[0].word.islower())
            and clause[0].low != "according"
            and not any(_speech_verb(t) for t in clause)
        ):
            # `..., said Kim Lee, an analyst at the Cook Report.`, `..., said Kim Lee,
            # executive director of ...`: the appositive names nobody; the clause before
            # it attributes
            b = c - 1
            while b >= 0 and toks[b].word != ",":
                if toks[b].word in ";:\u2014\u2013" or c - b > 8:
                    return None
                b -= 1
            if b < 1:
                return None
            clause = toks[b + 1 : c]
        elif len(clause) == 1 and _speech_verb(clause[0]):
            # `..., Howard Dean, the former governor of Vermont, said.`: the name before
            # the appositive
            b = c - 1
            while b >= 0 and toks[b].word != ",":
                if toks[b].word in ";:\u2014\u2013" or c - b > 14:
                    return None
                b -= 1
            d = b - 1
            while d >= 0 and b - d <= 6 and toks[d].word not in ",;:\u2014\u2013":
                d -= 1
            name = toks[d + 1 : b]
            if b < 1 or not name or not (_is_full_name(name) or (len(name) == 1 and name[0].cap)):
                return None
            a, z = name[0].start, name[-1].end
            return Attribution(text[a:z], a, z, clause[0].word, 0.8)
        elif len(clause) > _closing_clause_limit(clause):
            return None
        if len(clause) > 2 and clause[0].low == "according" and clause[1].low == "to":
            # `... chants of "Bobby!" at a conference, according to Kim Lee.`
            return self._according(clause, 2, quote, text, clause[0].start, clause[1].end)
        return self._final_clause(clause)

    def _final_clause(self, clause: list[Tok]) -> Attribution | None:
        text = self.text
        tail = _trailing_phrase(clause)
        for k, t in enumerate(clause):
            if not _speech_verb(t) or t.low.endswith("ing") or len(clause) - tail - k > 4:
                continue
            if k == 0:
                chunk = _chunk_after(clause, 1)
                if not chunk or not chunk[-1].cap or len(chunk) != len(clause) - 1:
                    return None
            else:
                chunk = clause[:k]
                while chunk and chunk[-1].low in SKIP_BEFORE_VERB:
                    chunk.pop()
                if not _valid_np(chunk):
                    return None
            np = _np_from_chunk(chunk)
            if np is None:
                return None
            return Attribution(text[np[0] : np[1]], np[0], np[1], t.word, 0.8)
        return None

    def _according(
        self, toks: list[Tok], k: int, quote: RawQuote, text: str, cs: int, ce: int
    ) -> Attribution | None:
        chunk = _chunk_after(toks, k)
        np = _np_from_chunk(chunk)
        if np is None:
            return None
        head = chunk[-1].low if chunk else ""
        if head in DOC_WORDS:
            # "according to a statement": the statement's author is the clause subject
            subj = self.subject(quote)
            if subj is not None:
                return Attribution(subj.mention, subj.start, subj.end, text[cs:ce], 0.6)
            return Attribution("", -1, -1, text[cs:ce], 0.5)
        return Attribution(text[np[0] : np[1]], np[0], np[1], text[cs:ce], 0.9)

    def before(self, quote: RawQuote, floor: int) -> Attribution | None:
        text = self.text
        e = quote.open_pos if quote.open_pos >= 0 else quote.start
        s = max(floor, quote.para_start, e - 400)
        ends = _is_sentence_end(text, s, e)
        if ends:
            s = ends[-1]
        toks = _drop_parens(_tokens(text, s, e))
        if not toks:
            return None
        if len(toks) > 1 and toks[-1].word == ":" and toks[-2].cap:
            # `Pollsters agree - Carl Bialik: "..."`, `More from Jones: "..."`: a name
            # labelling the quotation
            run = _name_run_start(toks, len(toks) - 2)
            for at in range(len(toks) - 2, run, -1):
                if " - " in text[toks[at - 1].end : toks[at].start + 1]:
                    run = at  # `TURNOUT IS DOWN - Michael P. McDonald:`: a headline before
                    break
            name = toks[run:-1]
            if (
                len(name) <= 4 + 2 * any(t.low == "and" for t in name)
                and (
                    run == 0
                    or toks[run - 1].low == "from"
                    or text[: toks[run].start].rstrip().endswith(("-", "\u2014", "\u2013"))
                )
                and not any(t.low in FUNCTION_WORDS and t.low != "and" for t in name)
            ):
                a, b = name[0].start, name[-1].end
                return Attribution(text[a:b], a, b, None, 0.8)
        # inverted and capitalised: `Said Kim Lee: "..."`
        if toks[0].cap and (
            toks[0].low in ("said", "says", "added", "asked", "wrote")
            or (
                toks[0].low in SPEECH_VERBS
                and not toks[0].low.endswith("ing")
                and toks[-1].word in ":,"
            )
        ):
            # `Said Kim Lee: "..."`, `Continued Lee: "..."`, `Added the mayor, "..."`
            chunk = _chunk_after(toks, 1)
            np = _np_from_chunk(chunk)
            if (
                np is not None
                and chunk
                and chunk[-1].cap
                and (chunk[0].cap or chunk[0].low in DETERMINERS)  # not `Asked at a ...`
            ):
                return Attribution(text[np[0] : np[1]], np[0], np[1], toks[0].word, 0.9)
        for k in range(len(toks) - 1, -1, -1):
            t = toks[k]
            if (
                t.low in SPEECH_NOUNS
                and len(toks) - k <= 8
                and (k + 1 == len(toks) or toks[k + 1].low in ("that", ":", ",", "of"))
            ):
                poss = _possessor(toks, k)
                if poss is not None:
                    a, b = poss
                    return Attribution(text[a:b], a, b, text[t.start : t.end], 0.8)
                light = self._light_verb_subject(toks, k)
                if light is not None:
                    return light
            if t.low == "to" and k > 0 and toks[k - 1].low == "according":
                r = self._according(toks, k + 1, quote, text, toks[k - 1].start, t.end)
                if r is not None:
                    return r
                continue
            if not _speech_verb(t):
                if _phrasal_cue_before(toks, k):
                    # `Rubio fired back forcefully: "..."`: a phrasal verb of speaking
                    phrasal = text[t.start : toks[k + 1].end]
                    att = self._subject_of_verb(toks, k, phrasal, 0.85)
                    if att is not None:
                        return att
                continue
            inverted = self._inverted_before(toks, k)
            if inverted is not None:
                return inverted
            if not _verb_position(toks, k):
                continue
            gap = len(toks) - 1 - k
            put_it = k + 1 < len(toks) and toks[k + 1].low == "it"  # `as the memo put it, "..."`
            if t.low in WEAK_VERBS and gap > 3 and not put_it:
                continue
            if k > 0 and toks[k - 1].low in ("was", "were", "been", "be", "is", "are", "being"):
                if t.low == "asked" and k + 1 < len(toks) and toks[k + 1].low == "by":
                    # `Rubio was asked by moderator Gerard Baker whether "..."`: the
                    # question is the asker's
                    chunk = _chunk_after(toks, k + 2)
                    np = _np_from_chunk(chunk)
                    if np is not None and chunk and chunk[-1].cap:
                        return Attribution(text[np[0] : np[1]], np[0], np[1], "asked", 0.8)
                continue
            cue, _ = _cue(toks, k, text)
            rel = _relative_antecedent(toks, k)
            if rel is not None:
                # `McConnell, now the majority leader, who in 2010 said ...`
                a, b = rel
                return Attribution(text[a:b], a, b, cue, 0.8)
            if t.low.endswith("ing"):
                p = k - 1
                while p > 0 and toks[p].low in SKIP_BEFORE_VERB:
                    p -= 1  # `with Cruz recently promising to`
                run = _name_run_start(toks, p) if p >= 0 else 0
                if (
                    p >= 0
                    and toks[p].cap
                    and not toks[p].word.endswith(POSS)
                    and not (run > 0 and toks[run - 1].low in PREP_NOT_BY - {"of", "with"})
                ):
                    # `footage of Kim Lee saying, "..."`: the name right before it (not
                    # `replied on Facebook writing`, a place)
                    chunk = _chunk_before(toks, k)
                    np = _np_from_chunk(chunk) if chunk else None
                    if np is not None and not any(x.low in FUNCTION_WORDS for x in chunk):
                        return Attribution(text[np[0] : np[1]], np[0], np[1], cue, 0.8)
                with_name = _with_name_participle(toks, k)
                if with_name is None and floor > quote.para_start:
                    # an earlier quotation of the sentence set the floor: `with Trump
                    # tweeting that it was a "disaster" and asking, "..."`
                    whole = self._sentence_before(quote)
                    at = next((n for n, x in enumerate(whole) if x.start == t.start), -1)
                    if at > 0:
                        with_name = _with_name_participle(whole, at)
                if with_name is not None:
                    # `with Donald Trump tweeting that ... and asking, "..."`
                    a, b = with_name
                    return Attribution(text[a:b], a, b, cue, 0.8)
                # "X said, adding ..." / "said X, adding": the finite verb's subject
                fin = self._finite_before(toks, k)
                if fin is not None:
                    return Attribution(fin[0], fin[1], fin[2], cue, 0.8)
                subj = self.subject(quote)
                if subj is None:
                    continue
                return Attribution(subj.mention, subj.start, subj.end, cue, 0.75)
            if k > 1 and toks[k - 1].low in MODALS:
                # `Obama said he expected that Americans will say "no"`: a speech act
                # imagined inside reported speech is the reporting speaker's words
                fin = self._finite_before(toks, k - 1)
                if fin is not None:
                    return Attribution(fin[0], fin[1], fin[2], cue, 0.8)
            att = self._subject_of_verb(toks, k, cue, 0.9 if gap <= 3 else 0.8)
            if att is not None:
                return att
        return None

    def _subject_of_verb(
        self, toks: list[Tok], k: int, cue: str, strength: float
    ) -> Attribution | None:
        """The noun phrase right before the verb toks[k] as its speaker, or None when the
        words there are no subject."""
        chunk = _chunk_before(toks, k)
        if not chunk or _object_not_subject(toks, chunk, toks[k]) or not _valid_np(chunk):
            return None
        np = _np_from_chunk(chunk)
        if np is None:
            return None
        return Attribution(self.text[np[0] : np[1]], np[0], np[1], cue, strength)

    def _inverted_before(self, toks: list[Tok], k: int) -> Attribution | None:
        """`Because of the schedule, explained Kim Lee, "..."`: a speech verb after a comma
        and the name after it, which ends the text before the opening mark."""
        t = toks[k]
        if (
            k == 0
            or toks[k - 1].word != ","
            or t.low.endswith("ing")
            or t.low in ADDRESSEE_VERBS
            or toks[-1].word not in ",:"
        ):
            return None
        name = toks[k + 1 : -1]
        if 2 < len(name) <= 7 and name[-1].cap and not _is_full_name(name):
            run = _name_run_start(name, len(name) - 1)
            if run > 0 and _is_full_name(name[run:]):
                name = name[run:]  # `explained CBS moderator Nancy Cordes:`: the name
        if not name or len(name) > 5:
            return None
        if not (
            _is_full_name(name)
            or (len(name) == 1 and name[0].cap and self._proper(name[0].word))
            or (name[0].low in DETERMINERS and _role_head(name[-1].low))
        ):
            return None
        a, b = name[0].start, name[-1].end
        return Attribution(self.text[a:b], a, b, t.word, 0.9)

    def _light_verb_subject(self, toks: list[Tok], k: int) -> Attribution | None:
        """`Sanders made the following comment: "..."`: the subject of a light verb whose
        object is the speech noun toks[k]."""
        text = self.text
        for j in range(k - 1, max(-1, k - 5), -1):
            if toks[j].word in ",;:.":
                return None
            if toks[j].low in LIGHT_VERBS:
                chunk = _chunk_before(toks, j)
                if not chunk or not chunk[-1].cap or not _valid_np(chunk):
                    return None
                np = _np_from_chunk(chunk)
                if np is None:
                    return None
                cue = text[toks[j].start : toks[k].end]
                return Attribution(text[np[0] : np[1]], np[0], np[1], cue, 0.8)
        return None

    def _finite_before(self, toks: list[Tok], k: int) -> tuple[str, int, int] | None:
        """Speaker of the nearest finite speech verb before toks[k] in the same clause."""
        text = self.text
        for j in range(k - 1, max(-1, k - 25), -1):
            tj = toks[j]
            if tj.word in ".;:!?":
                return None
            if not _speech_verb(tj) or tj.low.endswith("ing") or not _verb_position(toks, j):
                continue
            chunk = _chunk_before(toks, j)
            if chunk and _object_not_subject(toks, chunk, tj):
                return None
            np = _np_from_chunk(chunk) if _valid_np(chunk) else None
            if np is None:
                after = _chunk_after(toks, j + 1)
                if after and (after[-1].cap or after[0].low in DETERMINERS):
                    np = _np_from_chunk(after)
            if np is None:
                return None
            return text[np[0] : np[1]], np[0], np[1]
        return None

    def _outside_quotes(self, toks: list[Tok]) -> list[Tok]:
        """Drop tokens that lie inside a quotation (names there are not the subject). A
        comma that closes a dropped quotation (`On "Face the Nation," Sanders said`) belongs
        to the sentence and is kept."""
        spans = self.spans
        if not spans or not toks:
            return toks
        text = self.text
        out: list[Tok] = []
        i = bisect_right(spans, (toks[0].start, len(text))) - 1
        i = max(i, 0)
        inside = -1
        for t in toks:
            while i < len(spans) and spans[i][1] <= t.start:
                i += 1
            if i < len(spans) and spans[i][0] <= t.start < spans[i][1]:
                inside = i
                continue
            if inside >= 0:
                end = spans[inside][1]
                if text[end - 1] == "," and t.word != ",":
                    out.append(Tok(end - 1, end, ","))
                inside = -1
            out.append(t)
        return out

    def _sentence_before(self, quote: RawQuote) -> list[Tok]:
        """The tokens of quote's sentence up to its opening mark, quotations and short
        parentheticals left out (at most 400 characters back, within the paragraph)."""
        text = self.text
        e = quote.open_pos if quote.open_pos >= 0 else quote.start
        s = max(quote.para_start, e - 400)
        ends = _is_sentence_end(text, s, e)
        if ends:
            s = ends[-1]
        return _drop_parens(self._outside_quotes(_tokens(text, s, e)))

    def subject(self, quote: RawQuote) -> Attribution | None:
        """The subject of the main clause of the quotation's sentence."""
        toks = self._sentence_before(quote)
        i = 0
        n = len(toks)
        while i < n and (
            toks[i].low in LEAD_ADVERBS
            or toks[i].word == ","
            or (toks[i].low.endswith("ly") and i + 1 < n and toks[i + 1].word == ",")
        ):
            i += 1  # `Conversely, PolitiFact rated ...`
        for _ in range(3):  # `On Thursday, after remaining neutral, Warren appeared`
            if i >= n or not _intro_word(toks, i):
                break
            c = i + 1
            while c < n and toks[c].word != ",":
                c += 1
            if c >= n:
                return self._subject_after(quote)
            i = c + 1
            r = _region_at(toks, i)
            if r > i and r + 1 < n and toks[r].low in WEEKDAYS:
                r += 1  # `in Hudson, New Hampshire Monday, the supporter retorted`
            if r > i and r < n and toks[r].word == ",":
                # `Speaking in Salem, New Hampshire, Trump went after Bush`
                i = r + 1
        return self._np_at(toks[i:])

    def _appositive_name(self, toks: list[Tok], j: int) -> Attribution | None:
        """`Another critic, Kim Lee, likened ...`: the name set off by commas after a
        common-noun subject (toks[j] is the first comma)."""
        if j >= len(toks) or toks[j].word != "," or j + 1 >= len(toks) or not toks[j + 1].cap:
            return None
        m = j + 1
        while m < len(toks) and m - j <= 5 and toks[m].cap:
            m += 1
        if m + 1 >= len(toks) or toks[m].word != "," or toks[m + 1].cap:
            return None
        name = self._np_at(toks[j + 1 : m + 1])
        return name if name is not None and name.mention.split()[0][:1].isupper() else None

    def previous_sentence(
        self, quote: RawQuote, attributed: set[tuple[int, int]]
    ) -> Attribution | None:
        """`..., Schiff said. "The other factor is ..."`: a quotation opening a sentence
        right after a sentence of the same paragraph that names its speaker and holds no
        attributed quotation (a title or scare quote there is fine)."""
        text = self.text
        i = quote.open_pos if quote.open_pos >= 0 else quote.start
        j = i - 1
        while j >= quote.para_start and text[j].isspace():
            j -= 1
        if j <= quote.para_start or text[j] not in ".!?":
            return None
        s = max(quote.para_start, j - 400)
        ends = _is_sentence_end(text, s, j)
        if ends:
            s = ends[-1]
        k = bisect_right(self.spans, (j, len(text)))
        while k > 0 and self.spans[k - 1][1] > s:
            k -= 1
            if self.spans[k] in attributed:
                return None  # an attributed quotation there: the chain rule decides
        fake = RawQuote(j, j, j, -1, quote.para_start, quote.para_end, "intro")
        att = self.before(fake, s)
        if att is None:
            att = self.subject(fake)
        if att is None or att.mention.split()[0].lower() in DETERMINERS:
            return None
        return att

    def _subordinate_subject(self, quote: RawQuote) -> Attribution | None:
        """Subject of a subordinate clause opening the sentence before `quote`."""
        toks = self._sentence_before(quote)
        if len(toks) < 3 or toks[0].low not in SUBORDINATORS:
            return None
        return self._np_at(toks[1:])

    def _subject_after(self, quote: RawQuote) -> Attribution | None:
        """`Bemoaning the "phony system," Kim accused ...`: the subject follows the quote."""
        if quote.close_pos < 0:
            return None
        text = self.text
        a = quote.close_pos + 1
        toks = _drop_parens(_tokens(text, a, min(quote.para_end, a + 200)))
        while toks and toks[0].word in ",\u2014\u2013":
            toks = toks[1:]
        return self._np_at(toks)

    def _np_at(self, toks: list[Tok]) -> Attribution | None:
        """A subject noun phrase at the start of `toks`, if it is followed by a verb."""
        text = self.text
        if not toks:
            return None
        first = toks[0]
        if first.low in PRONOUNS:
            return Attribution(first.word, first.start, first.end, None, 0.5)
        if first.low in SUBJECT_DETS or first.low in DETERMINERS:
            j = 1
            while j < len(toks) and j < 7 and not _verbish(toks[j]) and toks[j].word not in ",;:":
                j += 1
            appos = self._appositive_name(toks, j)
            if appos is not None:
                return appos
            head = toks[j - 1].low
            named = all(t.cap for t in toks[1:j])  # `the IMF`, `the Security Council`
            if j > 1 and j < len(toks) and _verbish(toks[j]) and (_role_head(head) or named):
                return Attribution(
                    text[first.start : toks[j - 1].end], first.start, toks[j - 1].end, None, 0.5
                )
            return None
        if len(first.word) > 1 and first.word.isupper() and len(toks) > 1 and toks[1].word == ",":
            # a dateline, `FLINT, Mich., Oct. 4 (UPI) — Former President ...`: the
            # sentence starts after its dash
            for k in range(2, min(len(toks), 14)):
                if toks[k].word in "—–―":
                    return self._np_at(toks[k + 1 :])
            return None
        if first.cap and len(toks) > 2 and not toks[1].cap and not self._proper(first.word):
            # `Democratic presidential nominee Hillary Clinton said`: modifiers and a role
            # before the name; `Small groups of protesters chanted`: a group
            k = 1
            while k < len(toks) and k < 6 and not toks[k].cap and not _verbish(toks[k]):
                if toks[k].word in ",;:":
                    return self._appositive_name(toks, k)
                k += 1
            if k >= len(toks):
                return None
            if toks[k].cap and any(t.low in PERSON_ROLES for t in toks[1:k]):
                return self._np_at(toks[k:])
            if first.low in GROUPS or (
                first.low.endswith("s") and toks[1].low.endswith("ing") and len(toks[1].low) > 4
            ):
                # `Protesters marching through the streets chanted`
                return Attribution(first.word, first.start, first.end, None, 0.5)
            head = toks[k - 1].low
            if k > 1 and _verbish(toks[k]) and (head in GROUPS or head in PERSON_ROLES):
                return Attribution(
                    text[first.start : toks[k - 1].end], first.start, toks[k - 1].end, None, 0.5
                )
            return None
        if first.cap:
            timed = _without_time_phrase(toks)
            if timed is not None:
                # `Donald Trump on Thursday ratcheted up`: the time is no part of the subject
                return self._np_at(timed)
            j = 0
            while j + 1 < len(toks) and (
                toks[j + 1].cap or toks[j + 1].low == "of" or toks[j + 1].low in NAME_LINKS
            ):
                if toks[j].word.endswith(POSS):
                    break
                j += 1
            while j > 0 and (toks[j].low == "of" or toks[j].low in NAME_LINKS):
                j -= 1
            nxt = toks[j + 1] if j + 1 < len(toks) else None
            last = toks[j]
            if (
                nxt is not None
                and nxt.low in GROUPS
                and not last.word.endswith(POSS)
                and j + 2 < len(toks)
                and toks[j + 2].word[:1].islower()
                and toks[j + 2].low not in PREP
                and toks[j + 2].low not in STOP_CONJ
            ):
                # `Cruz backers stood`, `Trump supporters chanted`: the group, not the name
                a, b = first.start, nxt.end
                return Attribution(text[a:b], a, b, None, 0.5)
            if nxt is not None and nxt.word[:1].islower() and not last.word.endswith(POSS):
                # `Former US secretary of state Madeleine Albright said`: modifiers and a
                # role before the name
                k = j + 1
                while k < len(toks) and k < j + 6 and not toks[k].cap:
                    if toks[k].word in ",;:" or (_verbish(toks[k]) and toks[k - 1].low not in PREP):
                        break  # (`secretary of state`: a noun after "of")
                    k += 1
                if (
                    k < len(toks)
                    and toks[k].cap
                    and any(t.low in PERSON_ROLES for t in toks[j + 1 : k])
                ):
                    return self._np_at(toks[k:])
            if j == 0 and last.word.endswith(POSS) and nxt is not None and nxt.cap:
                # `Germany's Chancellor Angela Merkel heralded`: the possessor is a
                # modifier; the subject is the titled name after it
                return self._np_at(toks[1:])
            if (
                nxt is not None
                and nxt.low == "and"
                and j + 2 < len(toks)
                and toks[j + 2].cap
                and toks[j + 2].low not in PRONOUNS
            ):
                # `Kim Lee and Ray Dunn issued a statement`: two names, one group
                k = j + 2
                while k + 1 < len(toks) and toks[k + 1].cap:
                    k += 1
                after = toks[k + 1] if k + 1 < len(toks) else None
                if (
                    after is not None
                    and k - j <= 4
                    and after.word[:1].islower()
                    and after.low not in STOP_CONJ
                    and after.low not in PREP
                    and not last.word.endswith(POSS)
                    and not toks[k].word.endswith(POSS)
                    and all(self._proper(t.word) for t in (toks[0], toks[j + 2]))
                ):
                    a, b = toks[0].start, toks[k].end
                    return Attribution(text[a:b], a, b, None, 0.5)
            if last.word.endswith(POSS) and nxt is not None and not nxt.cap:
                # "Kim Lee's campaign said": the possessor speaks through it
                k = j + 1
                while k < len(toks) and k < j + 4 and not _verbish(toks[k]):
                    k += 1
                if k < len(toks) and _verbish(toks[k]) and _role_head(toks[k - 1].low):
                    cut = len(last.word) - (2 if last.word.endswith("s") else 1)
                    return Attribution(
                        text[first.start : last.start + cut],
                        first.start,
                        last.start + cut,
                        None,
                        0.5,
                    )
                return None
            if (
                nxt is None
                or nxt.word in ",("
                or (nxt.word[:1].islower() and nxt.low not in STOP_CONJ and nxt.low not in PREP)
                or (nxt.low == "and" and j + 2 < len(toks) and toks[j + 2].low in POSS_DETS)
            ):
                # (`Kim Lee and his aides have ...`: the first conjunct leads)
                np = _np_from_chunk(toks[: j + 1])
                if np is not None:
                    return Attribution(text[np[0] : np[1]], np[0], np[1], None, 0.5)
        return None

    def _proper(self, word: str) -> bool:
        """Can a capitalised sentence-initial word be a name on its own? Yes if the
        document also capitalises it mid-sentence, or it is a known first name, an
        acronym or a registered speaker; "Small", "Pressure" and "Calls" are not."""
        if self._midcaps is None:
            self._midcaps = {m.group(1) for m in _MIDCAP_RE.finditer(self.text)}
        w = word.rstrip("’'").removesuffix("’s").removesuffix("'s")
        return (
            w in self._midcaps
            or w.isupper()
            or w.lower() in MALE_NAMES
            or w.lower() in FEMALE_NAMES
            or self.index.lookup(w) is not None
        )

    def headline(self, quote: RawQuote) -> Attribution | None:
        """A quotation in the headline: `Lee: ... "..."`, `..., Kim Lee Says`, or a
        headline opening with the name of a person the story mentions."""
        text = self.text
        ps, pe = quote.para_start, quote.para_end
        if pe - ps > 200:
            return None
        m = _HEAD_LABEL_RE.match(text, ps, pe)
        if m is not None and m.end(1) <= quote.open_pos:
            if m.group(1).split()[0].lower() not in DETERMINERS:
                return Attribution(m.group(1), m.start(1), m.end(1), None, 0.7)
            # `The Latest: Trump delivers defense of '...'`: a section label; the
            # headline's own subject follows it
            subject = self._np_at(_tokens(text, m.end(), quote.open_pos))
            if subject is not None and subject.mention[:1].isupper():
                subject.strength = 0.6
                return subject
            return None
        m = _HEAD_SAYS_RE.search(text, ps, pe)
        if m is not None and m.start(1) > quote.end:
            return Attribution(m.group(1), m.start(1), m.end(1), "says", 0.7)
        toks = _tokens(text, ps, quote.open_pos if quote.open_pos >= 0 else quote.start)
        run: list[Tok] = []
        for t in toks:
            if not t.cap or len(run) == 3:
                break
            run.append(t)
        mentions = self.mentions
        for size in range(len(run), 0, -1):
            cand = run[size - 1]
            if cand.word.endswith(POSS):
                continue
            # the same surname recurs in the story as a person
            if mentions.is_person_surname(cand.word, pe):
                a, b = run[0].start, cand.end
                return Attribution(text[a:b], a, b, None, 0.6)
        # a title-case headline whose subject is a common noun phrase:
        # `Frustrated Parents Rally Nationwide To 'Reclaim Our Schools'`
        for k in range(1, len(run)):
            w = run[k].low
            if w in SPEECH_VERBS or w in SUBJECT_VERBS or w in HEADLINE_VERBS:
                if run[0].low in SENTENCE_OPENERS or run[k - 1].word.endswith(POSS):
                    return None
                a, b = run[0].start, run[k - 1].end
                return Attribution(text[a:b], a, b, None, 0.5)
        return None

    def label(self, quote: RawQuote) -> Attribution | None:
        """Transcript style: the content opens with an upper-case speaker label."""
        text = self.text
        m = _LABEL_RE.match(text, quote.start, quote.end)
        if m is None:
            return None
        return Attribution(m.group(1), m.start(1), m.end(1), None, 0.8)

    def intro(self, quote: RawQuote) -> Attribution | None:
        """A paragraph-long quotation introduced by the previous paragraph ("X said:")."""
        text = self.text
        ps = quote.para_start - 1
        while ps > 0 and text[ps - 1].isspace():
            ps -= 1
        if ps <= 0 or text[ps - 1] != ":":
            return None
        start = text.rfind("\n", 0, ps) + 1
        fake = RawQuote(ps, ps, ps, -1, start, ps, "intro")
        att = self.before(fake, start)
        if att is None:
            # `The foundation describes itself this way:`: like a colon in the sentence,
            # the subject of the introducing sentence
            att = self.subject(fake)
            if att is not None:
                att.strength = 0.75
        return att

    # -- resolution ------------------------------------------------------------------

    def resolve(self, att: Attribution) -> tuple[str | None, str | None, int, int]:
        """Turn a mention into (speaker, kind, mention_start, mention_end)."""
        text = self.text
        if att.start < 0 or not att.mention:
            return None, None, -1, -1
        head = _head_name(att.mention)
        if head is None:
            return None, None, att.start, att.end  # `When`, `Why not`: no name at all
        if head != att.mention:
            att = Attribution(head, att.start, att.start + len(head), att.cue, att.strength)
        words = att.mention.split()
        low0 = words[0].lower()
        if len(words) == 1 and low0 in PRONOUNS:
            gender = "m" if low0 in MALE else "f" if low0 in FEMALE else None
            if low0 in ("he", "she"):
                m = self.mentions.resolve(att.start, gender)
                if m is not None:
                    self.antecedents[att.start] = m
                    name = self.mentions.canonical(m.name, m.start, gender)
                    rec = self.index.lookup(name)
                    if rec is not None:
                        return rec.name, rec.kind, att.start, att.end
                    return name, "person", att.start, att.end
            if low0 in ("they", "it"):
                # "Clinton's campaign is seeking ... what they call": the group or
                # organisation that is the subject of the pronoun's own sentence
                ps = text.rfind("\n", 0, att.start) + 1
                here = RawQuote(att.start, att.start, att.start, -1, ps, att.start, "intro")
                subj = self.subject(here)
                if subj is None or subj.mention.split()[0].lower() in PRONOUNS:
                    # `Although the IMF did not ..., it referenced`: the subordinate
                    # clause's subject
                    subj = self._subordinate_subject(here)
                if subj is not None and subj.mention.split()[0].lower() not in PRONOUNS:
                    group, gkind, _, _ = self.resolve(subj)
                    if group is not None and gkind != "person":
                        return group, gkind, att.start, att.end
            return None, None, att.start, att.end
        rec = self.index.lookup(att.mention)
        if rec is not None:
            return rec.name, rec.kind, att.start, att.end
        if (
            len(words) == 1
            and low0 in PERSON_ROLES
            and words[0][:1].isupper()
            and "\n" not in text[: att.start].strip()
        ):
            # a headline's bare role: the person the story introduces with it
            line_end = text.find("\n", att.end)
            m = self.mentions.next_with_role(line_end, low0) if line_end >= 0 else None
            if m is not None:
                return self.mentions.canonical(m.name, m.start), "person", att.start, att.end
        acronym = words[-1] if low0 == "the" and len(words) == 2 else words[0]
        if len(words) <= 2 and 2 <= len(acronym) <= 6 and acronym.isupper() and acronym.isalpha():
            # `the IMF`, `NATO`: the organisation's full name where the story gives it
            full_name = self.mentions.expand_acronym(acronym)
            if full_name is not None:
                rec = self.index.lookup(full_name) or self.index.lookup(acronym)
                if rec is not None:
                    return rec.name, rec.kind, att.start, att.end
                return full_name, "org", att.start, att.end
        if low0 in DETERMINERS or not words[0][:1].isupper():
            head = words[-1].lower()
            if low0 == "the" and head in PERSON_ROLES and len(words) <= 4:
                # only a person introduced with that role; otherwise the role as
                # written ("the band leader") beats a guess at the nearest person
                m = self.mentions.resolve_role(att.start, head)
                if m is None and att.mention[1:].islower() and _plain_role(words):
                    # `Maria Lopez runs a bakery ... says the cheerful owner`: the
                    # person the story has just introduced, if there is one (a role
                    # with a name in it, `the Vermont senator`, is kept as written)
                    m = self.mentions.resolve(att.start, None, _ROLE_WINDOW)
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

    def title(self, att: Attribution, speaker: str) -> str | None:
        """The title of the speaker: the one in the mention itself ("Councillor Tomas
        Reyes said"), else the one the story first gave that name."""
        if att.mention[:1].isupper() and " " in att.mention:
            name, _, _, skip = clean_name(att.mention)
            if name and skip:
                own = title_of(att.mention, skip)
                if own is not None:
                    return own
        return self.mentions.titles.get(speaker)


def _region_at(toks: Sequence[Tok], i: int) -> int:
    """The end of a state's or province's name starting at toks[i] (`New Hampshire`,
    `N.H.`, `B.C.`), or i when there is none."""
    words: list[str] = []
    for j in range(i, min(len(toks), i + 4)):
        if not toks[j].cap and toks[j].low != "and":
            break
        words.append(toks[j].low.rstrip("."))
        after = toks[j + 1] if j + 1 < len(toks) else None
        if " ".join(words) in REGIONS and (
            after is None or after.word in ",.;" or after.low in WEEKDAYS
        ):
            return j + 1
    return i


def _inverted_name_closes(toks: Sequence[Tok]) -> bool:
    """`"...," remembered Roy Verley, the spokesman.`: a weak cue verb before the
    quotation's speaker, when a name follows it and closes the clause."""
    j = 1
    while j < len(toks) and j < 6 and toks[j].cap:
        j += 1
    return j > 1 and (j == len(toks) or toks[j].word in ",.;")


def _with_name_participle(toks: Sequence[Tok], k: int) -> tuple[int, int] | None:
    """`with Donald Trump tweeting that ... and asking` (toks[k] is the later
    participle): the offsets of the name before the first participle, or None."""
    for j in range(k - 1, max(0, k - 20), -1):
        t = toks[j]
        if t.word in ".;:":
            return None
        if t.low.endswith("ing") and _speech_verb(t) and toks[j - 1].cap:
            i = _name_run_start(list(toks), j - 1)
            if i > 0 and toks[i - 1].low == "with":
                return toks[i].start, toks[j - 1].end
            return None
    return None


def _called(toks: Sequence[Tok], k: int) -> list[Tok]:
    """The name after `known as`, `named` or `called` at toks[k] (`a chief known as
    Bob`, `an academic named Eric Kingson`), or []."""
    j = k
    if j + 1 < len(toks) and toks[j].low == "known" and toks[j + 1].low == "as":
        j += 2
    elif 0 < j < len(toks) and toks[j - 1].low == "known" and toks[j].low == "as":
        j += 1  # the chunk took "known" and stopped at "as"
    elif j < len(toks) and toks[j].low in ("named", "called"):
        j += 1
    else:
        return []
    name: list[Tok] = []
    while j < len(toks) and toks[j].cap and len(name) < 4:
        name.append(toks[j])
        j += 1
    return name


def _closing_clause_limit(clause: Sequence[Tok]) -> int:
    """How long a clause closing a quotation's sentence may be: eight tokens, or ten
    and its phrase when a phrase follows the verb (`..., Justice Department senior
    trial counsel Caroline Lewis Wolverton wrote in a court filing.`)."""
    tail = _trailing_phrase(clause)
    return 10 + tail if tail else 8


def _trailing_phrase(clause: Sequence[Tok]) -> int:
    """Length of a short prepositional phrase closing an attribution clause after its
    verb (`..., Kim Lee wrote in a court filing.`, `..., Kim Lee said on Friday.`), or 0."""
    for k in range(len(clause) - 1, max(0, len(clause) - 6) - 1, -1):
        t = clause[k]
        if t.low in TIME_PREPS and k > 0 and _speech_verb(clause[k - 1]):
            return len(clause) - k
        if _speech_verb(t) or t.word in ",;:":
            return 0
    return 0


def _plain_role(words: Sequence[str]) -> bool:
    """`the cheerful owner`, `the executive`: a role with at most adjectives before it,
    which may name the person just introduced; `the band leader` (a noun before the
    role) is more specific, and names somebody new."""
    return all(w.lower().endswith(ADJECTIVE_ENDINGS) for w in words[1:-1])


def _head_name(mention: str) -> str | None:
    """The name that heads a mention, without the clause a rule may have swept in
    (`Cruz would not` -> `Cruz`, `Bernie Sanders is disavowing` -> `Bernie Sanders`);
    None when the mention is a lone function word (`When`, `Another`)."""
    words = mention.split()
    if len(words) <= 2 and all(
        w.lower().strip(",.") in SENTENCE_OPENERS or w.lower() in CLAUSE_WORDS for w in words
    ):
        return None
    if len(words) > 1 and words[1][:1].islower() and words[0].lower() in OPENING_PHRASES:
        return None  # `Given his past`, `Asked about`: an opening phrase, no name
    if not words[0][:1].isupper() or words[0].lower() in DETERMINERS:
        return mention  # a role or group as written: `the cheerful owner`
    k = 0
    while k < len(words) and (words[k][:1].isupper() or (k and words[k] in NAME_LINKS)):
        k += 1
    if k == len(words) and k >= 3:
        # a title-case headline, `Maria Lind Explained Why She Felt "..."`: the name
        # ends before its verb
        for m in range(1, k):
            w = words[m].lower()
            if words[m].isupper():
                break  # an all-caps line, `OBAMA'S LAST STATE OF THE UNION`, is no headline
            if w in HEADLINE_VERBS or (
                w in SPEECH_VERBS and (w.endswith("ed") or w in ("said", "says", "told", "tells"))
            ):
                return " ".join(words[:m])
    if k == 0:
        return mention
    if k < len(words) and words[k][:1].islower():
        # `Democratic presidential candidate Bernie Sanders is disavowing`: a role before
        # the name; the clause starts at the first verb after a capitalised word
        for c in range(k + 1, len(words)):
            w = words[c].lower()
            if (
                words[c - 1][:1].isupper()
                and words[c][:1].islower()
                and (w in AUX or w in SKIP_BEFORE_VERB or w in CLAUSE_WORDS)
            ):
                end = 0
                for word in words[:c]:
                    end = mention.index(word, end) + len(word)
                return mention[:end]
    if k == len(words):
        return mention
    nxt = words[k].lower()
    if (
        nxt in AUX
        or nxt in SKIP_BEFORE_VERB
        or nxt in CLAUSE_WORDS
        or (len(nxt) > 4 and nxt.endswith(("ly", "ed", "ing")))
    ):
        end = 0
        for word in words[:k]:
            end = mention.index(word, end) + len(word)
        return mention[:end]
    return mention


def _is_boilerplate(text: str, ps: int, pe: int) -> bool:
    if pe - ps > 200:
        return False  # headlines and promo lines are short; also keeps this O(1) per quote
    line = text[ps:pe]
    if line.isupper() and sum(1 for c in line if c.isalpha()) >= _ALL_CAPS_LINE_MIN:
        return True
    low = line.lower().lstrip(" \t\u00a0" + _MARK_CHARS)
    return low.startswith(BOILERPLATE_LINES) or _FOLLOW_RE.match(low) is not None


# `Follow Pam Key on Twitter @pamkey`: the sign-off a site puts under its articles
_FOLLOW_RE = re.compile(r"follow [^\n]{1,60}? on (?:twitter|instagram|x)\W{0,3}@\w")


_TITLE_BEFORE_RE = re.compile(
    r"(?:\b[A-Z][\w.]*[\u2019']s|\b(?:episode|broadcast|edition|host|anchor) of"
    # `the TV show "Shark Tank."`, `her memoir, "Tough Choices."`, `an account called "..."`
    r"|\b(?:" + "|".join(WORK_NOUNS) + r"),?(?: (?:called|named|titled|dubbed))?)[ \u00a0]$"
)


_NICKNAME_RE = re.compile(NICKNAME)
_SURNAME_AFTER_RE = re.compile(r"[ \u00a0][A-Z][\w'\-]+(?:[,.;:)(]|[ \u00a0][a-z(])")
_NAME_BEFORE_RE = re.compile(r"(?:^|(?<=[\s(]))([\w.\-]+)[ \u00a0]([A-Z][\w'\-]+)[ \u00a0]$")


def _nickname(text: str, quote: RawQuote) -> bool:
    """`Juan "Chico" Manriquez`, `Del. Marcia "Cia" Price`: one or two capitalised words in
    marks between a first name and a surname, in running text (not a title-case headline:
    the word before the first name is lowercase, a title, or punctuation)."""
    if quote.open_pos < 1 or quote.close_pos < 0 or quote.end - quote.start > 20:
        return False
    if _NICKNAME_RE.fullmatch(text, quote.start, quote.end) is None:
        return False
    # the surname after the marks, then running text: `Manriquez of`, `Price (D-Va.)`
    if _SURNAME_AFTER_RE.match(text, quote.close_pos + 1) is None:
        return False
    before = text[max(quote.para_start, quote.open_pos - 40) : quote.open_pos]
    m = _NAME_BEFORE_RE.search(before)
    if m is None:
        # the first name opens the paragraph: `Juan "Chico" Manriquez carried ...`
        return re.fullmatch(r"\s*[A-Z][a-z][\w\-]*[ \u00a0]", before) is not None
    lead, first = m.group(1), m.group(2)
    if first.lower() in FUNCTION_WORDS or first.endswith(("s", "\u2019", "'")):
        return False  # `The "Dealmaker"`, `NBC's "Nightly News"`: no first name
    return lead[:1].islower() or lead.lower() in TITLES or lead.endswith((".", ","))


def _programme_title(text: str, quote: RawQuote) -> bool:
    """`told MSNBC's "Morning Joe"`, `on CNN's "State of the Union."`, `a broadcast of "Fox
    News Sunday,"`: a short title-case name of a show or work after a capitalised possessive
    (the network, the author) or "episode of" is no quotation."""
    if quote.open_pos < 1 or quote.end - quote.start > 60:
        return False
    words = text[quote.start : quote.end].strip(" ,.;:!?").split()
    if not words or len(words) > 6:
        return False
    if not all(w[:1].isupper() or w in TITLE_SMALL for w in words) or words[0][:1].islower():
        return False
    return _TITLE_BEFORE_RE.search(text, max(0, quote.open_pos - 40), quote.open_pos) is not None


def _word_count(text: str, s: int, e: int) -> int:
    return len(text[s:e].split())


def extract_quotes(
    text: str,
    speakers: Sequence[SpeakerRecord] | None = None,
    *,
    double_apostrophe_quotes: bool = False,
) -> list[QuoteCandidate]:
    """Quotations in `text` with their speakers, in text order.

    `double_apostrophe_quotes`: treat `''` as a double quotation mark, as in
    LexisNexis/wire-archive copy (`''We won,'' he said`). Off by default: modern text
    uses real marks, and there `''` is usually two apostrophes or a typo.
    """
    return [
        candidate
        for candidate, _ in scored_quotes(
            text, speakers, double_apostrophe_quotes=double_apostrophe_quotes
        )
    ]


def scored_quotes(
    text: str,
    speakers: Sequence[SpeakerRecord] | None = None,
    *,
    double_apostrophe_quotes: bool = False,
    model: ConfidenceModel | None = None,
    options_out: list[list[SpeakerOption]] | None = None,
) -> list[tuple[QuoteCandidate, dict[str, float]]]:
    """`extract_quotes` with each candidate's features, whose `model` probability (the
    shipped one by default) is the candidate's confidence; for training and the bench.
    `options_out` collects each quotation's speaker options, which the model ranks."""
    model = model or shipped_model()
    # markup attribute values (`author="..."`) and nicknames inside a name (`Juan
    # "Chico" Manriquez`) are not quotations
    raws = [
        r
        for r in find_quotes(text, double_apostrophe_quotes)
        if not (r.open_pos > 0 and text[r.open_pos - 1] == "=") and not _nickname(text, r)
    ]
    if not raws:
        return []
    index = SpeakerIndex(speakers or ())
    extractor = _Extractor(text, index)
    extractor.spans = sorted((r.start, r.end) for r in raws)
    attributions, rules = _attribute(text, raws, extractor)
    per_para: dict[int, int] = {}
    for quote in raws:
        per_para[quote.para_start] = per_para.get(quote.para_start, 0) + 1
    first_para = raws[0].para_start if text[: raws[0].para_start].strip() == "" else -1
    out: list[tuple[QuoteCandidate, dict[str, float]]] = []
    previous: Attribution | None = None
    said_last: tuple[str, int] | None = None  # the latest speaker named, and where
    for i, quote in enumerate(raws):
        options = _speaker_options(text, raws, i, attributions[i], rules[i], previous, extractor)
        if options_out is not None:
            options_out.append(options)
        best = max(options, key=lambda option: model.rank(option.features))
        att, rule = best.attribution, rules[i] if best is options[0] else best.name
        speaker, kind = best.speaker, best.kind
        previous = att
        mention_start: int | None = None
        mention_end: int | None = None
        title: str | None = None
        if att is not None:
            if best.mention_start >= 0:
                mention_start, mention_end = best.mention_start, best.mention_end
            if speaker is not None and kind != "org":
                title = extractor.title(att, speaker)
        features = _features(text, quote, att, rule, speaker, kind, extractor)
        if quote.para_start == first_para:
            features["headline paragraph"] = 1.0
        if per_para[quote.para_start] > 1:
            features["shares its paragraph"] = 1.0
        if "speaker: resolved pronoun" in features:
            # a pronoun that names the speaker of the quotation just before is the
            # common case (`"A," Woolson said. ... "B," he said.`); one that names
            # somebody else is a guess between people
            antecedent = extractor.antecedents.get(best.mention_start)
            if antecedent is not None:
                gap = extractor.text.count("\n", antecedent.end, best.mention_start)
                features[
                    "pronoun: names a sentence subject"
                    if antecedent.subject
                    else "pronoun: names an attribution's speaker"
                    if antecedent.speaker
                    else "pronoun: names only a nearby name"
                ] = 1.0
                features[
                    "pronoun: its person in this paragraph"
                    if gap == 0
                    else "pronoun: its person a paragraph back"
                    if gap <= 2
                    else "pronoun: its person paragraphs back"
                ] = 1.0
                word = text[best.mention_start : best.mention_end].lower()
                gender = "m" if word in MALE else "f" if word in FEMALE else None
                rivals = extractor.mentions.rivals(antecedent, best.mention_start, gender)
                features[
                    "pronoun: nobody else in reach"
                    if rivals == 0
                    else "pronoun: one other person in reach"
                    if rivals == 1
                    else "pronoun: several people in reach"
                ] = 1.0
            if said_last is None or quote.start - said_last[1] > _PRONOUN_CHAIN_WINDOW:
                features["pronoun: no quotation just before"] = 1.0
            elif said_last[0] == speaker:
                features["pronoun: the previous quotation's speaker"] = 1.0
            else:
                features["pronoun: not the previous quotation's speaker"] = 1.0
        if speaker is not None:
            said_last = (speaker, quote.end)
        candidate = QuoteCandidate(
            start=quote.start,
            end=quote.end,
            text=text[quote.start : quote.end],
            speaker=speaker,
            speaker_start=mention_start,
            speaker_end=mention_end,
            cue=att.cue if att is not None else None,
            confidence=model.confidence(features),
            speaker_kind=kind,
            speaker_title=title,
        )
        out.append((candidate, features))
    return out


@dataclass(slots=True)
class SpeakerOption:
    """One answer for a quotation's speaker, from one rule, with its ranking features."""

    name: str
    attribution: Attribution | None
    speaker: str | None
    kind: str | None
    mention_start: int
    mention_end: int
    features: dict[str, float]


_NAMELESS = frozenset(["speaker: none", "speaker: unresolved pronoun", "speaker: role as written"])


def _speaker_options(
    text: str,
    raws: Sequence[RawQuote],
    i: int,
    att: Attribution | None,
    rule: str,
    previous: Attribution | None,
    extractor: _Extractor,
) -> list[SpeakerOption]:
    """The first rule's answer and, when it names nobody, other readings the ranker may
    prefer: the previous quotation's speaker (a chain the rules did not see) and the
    sentence subject."""
    quote = raws[i]
    first = _option("first rule", att, extractor)
    first_form = _speaker_form(att, first.speaker, first.kind)
    first.features = {
        "bias": 1.0,
        f"first rule: {rule}": 1.0,
        f"first rule & {first_form}": 1.0,
    }
    options = [first]
    if first_form not in _NAMELESS:
        return options  # a name from the first rule is kept (the ranker never overrode one)
    if att is not None and att.mention.lower() in ("it", "they"):
        return options  # `what it calls`: an organisation or nobody, never a person
    alternatives: list[tuple[str, Attribution | None]] = []
    if previous is not None and i > 0:
        before = raws[i - 1]
        if before.para_start == quote.para_start:
            alternatives.append(("previous quote, same paragraph", previous))
        elif not text[before.para_end : quote.para_start].strip():
            alternatives.append(("previous quote, previous paragraph", previous))
    if rule != "sentence subject":
        alternatives.append(("sentence subject", extractor.subject(quote)))
    seen = {first.speaker}
    for name, alternative in alternatives:
        if alternative is None:
            continue
        option = _option(name, alternative, extractor)
        if option.speaker is None or option.speaker in seen:
            continue
        seen.add(option.speaker)
        form = _speaker_form(alternative, option.speaker, option.kind)
        option.features = {
            "bias": 1.0,
            f"option: {name}": 1.0,
            f"option: {name} & {form}": 1.0,
            f"option: {name} & first rule: {rule}": 1.0,
            f"option: {name} & first rule {first_form}": 1.0,
        }
        options.append(option)
    return options


def _option(name: str, att: Attribution | None, extractor: _Extractor) -> SpeakerOption:
    if att is None:
        return SpeakerOption(name, None, None, None, -1, -1, {})
    speaker, kind, start, end = extractor.resolve(att)
    return SpeakerOption(name, att, speaker, kind, start, end, {})


def _attribute(
    text: str, raws: Sequence[RawQuote], extractor: _Extractor
) -> tuple[list[Attribution | None], list[str]]:
    """Each quotation's attribution and the rule that found it."""
    n = len(raws)
    first_para = raws[0].para_start if text[: raws[0].para_start].strip() == "" else -1
    attributions: list[Attribution | None] = [None] * n
    rules = ["none"] * n
    for i, quote in enumerate(raws):
        following = raws[i + 1] if i + 1 < n else None
        nxt_mark = (
            following.open_pos
            if following is not None and following.open_pos >= 0
            else quote.para_end
        )
        if (
            following is not None
            and following.open_pos < 0
            and following.para_start == quote.para_start
        ):
            nxt_mark = min(nxt_mark, following.start)
        floor = quote.para_start
        if i > 0 and raws[i - 1].para_start == quote.para_start:
            prev = raws[i - 1]
            floor = prev.close_pos + 1 if prev.close_pos >= 0 else prev.end
        att, rule = extractor.after(quote, nxt_mark), "after"
        if att is not None and att.forward:
            # `After Scalia said that ... "less advanced schools," Trump said: "..."`: the
            # colon points at the next quotation; this one's own sentence may name its speaker
            own = extractor.before(quote, floor)
            if own is not None:
                att, rule = own, "before"
        if att is None:
            att, rule = extractor.before(quote, floor), "before"
        if att is None:
            att, rule = extractor.label(quote), "label"
        if att is None and _standalone(text, quote) and not quote.continues:
            att, rule = extractor.intro(quote), "intro"
        if att is None and _after_colon(text, quote):
            # `The letter put it bluntly: "..."`: the sentence subject introduces it
            att, rule = extractor.subject(quote), "colon"
            if att is not None:
                att.strength = 0.75
        if att is None:
            att, rule = extractor.sentence_final(quote), "sentence end"
        if att is None and quote.para_start == first_para:
            att, rule = extractor.headline(quote), "headline"
        if att is not None:
            attributions[i], rules[i] = att, rule
    # Inherit along quotation chains: continued paragraphs, and quotes standing alone
    # right after an attributed one ("A," he said. "B.").
    last_attributed = -1  # latest attributed quote, so the inheritance pass stays linear
    for i, quote in enumerate(raws):
        if attributions[i] is not None:
            last_attributed = i
            continue
        if i == 0:
            continue
        prev = raws[i - 1]
        if quote.continues or (_standalone(text, quote) and _ends_paragraph(text, prev)):
            attributions[i], rules[i] = attributions[i - 1], "chain: next paragraph"
        elif (
            prev.para_start == quote.para_start
            and _sentence_initial(text, quote)
            and last_attributed >= 0
            and raws[last_attributed].para_start == quote.para_start
        ):
            attributions[i], rules[i] = attributions[last_attributed], "chain: same paragraph"
        if attributions[i] is not None:
            last_attributed = i
        else:
            rules[i] = "none"
    for i in range(n - 2, -1, -1):
        if attributions[i] is None and raws[i].continued and raws[i + 1].continues:
            attributions[i], rules[i] = attributions[i + 1], "chain: continued"
    for i, quote in enumerate(raws):
        # a second partial quote in the same sentence shares the first one's speaker
        if (
            attributions[i] is None
            and i > 0
            and attributions[i - 1] is not None
            and _same_sentence(text, raws[i - 1], quote)
        ):
            attributions[i], rules[i] = attributions[i - 1], "same sentence"
    # Prose has a handful of quotations per paragraph; a paragraph with dozens is a list,
    # a table or garbage, and the sentence-subject fallback (a window per quotation)
    # would only add cost there.
    per_para: dict[int, int] = {}
    for quote in raws:
        per_para[quote.para_start] = per_para.get(quote.para_start, 0) + 1
    attributed = {(raws[i].start, raws[i].end) for i in range(n) if attributions[i] is not None}
    for i, quote in enumerate(raws):
        if (
            attributions[i] is None
            and not quote.single
            and per_para[quote.para_start] <= _DENSE_PARAGRAPH
        ):
            subject, rule = extractor.subject(quote), "sentence subject"
            if subject is None and _sentence_initial(text, quote):
                subject = extractor.previous_sentence(quote, attributed)
                rule = "previous sentence"
            if subject is not None:
                attributions[i], rules[i] = subject, rule
    return attributions, rules


def _features(
    text: str,
    quote: RawQuote,
    att: Attribution | None,
    rule: str,
    speaker: str | None,
    kind: str | None,
    extractor: _Extractor,
) -> dict[str, float]:
    """What the rules know about a candidate, as named 0/1 (or small) features."""
    content = text[quote.start : quote.end]
    words = content.split()
    features: dict[str, float] = {"bias": 1.0, f"rule: {rule}": 1.0}
    features[f"marks: {quote.status}"] = 1.0
    if quote.single:
        features["marks: single"] = 1.0
    if quote.continues or quote.continued:
        features["quote spans paragraphs"] = 1.0
    size = len(words)
    bucket = "1" if size <= 1 else "2-3" if size <= 3 else "4-7" if size <= 7 else "8-20"
    features[f"words: {bucket if size <= 20 else '21+'}"] = 1.0
    if words and all(w[:1].isupper() for w in words) and size >= 2:
        features["quote in title case"] = 1.0
    if content[:1].isupper():
        features["quote starts upper-case"] = 1.0
    if _SENTENCE_INSIDE_RE.search(content) is not None:
        features["quote holds a sentence end"] = 1.0
    if _is_boilerplate(text, quote.para_start, quote.para_end):
        features["promo line"] = 1.0
    if _programme_title(text, quote):
        features["programme title"] = 1.0
    if att is None:
        features["speaker: none"] = 1.0
        return features
    features["rule strength"] = att.strength
    cue = (att.cue or "").lower()
    features[
        "cue: none"
        if not cue
        else "cue: say"
        if cue in SAY
        else "cue: according to"
        if cue.startswith("according")
        else "cue: other"
    ] = 1.0
    mention = att.mention
    first = mention.split()[0].lower() if mention.split() else ""
    form = _speaker_form(att, speaker, kind)
    features[form] = 1.0
    features[f"{rule} & {form}"] = 1.0
    if speaker is not None and speaker != mention and first not in PRONOUNS:
        features["speaker: expanded from the mention"] = 1.0
    if att.start >= 0:
        gap = att.start - quote.end if att.start >= quote.end else quote.start - att.end
        features[
            "mention: next to the quote"
            if gap <= 40
            else "mention: same sentence or so"
            if gap <= 200
            else "mention: far"
        ] = 1.0
        if any(s <= att.start < e for s, e in _spans_near(extractor.spans, att.start)):
            features["mention inside a quotation"] = 1.0
    return features


def _speaker_form(att: Attribution | None, speaker: str | None, kind: str | None) -> str:
    if att is None:
        return "speaker: none"
    words = att.mention.split()
    first = words[0].lower() if words else ""
    if speaker is None:
        return "speaker: unresolved pronoun" if first in PRONOUNS else "speaker: none"
    if first in PRONOUNS:
        return "speaker: resolved pronoun"
    if speaker == att.mention and not speaker[:1].isupper():
        return "speaker: role as written"
    if kind == "org":
        return "speaker: organisation"
    if " and " in speaker:
        return "speaker: group of names"
    if " " not in speaker:
        return "speaker: one word"
    if len(speaker.split()) > 4:
        return "speaker: long phrase"
    return "speaker: full name"


_SENTENCE_INSIDE_RE = re.compile(r"[.!?][\"\u201d\u2019')]*\s+[A-Z\u201c\"]|[.!?]$")


def _spans_near(spans: list[tuple[int, int]], pos: int) -> list[tuple[int, int]]:
    k = bisect_right(spans, (pos, 1 << 62))
    return spans[max(0, k - 1) : k]


def _after_colon(text: str, quote: RawQuote) -> bool:
    j = (quote.open_pos if quote.open_pos >= 0 else quote.start) - 1
    while j > quote.para_start and text[j].isspace():
        j -= 1
    return j > quote.para_start and text[j] == ":"


def _sentence_initial(text: str, quote: RawQuote) -> bool:
    i = quote.open_pos if quote.open_pos >= 0 else quote.start
    j = i - 1
    while j >= quote.para_start and text[j].isspace():
        j -= 1
    return (
        j < quote.para_start
        or text[j] in ".!?"
        or (text[j] in _MARK_CHARS and (j > 0 and text[j - 1] in ".!?"))
    )


def _standalone(text: str, quote: RawQuote) -> bool:
    first = quote.para_start
    return quote.open_pos == first


def _ends_paragraph(text: str, quote: RawQuote) -> bool:
    return quote.close_pos >= 0 and len(text[quote.close_pos + 1 : quote.para_end].strip()) < 60


def _same_sentence(text: str, a: RawQuote, b: RawQuote) -> bool:
    if a.para_start != b.para_start or a.close_pos < 0 or b.open_pos < 0:
        return False
    if text[a.end - 1 : a.end] in (".", "!", "?"):
        return False
    return not _is_sentence_end(text, a.close_pos, b.open_pos)
