"""The change feed: committed writes to articles, quotes and reviews, in commit order."""

from django.db.models import Max

from annotations import roles
from annotations.models import ChangeEvent


def change_events_after(*, user: roles.AnyUser, after: int, limit: int) -> list[ChangeEvent]:
    """Events positioned after `after`, oldest first.

    Positions (`seq`) are assigned at commit under a lock (migration 0005_api), so once a reader
    has seen position N every event it has not seen yet has a position above N.
    """
    roles.require_reader(user)
    return list(ChangeEvent.objects.filter(seq__gt=after).order_by("seq")[:limit])


def change_feed_head(*, user: roles.AnyUser) -> int:
    roles.require_reader(user)
    head: int | None = ChangeEvent.objects.aggregate(head=Max("seq"))["head"]
    return head or 0
