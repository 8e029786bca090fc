"""Bringing articles in through the desk: paste, a URL, or a file; batches with live progress."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from annotations import roles
from annotations.forms import ArticlePasteForm, ArticleUploadForm, ArticleUrlForm
from annotations.models import Article
from annotations.selectors import ingest as ingest_selectors
from annotations.services import ingest as ingest_services
from annotations.services.fetch import FetchError
from annotations.views.review import HtmxHttpRequest, login_required_htmx

MODES = ("paste", "url", "upload")


def _saved(request: HtmxHttpRequest, outcome: ingest_services.IngestOutcome) -> HttpResponse:
    article = outcome.article
    if outcome.created:
        messages.success(request, f"Saved “{article.title}”. Finding quotes…")
    else:
        messages.info(
            request,
            f"Already in Newsdesk as “{article.title}” (article #{article.pk}); nothing was added.",
        )
    return HttpResponseRedirect(_article_url(article))


def _article_url(article: Article) -> str:
    return reverse("annotations:article_detail", args=[article.pk])


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_htmx
def article_new(request: HtmxHttpRequest) -> HttpResponse:
    user = roles.require_editor(request.user)
    mode = request.POST.get("mode") if request.method == "POST" else request.GET.get("mode")
    mode = mode if mode in MODES else "paste"
    # Only a POST binds its form: bound to GET's empty QueryDict, a form shows "This field is
    # required" on a page the editor has only just opened.
    posted = request.method == "POST"
    paste_form = ArticlePasteForm(request.POST if posted and mode == "paste" else None)
    url_form = ArticleUrlForm(request.POST if posted and mode == "url" else None)
    upload_form = ArticleUploadForm(
        request.POST if posted and mode == "upload" else None,
        request.FILES if posted and mode == "upload" else None,
    )
    error = ""
    if request.method == "POST":
        try:
            if mode == "paste" and paste_form.is_valid():
                outcome = ingest_services.article_ingest(
                    user=user, data=paste_form.article_fields()
                )
                return _saved(request, outcome)
            if mode == "url" and url_form.is_valid():
                outcome = ingest_services.article_ingest_url(
                    user=user, url=url_form.cleaned_data["url"]
                )
                return _saved(request, outcome)
            if mode == "upload" and upload_form.is_valid():
                return _uploaded(request, upload_form)
        except (ingest_services.Refused, FetchError) as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    status = 422 if request.method == "POST" else 200
    context = {
        "mode": mode,
        "paste_form": paste_form,
        "url_form": url_form,
        "upload_form": upload_form,
        "error": error,
        "recent_batches": ingest_selectors.ingest_batches_recent(user=user),
    }
    return render(request, "annotations/article_new.html", context, status=status)


def _uploaded(request: HtmxHttpRequest, form: ArticleUploadForm) -> HttpResponse:
    user = roles.signed_in_user(request.user)
    upload = form.cleaned_data["file"]
    content = upload.read()
    name = upload.name
    if name.lower().endswith(ingest_services.BATCH_SUFFIXES):
        batch = ingest_services.ingest_batch_create(user=user, filename=name, content=content)
        messages.success(request, f"Importing {batch.total:,} row(s) from {name}.")
        return HttpResponseRedirect(reverse("annotations:ingest_batch", args=[batch.pk]))
    records = list(ingest_services.file_records(name, content))
    record = records[0]
    if record.data is None:
        raise ingest_services.Refused(f"{name}: {record.error}")
    data = ingest_services.clean_record(record.data)
    return _saved(request, ingest_services.article_ingest(user=user, data=data))


@require_safe
@login_required_htmx
def ingest_batch(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = ingest_selectors.ingest_batch_get_for_user(user=request.user, pk=pk)
    context = {"batch": batch, **ingest_selectors.ingest_batch_rows(batch=batch)}
    template = (
        "annotations/partials/ingest_progress.html"
        if request.htmx and not request.htmx.history_restore_request
        else "annotations/ingest_batch.html"
    )
    return render(request, template, context)
