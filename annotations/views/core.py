from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations import selectors


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    articles = selectors.article_list_with_counts(user=request.user)
    return render(request, "annotations/home.html", {"articles": articles})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
