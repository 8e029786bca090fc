"""The tables of Newsdesk, one module per area.

Dependencies run one way, from the newsroom's content down to the machinery around it:

    articles  <-  quotes  ->  speakers
                    ^
                 reviews          (append-only history of every decision on a quote)
                 families         (the same words quoted in several articles)

    clients, webhooks, changes    (the API area: CMS keys, webhook deliveries, the change feed)
    ingest                        (batches of articles uploaded through the desk)

A module imports only the modules above it in this list: ``articles`` and ``speakers`` import no
other model module, ``quotes`` imports both, ``reviews`` imports ``quotes``, ``ingest`` imports
``articles``; the API area imports none of the content models. Database constraints live in
``Meta``; triggers that guard invariants across rows (anchored text, append-only history,
search vectors, the change feed) live in ``annotations/migrations/``. Anything that touches
other tables is a service, not a model method.
"""

from annotations.models.articles import Article, body_fingerprint, body_hash
from annotations.models.changes import ChangeEvent
from annotations.models.clients import API_KEY_PREFIX, ApiClient, IdempotencyRecord, api_key_hash
from annotations.models.families import QuoteFamily, QuoteFamilyMember
from annotations.models.ingest import IngestBatch, IngestRow
from annotations.models.quotes import DisputeReason, Quote, QuoteStatus, dispute_reason_problem
from annotations.models.reviews import Review
from annotations.models.speakers import (
    Speaker,
    SpeakerAlias,
    SpeakerMerge,
    SpeakerRole,
    normalize_alias,
)
from annotations.models.webhooks import (
    WEBHOOK_SECRET_PREFIX,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    webhook_secret_generate,
)

__all__ = [
    "API_KEY_PREFIX",
    "WEBHOOK_SECRET_PREFIX",
    "ApiClient",
    "Article",
    "ChangeEvent",
    "DisputeReason",
    "IdempotencyRecord",
    "IngestBatch",
    "IngestRow",
    "Quote",
    "QuoteFamily",
    "QuoteFamilyMember",
    "QuoteStatus",
    "Review",
    "Speaker",
    "SpeakerAlias",
    "SpeakerMerge",
    "SpeakerRole",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEndpoint",
    "api_key_hash",
    "body_fingerprint",
    "body_hash",
    "dispute_reason_problem",
    "normalize_alias",
    "webhook_secret_generate",
]
