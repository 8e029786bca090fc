"""Celery tasks: ids in, one service call, nothing else (docs/pipeline.md)."""

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
    name="annotations.article_prehighlight",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def article_prehighlight_task(self: Task, article_id: int, revision: int) -> None:
    from annotations.services.prehighlight import (
        article_extract_quotes,
        article_prehighlight_fail,
    )

    try:
        article_extract_quotes(
            article_id=article_id, revision=revision, reclaim=self.request.retries > 0
        )
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            _fail_quietly(article_id, revision, f"Gave up after {MAX_RETRIES} retries: {exc}")
            raise
        # Exponential backoff with a cap: 2, 4, 8, 16, 32 seconds.
        raise self.retry(exc=exc, countdown=min(2 ** (self.request.retries + 1), 60)) from exc
    except SoftTimeLimitExceeded:
        article_prehighlight_fail(
            article_id=article_id,
            revision=revision,
            error="Pre-highlighting took longer than the time limit.",
        )
        raise
    except Exception as exc:
        article_prehighlight_fail(
            article_id=article_id, revision=revision, error=f"{type(exc).__name__}: {exc}"
        )
        raise


def _fail_quietly(article_id: int, revision: int, error: str) -> None:
    from annotations.services.prehighlight import article_prehighlight_fail

    try:
        article_prehighlight_fail(article_id=article_id, revision=revision, error=error)
    except TRANSIENT_ERRORS:
        # The database is still away; the sweep re-queues the stale `running` claim later.
        logger.warning("could not mark article %s failed", article_id, exc_info=True)


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


from annotations.tasks_api import *  # noqa: E402,F401,F403
