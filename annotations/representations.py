"""The wire shape of quotes, reviews and change events: one definition for every channel.

The REST API (`annotations/api/serializers.py`, which declares these shapes for the OpenAPI
schema) and the webhook payloads (`annotations/services/webhooks.py`) both build their JSON
here, so a field added to a quote reaches the CMS the same way whichever channel it listens on.
Pure functions of rows already loaded: no queries, no request, no Django REST Framework.
"""

import datetime as dt
from typing import Any

from annotations.models import ChangeEvent, Quote, QuoteFamily, QuoteFamilyMember, Review
from annotations.models.speakers import role_at


def iso(value: dt.datetime | None) -> str | None:
    """A timestamp as the API writes it: ISO 8601, UTC as `Z` (see api.serializers.IsoTimestamp)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def quote_role_at_time(quote: Quote) -> dict[str, str] | None:
    """The speaker's role on the article's publication date (issue 16).

    Read from the `role_at_time` annotation (selectors.speakers.with_role_at_time) when the
    quote was loaded with it; otherwise from the speaker's roles, by the same rule.
    """
    if hasattr(quote, "role_at_time"):
        return quote.role_at_time  # type: ignore[no-any-return]
    speaker = quote.speaker
    if speaker is None:
        return None
    return role_at(
        speaker=speaker, roles=list(speaker.roles.all()), published_at=quote.article.published_at
    )


def _quote_family(quote: Quote) -> dict[str, Any] | None:
    try:
        member = quote.family_member
    except QuoteFamilyMember.DoesNotExist:
        return None  # not linked yet (saved by a path that does not link, e.g. raw SQL)
    return family_representation(member.family)


def quote_representation(quote: Quote) -> dict[str, Any]:
    """The quote resource; `quote.article`, `quote.speaker` and `quote.family_member__family`
    should be loaded with it, and the role at the time annotated
    (selectors.speakers.with_role_at_time)."""
    article, speaker = quote.article, quote.speaker
    return {
        "id": quote.pk,
        "article": {
            "id": article.pk,
            "title": article.title,
            "url": article.url,
            "outlet": article.outlet,
            "published_at": iso(article.published_at),
        },
        "text": quote.text,
        "start": quote.start,
        "end": quote.end,
        "prefix": quote.prefix,
        "suffix": quote.suffix,
        "speaker": (
            {
                "id": speaker.pk,
                "name": speaker.name,
                "kind": speaker.kind,
                "role": quote_role_at_time(quote),
            }
            if speaker is not None
            else None
        ),
        "speaker_mention": quote.speaker_mention,
        "cue": quote.cue,
        "origin": quote.origin,
        "confidence": quote.confidence,
        "status": quote.status,
        "dispute_reason": quote.dispute_reason,
        "anchor": quote.anchor,
        "anchor_note": quote.anchor_note,
        "version": quote.version,
        "article_revision": quote.article_revision,
        "created_at": iso(quote.created_at),
        "updated_at": iso(quote.updated_at),
        "family": _quote_family(quote),
    }


def quote_row_representation(row: dict[str, Any]) -> dict[str, Any]:
    """The same resource from a `QUOTE_LIST_VALUES` row of the quote list (timestamps as text)."""
    speaker_id = row["speaker_id"]
    return {
        "id": row["id"],
        "article": {
            "id": row["article_id"],
            "title": row["article__title"],
            "url": row["article__url"],
            "outlet": row["article__outlet"],
            "published_at": row["article_published_iso"],
        },
        "text": row["text"],
        "start": row["start"],
        "end": row["end"],
        "prefix": row["prefix"],
        "suffix": row["suffix"],
        "speaker": (
            {
                "id": speaker_id,
                "name": row["speaker__name"],
                "kind": row["speaker__kind"],
                "role": row["role_at_time"],
            }
            if speaker_id is not None
            else None
        ),
        "speaker_mention": row["speaker_mention"],
        "cue": row["cue"],
        "origin": row["origin"],
        "confidence": row["confidence"],
        "status": row["status"],
        "dispute_reason": row["dispute_reason"],
        "anchor": row["anchor"],
        "anchor_note": row["anchor_note"],
        "version": row["version"],
        "article_revision": row["article_revision"],
        "created_at": row["created_iso"],
        "updated_at": row["updated_iso"],
        "family": (
            {
                "id": row["family_member__family_id"],
                "size": row["family_member__family__size"],
                "first_quote": row["family_member__family__first_quote_id"],
                "first_published_at": row["family_first_published_iso"],
                "wording_differs": row["family_member__family__wording_differs"],
                "speakers_differ": row["family_member__family__speakers_differ"],
                "conflict": row["family_member__family__conflict"],
            }
            if row["family_member__family_id"] is not None
            else None
        ),
    }


def family_representation(family: QuoteFamily) -> dict[str, Any]:
    """A quote family: how many quotes, the first appearance, its two alarms and its conflict."""
    return {
        "id": family.pk,
        "size": family.size,
        "first_quote": family.first_quote_id,
        "first_published_at": iso(family.first_published_at),
        "wording_differs": family.wording_differs,
        "speakers_differ": family.speakers_differ,
        "conflict": family.conflict,
    }


def review_representation(review: Review) -> dict[str, Any]:
    """One decision of the history; `review.reviewer` should be loaded with it."""
    return {
        "id": review.pk,
        "quote": review.quote_id,
        "reviewer": review.reviewer.get_username() if review.reviewer is not None else None,
        "from_status": review.from_status,
        "to_status": review.to_status,
        "dispute_reason": review.dispute_reason,
        "note": review.note,
        "evidence": list(review.evidence),
        "quote_version": review.quote_version,
        "created_at": iso(review.created_at),
    }


def change_event_representation(event: ChangeEvent) -> dict[str, Any]:
    return {
        "id": event.seq,
        "type": event.type,
        "entity": event.entity,
        "object_id": event.object_id,
        "data": event.data,
        "occurred_at": iso(event.occurred_at),
    }
