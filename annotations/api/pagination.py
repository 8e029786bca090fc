"""Cursor pagination: keyset on a stable, indexed ordering; offsets only for ranked search."""

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, Q, QuerySet
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from annotations.api.parsers import json_loads_bounded

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def cursor_encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def cursor_decode(cursor: str, *, param: str = "cursor") -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        # Bounded: a cursor is client input too, and `[[[…]]]` in base64 would recurse.
        payload = json_loads_bounded(raw)
    except (binascii.Error, ValueError):
        raise serializers.ValidationError({param: ["Invalid cursor."]}) from None
    if not isinstance(payload, dict):
        raise serializers.ValidationError({param: ["Invalid cursor."]})
    return payload


def page_size_from_request(request: Request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    # isascii and the length cap: int() refuses "²" (a digit to str.isdigit) and 5,000 digits.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise serializers.ValidationError(
            {"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
        )
    return int(raw)


def _field(row: Any, name: str) -> Any:
    # Rows are model instances, or dicts when a hot list reads .values().
    return row[name] if isinstance(row, dict) else getattr(row, name)


def keyset_filter(model: type[Model], ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `ordering`."""
    if len(values) != len(ordering):
        raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
    parsed = []
    for spec, value in zip(ordering, values, strict=True):
        field = model._meta.get_field(spec.lstrip("-"))
        if not isinstance(field, Field):  # a relation's reverse side: never a keyset column
            raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
        # We only ever write scalars; PostgreSQL refuses NUL in text (a DataError, a 500).
        if not isinstance(value, str | int | float) or (isinstance(value, str) and "\x00" in value):
            raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
        try:
            parsed.append(field.to_python(value))
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            # to_python raises TypeError for a number where a date-time belongs.
            raise serializers.ValidationError({"cursor": ["Invalid cursor."]}) from None
    condition = Q()
    for index, spec in enumerate(ordering):
        name = spec.lstrip("-")
        op = "lt" if spec.startswith("-") else "gt"
        branch = Q(**{f"{name}__{op}": parsed[index]})
        for prior_spec, prior in zip(ordering[:index], parsed[:index], strict=True):
            branch &= Q(**{prior_spec.lstrip("-"): prior})
        condition |= branch
    return condition


class KeysetCursorPagination(BasePagination):
    """Forward-only cursor pages over `view.keyset_ordering`.

    A view returning None from get_keyset_ordering() (ranked search) pages by offset inside the
    same opaque cursor.
    """

    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    next_payload: dict[str, Any]

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.page_size = page_size_from_request(request)
        ordering = view.get_keyset_ordering() if view is not None else ("-id",)
        raw = request.query_params.get(self.cursor_query_param)
        payload = cursor_decode(raw) if raw else {}
        if ordering is None:
            offset = payload.get("o", 0)
            if not isinstance(offset, int) or offset < 0:
                raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
            rows = list(queryset[offset : offset + self.page_size + 1])
            self.next_payload = {"o": offset + self.page_size}
        else:
            queryset = queryset.order_by(*ordering)
            if payload:
                values = payload.get("k")
                if not isinstance(values, list):
                    raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
                queryset = queryset.filter(keyset_filter(queryset.model, ordering, values))
            rows = list(queryset[: self.page_size + 1])
            last = rows[self.page_size - 1] if len(rows) > self.page_size else None
            # A view reading .values() may hold a field under another key (as ISO text, say).
            row_keys = getattr(view, "keyset_row_keys", {})
            names = [spec.lstrip("-") for spec in ordering]
            self.next_payload = (
                {"k": [_field(last, row_keys.get(name, name)) for name in names]} if last else {}
            )
        self.has_next = len(rows) > self.page_size
        return rows[: self.page_size]

    def get_next_cursor(self) -> str | None:
        return cursor_encode(self.next_payload) if self.has_next else None

    def get_paginated_response(self, data: Any) -> Response:
        cursor = self.get_next_cursor()
        next_url = (
            replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)
            if cursor
            else None
        )
        return Response({"next": next_url, "next_cursor": cursor, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "next_cursor", "results"],
            "properties": {
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "URL of the next page; null on the last page.",
                },
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "Opaque cursor of the next page; null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's next_cursor.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {MAX_PAGE_SIZE} (default "
                f"{DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
