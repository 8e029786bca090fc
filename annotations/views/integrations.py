"""The CMS side without the Django admin: API keys and webhook endpoints, for admins."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotations import roles
from annotations.forms import ApiKeyForm, WebhookEndpointCreateForm
from annotations.selectors import integrations as selectors
from annotations.services import api_clients, webhooks
from annotations.views.review import HtmxHttpRequest, login_required_htmx


def _page(
    request: HtmxHttpRequest,
    *,
    key_form: ApiKeyForm | None = None,
    endpoint_form: WebhookEndpointCreateForm | None = None,
    new_key: str = "",
    new_secret: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    owners = selectors.integrations_key_owners(user=user)
    context: dict[str, Any] = {
        "clients": selectors.integrations_api_clients(user=user),
        "endpoints": selectors.integrations_endpoints(user=user),
        "key_form": key_form or ApiKeyForm(owners=owners, initial={"owner": user.pk}),
        "endpoint_form": endpoint_form or WebhookEndpointCreateForm(),
        # Shown in this response only: the key is stored hashed and can never be shown again.
        "new_key": new_key,
        "new_secret": new_secret,
    }
    response = render(request, "annotations/integrations.html", context, status=status)
    if new_key or new_secret:
        response["Cache-Control"] = "no-store"
    return response


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("annotations:integrations"))


@require_http_methods(["GET"])
@login_required_htmx
def integrations(request: HtmxHttpRequest) -> HttpResponse:
    roles.require_admin(request.user)
    return _page(request)


@require_POST
@login_required_htmx
def api_key_create(request: HtmxHttpRequest) -> HttpResponse:
    admin = roles.require_admin(request.user)
    form = ApiKeyForm(request.POST, owners=selectors.integrations_key_owners(user=admin))
    if form.is_valid():
        try:
            client, key = api_clients.api_client_create_by_admin(
                admin=admin,
                name=form.cleaned_data["name"],
                owner=form.cleaned_data["owner"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Created the key “{client.name}”.")
            return _page(request, new_key=key)
    return _page(request, key_form=form, status=422)


@require_POST
@login_required_htmx
def api_key_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = selectors.api_client_get_for_admin(user=request.user, pk=pk)
    api_clients.api_client_revoke(client=client)
    messages.success(request, f"Revoked the key “{client.name}” ({client.key_prefix}…).")
    return _back()


@require_POST
@login_required_htmx
def webhook_endpoint_create(request: HtmxHttpRequest) -> HttpResponse:
    admin = roles.require_admin(request.user)
    form = WebhookEndpointCreateForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhooks.webhook_endpoint_create(
                user=admin,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Registered {endpoint.url}.")
            return _page(request, new_secret=endpoint.secret)
    return _page(request, endpoint_form=form, status=422)


@require_POST
@login_required_htmx
def webhook_endpoint_toggle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    admin = roles.require_admin(request.user)
    endpoint = selectors.webhook_endpoint_get_for_admin(user=admin, pk=pk)
    webhooks.webhook_endpoint_set_active(user=admin, endpoint=endpoint, active=not endpoint.active)
    messages.success(
        request, f"{'Resumed' if endpoint.active else 'Paused'} deliveries to {endpoint.url}."
    )
    return _back()


@require_POST
@login_required_htmx
def webhook_delivery_replay(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.webhook_delivery_get_for_admin(user=request.user, pk=pk)
    webhooks.webhook_delivery_replay(delivery=delivery)
    messages.success(
        request,
        f"Queued a replay of {delivery.event_type} ({delivery.event_id}) to "
        f"{delivery.endpoint.url}.",
    )
    return _back()
