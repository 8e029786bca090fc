"""Roles are Django groups; this module is the one place that says what each may do.

`user_can_*` answer a question (for templates and the API permission class); `require_*` are the
guards every view, selector and service calls, and return the signed-in user they checked.
`RoleModelBackend` (settings.AUTHENTICATION_BACKENDS) loads a signed-in user's roles with the
user, so a request does not spend a second query on them.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField
from django.db.models.expressions import RawSQL

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


# The user's group names, as a subquery on the user's row: no join and GROUP BY of the user, and
# cheaper for Django to build on every request than an ArrayAgg.
_ROLE_NAMES = RawSQL(
    "ARRAY(SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id "
    "WHERE ug.user_id = auth_user.id)",
    (),
    output_field=ArrayField(CharField()),
)


class RoleModelBackend(ModelBackend):
    """Django's ModelBackend, with the user's group names read in the same query as the user."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.annotate(role_names=_ROLE_NAMES).get(pk=user_id)
        except (User.DoesNotExist, ValueError, TypeError):
            return None
        user._newsdesk_groups = set(user.role_names)  # type: ignore[attr-defined]
        return user if self.user_can_authenticate(user) else None


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


# --- Guards: every permission check of a view, selector or service is one of these. ---


def require_reader(user: AnyUser) -> User:
    """Reporters, editors and admins; returns the signed-in user."""
    if not user_can_read(user):
        raise PermissionDeniedError("You need the reporter or editor role for this.")
    return signed_in_user(user)


def require_editor(user: AnyUser) -> User:
    """Editors and admins: everyone who may decide on quotes."""
    if not user_can_review(user):
        raise PermissionDeniedError("Only editors can do this.")
    return signed_in_user(user)


def require_admin(user: AnyUser) -> User:
    if not user_is_admin(user):
        raise PermissionDeniedError("Only admins can do this.")
    return signed_in_user(user)
