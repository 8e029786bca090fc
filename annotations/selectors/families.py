"""Quote families for readers: one family with its members."""

from django.db.models import Prefetch
from django.http import Http404

from annotations import roles
from annotations.models import QuoteFamily, QuoteFamilyMember


def quote_family_get_for_user(*, user: roles.AnyUser, pk: int) -> QuoteFamily:
    """The family with its members (quote, article, speaker), oldest publication first: two
    queries however many members."""
    roles.require_reader(user)
    members = (
        QuoteFamilyMember.objects.select_related("quote__article", "quote__speaker", "family")
        .defer("quote__article__body", "quote__search_vector", "shingles")
        .order_by("quote__article__published_at", "quote__created_at", "quote_id")
    )
    try:
        return QuoteFamily.objects.prefetch_related(Prefetch("members", queryset=members)).get(
            pk=pk
        )
    except (QuoteFamily.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote family.") from None
