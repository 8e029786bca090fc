from django.http import Http404

from annotations import roles
from annotations.models import Article


def article_get_for_user(*, user: roles.AnyUser, pk: int) -> Article:
    roles.require_reader(user)
    try:
        return Article.objects.get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise Http404("No such article.") from None
