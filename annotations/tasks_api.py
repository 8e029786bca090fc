"""Celery tasks of the API area (webhook delivery); thin: id in, service call."""

from typing import Any

from celery import shared_task

__all__ = ["webhook_deliver_task", "webhook_sweep_task"]


@shared_task(
    bind=True,
    name="annotations.webhook_deliver",
    max_retries=None,  # the delivery row counts attempts and gives up (services.webhooks)
    soft_time_limit=60,
    time_limit=90,
)
def webhook_deliver_task(self: Any, delivery_id: int) -> str:
    from annotations.services.webhooks import webhook_delivery_attempt

    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.state == "retry" and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="annotations.webhook_sweep", soft_time_limit=60, time_limit=90)
def webhook_sweep_task() -> int:
    from annotations.services.webhooks import webhook_sweep

    return webhook_sweep()
