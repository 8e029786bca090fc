"""Admin pages of the newsroom's content: articles, speakers, quotes and their history.

Every write goes through the services, as from the desk and the API.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from annotations import roles
from annotations.forms import HTTPS_URL_FIELDS
from annotations.models import Article, Quote, Review, Speaker, SpeakerAlias
from annotations.services.articles import ARTICLE_EDITABLE_FIELDS, article_create, article_update
from annotations.services.quotes import quote_delete, quote_set_speaker


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
    fields = ("start", "end", "text", "speaker", "status", "anchor", "origin", "version")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = (
        "title",
        "outlet",
        "published_at",
        "quote_count",
        "prehighlight_status",
        "revision",
        "created_at",
    )
    list_filter = ("prehighlight_status", "outlet", "language", "published_at")
    search_fields = ("title", "url", "outlet", "byline")
    date_hierarchy = "published_at"
    readonly_fields = (
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
            {"fields": ("title", "body", "url", "outlet", "byline", "published_at", "language")},
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


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "title", "organisation", "alias_list")
    list_filter = ("kind", "organisation")
    search_fields = ("name", "title", "organisation", "aliases__alias")
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Speaker]:
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="Aliases")
    def alias_list(self, obj: Speaker) -> str:
        return ", ".join(alias.alias for alias in obj.aliases.all())


class ReviewInline(ReadOnlyInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Review
    fields = ("created_at", "reviewer", "from_status", "to_status", "note", "evidence")
    readonly_fields = fields
    ordering = ("-created_at", "-id")


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "short_text",
        "speaker",
        "status",
        "anchor",
        "origin",
        "confidence",
        "article",
        "updated_at",
    )
    list_filter = ("status", "anchor", "origin", "article__outlet")
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
        "text",
        "prefix",
        "suffix",
        "status",
        "version",
        "origin",
        "confidence",
        "anchor",
        "anchor_note",
        "article_revision",
        "speaker_mention",
        "speaker_mention_start",
        "speaker_mention_end",
        "cue",
        "updated_by",
        "created_at",
        "updated_at",
    )
    fields = ("article", "text", "speaker", *readonly_fields[4:])
    inlines = [ReviewInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Quote")
    def short_text(self, obj: Quote) -> str:
        return format_html("“{}”", obj.text[:80])

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
class ReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "reviewer", "quote", "from_status", "to_status")
    list_filter = ("to_status", "from_status", "reviewer")
    search_fields = ("note", "quote__text", "reviewer__username")
    list_select_related = ("reviewer", "quote")
    date_hierarchy = "created_at"
    # History is append-only: every field is shown read-only, so no form field is ever built.
    fields = readonly_fields = tuple(
        field.name for field in Review._meta.concrete_fields if not field.primary_key
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
