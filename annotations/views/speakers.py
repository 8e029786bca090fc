"""The speaker page: who they are, the offices they held when, what they said and how it held up."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from annotations.selectors.speakers import speaker_page
from annotations.views.review import HtmxHttpRequest, login_required_htmx


@require_safe
@login_required_htmx
def speaker_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    page = speaker_page(user=request.user, pk=pk)
    return render(request, "annotations/speaker_detail.html", {"page": page})
