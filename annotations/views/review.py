"""The editor review desk: the article page and every action on its quotes.

htmx requests get only the regions that changed (the quote's row, its highlight and the
counters, out of band); the same URLs answer plain form posts with a redirect back to the quote,
so the desk works without JavaScript.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

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
from annotations.forms import ReviewForm, SpanFixForm, SpanForm, SpeakerForm, VersionForm
from annotations.models import Article, Quote
from annotations.selectors import articles as article_selectors
from annotations.selectors import review as review_selectors
from annotations.services import quotes as quote_services
from annotations.services.reviews import quote_review_submit
from annotations.templatetags.review_tags import inline_quote_ids, speaker_label


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


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


def _quote_url(quote: Quote) -> str:
    return reverse("annotations:article_detail", args=[quote.article_id]) + f"#quote-{quote.pk}"


def _validation_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- rendering ---------------------------------------------------------------------------------

ROW_EXTRAS = ("banner", "review_form", "speaker_form", "span_form")
# The row attribute a refused form is kept in, so the row redraws with the editor's input.
FORM_ATTRIBUTES: dict[type[forms.Form], str] = {
    ReviewForm: "review_form",
    SpeakerForm: "speaker_form",
    SpanFixForm: "span_form",
}


def _row_defaults(quote: Quote, inline: set[int]) -> None:
    # Set every attribute the row template reads: a missing one makes Django's template engine
    # fall back to dir() on the model, which dominated the render time of a 200-quote page.
    quote.is_inline = quote.pk in inline  # type: ignore[attr-defined]
    for name in ROW_EXTRAS:
        setattr(quote, name, None)


def _article_context(
    request: HttpRequest, article: Article, *, decorate: Callable[[Quote], None] | None = None
) -> dict[str, Any]:
    quotes = review_selectors.quote_list_for_review(article=article)
    inline = inline_quote_ids(
        body_length=len(article.body), spans=((q.pk, q.start, q.end, q.anchor) for q in quotes)
    )
    for quote in quotes:
        _row_defaults(quote, inline)
        if decorate is not None:
            decorate(quote)
    return {
        "article": article,
        "all_quotes": quotes,
        "quotes": [q for q in quotes if q.anchor != Quote.Anchor.ORPHANED],
        "orphaned": [q for q in quotes if q.anchor == Quote.Anchor.ORPHANED],
        "counts": review_selectors.quote_counts_from_list(quotes=quotes),
        "can_review": roles.user_can_review(request.user),
    }


def _fresh_row_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    quote = review_selectors.quote_get_for_review(user=request.user, pk=pk)
    spans = review_selectors.article_quote_spans(article=quote.article)
    _row_defaults(quote, inline_quote_ids(body_length=len(quote.article.body), spans=spans))
    return {
        "quote": quote,
        "article": quote.article,
        "counts": review_selectors.article_quote_counts(article=quote.article),
        "can_review": roles.user_can_review(request.user),
    }


def _row_response(
    request: HtmxHttpRequest,
    pk: int,
    *,
    announce: str,
    status: int = 200,
    banner: str = "",
    decorate: Callable[[Quote], None] | None = None,
) -> HttpResponse:
    context = _fresh_row_context(request, pk)
    quote = context["quote"]
    quote.banner = banner
    if decorate is not None:
        decorate(quote)
    context["announce"] = announce
    response = render(request, "annotations/partials/quote_update.html", context, status=status)
    if status != 200:
        # The form may have targeted a larger region (span fix); an error only redraws the row.
        retarget(response, f"#quote-{pk}")
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
    quote: Quote,
    *,
    status: int,
    banner: str = "",
    decorate: Callable[[Quote], None] | None = None,
) -> HttpResponse:
    """An action that wrote nothing: redraw the row from the database with the reason."""
    if request.htmx:
        return _row_response(
            request,
            quote.pk,
            announce=banner or "The action was refused; see the quote.",
            status=status,
            banner=banner,
            decorate=decorate,
        )

    # Without JavaScript, show the whole page again with the row's errors and the input kept.
    def page_decorate(row: Quote) -> None:
        if row.pk == quote.pk:
            row.banner = banner  # type: ignore[attr-defined]
            if decorate is not None:
                decorate(row)

    context = _article_context(request, quote.article, decorate=page_decorate)
    context["focus_quote"] = quote.pk
    return render(request, "annotations/article_detail.html", context, status=status)


def _done(request: HtmxHttpRequest, quote: Quote, *, announce: str, advance: bool) -> HttpResponse:
    if not request.htmx:
        messages.success(request, announce)
        return HttpResponseRedirect(_quote_url(quote))
    response = _row_response(request, quote.pk, announce=announce)
    return trigger_client_event(
        response, "quoteChanged", {"quote": quote.pk, "advance": advance}, after="settle"
    )


def _keep_input(form: forms.Form) -> Callable[[Quote], None]:
    """A row decoration that redraws the refused form with the editor's input in it."""
    attribute = FORM_ATTRIBUTES[type(form)]

    def decorate(row: Quote) -> None:
        setattr(row, attribute, form)

    return decorate


def _attempt(
    request: HtmxHttpRequest,
    quote: Quote,
    write: Callable[[], object],
    *,
    failed: str,
    form: forms.Form | None = None,
    keep_input_on_conflict: bool = True,
) -> HttpResponse | None:
    """Run one write service call; on a refusal, the response that redraws the row.

    A stale version (409) and a rule the service enforces (422) both write nothing; the row
    comes back from the database with the reason (prefixed by `failed`), and the editor's
    input (`form`) is kept in it. None means the write went through.
    """
    decorate = _keep_input(form) if form is not None else None
    try:
        write()
    except QuoteVersionConflict as conflict:
        return _refused(
            request,
            quote,
            status=409,
            banner=conflict.message,
            decorate=decorate if keep_input_on_conflict else None,
        )
    except ValidationError as error:
        if form is not None:
            form.add_error(None, error)
        return _refused(
            request,
            quote,
            status=422,
            decorate=decorate,
            banner=failed + " ".join(_validation_messages(error)),
        )
    return None


def _invalid_form(
    request: HtmxHttpRequest, quote: Quote, form: forms.Form, banner: str
) -> HttpResponse:
    return _refused(request, quote, status=422, decorate=_keep_input(form), banner=banner)


def _quote_for_editor(request: HttpRequest, pk: int) -> Quote:
    quote = review_selectors.quote_get_for_review(user=request.user, pk=pk)
    roles.require_editor(request.user)
    return quote


# --- pages -------------------------------------------------------------------------------------


@require_GET
@login_required_htmx
def article_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    article = article_selectors.article_get_for_user(user=request.user, pk=pk)
    return render(request, "annotations/article_detail.html", _article_context(request, article))


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
def quote_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = review_selectors.quote_get_for_review(user=request.user, pk=pk)
    if not request.htmx:
        return HttpResponseRedirect(_quote_url(quote))
    context = _fresh_row_context(request, pk)
    return render(request, "annotations/partials/quote_row.html", context)


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
    quote = _quote_for_editor(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, quote, form, "Nothing was saved: fix the errors below.")
    refused = _attempt(
        request,
        quote,
        lambda: quote_review_submit(
            quote=quote,
            user=roles.signed_in_user(request.user),
            to_status=form.to_status,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
        ),
        form=form,
        failed="Nothing was saved: ",
    )
    if refused is not None:
        return refused
    announce = f"Quote by {speaker_label(quote)} marked {quote.get_status_display().lower()}."
    return _done(request, quote, announce=announce, advance=True)


@require_POST
@login_required_htmx
def quote_undo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(request, quote, status=422, banner="The undo form was incomplete.")
    refused = _attempt(
        request,
        quote,
        lambda: quote_services.quote_undo_last_decision(
            quote=quote,
            user=roles.signed_in_user(request.user),
            expected_version=form.cleaned_data["version"],
        ),
        failed="",
    )
    if refused is not None:
        return refused
    announce = f"Undone: quote by {speaker_label(quote)} is {quote.get_status_display().lower()}."
    return _done(request, quote, announce=announce, advance=False)


@require_http_methods(["GET", "POST"])
@login_required_htmx
def quote_speaker(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    if request.method == "GET":
        # The form is fetched when its <details> opens, which keeps a long article page light.
        quote.speaker_form = None  # type: ignore[attr-defined]
        template = (
            "annotations/partials/quote_speaker_form.html"
            if request.htmx
            else "annotations/quote_speaker_page.html"
        )
        return render(request, template, {"quote": quote})
    form = SpeakerForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, quote, form, "The speaker was not changed: see below.")
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

    refused = _attempt(request, quote, write, form=form, failed="The speaker was not changed: ")
    if refused is not None:
        return refused
    return _done(request, quote, announce=f"Speaker set to {speaker_label(quote)}.", advance=False)


@require_POST
@login_required_htmx
def quote_span(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_editor(request, pk)
    form = SpanFixForm(request.POST)
    if not form.is_valid():
        return _invalid_form(request, quote, form, "The span was not changed: see below.")
    refused = _attempt(
        request,
        quote,
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
    if refused is not None:
        return refused
    announce = f"The quote now reads “{quote.text[:80]}”."
    if not request.htmx:
        messages.success(request, announce)
        return HttpResponseRedirect(_quote_url(quote))
    return _lists_response(request, quote.article, announce=announce, focus=quote.pk)


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
