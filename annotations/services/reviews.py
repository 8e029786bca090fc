from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations import roles
from annotations.errors import QuoteVersionConflict
from annotations.models import Quote, Review
from annotations.services import events

MAX_EVIDENCE_LINKS = 20


@transaction.atomic
def quote_review_submit(
    *,
    quote: Quote,
    user: User,
    to_status: str,
    expected_version: int,
    note: str = "",
    evidence: Sequence[str] = (),
) -> Review:
    """Record an editor's decision on a quote, refusing it if the quote changed meanwhile.

    The version check and the status change are one conditional UPDATE, so two editors deciding
    the same quote at once can never both win: the loser gets QuoteVersionConflict and nothing is
    written for them.
    """
    roles.require_editor(user)
    if to_status not in Quote.Status.values:
        raise ValidationError({"to_status": f"Unknown status {to_status!r}."})
    note = note.strip()
    # Forms and serializers check these too; the service is the one place every caller passes.
    if len(note) > settings.NEWSDESK_MAX_NOTE_CHARS:
        raise ValidationError(
            {
                "note": f"The note is {len(note):,} characters; the limit is "
                f"{settings.NEWSDESK_MAX_NOTE_CHARS:,}."
            }
        )
    if len(evidence) > MAX_EVIDENCE_LINKS:
        raise ValidationError({"evidence": f"At most {MAX_EVIDENCE_LINKS} evidence links."})
    # A link listed twice is refused, not stored twice or quietly merged: a client that sent it
    # twice has a bug (a generated client once sent every field twice), and we store only what
    # the client meant.
    repeated = sorted({link for link in evidence if evidence.count(link) > 1})
    if repeated:
        raise ValidationError(
            {"evidence": f"Each evidence link may be given once; listed twice: {repeated[0]}"}
        )
    if to_status == Quote.Status.DISPUTED and not note:
        raise ValidationError({"note": "A dispute needs a note saying what is wrong."})

    current = Quote.objects.select_related("updated_by").get(pk=quote.pk)
    if current.version != expected_version:
        raise QuoteVersionConflict(quote=current, expected_version=expected_version)

    review = Review(
        quote=current,
        reviewer=user,
        from_status=current.status,
        to_status=to_status,
        note=note,
        evidence=list(evidence),
        quote_version=expected_version + 1,
    )
    review.full_clean(exclude=["quote"])

    updated = Quote.objects.filter(pk=current.pk, version=expected_version).update(
        status=to_status,
        version=F("version") + 1,
        updated_by=user,
        updated_at=timezone.now(),
        # A fresh decision settles a "quoted text changed" flag raised by a body edit.
        anchor=(
            Quote.Anchor.ANCHORED if current.anchor == Quote.Anchor.CHANGED else current.anchor
        ),
    )
    if updated != 1:
        raced = Quote.objects.select_related("updated_by").get(pk=current.pk)
        raise QuoteVersionConflict(quote=raced, expected_version=expected_version)
    review.save()
    quote.refresh_from_db()
    events.publish(
        events.decision_event_kind(from_status=review.from_status, to_status=to_status),
        quote=quote,
        actor=user,
        review=review,
    )
    return review
