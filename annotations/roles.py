"""Roles are Django groups; these helpers are the one place that says what each may do."""

from django.contrib.auth.models import AnonymousUser, User

from annotations.errors import PermissionDeniedError

EDITOR = "editor"
REPORTER = "reporter"
ADMIN = "admin"

AnyUser = User | AnonymousUser


def _groups(user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached: set[str] | None = getattr(user, "_newsdesk_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._newsdesk_groups = cached  # type: ignore[attr-defined]  # cached for the request
    return cached


def signed_in_user(user: AnyUser) -> User:
    """`user` as the signed-in User it must be where this is called (after a permission check)."""
    if not isinstance(user, User):
        raise PermissionDeniedError("Sign in first.")
    return user


def user_is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or ADMIN in _groups(user)))


def user_can_review(user: AnyUser) -> bool:
    return user_is_admin(user) or EDITOR in _groups(user)


def user_can_read(user: AnyUser) -> bool:
    return user_can_review(user) or REPORTER in _groups(user)
