"""The CMS side, for admins: API keys, webhook endpoints and their recent deliveries."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from annotations import roles
from annotations.models import ApiClient, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 10


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    recent: list[WebhookDelivery]
    failed: int
    pending: int


def integrations_api_clients(*, user: roles.AnyUser) -> list[ApiClient]:
    roles.require_admin(user)
    # Active keys first, newest first within each group.
    return list(
        ApiClient.objects.select_related("owner").order_by(
            F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
        )
    )


def integrations_key_owners(*, user: roles.AnyUser) -> QuerySet[User]:
    """Who may own a key: active users with a newsroom role."""
    roles.require_admin(user)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(groups__name__in=[roles.EDITOR, roles.REPORTER, roles.ADMIN])
        )
        .distinct()
        .order_by("username")
    )


def integrations_endpoints(*, user: roles.AnyUser) -> list[EndpointRow]:
    """Every endpoint with its last deliveries and its failure count, in three queries."""
    roles.require_admin(user)
    endpoints = list(WebhookEndpoint.objects.order_by("-created_at", "-id"))
    ids = [endpoint.pk for endpoint in endpoints]
    recent: dict[int, list[WebhookDelivery]] = {pk: [] for pk in ids}
    ranked = (
        WebhookDelivery.objects.filter(endpoint_id__in=ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("endpoint_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=RECENT_DELIVERIES)
        .defer("payload")
        .order_by("endpoint_id", "rank")
    )
    for delivery in ranked:
        recent[delivery.endpoint_id].append(delivery)
    counts = {
        row["endpoint_id"]: row
        for row in WebhookDelivery.objects.filter(endpoint_id__in=ids)
        .values("endpoint_id")
        .annotate(
            failed=Count("id", filter=Q(status=WebhookDelivery.Status.FAILED)),
            pending=Count(
                "id",
                filter=Q(
                    status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.DELIVERING]
                ),
            ),
        )
    }
    return [
        EndpointRow(
            endpoint=endpoint,
            recent=recent[endpoint.pk],
            failed=counts.get(endpoint.pk, {}).get("failed", 0),
            pending=counts.get(endpoint.pk, {}).get("pending", 0),
        )
        for endpoint in endpoints
    ]


def api_client_get_for_admin(*, user: roles.AnyUser, pk: int) -> ApiClient:
    roles.require_admin(user)
    try:
        return ApiClient.objects.get(pk=pk)
    except (ApiClient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such API key.") from None


def webhook_endpoint_get_for_admin(*, user: roles.AnyUser, pk: int) -> WebhookEndpoint:
    roles.require_admin(user)
    try:
        return WebhookEndpoint.objects.get(pk=pk)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404("No such endpoint.") from None


def webhook_delivery_get_for_admin(*, user: roles.AnyUser, pk: int) -> WebhookDelivery:
    roles.require_admin(user)
    try:
        return WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404("No such delivery.") from None
