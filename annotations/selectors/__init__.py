"""Permission-scoped reads. Every id that comes from a URL or a request body is resolved here."""

from annotations.selectors.articles import (
    article_get_for_user,
    article_list_with_counts,
)
from annotations.selectors.quotes import quote_get_for_user, quote_list_for_article
from annotations.selectors.speakers import speaker_registry

__all__ = [
    "article_get_for_user",
    "article_list_with_counts",
    "quote_get_for_user",
    "quote_list_for_article",
    "speaker_registry",
]
