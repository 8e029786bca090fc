"""Authentication and permissions of the REST API.

Machine clients send `Authorization: Bearer <key>` (or `Token <key>`); browsers use the session
(with CSRF). A key acts as its owner, narrowed by its scope: a read key can only read, a review
key can also write, and only if its owner is an editor.
"""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from annotations import roles
from annotations.models import ApiClient
from annotations.services.api_clients import api_client_for_key, api_client_touch

KEYWORDS = (b"bearer", b"token")


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected 'Bearer <key>'."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key contains invalid characters.")  # noqa: B904
        client = api_client_for_key(key=key)
        if client is None:
            raise exceptions.AuthenticationFailed("Unknown API key.")
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if not client.owner.is_active:
            raise exceptions.AuthenticationFailed("The owner of this API key is deactivated.")
        api_client_touch(client=client)
        return client.owner, client

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to requests without credentials.
        return 'Bearer realm="newsdesk-api"'


def request_api_client(request: Request) -> ApiClient | None:
    return request.auth if isinstance(request.auth, ApiClient) else None


class NewsdeskApiPermission(BasePermission):
    """Reporters and read keys read; editors and review keys owned by editors also write."""

    message = "You need the reporter or editor role to use the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            self.message = "You need the reporter or editor role to read through the API."
            return roles.user_can_read(user)
        client = request_api_client(request)
        if client is not None and client.scope != ApiClient.Scope.REVIEW:
            self.message = "This API key has read scope; writing needs a key with review scope."
            return False
        self.message = "Only editors can write through the API."
        return roles.user_can_review(user)
