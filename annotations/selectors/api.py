"""Reads of the REST API (the views check roles through the API permission first)."""

from django.db.models import QuerySet

from annotations import roles
from annotations.errors import PermissionDeniedError
from annotations.models import Article, Review, Speaker


def _require_reader(user: roles.AnyUser) -> None:
    if not roles.user_can_read(user):
        raise PermissionDeniedError("You need the reporter or editor role to read through the API.")


def article_list_for_api(*, user: roles.AnyUser) -> QuerySet[Article]:
    _require_reader(user)
    # Bodies can be half a megabyte each; lists never need them.
    return Article.objects.defer("body")


def review_list_for_api(*, user: roles.AnyUser) -> QuerySet[Review]:
    _require_reader(user)
    return Review.objects.select_related("reviewer")


def speaker_list_for_api(*, user: roles.AnyUser) -> QuerySet[Speaker]:
    _require_reader(user)
    return Speaker.objects.prefetch_related("aliases")
