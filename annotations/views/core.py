from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from annotations.forms import QueueFilterForm
from annotations.selectors import review as review_selectors
from annotations.views.review import HtmxHttpRequest, login_required_htmx
from newsdesk.health import system_health

QUEUE_PAGE_SIZE = 25


@require_safe
@login_required_htmx
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The review queue: articles with open candidates first, filterable and bookmarkable."""
    form = QueueFilterForm(request.GET or None)
    form.is_valid()
    articles = review_selectors.review_queue(user=request.user, filters=form.filters())
    page = Paginator(articles, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "articles": page.object_list}
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "annotations/partials/article_list_body.html", context)
    else:
        context["outlets"] = review_selectors.review_outlets(user=request.user)
        response = render(request, "annotations/home.html", context)
    # The same URL answers with a fragment or a page; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def healthz(request: HtmxHttpRequest) -> JsonResponse:
    """Per-component status as JSON: 200 when ok or degraded, 503 without the database."""
    status, components = system_health()
    return JsonResponse(
        {"status": status, "components": components}, status=503 if status == "down" else 200
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: with manifest static files the hashed name exists only after
    # collectstatic, which must not be needed to import the URL configuration.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
