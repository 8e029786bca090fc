from django.db.models import Count, Q, QuerySet
from django.http import Http404

from annotations import roles
from annotations.errors import PermissionDeniedError
from annotations.models import Article, Quote


def _require_reader(user: roles.AnyUser) -> None:
    if not roles.user_can_read(user):
        raise PermissionDeniedError("You need the reporter or editor role to read articles.")


def article_list_with_counts(*, user: roles.AnyUser) -> QuerySet[Article]:
    _require_reader(user)
    counts = {
        f"n_{status}": Count("quotes", filter=Q(quotes__status=status))
        for status in Quote.Status.values
    }
    return Article.objects.annotate(
        n_quotes=Count("quotes"),
        n_orphaned=Count("quotes", filter=Q(quotes__anchor=Quote.Anchor.ORPHANED)),
        **counts,
    ).order_by("-created_at", "-id")


def article_get_for_user(*, user: roles.AnyUser, pk: int) -> Article:
    _require_reader(user)
    try:
        return Article.objects.get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise Http404("No such article.") from None
