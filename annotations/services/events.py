"""Domain events: the one call a write service makes to tell everyone else what happened.

    quote_review_submit, quote_set_speaker, ...   (inside their transaction)
        -> events.publish(kind, quote=..., actor=...)
            -> webhooks: one delivery row per subscribed endpoint, written now, so the rows
               exist exactly when the write commits; the worker sends them after commit
            -> live updates of open desk pages (after commit)

The change feed is not written here. Database triggers record every row change of articles,
quotes and reviews in the writer's own transaction (migration 0005_api), whichever path made
it, and number the events in commit order; `publish` covers what a row change cannot say on its
own: which verdict a CMS must hear about, and who is told.

No signals and no listener lists: a reader of a write service sees every consequence of it.
"""

import json
from collections.abc import Sequence
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction

from annotations.models import Quote, QuoteFamily, Review
from annotations.representations import family_representation
from annotations.services import webhooks


class EventKind(StrEnum):
    # Any change an editor on the same article should see: speaker, span, a quote added, a
    # decision that is no verdict (candidate -> not a quote).
    QUOTE_CHANGED = "quote.changed"
    QUOTE_VERIFIED = "quote.verified"
    QUOTE_DISPUTED = "quote.disputed"
    # A verified or disputed quote sent back to candidate or not-a-quote (by an editor, an
    # undo, or a body edit that changed the quoted words).
    QUOTE_REVERTED = "quote.reverted"
    QUOTE_DELETED = "quote.deleted"
    # A quote family's flags going up (services/families.py): the same words verified in one
    # article and disputed in another, a wording that differs (a misquote), another speaker
    # credited (a misattribution). Only the rise is news; a flag that goes down is not.
    FAMILY_CONFLICT = "family.conflict"
    FAMILY_WORDING_DIFFERS = "family.wording_differs"
    FAMILY_SPEAKERS_DIFFER = "family.speakers_differ"


VERDICTS = (Quote.Status.VERIFIED, Quote.Status.DISPUTED)


def decision_event_kind(*, from_status: str, to_status: str) -> EventKind:
    if to_status == Quote.Status.VERIFIED:
        return EventKind.QUOTE_VERIFIED
    if to_status == Quote.Status.DISPUTED:
        return EventKind.QUOTE_DISPUTED
    if from_status in VERDICTS:
        return EventKind.QUOTE_REVERTED
    # Candidate -> not a quote never reached the CMS as a verdict.
    return EventKind.QUOTE_CHANGED


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the deliveries could outlive a write that failed later.
        raise RuntimeError("events.publish must run inside the write's transaction")


def publish(
    kind: EventKind, *, quote: Quote, actor: User | None, review: Review | None = None
) -> None:
    """Announce `kind` for `quote`; call it inside the transaction of the write it describes."""
    _require_transaction()
    if kind != EventKind.QUOTE_CHANGED:
        webhooks.webhook_deliveries_for_quote_event(
            event_type=kind.value, quote=quote, review=review
        )


FAMILY_EVENTS = (
    EventKind.FAMILY_CONFLICT,
    EventKind.FAMILY_WORDING_DIFFERS,
    EventKind.FAMILY_SPEAKERS_DIFFER,
)


_FAMILY_EVENTS_SQL = """
INSERT INTO annotations_changeevent (xid, entity, object_id, type, data, occurred_at)
SELECT pg_current_xact_id()::text::bigint, 'family', e.object_id, e.type, e.data, clock_timestamp()
  FROM unnest(%s::bigint[], %s::text[], %s::jsonb[]) WITH ORDINALITY AS e(object_id, type, data, n)
 ORDER BY e.n
RETURNING id
"""


def publish_family(events: Sequence[tuple[EventKind, QuoteFamily]]) -> None:
    """Announce families' raised flags: change-feed rows and the webhook deliveries.

    No row of a table with a change-capture trigger says this (the family's flags live in its
    own table), so the feed rows are written here, in the same transaction; the feed's sealing
    trigger numbers them at commit with the rest of the transaction's events. A batch of the
    pipeline may raise dozens of flags: one INSERT for all rows and one read of the subscribed
    endpoints, not two statements per flag.
    """
    if not events:
        return
    unknown = [kind for kind, _ in events if kind not in FAMILY_EVENTS]
    if unknown:
        raise ValueError(f"{unknown[0]} is not a family event")
    _require_transaction()
    data = [family_representation(family) for _, family in events]
    with transaction.get_connection().cursor() as cursor:
        # As the capture triggers write their rows (migration 0005_api): the writer's
        # transaction id, the row's time, in the order given.
        cursor.execute(
            _FAMILY_EVENTS_SQL,
            [
                [family.pk for _, family in events],
                [kind.value for kind, _ in events],
                [json.dumps(d) for d in data],
            ],
        )
        row_ids = [row[0] for row in cursor.fetchall()]
    endpoints = webhooks.webhook_endpoints_subscribed(
        event_types=sorted({kind.value for kind, _ in events})
    )
    for (kind, family), payload, row_id in zip(events, data, row_ids, strict=True):
        subscribed = [e for e in endpoints if kind.value in e.events]
        if subscribed:
            webhooks.webhook_deliveries_create(
                event_type=kind.value,
                event_id=f"family-{family.pk}-{kind.value.removeprefix('family.')}-{row_id}",
                data={"family": payload},
                endpoints=subscribed,
            )
