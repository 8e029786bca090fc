"""Reads of the REST API (the views check roles through the API permission first)."""

from django.db.models import QuerySet

from annotations import roles
from annotations.models import Article, Review, Speaker


def article_list_for_api(*, user: roles.AnyUser) -> QuerySet[Article]:
    roles.require_reader(user)
    # Bodies can be half a megabyte each; lists never need them.
    return Article.objects.defer("body")


def review_list_for_api(*, user: roles.AnyUser) -> QuerySet[Review]:
    roles.require_reader(user)
    return Review.objects.select_related("reviewer")


def speaker_list_for_api(*, user: roles.AnyUser) -> QuerySet[Speaker]:
    roles.require_reader(user)
    return Speaker.objects.prefetch_related("aliases", "roles")
