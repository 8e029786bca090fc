"""Machine clients of the REST API: keys are shown once, stored hashed, and revocable."""

import datetime as dt
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations import roles
from annotations.models import API_KEY_PREFIX, ApiClient, api_key_hash

# Writing last_used_at on every request would turn every read into a write; a minute of
# precision is plenty to tell a live integration from a dead one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def api_key_generate() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(40)


@transaction.atomic
def api_client_create(
    *, name: str, owner: User, scope: str = ApiClient.Scope.READ
) -> tuple[ApiClient, str]:
    """Create a client and return it with its full key, which is never stored or shown again."""
    key = api_key_generate()
    client = ApiClient(
        name=name.strip(),
        owner=owner,
        scope=scope,
        key_prefix=key[: len(API_KEY_PREFIX) + 8],
        key_hash=api_key_hash(key),
    )
    client.full_clean()
    client.save()
    return client, key


@transaction.atomic
def api_client_create_by_admin(
    *, admin: User, name: str, owner: User, scope: str
) -> tuple[ApiClient, str]:
    """An admin issues a key to a colleague (the CMS team's service account, say).

    A key acts as its owner, so a review key is refused for an owner who may not review: it
    would be a key that can never write, which is a mistake worth saying at once.
    """
    roles.require_admin(admin)
    if not owner.is_active:
        raise ValidationError({"owner": "The owner's account is deactivated."})
    if not roles.user_can_read(owner):
        raise ValidationError({"owner": f"{owner.get_username()} has no newsroom role."})
    if scope == ApiClient.Scope.REVIEW and not roles.user_can_review(owner):
        raise ValidationError(
            {"scope": f"{owner.get_username()} is not an editor, so a review key could not write."}
        )
    return api_client_create(name=name, owner=owner, scope=scope)


@transaction.atomic
def api_client_revoke(*, client: ApiClient) -> ApiClient:
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    client.refresh_from_db(fields=["revoked_at"])
    return client


def api_client_for_key(*, key: str) -> ApiClient | None:
    """The client a presented key belongs to (revoked ones included, so callers can say so)."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > 200:
        return None
    return ApiClient.objects.select_related("owner").filter(key_hash=api_key_hash(key)).first()


def api_client_touch(*, client: ApiClient) -> None:
    now = timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < LAST_USED_PRECISION:
        return
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
