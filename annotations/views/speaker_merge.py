"""Merging two registry entries that are the same speaker (issue 15, section 4)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from annotations import roles
from annotations.forms import SpeakerMergeForm
from annotations.selectors import review as review_selectors
from annotations.services.speakers import speaker_merge
from annotations.views.review import HtmxHttpRequest, login_required_htmx


@require_http_methods(["GET", "POST"])
@login_required_htmx
def speakers_merge(request: HtmxHttpRequest) -> HttpResponse:
    user = roles.require_editor(request.user)
    form = SpeakerMergeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            source = review_selectors.speaker_resolve_name(
                user=user, query=form.cleaned_data["source"]
            )
            target = review_selectors.speaker_resolve_name(
                user=user, query=form.cleaned_data["target"]
            )
            record = speaker_merge(source=source, target=target, user=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Merged “{record.source_name}” into “{record.target_name}”: "
                f"{record.aliases_moved} alias(es) and {record.quotes_moved} quote(s) moved.",
            )
            return HttpResponseRedirect(reverse("annotations:speakers_merge"))
    context = {"form": form, "merges": review_selectors.speaker_merges_recent(user=user)}
    status = 422 if request.method == "POST" else 200
    return render(request, "annotations/speakers_merge.html", context, status=status)
