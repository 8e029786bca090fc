from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from annotations import roles
from annotations.errors import QuoteVersionConflict
from annotations.models import Quote, QuoteFamilyMember, Review, dispute_reason_problem
from annotations.services import events
from annotations.services.families import quote_family_refresh

MAX_EVIDENCE_LINKS = 20

# A decision is one statement: the status change, conditional on the version the editor saw,
# and the review that records it, written only when the change was. No second round trip, and
# no window in which one exists without the other. It also locks the quote's family, if it has
# one, and names it: the family's conflict flag is then recomputed (quote_family_refresh) by a
# statement that sees every decision committed before this one, and a decision on another of
# its members waits for this one to commit. Without the lock two editors verifying and
# disputing two copies at once each saw only their own verdict, and the flag stayed down.
_DECIDE_SQL = """
WITH decided AS (
    UPDATE annotations_quote
       SET status = %(status)s,
           dispute_reason = %(dispute_reason)s,
           version = %(version)s,
           updated_by_id = %(user)s,
           updated_at = %(now)s,
           anchor = CASE WHEN %(settle_anchor)s THEN %(anchored)s ELSE anchor END
     WHERE id = %(quote)s AND version = %(expected)s
 RETURNING id
), reviewed AS (
    INSERT INTO annotations_review
           (quote_id, reviewer_id, created_at, from_status, to_status, note, evidence,
            dispute_reason, quote_version)
    SELECT id, %(user)s::integer, %(now)s::timestamptz, %(from_status)s::varchar,
           %(status)s::varchar, %(note)s::text, %(evidence)s::varchar[],
           %(dispute_reason)s::varchar, %(version)s::integer
      FROM decided
    RETURNING id
), family AS (
    SELECT f.id
      FROM annotations_quotefamily f
      JOIN annotations_quotefamilymember m ON m.family_id = f.id
     WHERE m.quote_id = %(quote)s
       FOR UPDATE OF f
)
SELECT reviewed.id, (SELECT id FROM family) FROM reviewed
"""


@transaction.atomic
def quote_review_submit(
    *,
    quote: Quote,
    user: User,
    to_status: str,
    expected_version: int,
    note: str = "",
    evidence: Sequence[str] = (),
    dispute_reason: str = "",
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
    problem = dispute_reason_problem(status=to_status, dispute_reason=dispute_reason)
    if problem:
        raise ValidationError({"dispute_reason": problem})

    # `quote` is the caller's read of the quote, made to check access and to show it. Every
    # change of a quote's status bumps its version, so if that read is still the current
    # version (the conditional UPDATE below checks it) its status is the "from" status: no
    # second read. A stale read, or a change that lands first, is a conflict.
    if quote.version != expected_version:
        raise QuoteVersionConflict(quote=_current(quote), expected_version=expected_version)

    review = Review(
        quote=quote,
        reviewer=user,
        from_status=quote.status,
        to_status=to_status,
        note=note,
        evidence=list(evidence),
        dispute_reason=dispute_reason,
        quote_version=expected_version + 1,
    )
    # The reviewer is the signed-in user; the foreign key holds it in the database anyway. The
    # reason rule was checked above and the database holds it too: no query to check it again.
    review.full_clean(exclude=["quote", "reviewer"], validate_constraints=False)

    now = timezone.now()
    review.created_at = now
    # A fresh decision settles a "quoted text changed" flag raised by a body edit. Only that
    # flag is written: a quote leaves "changed" only with a new version, but a body edit may
    # find an orphaned quote again without one, which must not be undone here.
    settle_anchor = quote.anchor == Quote.Anchor.CHANGED
    with connection.cursor() as cursor:
        cursor.execute(
            _DECIDE_SQL,
            {
                "quote": quote.pk,
                "expected": expected_version,
                "version": review.quote_version,
                "status": to_status,
                "dispute_reason": dispute_reason,
                "user": user.pk,
                "now": now,
                "settle_anchor": settle_anchor,
                "anchored": Quote.Anchor.ANCHORED.value,
                "from_status": review.from_status,
                "note": note,
                "evidence": review.evidence,
            },
        )
        row = cursor.fetchone()
    if row is None:
        raise QuoteVersionConflict(quote=_current(quote), expected_version=expected_version)
    review.pk = row[0]
    review._state.adding = False
    review._state.db = connection.alias
    # What the UPDATE wrote, without reading the row back.
    quote.status = to_status
    quote.dispute_reason = dispute_reason
    quote.version = review.quote_version
    quote.updated_by = user
    quote.updated_at = now
    if settle_anchor:
        quote.anchor = Quote.Anchor.ANCHORED
    family_id = row[1]
    if family_id is not None:
        # A verdict here may contradict one on the same words elsewhere.
        quote_family_refresh(family_ids=[family_id], locked=True)
    events.publish(
        events.decision_event_kind(from_status=review.from_status, to_status=to_status),
        quote=quote,
        actor=user,
        review=review,
    )
    return review


def _current(quote: Quote) -> Quote:
    """The quote as it is now, for the conflict message; gone is a refusal, not a crash."""
    try:
        return Quote.objects.select_related("updated_by").get(pk=quote.pk)
    except Quote.DoesNotExist:
        raise ValidationError("This quote was removed meanwhile; nothing was saved.") from None


CARRIED_NOTE = "Carried from quote #{source}"


@transaction.atomic
def quote_verdict_carry(
    *, quote: Quote, source: Quote, user: User, expected_version: int
) -> Review:
    """Apply `source`'s verdict to `quote`, its relative in another article, as a new review by
    `user` recorded as carried from the source ("carried from quote #N" plus the source's note
    and evidence). Only on an editor's request, never automatically, and never over a decision:
    a quote that is no longer a candidate is refused.
    """
    roles.require_editor(user)
    if source.pk == quote.pk:
        raise ValidationError("A quote cannot carry its own verdict.", code="carry_self")
    families = dict(
        QuoteFamilyMember.objects.filter(quote_id__in=[quote.pk, source.pk]).values_list(
            "quote_id", "family_id"
        )
    )
    if families.get(quote.pk) is None or families.get(quote.pk) != families.get(source.pk):
        raise ValidationError(
            f"Quote #{source.pk} is not in the same family as quote #{quote.pk}.",
            code="carry_other_family",
        )
    current = Quote.objects.get(pk=source.pk)
    if current.status not in events.VERDICTS:
        raise ValidationError(
            f"Quote #{source.pk} has no verdict to carry.", code="carry_no_verdict"
        )
    if quote.status != Quote.Status.CANDIDATE:
        raise ValidationError(
            f"Quote #{quote.pk} is already decided ({quote.get_status_display()}); a carried "
            "verdict never replaces a decision.",
            code="already_decided",
        )
    decision = (
        Review.objects.filter(quote_id=source.pk, to_status=current.status)
        .order_by("-quote_version")
        .first()
    )
    note = CARRIED_NOTE.format(source=source.pk)
    if decision is not None and decision.note:
        note = f"{note}: {decision.note}"
    return quote_review_submit(
        quote=quote,
        user=user,
        to_status=current.status,
        expected_version=expected_version,
        note=note[: settings.NEWSDESK_MAX_NOTE_CHARS],
        evidence=list(decision.evidence) if decision is not None else [],
        # A carried dispute keeps its reason: the quote holds the one in force.
        dispute_reason=current.dispute_reason,
    )
