"""What every page's header needs to know about the user, computed only if a template asks."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotations import roles


def newsroom_roles(request: HttpRequest) -> dict[str, Any]:
    return {
        "nav_can_review": SimpleLazyObject(lambda: roles.user_can_review(request.user)),
        "nav_is_admin": SimpleLazyObject(lambda: roles.user_is_admin(request.user)),
    }
