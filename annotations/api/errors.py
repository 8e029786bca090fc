"""One error shape for the whole API: {"detail": str, "code": str, "errors": {field: [str]}}."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.errors import DomainError, PermissionDeniedError


class ApiErrorWithBody(exceptions.APIException):
    """An error whose body carries more than detail and code (say, the resource as it is now)."""

    def __init__(
        self,
        detail: Any = None,
        code: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, code)
        self.extra = extra
        self.headers = headers or {}


class PreconditionFailed(ApiErrorWithBody):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since the version given in If-Match."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "This request needs a precondition (If-Match header or version field)."
    default_code = "precondition_required"


class Conflict(ApiErrorWithBody):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class UnprocessableEntity(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {msg}" for key, inner in value.items() for msg in _flatten(inner)]
    if isinstance(value, list | tuple):
        return [msg for item in value for msg in _flatten(item)]
    return [str(value)]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def django_validation_error_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    elif isinstance(exc, PermissionDeniedError):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"non_field_errors": [exc.message]}, code=exc.code)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(str(exc))
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        exc = exceptions.UnsupportedMediaType(
            "",
            detail=f"{exc.detail} The API accepts JSON bodies only: send "
            "Content-Type: application/json.",
        )
    elif isinstance(exc, SuspiciousOperation):
        # Too many form fields and the like: the client's fault, said in the API's shape
        # rather than Django's bare HTML 400 page.
        exc = exceptions.ParseError(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    body: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        first = next(iter(errors.items()))
        summary = first[1][0] if first[0] == "non_field_errors" else f"{first[0]}: {first[1][0]}"
        body = {"detail": f"Invalid input. {summary}", "code": "invalid", "errors": errors}
    else:
        detail = exc.detail
        text = str(detail if not isinstance(detail, dict | list) else _flatten(detail)[0])
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        body = {"detail": text, "code": str(code)}
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        body["retry_after"] = int(wait) + (0 if float(wait).is_integer() else 1)
    if isinstance(exc, ApiErrorWithBody):
        body.update(exc.extra or {})
        for name, value in exc.headers.items():
            response[name] = value
    response.data = body
    return response
