"""OpenAPI details: the key authentication scheme and the error responses of every operation."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from annotations.api.serializers import ErrorSerializer

ERRORS = {
    "400": "Invalid input; `errors` maps each field to its messages.",
    "401": "No or invalid credentials (unknown or revoked key, no session).",
    "403": "Authenticated, but the role or key scope does not allow this.",
    "404": "No such object (or no fact-check markup for an unreviewed quote).",
    "429": "Too many requests for this client; see Retry-After and `retry_after`.",
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "annotations.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "nd_…",
            "description": "An API key created by an admin: `Authorization: Bearer <key>` "
            "(`Token <key>` is accepted too). Read-scope keys can only read.",
        }


class NewsdeskAutoSchema(AutoSchema):
    """Adds the error responses every operation can give, in the one error shape."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = ERRORS[code]
        if self.method == "GET":
            responses.setdefault(
                "304", {"description": "Not modified: the ETag in If-None-Match still matches."}
            )
        return responses
