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

from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction

from annotations.models import Quote, Review
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


def publish(
    kind: EventKind, *, quote: Quote, actor: User | None, review: Review | None = None
) -> None:
    """Announce `kind` for `quote`; call it inside the transaction of the write it describes."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the deliveries could outlive a write that failed later.
        raise RuntimeError("events.publish must run inside the write's transaction")
    if kind != EventKind.QUOTE_CHANGED:
        webhooks.webhook_deliveries_for_quote_event(
            event_type=kind.value, quote=quote, review=review
        )
