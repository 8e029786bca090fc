"""Idempotent POSTs: a request retried with the same Idempotency-Key is answered, not redone."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.errors import DomainError
from annotations.models import Article, IdempotencyRecord
from annotations.services.articles import article_create

MAX_KEY_CHARS = 255


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class IdempotentResult:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    canonical = json.dumps(
        {"method": method, "path": path, "data": data}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def idempotent_execute(
    *,
    principal: str,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    action: Callable[[], tuple[int, dict[str, Any]]],
) -> IdempotentResult:
    """Run `action` once per (principal, key) and store its response.

    The record is inserted before the action, in the same transaction: a concurrent request with
    the same key blocks on the unique index until this one commits, then finds the stored
    response instead of running the action again. An action that raises rolls the record back,
    so a failed request can be retried with the same key.
    """
    with transaction.atomic():
        record = IdempotencyRecord(
            principal=principal,
            key=key,
            method=method,
            path=path,
            request_hash=request_hash,
            response_status=0,
            response_body={},
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(principal=principal, key=key)
            if existing.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used for a different request "
                    f"({existing.method} {existing.path} with another body). Use a new key for "
                    "a new request, or resend exactly the original request."
                ) from None
            return IdempotentResult(
                status=existing.response_status, body=existing.response_body, replayed=True
            )
        status, body = action()
        record.response_status = status
        record.response_body = body
        record.save(update_fields=["response_status", "response_body"])
        return IdempotentResult(status=status, body=body, replayed=False)


def article_get_or_create_by_url(
    *, data: dict[str, Any], created_by: User | None
) -> tuple[Article, bool]:
    """Create the article unless one with the same URL exists; (article, created).

    A concurrent create of the same URL loses on the unique constraint and returns the winner's
    article, so retried or duplicated pushes from the CMS never make two articles.
    """
    url = data.get("url") or None
    if url:
        existing = Article.objects.filter(url=url).first()
        if existing is not None:
            return existing, False
    try:
        return article_create(**{**data, "url": url}, created_by=created_by), True
    except (IntegrityError, ValidationError):
        existing = Article.objects.filter(url=url).first() if url else None
        if existing is None:
            raise
        return existing, False
