"""OpenAPI details: key authentication, the headers and error responses of every operation,
and the hand-written shapes (annotations/api/shapes.py)."""

from html import escape
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_class
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.views import SpectacularAPIView

from annotations.api import shapes
from annotations.api.serializers import DocumentedShape, ErrorSerializer

ERRORS = {
    "400": "Invalid input; `errors` maps each field to its messages.",
    "401": "No or invalid credentials (unknown or revoked key, no session).",
    "403": "Authenticated, but the role or key scope does not allow this.",
    "404": "No such object (or no fact-check markup for an unreviewed quote).",
    "415": "The body is not JSON: send `Content-Type: application/json`.",
    "429": "Too many requests for this client; see Retry-After and `retry_after`.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH")


def header(name: str, description: str, **kwargs: Any) -> OpenApiParameter:
    return OpenApiParameter(
        name, kwargs.pop("type", OpenApiTypes.STR), OpenApiParameter.HEADER, **kwargs,
        description=description,
    )  # fmt: skip


# Headers every operation may answer with, or every GET reads and answers with.
WWW_AUTHENTICATE = header(
    "WWW-Authenticate", 'Bearer realm="newsdesk-api": how to authenticate.', response=[401]
)
RETRY_AFTER = header(
    "Retry-After", "Seconds until a request may be sent again.", type=OpenApiTypes.INT,
    response=[429], required=True,
)  # fmt: skip
IF_NONE_MATCH = header(
    "If-None-Match",
    "The ETag of the representation you have; 304 Not Modified while it is still current.",
)
ETAG = header(
    "ETag",
    "Strong validator of this representation (a quote's also works as If-Match when reviewing it).",
    response=[200, 304],
    required=True,
)
VARY = header("Vary", "Accept, Authorization, Cookie", response=[200, 304], required=True)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "annotations.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "nd_…",
            "description": "An API key created by an admin for a named owner (a user): "
            "`Authorization: Bearer <key>` (`Token <key>` is accepted too). The key acts as "
            "its owner narrowed by its scope: `read` keys only read; `review` keys also write "
            "(articles, speakers, decisions), and only while the owner is an editor.",
        }


class DocumentedShapeExtension(OpenApiSerializerExtension):
    """Serializers whose schema is written by hand (shapes.py), registered with its parts."""

    target_class = "annotations.api.serializers.DocumentedShape"
    match_subclasses = True

    def get_name(self, auto_schema: AutoSchema, direction: Any) -> str:
        shaped: type[DocumentedShape] = get_class(self.target)
        return shaped.shape

    def map_serializer(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        name = self.get_name(auto_schema, direction)
        for part, schema in shapes.parts(name).items():
            auto_schema.registry.register_on_missing(
                ResolvedComponent(
                    name=part, type=ResolvedComponent.SCHEMA, object=part, schema=schema
                )
            )
        return shapes.COMPONENTS[name]


class NewsdeskAutoSchema(AutoSchema):
    """Adds the headers and error responses every operation can give, in the one error shape."""

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = [*super().get_override_parameters(), WWW_AUTHENTICATE]
        parameters.append(RETRY_AFTER)
        if self.method == "GET":
            parameters += [IF_NONE_MATCH, ETAG, VARY]
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method in WRITE_METHODS:
            codes.append("415")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = ERRORS[code]
        if self.method == "GET":
            responses.setdefault(
                "304",
                {
                    "description": "Not modified: the ETag in If-None-Match still matches.",
                    "headers": self._get_response_headers_for_code("304"),
                },
            )
        return responses


class SchemaPageRenderer(OpenApiYamlRenderer):
    """The schema as a page a browser shows (the YAML in <pre>) instead of downloading it.

    Chosen only when the client asks for text/html, as browsers do; tools that ask for anything
    (`*/*`) or for the OpenAPI media types still get the YAML or JSON document.
    """

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(
        self, data: Any, media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        document = super().render(data, media_type, renderer_context).decode("utf-8")
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Newsdesk API schema (OpenAPI)</title></head><body>"
            '<p><a href="/api/docs/">Interactive documentation</a> · '
            '<a href="?format=json">JSON</a> · <a href="?format=yaml">YAML download</a></p>'
            f"<pre>{escape(document)}</pre></body></html>"
        )
        return page.encode("utf-8")


class SchemaView(SpectacularAPIView):
    renderer_classes = [*SpectacularAPIView.renderer_classes, SchemaPageRenderer]
