"""Admin pages of the newsroom's content: articles, speakers, quotes and their history.

Every write goes through the services, as from the desk and the API. Stored text is shown
through `_shown` displays, which escape it and show invisible and direction-changing characters
as markers (annotations/invisible.py), in lists and on change pages alike; editable fields list
the invisible characters they hold, since an input box cannot show a marker.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from annotations import roles
from annotations.forms import HTTPS_URL_FIELDS
from annotations.invisible import INVISIBLE, describe, reveal_invisible, reveal_invisible_plain
from annotations.models import Article, Quote, Review, Speaker, SpeakerAlias, SpeakerRole
from annotations.services.articles import ARTICLE_EDITABLE_FIELDS, article_create, article_update
from annotations.services.quotes import quote_delete, quote_set_speaker

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices


def _shown(field: str, description: str) -> Callable[[Any, Any], SafeString]:
    """A display method for a text field (or a related object's text, `speaker__name`)."""

    def display(model_admin: Any, obj: Any) -> SafeString:
        value: Any = obj
        for part in field.split("__"):
            value = getattr(value, part, None) if value is not None else None
        return linebreaksbr(reveal_invisible(str(value or "")))

    return admin.display(description=description, ordering=field)(display)


# At most this many are listed; a body full of them says so without a page of markers.
INVISIBLE_LISTED = 50


def _invisible_characters(fields: Sequence[str]) -> Callable[[Any, Any], SafeString]:
    """A read-only line naming every invisible character in the given editable fields."""

    def display(model_admin: Any, obj: Any) -> SafeString:
        found = [
            (name, match.start(), match.group())
            for name in fields
            for match in INVISIBLE.finditer(getattr(obj, name, "") or "")
        ]
        if not found:
            return format_html("{}", "None")
        more = len(found) - INVISIBLE_LISTED
        return format_html(
            "<ul>{}</ul>{}",
            format_html_join(
                "",
                "<li>{} at character {}: {} {}</li>",
                (
                    (name, position + 1, reveal_invisible(char), describe(char))
                    for name, position, char in found[:INVISIBLE_LISTED]
                ),
            ),
            f"and {more} more" if more > 0 else "",
        )

    return admin.display(description="Invisible characters")(display)


class RevealingValuesFilter(admin.AllValuesFieldListFilter):
    """A filter by a text field's values whose menu shows invisible characters as ⟨U+202E⟩."""

    def choices(self, changelist: ChangeList) -> Iterator["_ListFilterChoices"]:
        for choice in super().choices(changelist):
            choice["display"] = reveal_invisible_plain(str(choice["display"]))
            yield choice


class ContentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    class Media:
        css = {"all": ["css/invisible.css"]}  # the markers' style


class ReadOnlyInlineMixin:
    """The review history is append-only: the admin may show it but never edit it."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuoteInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Quote
    fields = (
        "start",
        "end",
        "text_shown",
        "speaker_shown",
        "status",
        "anchor",
        "origin",
        "version",
    )
    readonly_fields = fields
    text_shown = _shown("text", "text")
    speaker_shown = _shown("speaker__name", "speaker")
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ContentAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = (
        "title_shown",
        "outlet_shown",
        "published_at",
        "quote_count",
        "prehighlight_status",
        "revision",
        "created_at",
    )
    list_filter = (
        "prehighlight_status",
        ("outlet", RevealingValuesFilter),
        "language",
        "published_at",
    )
    search_fields = ("title", "url", "outlet", "byline")
    date_hierarchy = "published_at"
    readonly_fields = (
        "invisible_characters",
        "body_hash",
        "revision",
        "created_by",
        "created_at",
        "updated_at",
        "prehighlight_status",
        "prehighlight_revision",
        "prehighlight_error",
        "prehighlight_queued_at",
        "prehighlight_started_at",
        "prehighlight_finished_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "body",
                    "invisible_characters",
                    "url",
                    "outlet",
                    "byline",
                    "published_at",
                    "language",
                )
            },
        ),
        (
            "Pre-highlighting",
            {
                "fields": (
                    "prehighlight_status",
                    "prehighlight_error",
                    "prehighlight_revision",
                    "prehighlight_queued_at",
                    "prehighlight_started_at",
                    "prehighlight_finished_at",
                )
            },
        ),
        ("Record", {"fields": ("body_hash", "revision", "created_by", "created_at", "updated_at")}),
    )
    inlines = [QuoteInline]
    title_shown = _shown("title", "title")
    outlet_shown = _shown("outlet", "outlet")
    invisible_characters = _invisible_characters(("title", "body", "outlet", "byline"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(n_quotes=Count("quotes"))

    @admin.display(description="Quotes", ordering="n_quotes")
    def quote_count(self, obj: Article) -> int:
        return obj.n_quotes  # type: ignore[attr-defined,no-any-return]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        # Route admin writes through the services so that revisions, re-anchoring and
        # pre-highlighting happen exactly as for every other entry point.
        data = {name: form.cleaned_data[name] for name in ARTICLE_EDITABLE_FIELDS}
        if change:
            saved = article_update(article=Article.objects.get(pk=obj.pk), data=data)
        else:
            saved = article_create(**data, created_by=roles.signed_in_user(request.user))
        obj.pk = saved.pk
        obj.refresh_from_db()


class SpeakerAliasInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SpeakerAlias
    fields = ("alias",)
    extra = 1


class SpeakerRoleInline(ReadOnlyInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    """Shown, not edited: roles are added through the desk, the API and speakers_import, whose
    validation turns an overlapping duplicate into a message rather than a database error."""

    model = SpeakerRole
    fields = ("title", "organisation", "start_date", "end_date", "source_url", "created_by")
    readonly_fields = fields


@admin.register(Speaker)
class SpeakerAdmin(ContentAdmin):
    list_display = ("name_shown", "kind", "title_shown", "organisation_shown", "alias_list")
    list_filter = ("kind", ("organisation", RevealingValuesFilter))
    search_fields = ("name", "title", "organisation", "aliases__alias")
    fields = ("name", "kind", "title", "organisation", "wikidata_id", "invisible_characters")
    readonly_fields = ("invisible_characters",)
    inlines = [SpeakerAliasInline, SpeakerRoleInline]
    name_shown = _shown("name", "name")
    title_shown = _shown("title", "title")
    organisation_shown = _shown("organisation", "organisation")
    invisible_characters = _invisible_characters(("name", "title", "organisation"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Speaker]:
        return super().get_queryset(request).prefetch_related("aliases", "roles")

    @admin.display(description="Aliases")
    def alias_list(self, obj: Speaker) -> SafeString:
        return reveal_invisible(", ".join(alias.alias for alias in obj.aliases.all()))


class ReviewInline(ReadOnlyInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Review
    fields = (
        "created_at",
        "reviewer",
        "from_status",
        "to_status",
        "dispute_reason",
        "note_shown",
        "evidence",
    )
    readonly_fields = fields
    note_shown = _shown("note", "note")
    ordering = ("-created_at", "-id")


@admin.register(Quote)
class QuoteAdmin(ContentAdmin):
    list_display = (
        "short_text",
        "speaker_shown",
        "status",
        "anchor",
        "origin",
        "confidence",
        "article_shown",
        "updated_at",
    )
    list_filter = (
        "status",
        "dispute_reason",
        "anchor",
        "origin",
        ("article__outlet", RevealingValuesFilter),
    )
    search_fields = (
        "text",
        "speaker__name",
        "speaker__aliases__alias",
        "speaker_mention",
        "article__title",
    )
    list_select_related = ("speaker", "article")
    autocomplete_fields = ("speaker",)
    # Offsets, text and status only change through the review desk and the pipeline, which
    # keep the version, the history and the anchoring consistent.
    readonly_fields = (
        "article",
        "start",
        "end",
        "text_shown",
        "prefix_shown",
        "suffix_shown",
        "status",
        "dispute_reason",
        "version",
        "origin",
        "confidence",
        "anchor",
        "anchor_note_shown",
        "article_revision",
        "speaker_mention_shown",
        "speaker_mention_start",
        "speaker_mention_end",
        "cue_shown",
        "updated_by",
        "created_at",
        "updated_at",
    )
    fields = ("article", "text_shown", "speaker", *readonly_fields[4:])
    inlines = [ReviewInline]
    speaker_shown = _shown("speaker__name", "speaker")
    article_shown = _shown("article__title", "article")
    text_shown = _shown("text", "text")
    prefix_shown = _shown("prefix", "prefix")
    suffix_shown = _shown("suffix", "suffix")
    anchor_note_shown = _shown("anchor_note", "anchor note")
    speaker_mention_shown = _shown("speaker_mention", "speaker mention")
    cue_shown = _shown("cue", "cue")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Quote")
    def short_text(self, obj: Quote) -> str:
        return format_html("“{}”", reveal_invisible(obj.text[:80]))

    def save_model(self, request: HttpRequest, obj: Quote, form: Any, change: bool) -> None:
        if "speaker" in form.changed_data:
            quote_set_speaker(
                quote=Quote.objects.get(pk=obj.pk),
                user=roles.require_editor(request.user),
                speaker=form.cleaned_data["speaker"],
                expected_version=obj.version,
            )

    def delete_model(self, request: HttpRequest, obj: Quote) -> None:
        try:
            quote_delete(quote=obj, user=roles.require_admin(request.user))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(Review)
class ReviewAdmin(ContentAdmin):
    list_display = ("created_at", "reviewer", "quote", "from_status", "to_status")
    list_filter = ("to_status", "from_status", "reviewer")
    search_fields = ("note", "quote__text", "reviewer__username")
    list_select_related = ("reviewer", "quote")
    date_hierarchy = "created_at"
    # History is append-only: every field is shown read-only, so no form field is ever built.
    fields = readonly_fields = tuple(
        "note_shown" if field.name == "note" else field.name
        for field in Review._meta.concrete_fields
        if not field.primary_key
    )
    note_shown = _shown("note", "note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
