"""Parse and validate browser input for the review desk; services do the writing."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from annotations.models import (
    ApiClient,
    Quote,
    Speaker,
    WebhookEndpoint,
    dispute_reason_problem,
)
from annotations.selectors.review import QUEUE_STATUS_FILTERS, QueueFilters
from annotations.validators import validate_http_url, validate_label, validate_text

MAX_EVIDENCE_LINKS = 20

# Model forms (the admin's): a link typed without a scheme ("example.org/story") is taken as
# https, Django 6's default, rather than Django 5's http.
HTTPS_URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


def https_url_formfield(field: models.Field, **kwargs: Any) -> Any:
    """A ModelForm's formfield_callback applying HTTPS_URL_FIELDS."""
    return field.formfield(**{**HTTPS_URL_FIELDS.get(type(field), {}), **kwargs})


# The buttons of the decision form post `action=<target status>`; "reopen" is candidate.
DECISIONS = {
    "verified": Quote.Status.VERIFIED,
    "disputed": Quote.Status.DISPUTED,
    "not_a_quote": Quote.Status.NOT_A_QUOTE,
    "reopen": Quote.Status.CANDIDATE,
}


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *Quote.Status.choices, ("orphaned", "Orphaned")],
    )
    speaker = forms.CharField(required=False, max_length=200)
    outlet = forms.CharField(required=False, max_length=200)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError("The start date is after the end date.")
        return data

    def filters(self) -> QueueFilters:
        """The valid filters; an invalid field is ignored (and reported by the form)."""
        data = self.cleaned_data if self.is_bound else {}
        status = data.get("status") or ""
        return QueueFilters(
            status=status if status in QUEUE_STATUS_FILTERS else "",
            speaker=data.get("speaker") or "",
            outlet=data.get("outlet") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CarryForm(VersionForm):
    # The quote whose verdict is carried; resolved by a selector scoped to the user.
    source = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ReviewForm(VersionForm):
    action = forms.ChoiceField(choices=[(key, key) for key in DECISIONS])
    note = forms.CharField(
        required=False,
        max_length=settings.NEWSDESK_MAX_NOTE_CHARS,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dispute_reason = forms.ChoiceField(
        required=False, choices=[("", "—"), *Quote.DisputeReason.choices]
    )
    evidence = forms.CharField(
        required=False,
        label="Evidence links (one per line)",
        max_length=MAX_EVIDENCE_LINKS * 2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_evidence(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["evidence"].splitlines()]
        links = [link for link in links if link]
        if len(links) > MAX_EVIDENCE_LINKS:
            raise ValidationError(f"At most {MAX_EVIDENCE_LINKS} evidence links.")
        errors = []
        for number, link in enumerate(links, start=1):
            try:
                validate_http_url(link)
            except ValidationError as error:
                errors.append(f"Link {number} ({link[:80]}): {' '.join(error.messages)}")
        if errors:
            raise ValidationError(errors)
        return links

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "disputed" and not (data.get("note") or "").strip():
            self.add_error("note", "A dispute needs a note saying what is wrong.")
        if "action" in data:
            problem = dispute_reason_problem(
                status=DECISIONS[data["action"]], dispute_reason=data.get("dispute_reason") or ""
            )
            if problem:
                self.add_error("dispute_reason", problem)
        return data

    @property
    def to_status(self) -> str:
        return DECISIONS[self.cleaned_data["action"]]


class SpeakerForm(VersionForm):
    speaker = forms.IntegerField(required=False, min_value=1)
    speaker_query = forms.CharField(required=False, max_length=300, label="Speaker")
    clear = forms.BooleanField(required=False)
    create = forms.BooleanField(required=False)
    name = forms.CharField(required=False, max_length=300, validators=[validate_label])
    kind = forms.ChoiceField(required=False, choices=Speaker.Kind.choices)
    title = forms.CharField(required=False, max_length=300, validators=[validate_label])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("create") and not (data.get("name") or "").strip():
            self.add_error("name", "The new speaker needs a name.")
        chosen = data.get("speaker") or (data.get("speaker_query") or "").strip()
        if not (data.get("create") or data.get("clear") or chosen):
            raise ValidationError("Pick a speaker from the list, type a name, or create one.")
        return data


class TitleProposalForm(VersionForm):
    """Confirm the extractor's title as a role of the speaker (with dates), or ignore it."""

    action = forms.ChoiceField(choices=[("confirm", "Confirm as role"), ("ignore", "Ignore")])
    title = forms.CharField(required=False, max_length=300, validators=[validate_label])
    organisation = forms.CharField(required=False, max_length=300, validators=[validate_label])
    start_date = forms.DateField(required=False, label="From")
    end_date = forms.DateField(required=False, label="Until (empty: still held)")
    source_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        validators=[validate_http_url],
        label="Source",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "confirm":
            if not (data.get("title") or "").strip():
                self.add_error("title", "The role needs a title.")
            if data.get("start_date") is None and "start_date" not in self.errors:
                self.add_error("start_date", "Give the day the role started.")
            start, end = data.get("start_date"), data.get("end_date")
            if start is not None and end is not None and end < start:
                self.add_error("end_date", "The role cannot end before it starts.")
        return data


class SpeakerMergeForm(forms.Form):
    source = forms.CharField(max_length=300, label="Merge this speaker (name or alias)")
    target = forms.CharField(max_length=300, label="into this one (name or alias)")


class SpanForm(forms.Form):
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start >= end:
            raise ValidationError("The selection is empty: the start must come before the end.")
        return data


class SpanFixForm(SpanForm, VersionForm):
    pass


# --- The new-article page: paste, a URL, or a file ---


class ArticlePasteForm(forms.Form):
    title = forms.CharField(max_length=500, validators=[validate_text])
    body = forms.CharField(
        strip=False,
        max_length=settings.NEWSDESK_MAX_ARTICLE_CHARS,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Plain text, paragraphs separated by a blank line.",
    )
    outlet = forms.CharField(required=False, max_length=200, validators=[validate_text])
    byline = forms.CharField(required=False, max_length=300, validators=[validate_text])
    url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        validators=[validate_http_url],
        label="URL",
    )
    published_at = forms.DateTimeField(
        required=False,
        label="Published",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].replace("\r\n", "\n").strip("\n")
        if not body.strip():
            raise ValidationError("The article body is empty.")
        return body

    def article_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": " ".join(data["title"].split()),
            "body": data["body"],
            "url": data["url"] or None,
            "outlet": data["outlet"].strip(),
            "byline": data["byline"].strip(),
            "published_at": data["published_at"],
            "language": "en",
        }


class ArticleUrlForm(forms.Form):
    url = forms.URLField(
        max_length=2000, assume_scheme="https", validators=[validate_http_url], label="URL"
    )


class ArticleUploadForm(forms.Form):
    file = forms.FileField(
        help_text="An article as .html or .txt (first line the title), or many articles as "
        ".jsonl (one JSON object per line) or .csv (a header naming title and body columns)."
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.NEWSDESK_MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file is {upload.size:,} bytes; the limit is "
                f"{settings.NEWSDESK_MAX_UPLOAD_BYTES:,}."
            )
        if not upload.name.lower().endswith((".html", ".htm", ".txt", ".jsonl", ".csv")):
            raise ValidationError("Upload an .html, .txt, .jsonl or .csv file.")
        return upload


# --- Integrations (admins): API keys and webhook endpoints ---


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        validators=[validate_text],
        help_text="What uses the key, e.g. “CMS production sync”.",
    )
    owner: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        queryset=None, help_text="The key acts as this person."
    )
    scope = forms.ChoiceField(
        choices=ApiClient.Scope.choices,
        initial=ApiClient.Scope.READ,
        help_text="Read: articles, quotes, verdicts, the change feed. Review: also writes "
        "(articles, verdicts, speakers), and only if the owner is an editor.",
    )

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        owner_field.queryset = owners  # type: ignore[attr-defined]
        owner_field.label_from_instance = lambda user: user.get_username()  # type: ignore[attr-defined]


class WebhookEndpointCreateForm(forms.Form):
    url = forms.URLField(
        max_length=2000, assume_scheme="https", validators=[validate_http_url], label="URL"
    )
    description = forms.CharField(required=False, max_length=300, validators=[validate_text])
    events = forms.MultipleChoiceField(
        choices=WebhookEndpoint.Event.choices, widget=forms.CheckboxSelectMultiple
    )
