"""The editor review desk: the article page and every action on its quotes.

htmx requests get only the regions that changed (the quote's row, its highlight and the
counters, out of band); the same URLs answer plain form posts with a redirect back to the quote,
so the desk works without JavaScript.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event
from django_htmx.middleware import HtmxDetails

from annotations import roles
from annotations.errors import QuoteVersionConflict
from annotations.forms import (
    CarryForm,
    ReviewForm,
    SpanFixForm,
    SpanForm,
    SpeakerForm,
    TitleProposalForm,
    VersionForm,
)
from annotations.models import Article, Quote, Review
from annotations.selectors import articles as article_selectors
from annotations.selectors import families as family_selectors
from annotations.selectors import review as review_selectors
from annotations.selectors.review import LIVE_EMPTY_LAYOUT, QuoteSpan
from annotations.services import quotes as quote_services
from annotations.services.reviews import quote_review_submit, quote_verdict_carry
from annotations.views.review_rows import RowBuilder, action_panel, inline_quote_ids, selected_row


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = Callable[..., HttpResponse]
Written = TypeVar("Written")


def login_required_htmx(view: View) -> View:
    """login_required that sends htmx requests to the login page as a full-page redirect."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            page = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(f"{reverse('login')}?next={page}")
        return redirect_to_login(request.get_full_path())

    return wrapper


def _selected_pk(request: HttpRequest) -> int | None:
    """The quote the page was asked to select (`?quote=12`); anything else selects none."""
    raw = request.GET.get("quote", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _quote_url(quote: Quote) -> str:
    article = reverse("annotations:article_detail", args=[quote.article_id])
    return f"{article}?quote={quote.pk}#quote-{quote.pk}"


def _validation_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- rendering ---------------------------------------------------------------------------------


def _article_context(
    request: HttpRequest,
    article: Article,
    *,
    selected: int | None = None,
    banner: str = "",
    refused: forms.Form | None = None,
) -> dict[str, Any]:
    """The article page: every row, the counts, and the action panel for the selected quote.

    `banner` and `refused` (a form with the editor's input and its errors) belong to the
    selected quote: a refusal without JavaScript shows the page again around it.
    """
    quotes = review_selectors.quote_list_for_review(user=request.user, article=article)
    spans = review_selectors.quote_spans(quotes=quotes)
    inline = inline_quote_ids(spans)
    builder = RowBuilder(article_id=article.pk)
    families = family_selectors.family_cards_for_quotes(user=request.user, quotes=quotes)
    rows = [
        builder.row(
            q,
            inline=inline,
            banner=banner if q.pk == selected else "",
            family=families.get(q.pk),
        )
        for q in quotes
    ]
    current = selected_row(rows, selected)
    can_review = roles.user_can_review(request.user)
    return {
        "article": article,
        "all_rows": rows,
        "rows": [row for row in rows if row.anchor != Quote.Anchor.ORPHANED],
        "orphaned": [row for row in rows if row.anchor == Quote.Anchor.ORPHANED],
        "counts": review_selectors.quote_counts(spans=spans),
        "can_review": can_review,
        "selected": current.pk if current else None,
        "panel": action_panel(current, refused=refused) if can_review and current else None,
    }


def _row_context(
    request: HttpRequest,
    quote: Quote,
    spans: list[QuoteSpan],
    *,
    banner: str = "",
    decided: Review | None = None,
) -> dict[str, Any]:
    builder = RowBuilder(article_id=quote.article_id)
    families = family_selectors.family_cards_for_quotes(user=request.user, quotes=[quote])
    return {
        "row": builder.row(
            quote,
            inline=inline_quote_ids(spans),
            banner=banner,
            decided=decided,
            family=families.get(quote.pk),
        ),
        "counts": review_selectors.quote_counts(spans=spans),
        "can_review": roles.user_can_review(request.user),
    }


def _row_response(
    request: HtmxHttpRequest, context: dict[str, Any], *, announce: str, status: int = 200
) -> HttpResponse:
    context["announce"] = announce
    response = render(request, "annotations/partials/quote_update.html", context, status=status)
    if status != 200:
        # The form may have targeted a larger region (span fix); an error only redraws the row.
        retarget(response, f"#quote-{context['row'].pk}")
        reswap(response, "outerHTML")
    return response


def _lists_response(
    request: HtmxHttpRequest, article: Article, *, announce: str, focus: int | None
) -> HttpResponse:
    context = _article_context(request, article)
    context["announce"] = announce
    response = render(request, "annotations/partials/quote_lists_update.html", context)
    retarget(response, "#quote-lists")
    reswap(response, "outerHTML")
    return trigger_client_event(
        response, "quoteChanged", {"quote": focus, "advance": False}, after="settle"
    )


def _refused(
    request: HtmxHttpRequest,
    pk: int,
    *,
    status: int,
    banner: str = "",
    refused: forms.Form | None = None,
) -> HttpResponse:
    """An action that wrote nothing: redraw the quote from the database with the reason.

    The action panel comes back for the quote too, with the refused form's input and errors.
    """
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    if request.htmx:
        context = _row_context(request, quote, spans, banner=banner)
        context["panel"] = action_panel(context["row"], refused=refused)
        announce = banner or "The action was refused; see the quote."
        return _row_response(request, context, announce=announce, status=status)
    # Without JavaScript, show the whole page again around the quote.
    article = article_selectors.article_get_for_user(user=request.user, pk=quote.article_id)
    context = _article_context(request, article, selected=pk, banner=banner, refused=refused)
    return render(request, "annotations/article_detail.html", context, status=status)


def _done(
    request: HtmxHttpRequest,
    quote: Quote,
    context: dict[str, Any],
    *,
    announce: str,
    advance: bool,
) -> HttpResponse:
    """An accepted change: the quote's row (`context`), or a redirect back to it."""
    if not request.htmx:
        messages.success(request, announce)
        return HttpResponseRedirect(_quote_url(quote))
    response = _row_response(request, context, announce=announce)
    return trigger_client_event(
        response, "quoteChanged", {"quote": quote.pk, "advance": advance}, after="settle"
    )


def _attempt(
    request: HtmxHttpRequest,
    pk: int,
    write: Callable[[], Written],
    *,
    failed: str,
    form: forms.Form | None = None,
    keep_input_on_conflict: bool = True,
) -> Written | HttpResponse:
    """Run one write service call: what it returns, or the response to a refusal.

    A stale version (409) and a rule the service enforces (422) both write nothing; the quote
    comes back from the database with the reason (prefixed by `failed`), and the editor's
    input (`form`) is kept.
    """
    try:
        return write()
    except QuoteVersionConflict as conflict:
        return _refused(
            request,
            pk,
            status=409,
            banner=conflict.message,
            refused=form if keep_input_on_conflict else None,
        )
    except ValidationError as error:
        if form is not None:
            form.add_error(None, error)
        return _refused(
            request,
            pk,
            status=422,
            refused=form,
            banner=failed + " ".join(_validation_messages(error)),
        )


def _decided(
    request: HtmxHttpRequest,
    quote: Quote,
    spans: list[QuoteSpan],
    review: Review,
    *,
    also: str = "",
) -> HttpResponse:
    """The answer to a decision the service wrote onto `quote` (the article's spans take its
    new state), announced and moving on to the next quote."""
    spans = [
        s._replace(anchor=quote.anchor, status=quote.status) if s.pk == quote.pk else s
        for s in spans
    ]
    context = _row_context(request, quote, spans, decided=review)
    row = context["row"]
    announce = f"Quote by {row.speaker_label} marked {row.status_label.lower()}{also}."
    return _done(request, quote, context, announce=announce, advance=True)


def _invalid_form(request: HtmxHttpRequest, pk: int, form: forms.Form, banner: str) -> HttpResponse:
    return _refused(request, pk, status=422, refused=form, banner=banner)


def _quote_for_editor(request: HttpRequest, pk: int) -> Quote:
    quote = review_selectors.quote_get_for_review(user=request.user, pk=pk)
    roles.require_editor(request.user)
    return quote


# --- pages -------------------------------------------------------------------------------------


@require_GET
@login_required_htmx
def article_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The article with its quotes; `?quote=12` selects quote 12 (else the first open one)."""
    article = article_selectors.article_get_for_user(user=request.user, pk=pk)
    context = _article_context(request, article, selected=_selected_pk(request))
    context["live_token"] = review_selectors.article_live_token(user=request.user, article=article)
    return render(request, "annotations/article_detail.html", context)


@require_GET
@login_required_htmx
def article_prehighlight_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    article = article_selectors.article_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "annotations/partials/prehighlight_status.html",
        # A poll that sees the run finish offers a reload instead of redrawing the lists under
        # an editor who may be typing a note.
        {"article": article, "polled": bool(request.htmx)},
    )


@require_GET
@login_required_htmx
def article_live(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """What changed on the article since the page's `?since=<token>`, for its poller.

    Nothing: 204, and htmx swaps nothing. Only versions (a decision, another editor's too): every
    row and the counts, out of band. Anything else (pre-highlighting finished, a quote added or
    moved, a body edit): the lists, the highlighted text, the counts and the pre-highlight status.
    review.js keeps the editor's current quote, focus and panel input across either swap.
    """
    article = article_selectors.article_get_for_user(user=request.user, pk=pk)
    if not request.htmx:
        return HttpResponseRedirect(reverse("annotations:article_detail", args=[pk]))
    token = review_selectors.article_live_token(user=request.user, article=article)
    since = review_selectors.LiveToken.parse(request.GET.get("since", ""))
    if token.same_content(since):
        return HttpResponse(status=204)
    context = _article_context(request, article)
    layout_changed = since is None or not token.same_layout(since)
    context.update(live_token=token, layout_changed=layout_changed)
    if since is not None and not layout_changed:
        # Only the rows written since the page's token: not every row of a long article after
        # each decision, and an untouched row keeps what the editor opened in it (its history).
        changed = review_selectors.quote_ids_changed_since(
            user=request.user, article=article, since=since
        )
        context["changed_rows"] = [row for row in context["all_rows"] if row.pk in changed] or (
            context["all_rows"]
        )
    # The page drew no panel while it had no quotes: it gets one with the first candidates.
    context["new_panel"] = (
        context["panel"] if since is None or since.layout == LIVE_EMPTY_LAYOUT else None
    )
    response = render(request, "annotations/partials/article_live_update.html", context)
    return trigger_client_event(
        response, "liveUpdated", {"layout": context["layout_changed"]}, after="settle"
    )


@require_GET
@login_required_htmx
def quote_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    if not request.htmx:
        return HttpResponseRedirect(_quote_url(quote))
    return render(
        request, "annotations/partials/quote_row.html", _row_context(request, quote, spans)
    )


@require_GET
@login_required_htmx
def quote_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = review_selectors.quote_get_for_review(user=request.user, pk=pk)
    context = {"quote": quote, "reviews": review_selectors.quote_history(quote=quote)}
    if request.htmx:
        return render(request, "annotations/partials/quote_history.html", context)
    return render(request, "annotations/quote_history_page.html", context)


@require_GET
@login_required_htmx
def speaker_search(request: HtmxHttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or request.GET.get("speaker_query") or "")[:300]
    # PostgreSQL text cannot hold NUL; a stray one must not turn the autocomplete into a 500.
    query = query.replace("\x00", "")
    speakers = review_selectors.speaker_search(user=request.user, query=query)
    return render(
        request, "annotations/partials/speaker_options.html", {"speakers": speakers, "q": query}
    )


# --- actions -----------------------------------------------------------------------------------


@require_POST
@login_required_htmx
def quote_review(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    # One read serves the access check, the service and the redrawn row (see quote_review_submit).
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    user = roles.require_editor(request.user)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, pk, form, "Nothing was saved: fix the errors below.")
    review = _attempt(
        request,
        pk,
        lambda: quote_review_submit(
            quote=quote,
            user=user,
            to_status=form.to_status,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
            dispute_reason=form.cleaned_data["dispute_reason"],
        ),
        form=form,
        failed="Nothing was saved: ",
    )
    if isinstance(review, HttpResponse):
        return review
    return _decided(request, quote, spans, review)


@require_POST
@login_required_htmx
def quote_carry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Apply the verdict of the same words in another article (the family card's key)."""
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    user = roles.require_editor(request.user)
    form = CarryForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, pk, form, "Nothing was saved: the request was incomplete.")
    source = review_selectors.quote_get_for_review(user=user, pk=form.cleaned_data["source"])
    review = _attempt(
        request,
        pk,
        lambda: quote_verdict_carry(
            quote=quote, source=source, user=user, expected_version=form.cleaned_data["version"]
        ),
        form=form,
        failed="Nothing was saved: ",
    )
    if isinstance(review, HttpResponse):
        return review
    return _decided(request, quote, spans, review, also=f", carried from quote #{source.pk}")


@require_POST
@login_required_htmx
def quote_undo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, status=422, banner="The undo form was incomplete.")
    written = _attempt(
        request,
        pk,
        lambda: quote_services.quote_undo_last_decision(
            quote=quote,
            user=roles.signed_in_user(request.user),
            expected_version=form.cleaned_data["version"],
        ),
        failed="",
    )
    if isinstance(written, HttpResponse):
        return written
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    context = _row_context(request, quote, spans)
    row = context["row"]
    announce = f"Undone: quote by {row.speaker_label} is {row.status_label.lower()}."
    return _done(request, quote, context, announce=announce, advance=False)


@require_http_methods(["GET", "POST"])
@login_required_htmx
def quote_speaker(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    if request.method == "GET":
        # The speaker form alone: the page without JavaScript, or a partial for htmx.
        quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
        row = _row_context(request, quote, spans)["row"]
        template = (
            "annotations/partials/quote_speaker_form.html"
            if request.htmx
            else "annotations/quote_speaker_page.html"
        )
        return render(
            request, template, {"quote": quote, "panel": action_panel(row, open_speaker=True)}
        )
    form = SpeakerForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, pk, form, "The speaker was not changed: see below.")
    data, user = form.cleaned_data, roles.signed_in_user(request.user)

    def write() -> None:
        if data["create"]:
            quote_services.quote_create_speaker(
                quote=quote,
                user=user,
                name=data["name"],
                kind=data["kind"] or "person",
                title=data["title"],
                expected_version=data["version"],
            )
        else:
            speaker = None
            if not data["clear"]:
                speaker = (
                    review_selectors.speaker_get(user=user, pk=data["speaker"])
                    if data["speaker"]
                    else review_selectors.speaker_resolve_name(
                        user=user, query=data["speaker_query"]
                    )
                )
            quote_services.quote_set_speaker(
                quote=quote,
                user=user,
                speaker=speaker,
                expected_version=data["version"],
            )

    written = _attempt(request, pk, write, form=form, failed="The speaker was not changed: ")
    if isinstance(written, HttpResponse):
        return written
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    context = _row_context(request, quote, spans)
    announce = f"Speaker set to {context['row'].speaker_label}."
    return _done(request, quote, context, announce=announce, advance=False)


@require_POST
@login_required_htmx
def quote_title_proposal(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    form = TitleProposalForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, pk, form, "The title was not confirmed: " + _errors(form))
    data, user = form.cleaned_data, roles.signed_in_user(request.user)
    written: object
    if data["action"] == "confirm":
        written = _attempt(
            request,
            pk,
            lambda: quote_services.quote_title_confirm(
                quote=quote,
                user=user,
                title=data["title"],
                organisation=data["organisation"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                source_url=data["source_url"],
                expected_version=data["version"],
            ),
            form=form,
            failed="The title was not confirmed: ",
        )
        announce = f"“{data['title']}” added to the speaker's roles."
    else:
        written = _attempt(
            request,
            pk,
            lambda: quote_services.quote_title_ignore(
                quote=quote, user=user, expected_version=data["version"]
            ),
            failed="",
        )
        announce = "Title proposal ignored."
    if isinstance(written, HttpResponse):
        return written
    quote, spans = review_selectors.quote_get_in_article(user=request.user, pk=pk)
    return _done(
        request, quote, _row_context(request, quote, spans), announce=announce, advance=False
    )


def _errors(form: forms.Form) -> str:
    return " ".join(str(msg) for errors in form.errors.values() for msg in errors)


@require_POST
@login_required_htmx
def quote_span(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    form = SpanFixForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, pk, form, "The span was not changed: see below.")
    written = _attempt(
        request,
        pk,
        lambda: quote_services.quote_fix_span(
            quote=quote,
            user=roles.signed_in_user(request.user),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            expected_version=form.cleaned_data["version"],
        ),
        form=form,
        failed="The span was not changed: ",
        # A stale span is redrawn from the database, not from the refused offsets.
        keep_input_on_conflict=False,
    )
    if isinstance(written, HttpResponse):
        return written
    announce = f"The quote now reads “{quote.text[:80]}”."
    if not request.htmx:
        messages.success(request, announce)
        return HttpResponseRedirect(_quote_url(quote))
    article = article_selectors.article_get_for_user(user=request.user, pk=quote.article_id)
    return _lists_response(request, article, announce=announce, focus=quote.pk)


@require_POST
@login_required_htmx
def quote_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    article = article_selectors.article_get_for_user(user=request.user, pk=pk)
    roles.require_editor(request.user)
    form = SpanForm(request.POST)
    error_messages: list[str] = []
    if form.is_valid():
        try:
            quote = quote_services.quote_add_by_editor(
                article=article,
                user=roles.signed_in_user(request.user),
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as error:
            error_messages = _validation_messages(error)
        else:
            announce = f"Added the quote “{quote.text[:80]}”."
            if not request.htmx:
                messages.success(request, announce)
                return HttpResponseRedirect(_quote_url(quote))
            return _lists_response(request, article, announce=announce, focus=quote.pk)
    else:
        error_messages = [str(msg) for errors in form.errors.values() for msg in errors]
    context = {
        "article": article,
        "add_errors": error_messages,
        "add_form": form,
        "can_review": True,
    }
    if request.htmx:
        response = render(request, "annotations/partials/quote_add_form.html", context, status=422)
        retarget(response, "#quote-add-form")
        return reswap(response, "outerHTML")
    context.update(_article_context(request, article))
    return render(request, "annotations/article_detail.html", context, status=422)
