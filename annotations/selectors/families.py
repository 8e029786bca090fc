"""Quote families for readers: one family with its members, the desk's family cards."""

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from annotations import roles
from annotations.models import Quote, QuoteFamily, QuoteFamilyMember
from annotations.selectors.speakers import role_at_time_expression
from annotations.services.families import quote_text_normalize, quote_words, structural_kind

VERDICTS = (Quote.Status.VERIFIED, Quote.Status.DISPUTED)


def quote_family_get_for_user(*, user: roles.AnyUser, pk: int) -> QuoteFamily:
    """The family with its members (quote, article, speaker), oldest publication first: two
    queries however many members."""
    roles.require_reader(user)
    members = (
        QuoteFamilyMember.objects.select_related("quote__article", "quote__speaker", "family")
        .defer("quote__article__body", "quote__search_vector", "shingles")
        # The member query joins the quote as `annotations_quote`, which the role subquery
        # reads: each member's speaker role at the time comes in the same query.
        .annotate(quote_role_at_time=role_at_time_expression())
        .order_by("quote__article__published_at", "quote__created_at", "quote_id")
    )
    try:
        family = QuoteFamily.objects.prefetch_related(Prefetch("members", queryset=members)).get(
            pk=pk
        )
    except (QuoteFamily.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote family.") from None
    for member in family.members.all():
        member.quote.role_at_time = member.quote_role_at_time  # type: ignore[attr-defined]
    return family


# --- the desk's family card ------------------------------------------------------------------


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal", "delete" (in the first appearance only) or "insert" (here only)
    text: str  # untrusted; the template escapes it


@dataclass(frozen=True)
class FamilyVerdict:
    quote_id: int
    status: str
    status_label: str
    editor: str
    decided_at: dt.datetime | None
    outlet: str


@dataclass(frozen=True)
class FamilyCard:
    """What the quote card says about the same words in other articles."""

    family_id: int
    quote_id: int
    articles: int  # other articles quoting these words
    first_quote_id: int
    is_first: bool
    first_outlet: str
    first_published_at: dt.datetime | None
    first_verdict: FamilyVerdict | None  # the decision on the first appearance, if any
    verdicts: tuple[FamilyVerdict, ...]  # the newest decisions on the other members
    more_verdicts: int  # decisions on other members beyond those
    carry: FamilyVerdict | None  # offered when this quote is open and the others agree
    conflict: bool
    diff: tuple[DiffPart, ...]  # against the first appearance, when the wording differs
    speaker_here: str
    speakers_elsewhere: tuple[tuple[str, int], ...]  # (speaker, other articles) when they differ

    @property
    def wording_differs(self) -> bool:
        return bool(self.diff)

    @property
    def speakers_differ(self) -> bool:
        return bool(self.speakers_elsewhere)


def _word_diff(first: str, here: str) -> tuple[DiffPart, ...]:
    """Word-level diff of the first appearance against this quote, compared normalised."""
    a, b = first.split(), here.split()
    matcher = difflib.SequenceMatcher(
        a=[quote_text_normalize(w) for w in a],
        b=[quote_text_normalize(w) for w in b],
        autojunk=False,
    )
    parts: list[DiffPart] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("equal", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            parts.append(DiffPart("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart("insert", " ".join(b[j1:j2])))
    return tuple(parts)


def _speaker_name(quote: Quote) -> str:
    if quote.speaker is not None:
        return quote.speaker.name
    return quote.speaker_mention or "nobody"


# Verdicts named on a card, newest first; the rest are counted. A quote carried by hundreds of
# articles must not put hundreds of lines on every card, nor read hundreds of rows to draw it.
CARD_VERDICTS = 3

# Per family: the distinct articles, and per credited name the distinct articles and the oldest
# member (the order names are listed in); the verdicts counted by status. GROUPING SETS gives
# the family's totals (name IS NULL, grouped) and the per-name rows in one pass.
_CARD_COUNTS_SQL = """
SELECT m.family_id,
       GROUPING(n.credited) = 1 AS total,
       n.credited,
       count(DISTINCT q.article_id),
       min(q.id),
       count(*) FILTER (WHERE q.status = %(verified)s),
       count(*) FILTER (WHERE q.status = %(disputed)s)
  FROM annotations_quotefamilymember m
  JOIN annotations_quote q ON q.id = m.quote_id
  LEFT JOIN annotations_speaker s ON s.id = q.speaker_id
 CROSS JOIN LATERAL (SELECT coalesce(s.name, nullif(q.speaker_mention, ''), 'nobody') AS credited) n
 WHERE m.family_id = ANY(%(families)s::bigint[])
 GROUP BY GROUPING SETS ((m.family_id), (m.family_id, n.credited))
"""

# Per family, the newest verdicts (one more than a card names, as the card's own quote is left
# out) and the verdict on the first appearance: each decided member's latest verdict review.
_CARD_VERDICTS_SQL = """
SELECT family_id, quote_id, status, editor, decided_at, outlet
  FROM (
    SELECT m.family_id, q.id AS quote_id, q.status, u.username AS editor,
           r.created_at AS decided_at, a.outlet, q.id = f.first_quote_id AS is_first,
           row_number() OVER (PARTITION BY m.family_id
                              ORDER BY r.created_at DESC NULLS LAST, q.id DESC) AS place
      FROM annotations_quotefamilymember m
      JOIN annotations_quotefamily f ON f.id = m.family_id
      JOIN annotations_quote q ON q.id = m.quote_id
      JOIN annotations_article a ON a.id = q.article_id
      LEFT JOIN LATERAL (
            SELECT r.created_at, r.reviewer_id
              FROM annotations_review r
             WHERE r.quote_id = q.id AND r.to_status = ANY(%(verdicts)s::varchar[])
             ORDER BY r.quote_version DESC
             LIMIT 1) r ON true
      LEFT JOIN auth_user u ON u.id = r.reviewer_id
     WHERE m.family_id = ANY(%(families)s::bigint[])
       AND q.status = ANY(%(verdicts)s::varchar[])
  ) decided
 WHERE place <= %(named)s OR is_first
 ORDER BY family_id, place
"""


@dataclass
class _FamilyFacts:
    family: QuoteFamily
    articles: int = 0
    verified: int = 0
    disputed: int = 0
    names: list[tuple[str, int]] = field(default_factory=list)  # (credited name, articles)
    verdicts: list[FamilyVerdict] = field(default_factory=list)  # newest first
    first_verdict: FamilyVerdict | None = None


def family_cards_for_quotes(
    *, user: roles.AnyUser, quotes: Iterable[Quote]
) -> dict[int, FamilyCard]:
    """Cards of the quotes that share their words with other quotes: four queries for all of
    them, whatever the size of their families (none when no quote has relatives).

    The quotes come from the desk's row selector, which joins each quote's family.
    """
    roles.require_reader(user)
    wanted: dict[int, Quote] = {}
    family_of: dict[int, int] = {}
    for quote in quotes:
        try:
            member = quote.family_member
        except QuoteFamilyMember.DoesNotExist:
            continue
        if member.family.size > 1:
            wanted[quote.pk] = quote
            family_of[quote.pk] = member.family_id
    if not wanted:
        return {}
    family_ids = sorted(set(family_of.values()))
    facts = {
        f.pk: _FamilyFacts(family=f)
        for f in QuoteFamily.objects.filter(pk__in=family_ids)
        .select_related("first_quote__article")
        .only(
            "first_quote_id",
            "conflict",
            "first_quote__text",
            "first_quote__article__outlet",
            "first_quote__article__published_at",
        )
    }
    params: dict[str, Any] = {
        "families": family_ids,
        "verified": Quote.Status.VERIFIED.value,
        "disputed": Quote.Status.DISPUTED.value,
        "verdicts": [status.value for status in VERDICTS],
        "named": CARD_VERDICTS + 1,
    }
    with connection.cursor() as cursor:
        cursor.execute(_CARD_COUNTS_SQL, params)
        counts = sorted(cursor.fetchall(), key=lambda row: (row[0], -row[3], row[4]))
        cursor.execute(_CARD_VERDICTS_SQL, params)
        decided = cursor.fetchall()
    for family_id, total, name, articles, _oldest, verified, disputed in counts:
        fact = facts[family_id]
        if total:
            fact.articles, fact.verified, fact.disputed = articles, verified, disputed
        else:
            fact.names.append((name, articles))
    labels = dict(Quote.Status.choices)
    for family_id, quote_id, status, editor, decided_at, outlet in decided:
        fact = facts[family_id]
        verdict = FamilyVerdict(
            quote_id=quote_id,
            status=status,
            status_label=str(labels[status]),
            editor=editor or "someone",
            decided_at=decided_at,
            outlet=outlet,
        )
        if quote_id == fact.family.first_quote_id:
            fact.first_verdict = verdict
        fact.verdicts.append(verdict)
    # The normalised words of each card's quote and of each first appearance, for the diff.
    normalized = dict(
        QuoteFamilyMember.objects.filter(
            quote_id__in={*wanted, *(f.family.first_quote_id for f in facts.values())}
        ).values_list("quote_id", "normalized")
    )
    return {
        quote_id: _card(quote, facts[family_of[quote_id]], normalized)
        for quote_id, quote in wanted.items()
    }


def _card(here: Quote, facts: _FamilyFacts, normalized: dict[int, str]) -> FamilyCard:
    family = facts.family
    first = family.first_quote
    is_first = family.first_quote_id == here.pk
    # The newest verdicts on the other members (the query read one more than a card names, in
    # case this quote is among them).
    verdicts = [v for v in facts.verdicts if v.quote_id != here.pk][:CARD_VERDICTS]
    decided_here = here.status in VERDICTS
    more = facts.verified + facts.disputed - int(decided_here) - len(verdicts)
    first_verdict = None if is_first else facts.first_verdict
    carry = None
    # Offered when this quote is open and every verdict elsewhere agrees.
    agreeing = not (facts.verified and facts.disputed)
    if here.status == Quote.Status.CANDIDATE and verdicts and agreeing:
        carry = first_verdict or verdicts[0]
    diff: tuple[DiffPart, ...] = ()
    if not is_first and first is not None:
        mine, theirs = normalized.get(here.pk, ""), normalized.get(first.pk, "")
        if (
            structural_kind(
                normalized=mine,
                words=quote_words(mine),
                other=theirs,
                other_words=quote_words(theirs),
            )
            is None
        ):
            diff = _word_diff(first.text, here.text)
    speaker_here = _speaker_name(here)
    return FamilyCard(
        family_id=family.pk,
        quote_id=here.pk,
        articles=max(facts.articles - 1, 0),
        first_quote_id=first.pk if first is not None else here.pk,
        is_first=is_first,
        first_outlet=first.article.outlet if first is not None else "",
        first_published_at=first.article.published_at if first is not None else None,
        first_verdict=first_verdict,
        verdicts=tuple(verdicts),
        more_verdicts=max(more, 0),
        carry=carry,
        conflict=family.conflict,
        diff=diff,
        speaker_here=speaker_here,
        speakers_elsewhere=tuple(
            (name, count) for name, count in facts.names if name != speaker_here
        ),
    )


# --- search: the members behind a "same quote once" row ---------------------------------------


@dataclass(frozen=True)
class FamilyMemberRow:
    quote_id: int
    article_id: int
    outlet: str
    published_at: dt.datetime | None
    speaker: str
    kind: str  # "first seen", "identical", "part of", "wording differs"


def family_member_rows(
    *, user: roles.AnyUser, family_ids: Iterable[int], per_family: int | None = None
) -> dict[int, list[FamilyMemberRow]]:
    """family id -> its members, oldest publication first: one query for a page of results.

    `per_family` keeps only each family's first members: a quote carried by hundreds of
    articles would otherwise put hundreds of lines under one search result.
    """
    roles.require_reader(user)
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    order = ("quote__article__published_at", "quote_id")
    members = QuoteFamilyMember.objects.filter(family_id__in=ids)
    if per_family is not None:
        members = members.annotate(
            place=Window(RowNumber(), partition_by=[F("family_id")], order_by=list(order))
        ).filter(place__lte=per_family)
    rows: dict[int, list[FamilyMemberRow]] = {}
    for (
        family_id,
        quote_id,
        article_id,
        outlet,
        published_at,
        name,
        mention,
        kind,
    ) in members.order_by("family_id", *order).values_list(
        "family_id",
        "quote_id",
        "quote__article_id",
        "quote__article__outlet",
        "quote__article__published_at",
        "quote__speaker__name",
        "quote__speaker_mention",
        "kind",
    ):
        rows.setdefault(family_id, []).append(
            FamilyMemberRow(
                quote_id=quote_id,
                article_id=article_id,
                outlet=outlet,
                published_at=published_at,
                speaker=name or mention or "",
                kind=QuoteFamilyMember.Kind(kind).label.lower(),
            )
        )
    return rows


def quote_family_members_page(
    *, user: roles.AnyUser, pk: int
) -> tuple[QuoteFamily, list[FamilyMemberRow]]:
    """A family and every member, as the search page lists them: two queries."""
    roles.require_reader(user)
    try:
        family = QuoteFamily.objects.select_related("first_quote").get(pk=pk)
    except (QuoteFamily.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote family.") from None
    return family, family_member_rows(user=user, family_ids=[family.pk]).get(family.pk, [])
