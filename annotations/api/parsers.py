"""Request bodies of the API: JSON only, nested no deeper than any real request needs.

Python's JSON decoder recurses once per level, so `[[[[…]]]]` a thousand levels deep raised
RecursionError (a 500) in the parser, and a few hundred levels would have reached the
serializers, the idempotency fingerprint and the error formatter before that. Our deepest real
body is two levels (an object holding the evidence list); anything past MAX_JSON_DEPTH is
refused as a parse error (400) before any of our code walks it.
"""

import json
from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 16
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels is not accepted."


class JSONTooDeep(ValueError):
    pass


def json_depth(value: Any) -> int:
    """Nesting depth of decoded JSON (a scalar is 0), walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children)
    return deepest


def json_check_depth(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    if json_depth(value) > max_depth:
        raise JSONTooDeep(TOO_DEEP)
    return value


def json_loads_bounded(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads for client data: JSONTooDeep (a ValueError) instead of RecursionError."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JSONTooDeep(TOO_DEEP) from None
    return json_check_depth(value, max_depth=max_depth)


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser (strict: no NaN or Infinity) with the nesting limit."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            return json_check_depth(data)
        except (RecursionError, JSONTooDeep):
            raise ParseError(TOO_DEEP) from None
