"""The change feed: one row per committed write, filled by database triggers (0005_api)."""

from django.db import models
from django.db.models import Q


class ChangeEvent(models.Model):
    """One committed write to an article, quote or review, filled by database triggers.

    `seq` is assigned just before COMMIT under a transaction-scoped advisory lock, so it follows
    commit order and a committed event can never appear behind a cursor later (see 0005_api).
    """

    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    xid = models.BigIntegerField(editable=False, help_text="Writer's top-level transaction id.")
    entity = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    type = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(
                fields=["xid"], name="changeevent_unsealed_idx", condition=Q(seq__isnull=True)
            ),
            models.Index(fields=["entity", "object_id"], name="changeevent_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.type} {self.object_id}"
