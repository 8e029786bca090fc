import datetime as dt
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotations.models import Article

logger = logging.getLogger(__name__)

ARTICLE_EDITABLE_FIELDS = ("title", "body", "url", "outlet", "byline", "published_at", "language")


def article_enqueue_prehighlight(*, article: Article) -> None:
    """Queue pre-highlighting once the surrounding transaction has committed.

    If the broker is unreachable the article stays `queued` and the periodic sweep picks it up:
    saving an article must never fail because Redis is down.
    """
    article_id, revision = article.pk, article.revision

    def _send() -> None:
        from annotations.tasks import article_prehighlight_task

        try:
            article_prehighlight_task.delay(article_id, revision)
        except Exception:  # noqa: BLE001 - any broker failure leaves the article for the sweep
            logger.warning(
                "could not queue pre-highlighting for article %s rev %s; the sweep will retry",
                article_id,
                revision,
                exc_info=True,
            )

    transaction.on_commit(_send)


@transaction.atomic
def article_create(
    *,
    title: str,
    body: str,
    url: str | None = None,
    outlet: str = "",
    byline: str = "",
    published_at: dt.datetime | None = None,
    language: str = "en",
    created_by: AbstractBaseUser | None = None,
) -> Article:
    article = Article(
        title=title,
        body=body,
        url=url or None,
        outlet=outlet,
        byline=byline,
        published_at=published_at,
        language=language or "en",
        created_by=created_by,
        prehighlight_status=Article.PrehighlightStatus.QUEUED,
        prehighlight_queued_at=timezone.now(),
    )
    article.full_clean()
    article.save()
    article_enqueue_prehighlight(article=article)
    return article


@transaction.atomic
def article_update(*, article: Article, data: dict[str, Any]) -> Article:
    """Update the given fields; a changed body bumps the revision, re-anchors and re-queues."""
    unknown = set(data) - set(ARTICLE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    article = Article.objects.select_for_update().get(pk=article.pk)
    old_body = article.body
    changed = [name for name, value in data.items() if getattr(article, name) != value]
    for name in changed:
        setattr(article, name, data[name] if name != "url" else (data[name] or None))
    if not changed:
        return article
    article.full_clean()
    body_changed = "body" in changed
    if body_changed:
        article.revision += 1
        article.prehighlight_status = Article.PrehighlightStatus.QUEUED
        article.prehighlight_queued_at = timezone.now()
        article.prehighlight_error = ""
        changed += ["revision", "prehighlight_status", "prehighlight_queued_at",
                    "prehighlight_error"]
    article.save(update_fields=[*changed, "updated_at"])
    if body_changed:
        from annotations.services.anchoring import article_reanchor_quotes

        article_reanchor_quotes(article=article, old_body=old_body)
        article_enqueue_prehighlight(article=article)
    return article
