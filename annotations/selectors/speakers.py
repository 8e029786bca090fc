"""Speakers' roles over time: which office a speaker held on a day, and at the time of a quote.

A quote's role is the one its speaker held on the article's publication date, read in the
newsroom's time zone (issue 16): "John Kirby, Pentagon press secretary" on a January 2022
article, whatever he does later. Both boundary days belong to a role.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, JSONField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from annotations import roles
from annotations.models import Quote, Speaker, SpeakerMerge, SpeakerRole
from annotations.models.speakers import article_day, role_at, role_on

# The role at the time as a correlated subquery on the quote's own row (the outer table is
# `annotations_quote`): every list that shows quotes gets it in its own query, with no extra
# round trip per page and none per row. {"title", "organisation"} or NULL, by the same rule as
# title_at() below: the role held on the article's publication date (in the newsroom's time
# zone, both boundary days included, the newest of two held at once); a speaker with no roles
# at all falls back to its own title field.
_ROLE_AT_TIME = """COALESCE(
  (SELECT jsonb_build_object('title', r.title, 'organisation', r.organisation)
     FROM annotations_speakerrole r, annotations_article a
    WHERE a.id = annotations_quote.article_id
      AND r.speaker_id = annotations_quote.speaker_id
      AND r.start_date <= (a.published_at AT TIME ZONE %s)::date
      AND (r.end_date IS NULL OR r.end_date >= (a.published_at AT TIME ZONE %s)::date)
    ORDER BY r.start_date DESC, r.id DESC LIMIT 1),
  (SELECT jsonb_build_object('title', s.title, 'organisation', s.organisation)
     FROM annotations_speaker s
    WHERE s.id = annotations_quote.speaker_id AND (s.title <> '' OR s.organisation <> '')
      AND NOT EXISTS (SELECT 1 FROM annotations_speakerrole r WHERE r.speaker_id = s.id))
)"""
ROLE_AT_TIME = "role_at_time"


def role_at_time_expression() -> RawSQL:
    zone = settings.TIME_ZONE
    return RawSQL(_ROLE_AT_TIME, (zone, zone), output_field=JSONField())  # noqa: S611 - constant


def with_role_at_time(quotes: QuerySet[Quote]) -> QuerySet[Quote]:
    """Annotate `role_at_time` ({"title", "organisation"} or None) on each quote."""
    return quotes.annotate(**{ROLE_AT_TIME: role_at_time_expression()})


def role_title(role: dict[str, Any] | None) -> str:
    return str(role["title"]) if role else ""


def speaker_role_on(*, speaker: Speaker, day: dt.date) -> SpeakerRole | None:
    return role_on(
        list(
            SpeakerRole.objects.filter(speaker=speaker, start_date__lte=day).exclude(
                end_date__lt=day
            )
        ),
        day,
    )


def roles_by_speaker(*, speaker_ids: Iterable[int | None]) -> dict[int, list[SpeakerRole]]:
    """Every role of these speakers, in one query."""
    ids = {pk for pk in speaker_ids if pk is not None}
    found: dict[int, list[SpeakerRole]] = {pk: [] for pk in ids}
    if ids:
        for role in SpeakerRole.objects.filter(speaker_id__in=ids):
            found[role.speaker_id].append(role)
    return found


def quote_role(*, quote: Quote) -> SpeakerRole | None:
    """The role the quote's speaker held on its article's publication date."""
    if quote.speaker is None:
        return None
    day = article_day(quote.article.published_at)
    return speaker_role_on(speaker=quote.speaker, day=day) if day is not None else None


def quote_roles(
    quotes: Iterable[Quote],
) -> dict[int, dict[str, str] | None]:
    """Quote id -> role at the time, for quotes loaded with speaker and article, in one query.

    The Python twin of with_role_at_time(), for quotes that were not loaded with it.
    """
    quotes = list(quotes)
    roles = roles_by_speaker(speaker_ids=(q.speaker_id for q in quotes))
    return {
        quote.pk: role_at(
            speaker=quote.speaker,
            roles=roles[quote.speaker.pk] if quote.speaker is not None else [],
            published_at=quote.article.published_at,
        )
        for quote in quotes
    }


def speaker_exchange_records() -> list[dict[str, Any]]:
    """The whole registry in the speakers_import format, for `manage.py speakers_export`.

    For the operator at the command line, so not scoped to a user; three queries in all.
    """
    speakers = Speaker.objects.prefetch_related("aliases", "roles").order_by("name", "pk")
    return [
        {
            "name": speaker.name,
            "kind": speaker.kind,
            "title": speaker.title,
            "organisation": speaker.organisation,
            "wikidata_id": speaker.wikidata_id,
            "aliases": sorted(alias.alias for alias in speaker.aliases.all()),
            "roles": [
                {
                    "title": role.title,
                    "organisation": role.organisation,
                    "start_date": role.start_date.isoformat(),
                    "end_date": role.end_date.isoformat() if role.end_date else None,
                    "source_url": role.source_url,
                }
                for role in sorted(speaker.roles.all(), key=lambda r: (r.start_date, r.pk))
            ],
        }
        for speaker in speakers
    ]


SPEAKER_PAGE_QUOTES = 200


@dataclass(frozen=True)
class SpeakerQuoteRow:
    pk: int
    text: str
    status: str
    status_label: str
    role_title: str  # the role held on the article's date
    article_id: int
    article_title: str
    published_at: dt.datetime | None


@dataclass(frozen=True)
class SpeakerPage:
    """What /speakers/<id>/ shows: the roles timeline, the quotes and their verdicts."""

    speaker: Speaker
    roles: list[SpeakerRole]
    aliases: list[str]
    counts: dict[str, int]  # verified, disputed, open, not_a_quote, total
    quotes: list[SpeakerQuoteRow]  # newest first, at most SPEAKER_PAGE_QUOTES
    # (reason label, disputed quotes with that reason), most frequent first; reasons with none
    # are left out.
    disputed_by_reason: list[tuple[str, int]] = field(default_factory=list)
    merges: list[SpeakerMerge] = field(default_factory=list)  # newest first

    @property
    def quotes_shown_all(self) -> bool:
        return len(self.quotes) >= self.counts["total"]

    @property
    def disputed_share(self) -> float | None:
        """Disputed quotes as a share of the quotes decided on (verified or disputed)."""
        decided = self.counts["verified"] + self.counts["disputed"]
        return self.counts["disputed"] / decided if decided else None


def speaker_page(*, user: roles.AnyUser, pk: int) -> SpeakerPage:
    """The speaker page in five queries: speaker, roles, aliases and merges, counts, quotes."""
    roles.require_reader(user)
    try:
        speaker = Speaker.objects.prefetch_related(
            "roles",
            "aliases",
            Prefetch("merges_received", SpeakerMerge.objects.select_related("merged_by")),
        ).get(pk=pk)
    except (Speaker.DoesNotExist, ValueError, TypeError):
        raise Http404("No such speaker.") from None
    statuses = {
        "verified": Quote.Status.VERIFIED,
        "disputed": Quote.Status.DISPUTED,
        "open": Quote.Status.CANDIDATE,
        "not_a_quote": Quote.Status.NOT_A_QUOTE,
    }
    counts = Quote.objects.filter(speaker=speaker).aggregate(
        total=Count("pk"),
        **{key: Count("pk", filter=Q(status=status)) for key, status in statuses.items()},
        **{
            f"reason_{reason}": Count(
                "pk", filter=Q(status=Quote.Status.DISPUTED, dispute_reason=reason)
            )
            for reason in Quote.DisputeReason.values
        },
    )
    quotes = with_role_at_time(
        Quote.objects.filter(speaker=speaker)
        .select_related("article")
        .only("text", "status", "speaker", "article__title", "article__published_at")
        .order_by(F("article__published_at").desc(nulls_last=True), "-pk")
    )[:SPEAKER_PAGE_QUOTES]
    labels = dict(Quote.Status.choices)
    by_reason = [
        (str(label), counts.pop(f"reason_{reason}"))
        for reason, label in Quote.DisputeReason.choices
    ]
    return SpeakerPage(
        disputed_by_reason=sorted(
            ((label, n) for label, n in by_reason if n), key=lambda item: -item[1]
        ),
        merges=list(speaker.merges_received.all()),
        speaker=speaker,
        roles=sorted(speaker.roles.all(), key=lambda role: (role.start_date, role.pk)),
        aliases=sorted(alias.alias for alias in speaker.aliases.all()),
        counts=counts,
        quotes=[
            SpeakerQuoteRow(
                pk=quote.pk,
                text=quote.text,
                status=quote.status,
                status_label=labels[quote.status],
                role_title=role_title(quote.role_at_time),  # type: ignore[attr-defined]
                article_id=quote.article_id,
                article_title=quote.article.title,
                published_at=quote.article.published_at,
            )
            for quote in quotes
        ],
    )
