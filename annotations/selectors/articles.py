from django.db.models import Count, Q, QuerySet
from django.http import Http404

from annotations import roles
from annotations.models import Article, Quote


def article_list_with_counts(*, user: roles.AnyUser) -> QuerySet[Article]:
    roles.require_reader(user)
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
    roles.require_reader(user)
    try:
        return Article.objects.get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise Http404("No such article.") from None
