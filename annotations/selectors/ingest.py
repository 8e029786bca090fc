"""Upload batches, for the editors who bring articles in."""

from typing import Any

from django.http import Http404

from annotations import roles
from annotations.models import IngestBatch, IngestRow

# Rows listed on the batch page per outcome; the counters always cover the whole file.
ROWS_SHOWN = 200


def ingest_batch_get_for_user(*, user: roles.AnyUser, pk: int) -> IngestBatch:
    roles.require_editor(user)
    try:
        return IngestBatch.objects.defer("content").select_related("created_by").get(pk=pk)
    except (IngestBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("No such upload.") from None


def ingest_batch_rows(*, batch: IngestBatch) -> dict[str, Any]:
    """The refused and duplicate rows of a batch (the ones an editor must look at)."""
    rows = (
        IngestRow.objects.filter(batch=batch)
        .select_related("article")
        .only("position", "source", "outcome", "reason", "article__id", "article__title")
    )
    return {
        "refused_rows": list(rows.filter(outcome=IngestRow.Outcome.REFUSED)[:ROWS_SHOWN]),
        "duplicate_rows": list(rows.filter(outcome=IngestRow.Outcome.DUPLICATE)[:ROWS_SHOWN]),
        "rows_shown": ROWS_SHOWN,
    }


def ingest_batches_recent(*, user: roles.AnyUser, limit: int = 5) -> list[IngestBatch]:
    roles.require_editor(user)
    return list(IngestBatch.objects.defer("content").order_by("-created_at", "-id")[:limit])
