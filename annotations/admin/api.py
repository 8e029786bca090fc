"""Admin pages of the API area: API keys, webhook endpoints and their delivery log."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations.forms import HTTPS_URL_FIELDS, https_url_formfield
from annotations.models import (
    ApiClient,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
)
from annotations.services.api_clients import api_client_create, api_client_revoke
from annotations.services.webhooks import webhook_delivery_replay


class ApiClientAddForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "scope"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "scope",
        "key_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["owner", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "scope", "owner", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiClient]:
        queryset = super().get_queryset(request).select_related("owner")
        # Keys belong to their owner; only superusers (who revoke leaked keys) see everyone's.
        if request.user.is_superuser:  # type: ignore[union-attr]
            return queryset
        return queryset.filter(owner=request.user)  # type: ignore[misc]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiClientAddForm
            kwargs["fields"] = ["name", "scope"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "scope"] if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name", "scope"])
            return
        client, key = api_client_create(name=obj.name, owner=request.user, scope=obj.scope)  # type: ignore[arg-type]
        obj.pk = client.pk
        obj.__dict__.update(client.__dict__)
        messages.warning(
            request,
            f"The API key for “{client.name}” is {key} — copy it now: it is stored only as a "
            "hash and will not be shown again.",
        )

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        count = 0
        for client in queryset.filter(revoked_at__isnull=True):
            api_client_revoke(client=client)
            count += 1
        messages.success(request, f"Revoked {count} key(s).")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Revoke instead: the row keeps telling who used which key.
        return False


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEndpoint.Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active"]
        formfield_callback = https_url_formfield


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["url", "description", "events", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "created_by", "created_at"]

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class WebhookDeliveryAttemptInline(admin.TabularInline):
    model = WebhookDeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "succeeded",
        "error",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "delivery_id"]
    readonly_fields = [
        "endpoint",
        "delivery_id",
        "event_id",
        "event_type",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "replay_of",
        "created_at",
        "updated_at",
    ]
    inlines = [WebhookDeliveryAttemptInline]
    actions = ["replay_deliveries"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Replay the selected deliveries (send the same event again)")
    def replay_deliveries(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        replays = [
            webhook_delivery_replay(delivery=delivery)
            for delivery in queryset.select_related("endpoint")
        ]
        messages.success(request, f"Queued {len(replays)} replay(s).")
