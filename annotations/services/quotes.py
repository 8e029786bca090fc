"""Editor writes on quotes other than status decisions: speaker, span, editor-added quotes, undo.

Every write that changes an existing quote takes the version the editor saw and bumps it with
one conditional UPDATE (the same pattern as `quote_review_submit`), so a second browser tab or a
colleague can never silently overwrite what somebody else just did.
"""

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations import roles
from annotations.errors import QuoteVersionConflict
from annotations.models import Article, Quote, Review, Speaker, SpeakerRole
from annotations.services import events
from annotations.services.families import (
    quote_families_link,
    quote_family_ids,
    quote_family_refresh,
)
from annotations.services.reviews import quote_review_submit
from annotations.services.speakers import speaker_role_add, speaker_upsert

# Straight, curly, low-9, guillemets and CJK corner brackets: an editor's selection often grabs
# the marks around the words, but the quote is the words.
QUOTATION_MARKS = "\"'“”„‟‘’‚‛«»‹›「」『』"
_TRIM = QUOTATION_MARKS + " \t\r\n\u00a0\u2009\u202f"


def span_clean(*, body: str, start: int, end: int) -> tuple[int, int]:
    """Validate [start, end) against the body and trim quotation marks and whitespace."""
    if not 0 <= start < end <= len(body):
        raise ValidationError(
            f"The selection {start}–{end} is outside the article body (0–{len(body)}).",
            code="span_range",
        )
    while start < end and body[start] in _TRIM:
        start += 1
    while end > start and body[end - 1] in _TRIM:
        end -= 1
    if start >= end:
        raise ValidationError(
            "The selection holds only quotation marks or spaces.", code="span_empty"
        )
    return start, end


def _span_fields(*, article: Article, start: int, end: int) -> dict[str, Any]:
    body, n = article.body, Quote.PREFIX_SUFFIX_CHARS
    return {
        "start": start,
        "end": end,
        "text": body[start:end],
        "prefix": body[max(0, start - n) : start],
        "suffix": body[end : end + n],
        "article_revision": article.revision,
    }


def _refuse_duplicate(*, article: Article, start: int, end: int, exclude_pk: int | None) -> None:
    clash = Quote.objects.filter(article=article, start=start, end=end)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    existing = clash.values_list("pk", flat=True).first()
    if existing is not None:
        raise ValidationError(
            f"Quote #{existing} already covers exactly this passage.", code="duplicate_span"
        )


def _conditional_update(*, quote: Quote, user: User, expected_version: int, **fields: Any) -> None:
    updated = Quote.objects.filter(pk=quote.pk, version=expected_version).update(
        version=F("version") + 1, updated_by=user, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        current = Quote.objects.select_related("updated_by").get(pk=quote.pk)
        raise QuoteVersionConflict(quote=current, expected_version=expected_version)
    quote.refresh_from_db()


@transaction.atomic
def quote_set_speaker(
    *, quote: Quote, user: User, speaker: Speaker | None, expected_version: int
) -> Quote:
    roles.require_editor(user)
    _conditional_update(quote=quote, user=user, expected_version=expected_version, speaker=speaker)
    quote_family_refresh(quote_ids=[quote.pk])
    events.publish(events.EventKind.QUOTE_CHANGED, quote=quote, actor=user)
    return quote


@transaction.atomic
def quote_create_speaker(
    *,
    quote: Quote,
    user: User,
    name: str,
    kind: str = Speaker.Kind.PERSON,
    title: str = "",
    expected_version: int,
) -> Quote:
    """Attribute the quote to a new registry entry; an existing name is reused, not edited."""
    roles.require_editor(user)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "The speaker needs a name."})
    if kind not in Speaker.Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    # Reusing an existing entry keeps a typo-free title someone else curated from being blanked.
    same_name = list(Speaker.objects.filter(name__iexact=name).order_by("pk")[:2])
    if len(same_name) > 1:
        # Namesakes (issue 16): reusing one of them would be a guess.
        raise ValidationError(
            f"Several speakers are called “{name}”; pick the one you mean from the list.",
            code="ambiguous_name",
        )
    speaker = same_name[0] if same_name else None
    if speaker is None:
        aliases = [quote.speaker_mention] if quote.speaker_mention else []
        speaker = speaker_upsert(name=name, kind=kind, title=title.strip(), aliases=aliases)
    return quote_set_speaker(
        quote=quote, user=user, speaker=speaker, expected_version=expected_version
    )


@transaction.atomic
def quote_fix_span(
    *, quote: Quote, user: User, start: int, end: int, expected_version: int
) -> Quote:
    """Move the quote to another passage of the body; this also re-anchors an orphaned quote."""
    roles.require_editor(user)
    # Lock the article so the body cannot change between slicing it and committing the quote.
    article = Article.objects.select_for_update().get(pk=quote.article_id)
    start, end = span_clean(body=article.body, start=start, end=end)
    _refuse_duplicate(article=article, start=start, end=end, exclude_pk=quote.pk)
    try:
        with transaction.atomic():
            _conditional_update(
                quote=quote,
                user=user,
                expected_version=expected_version,
                anchor=Quote.Anchor.ANCHORED,
                anchor_note="",
                **_span_fields(article=article, start=start, end=end),
            )
    except IntegrityError:  # a concurrent add took the same span after our duplicate check
        raise ValidationError(
            "Another quote already covers exactly this passage.", code="duplicate_span"
        ) from None
    # New words may belong to another family.
    quote_families_link(quote_ids=[quote.pk])
    events.publish(events.EventKind.QUOTE_CHANGED, quote=quote, actor=user)
    return quote


@transaction.atomic
def quote_add_by_editor(
    *,
    article: Article,
    user: User,
    start: int,
    end: int,
    speaker: Speaker | None = None,
) -> Quote:
    roles.require_editor(user)
    article = Article.objects.select_for_update().get(pk=article.pk)
    start, end = span_clean(body=article.body, start=start, end=end)
    _refuse_duplicate(article=article, start=start, end=end, exclude_pk=None)
    quote = Quote(
        article=article,
        speaker=speaker,
        origin=Quote.Origin.EDITOR,
        confidence=1.0,
        status=Quote.Status.CANDIDATE,
        updated_by=user,  # type: ignore[misc]  # AUTH_USER_MODEL is User; stubs see the base
        **_span_fields(article=article, start=start, end=end),
    )
    quote.full_clean(exclude=["article", "speaker", "updated_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            quote.save()
    except IntegrityError:
        raise ValidationError(
            "Another quote already covers exactly this passage.", code="duplicate_span"
        ) from None
    quote_families_link(quote_ids=[quote.pk])
    events.publish(events.EventKind.QUOTE_CHANGED, quote=quote, actor=user)
    return quote


@transaction.atomic
def quote_delete(*, quote: Quote, user: User) -> None:
    """Delete a quote nobody has decided on; a reviewed quote keeps its history for good."""
    roles.require_admin(user)
    # The review history protects its quotes in the database too (on_delete=PROTECT).
    if Review.objects.filter(quote=quote).exists():
        raise ValidationError(
            "A reviewed quote keeps its history and cannot be deleted.", code="reviewed"
        )
    was = Quote.objects.select_for_update().get(pk=quote.pk)
    families = quote_family_ids(quote_ids=[was.pk])
    was.delete()
    quote_family_refresh(family_ids=families)
    # A verdict is news for the CMS even when its quote goes (only raw data can get here with
    # a verdict but no review; the event says so all the same).
    kind = (
        events.EventKind.QUOTE_DELETED
        if was.status in events.VERDICTS
        else events.EventKind.QUOTE_CHANGED
    )
    was.pk = quote.pk  # delete() clears it; the event names the quote that went
    events.publish(kind, quote=was, actor=user)


def _reason_before(last: Review) -> str:
    """The dispute reason in force before `last`: undoing back to a dispute restores it."""
    if last.from_status != Quote.Status.DISPUTED:
        return ""
    earlier = (
        Review.objects.filter(
            quote_id=last.quote_id,
            quote_version__lt=last.quote_version,
            to_status=Quote.Status.DISPUTED,
        )
        .order_by("-quote_version")
        .values_list("dispute_reason", flat=True)
        .first()
    )
    # A dispute from before reasons existed was given the least-claiming one (migration 0012).
    return earlier or Quote.DisputeReason.CANNOT_CONFIRM


@transaction.atomic
def quote_undo_last_decision(*, quote: Quote, user: User, expected_version: int) -> Review:
    """Append a review that returns the quote to its status before the caller's last decision.

    Allowed only to the editor who made that decision and only while it is still the latest
    change to the quote: a later decision, speaker change or span fix makes the undo a conflict.
    """
    roles.require_editor(user)
    current = Quote.objects.select_related("updated_by").get(pk=quote.pk)
    if current.version != expected_version:
        raise QuoteVersionConflict(quote=current, expected_version=expected_version)
    last = (
        Review.objects.filter(quote=current)
        .select_related("reviewer")
        .order_by("-quote_version")
        .first()
    )
    if last is None:
        raise ValidationError("There is no decision on this quote to undo.", code="nothing_to_undo")
    if last.reviewer_id != user.pk:
        who = last.reviewer.get_username() if last.reviewer else "someone else"
        raise ValidationError(
            f"The last decision was made by {who}; only they can undo it.", code="not_yours"
        )
    if last.quote_version != current.version:
        raise QuoteVersionConflict(quote=current, expected_version=last.quote_version)
    review = quote_review_submit(
        quote=current,
        user=user,
        to_status=last.from_status,
        expected_version=expected_version,
        note=(
            f"Undo of the decision {last.get_from_status_display()} → "
            f"{last.get_to_status_display()} (version {last.quote_version})."
        ),
        dispute_reason=_reason_before(last),
    )
    quote.refresh_from_db()
    return review


@transaction.atomic
def quote_title_confirm(
    *,
    quote: Quote,
    user: User,
    title: str,
    organisation: str = "",
    start_date: dt.date,
    end_date: dt.date | None = None,
    source_url: str = "",
    expected_version: int,
) -> SpeakerRole:
    """Make the extractor's title proposal a role of the quote's speaker, in one step.

    The role is validated like any other (dates in order, no overlapping duplicate) and records
    who confirmed it; the quote records the proposal as confirmed, and who did it.
    """
    roles.require_editor(user)
    if quote.speaker_id is None:
        raise ValidationError(
            "Choose the quote's speaker first: a role belongs to a speaker.", code="no_speaker"
        )
    if quote.speaker_title_status != Quote.TitleProposal.OPEN or not quote.speaker_title:
        raise ValidationError("There is no open title proposal on this quote.", code="no_proposal")
    role = speaker_role_add(
        speaker=quote.speaker,  # type: ignore[arg-type]  # checked above
        title=title,
        organisation=organisation,
        start_date=start_date,
        end_date=end_date,
        source_url=source_url,
        user=user,
    )
    _conditional_update(
        quote=quote,
        user=user,
        expected_version=expected_version,
        speaker_title_status=Quote.TitleProposal.CONFIRMED,
    )
    events.publish(events.EventKind.QUOTE_CHANGED, quote=quote, actor=user)
    return role


@transaction.atomic
def quote_title_ignore(*, quote: Quote, user: User, expected_version: int) -> Quote:
    """Dismiss the extractor's title proposal; the registry is left as it is."""
    roles.require_editor(user)
    if quote.speaker_title_status != Quote.TitleProposal.OPEN or not quote.speaker_title:
        raise ValidationError("There is no open title proposal on this quote.", code="no_proposal")
    _conditional_update(
        quote=quote,
        user=user,
        expected_version=expected_version,
        speaker_title_status=Quote.TitleProposal.IGNORED,
    )
    events.publish(events.EventKind.QUOTE_CHANGED, quote=quote, actor=user)
    return quote
