from django.http import Http404

from annotations import roles
from annotations.models import Quote
from annotations.selectors.speakers import with_role_at_time


def quote_get_for_user(*, user: roles.AnyUser, pk: int) -> Quote:
    roles.require_reader(user)
    try:
        quotes = Quote.objects.select_related(
            "article", "speaker", "updated_by", "family_member__family"
        )
        return with_role_at_time(quotes).get(pk=pk)
    except (Quote.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote.") from None
