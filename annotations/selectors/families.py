"""Quote families for readers: one family with its members, the desk's family cards."""

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from annotations import roles
from annotations.models import Quote, QuoteFamily, QuoteFamilyMember, Review
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
    verdicts: tuple[FamilyVerdict, ...]  # decisions on the other members, newest first
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


def family_cards_for_quotes(
    *, user: roles.AnyUser, quotes: Iterable[Quote]
) -> dict[int, FamilyCard]:
    """Cards of the quotes that share their words with other quotes: two queries for all of
    them (members with their articles, and the decisions), none when no quote has relatives.

    The quotes come from the desk's row selector, which joins each quote's family.
    """
    roles.require_reader(user)
    wanted: dict[int, int] = {}
    for quote in quotes:
        try:
            member = quote.family_member
        except QuoteFamilyMember.DoesNotExist:
            continue
        if member.family.size > 1:
            wanted[quote.pk] = member.family_id
    if not wanted:
        return {}
    members: dict[int, list[Quote]] = {}
    for quote in (
        Quote.objects.filter(family_member__family_id__in=set(wanted.values()))
        .select_related("article", "speaker", "family_member")
        .only(
            "text",
            "status",
            "speaker_mention",
            "article_id",
            "article__outlet",
            "article__published_at",
            "speaker__name",
            "family_member__family_id",
            "family_member__kind",
            "family_member__normalized",
        )
        .order_by("pk")
    ):
        members.setdefault(quote.family_member.family_id, []).append(quote)
    decided = [q.pk for family in members.values() for q in family if q.status in VERDICTS]
    decisions: dict[int, Review] = {}
    for review in (
        Review.objects.filter(quote_id__in=decided, to_status__in=VERDICTS)
        .select_related("reviewer")
        .order_by("quote_id", "-quote_version")
        .distinct("quote_id")
    ):
        decisions[review.quote_id] = review
    families = {
        f.pk: f
        for f in QuoteFamily.objects.filter(pk__in=set(wanted.values())).only(
            "first_quote_id", "conflict"
        )
    }
    return {
        quote_id: _card(quote_id, families[family_id], members[family_id], decisions)
        for quote_id, family_id in wanted.items()
        if family_id in members
    }


def _verdict(quote: Quote, decisions: dict[int, Review]) -> FamilyVerdict | None:
    if quote.status not in VERDICTS:
        return None
    review = decisions.get(quote.pk)
    return FamilyVerdict(
        quote_id=quote.pk,
        status=quote.status,
        status_label=quote.get_status_display(),
        editor=review.reviewer.get_username() if review and review.reviewer else "someone",
        decided_at=review.created_at if review else None,
        outlet=quote.article.outlet,
    )


def _card(
    quote_id: int, family: QuoteFamily, members: list[Quote], decisions: dict[int, Review]
) -> FamilyCard:
    here = next(q for q in members if q.pk == quote_id)
    first = next((q for q in members if q.pk == family.first_quote_id), members[0])
    others = [q for q in members if q.pk != quote_id]
    verdicts = sorted(
        (v for v in (_verdict(q, decisions) for q in others) if v is not None),
        key=lambda v: (v.decided_at is None, -(v.decided_at.timestamp() if v.decided_at else 0)),
    )
    first_verdict = _verdict(first, decisions) if first.pk != quote_id else None
    agreeing = len({v.status for v in verdicts}) == 1
    carry = None
    if here.status == Quote.Status.CANDIDATE and verdicts and agreeing:
        carry = first_verdict or verdicts[0]
    diff: tuple[DiffPart, ...] = ()
    if first.pk != quote_id:
        words = quote_words(here.family_member.normalized)
        first_words = quote_words(first.family_member.normalized)
        if (
            structural_kind(
                normalized=here.family_member.normalized,
                words=words,
                other=first.family_member.normalized,
                other_words=first_words,
            )
            is None
        ):
            diff = _word_diff(first.text, here.text)
    speaker_here = _speaker_name(here)
    elsewhere: dict[str, set[int]] = {}
    for q in others:
        name = _speaker_name(q)
        if name != speaker_here:
            elsewhere.setdefault(name, set()).add(q.article_id)
    return FamilyCard(
        family_id=family.pk,
        quote_id=quote_id,
        articles=len({q.article_id for q in others} - {here.article_id}),
        first_quote_id=first.pk,
        is_first=first.pk == quote_id,
        first_outlet=first.article.outlet,
        first_published_at=first.article.published_at,
        first_verdict=first_verdict,
        verdicts=tuple(verdicts),
        carry=carry,
        conflict=family.conflict,
        diff=diff,
        speaker_here=speaker_here,
        speakers_elsewhere=tuple(
            sorted(((name, len(ids)) for name, ids in elsewhere.items()), key=lambda x: -x[1])
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
