"""Every Celery task of Newsdesk: ids in, one service call, nothing else (docs/pipeline.md).

Only services queue these (services.prehighlight.prehighlight_enqueue, services.webhooks), after
their transaction commits; the services are imported inside the task bodies, so this module
depends on nothing of the app at import time and the worker finds every task by importing it.
"""

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Errors worth retrying: the database or the broker is briefly unreachable. Anything else is a
# bug or bad data and retrying would only repeat it.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    KombuOperationalError,
    ConnectionError,
)
MAX_RETRIES = 5


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True,
    name="annotations.article_prehighlight_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def article_prehighlight_batch_task(task: Task, raw_pairs: list[list[int]]) -> None:
    from annotations.services.prehighlight import (
        article_extract_quotes_batch,
        article_prehighlight_fail_many,
    )

    # JSON carries the (article_id, revision) pairs as lists.
    pairs = [(int(article_id), int(revision)) for article_id, revision in raw_pairs]
    # The task's id names its claims: a retry or a redelivery of this task takes them back,
    # and only they are marked failed below, never claims another worker took over.
    token = str(task.request.id)
    try:
        # Failures pinned to one article are recorded by the service; what reaches here
        # concerns the whole batch.
        article_extract_quotes_batch(pairs=pairs, token=token)
    except TRANSIENT_ERRORS as exc:
        if task.request.retries >= MAX_RETRIES:
            _fail_quietly(pairs, token, f"Gave up after {MAX_RETRIES} retries: {exc}")
            raise
        # Exponential backoff with a cap: 2, 4, 8, 16, 32 seconds.
        raise task.retry(exc=exc, countdown=min(2 ** (task.request.retries + 1), 60)) from exc
    except SoftTimeLimitExceeded:
        article_prehighlight_fail_many(
            pairs=pairs, token=token, error="Pre-highlighting took longer than the time limit."
        )
        raise
    except Exception as exc:
        article_prehighlight_fail_many(
            pairs=pairs, token=token, error=f"{type(exc).__name__}: {exc}"
        )
        raise


def _fail_quietly(pairs: list[tuple[int, int]], token: str, error: str) -> None:
    from annotations.services.prehighlight import article_prehighlight_fail_many

    try:
        article_prehighlight_fail_many(pairs=pairs, token=token, error=error)
    except TRANSIENT_ERRORS:
        # The database is still away; the sweep re-queues the stale `running` claims later.
        logger.warning("could not mark %s article(s) failed", len(pairs), exc_info=True)


@shared_task(name="annotations.prehighlight_sweep", acks_late=True)  # type: ignore[untyped-decorator]
def prehighlight_sweep_task() -> None:
    from annotations.services.prehighlight import article_prehighlight_sweep

    result = article_prehighlight_sweep()
    if result.queued:
        logger.info(
            "prehighlight sweep re-queued %s articles (%s published)",
            result.queued,
            result.published,
        )


# --- Webhooks ---


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True,
    name="annotations.webhook_deliver",
    max_retries=None,  # the delivery row counts attempts and gives up (services.webhooks)
    soft_time_limit=60,
    time_limit=90,
)
def webhook_deliver_task(self: Task, delivery_id: int) -> str:
    from annotations.services.webhooks import webhook_delivery_attempt

    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.state == "retry" and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="annotations.webhook_sweep", soft_time_limit=60, time_limit=90)  # type: ignore[untyped-decorator]
def webhook_sweep_task() -> int:
    from annotations.services.webhooks import webhook_sweep

    return webhook_sweep()


# --- Articles uploaded in batches through the desk ---


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="annotations.ingest_batch", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def ingest_batch_task(batch_id: int) -> None:
    from annotations.services.ingest import ingest_batch_run

    ingest_batch_run(batch_id=batch_id)


@shared_task(name="annotations.ingest_sweep", soft_time_limit=60, time_limit=90)  # type: ignore[untyped-decorator]
def ingest_sweep_task() -> int:
    from annotations.services.ingest import ingest_batch_sweep

    return ingest_batch_sweep()
