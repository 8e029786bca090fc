"""Hostile JSON against every write endpoint and every cursor: never a 5xx, one error shape.

The write endpoints are read from the OpenAPI schema, so a new one is fuzzed without anyone
remembering to add it here; a test pins the list so that none can silently drop out.
"""

import base64
import json

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from annotations.api.parsers import MAX_JSON_DEPTH
from annotations.models import Article, Review, Speaker
from tests.annotations.api_support import bearer, make_key
from tests.factories import QuoteFactory, UserFactory


def _write_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    )


WRITE_OPERATIONS = _write_operations()

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "verified", "disputed", "https://example.org/e", "2025-03-01T09:00Z"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=24,
)
# Reproducible in CI; the examples reuse one database world per test.
FUZZ = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
FIELD_NAMES = [
    "title", "body", "url", "outlet", "byline", "published_at", "language", "status", "note",
    "evidence", "version", "name", "kind", "aliases", "organisation",
]  # fmt: skip


def nested(depth, leaf):
    """`leaf` wrapped in `depth` alternating lists and objects, as JSON text."""
    text = json.dumps(leaf)
    for level in range(depth):
        text = f"[{text}]" if level % 2 else f'{{"x": {text}}}'
    return text


bodies = st.one_of(
    # Objects with the endpoints' own field names, holding anything.
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=6).map(json.dumps),
    # Any JSON document at all.
    json_values.map(json.dumps),
    # A plausible field holding a value nested from harmless to far past the limit.
    st.tuples(
        st.sampled_from(FIELD_NAMES), st.integers(min_value=1, max_value=3000), json_scalars
    ).map(lambda t: f'{{"{t[0]}": {nested(t[1], t[2])}, "body": "x", "status": "verified"}}'),
    # Not JSON, or not UTF-8.
    st.binary(max_size=64),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "If-Match": st.text(max_size=20).map(
            lambda s: s.encode("latin-1", "replace").decode("latin-1")
        ),
        "Idempotency-Key": st.text(
            alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30
        ),
    },
)


def assert_error_shape(response, label):
    """Every refusal: JSON with a sentence in `detail`, a `code`, and field errors as lists."""
    assert response.status_code < 500, f"{label}: {response.status_code} {response.content[:300]}"
    assert response["Content-Type"].startswith("application/json"), label
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body["detail"], str) and body["detail"], label
        assert isinstance(body["code"], str) and body["code"], label
        for field, messages in body.get("errors", {}).items():
            assert isinstance(field, str) and messages, label
            assert all(isinstance(message, str) for message in messages), label


@pytest.fixture
def fuzz_world(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"newsdesk_api": "1000000/hour"},
    }
    editor = UserFactory(username="fuzz-editor", role="editor")
    quote = QuoteFactory()
    return {
        "key": make_key(editor, "review", name="fuzzer"),
        "ids": {
            "articles": quote.article_id,
            "quotes": quote.pk,
            "speakers": quote.speaker_id,
        },
    }


def _concrete(path, ids):
    resource = path.split("/")[3]
    return path.replace("{id}", str(ids[resource]))


def test_api_fuzz_covers_every_write_endpoint():
    assert WRITE_OPERATIONS == [
        ("PATCH", "/api/v1/articles/{id}/"),
        ("PATCH", "/api/v1/speakers/{id}/"),
        ("POST", "/api/v1/articles/"),
        ("POST", "/api/v1/quotes/{id}/review/"),
        ("POST", "/api/v1/speakers/"),
        ("PUT", "/api/v1/articles/{id}/"),
    ]


@pytest.mark.parametrize(("method", "path"), WRITE_OPERATIONS)
@hypothesis_settings(max_examples=50, **FUZZ)
@given(body=bodies, extra_headers=headers)
def test_api_fuzz_write_endpoints_never_fail_with_a_5xx(
    fuzz_world, method, path, body, extra_headers
):
    client = APIClient(raise_request_exception=False)
    response = client.generic(
        method,
        _concrete(path, fuzz_world["ids"]),
        body,
        content_type="application/json",
        headers={**bearer(fuzz_world["key"]), **extra_headers},
    )
    assert_error_shape(response, f"{method} {path} {body[:120]!r} {extra_headers}")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), WRITE_OPERATIONS)
def test_api_deeply_nested_json_is_a_400_in_the_error_shape(fuzz_world, method, path):
    """Issue 12, item 4: a thousand levels raised RecursionError in the parser (a 500)."""
    articles, reviews, speakers = (
        Article.objects.count(),
        Review.objects.count(),
        Speaker.objects.count(),
    )
    client = APIClient(raise_request_exception=False)
    for field in ("title", "note", "evidence", "aliases", "name"):
        body = f'{{"{field}": {nested(1000, "x")}, "body": "x", "status": "verified"}}'
        response = client.generic(
            method,
            _concrete(path, fuzz_world["ids"]),
            body,
            content_type="application/json",
            headers=bearer(fuzz_world["key"]),
        )
        assert_error_shape(response, f"{method} {path} {field}")
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert f"deeper than {MAX_JSON_DEPTH} levels" in response.json()["detail"]
    assert (Article.objects.count(), Review.objects.count(), Speaker.objects.count()) == (
        articles,
        reviews,
        speakers,
    )


@pytest.mark.django_db
def test_api_nesting_at_the_limit_is_an_ordinary_validation_error(fuzz_world):
    client = APIClient(raise_request_exception=False)
    response = client.post(
        reverse("api:article-list"),
        f'{{"title": {nested(MAX_JSON_DEPTH - 1, "x")}, "body": "x"}}',
        content_type="application/json",
        headers=bearer(fuzz_world["key"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"]["title"] == ["Not a valid string."]


# --- cursors are client input too ---

LIST_ENDPOINTS = ["articles", "quotes", "speakers", "reviews", "changes"]


def _cursor(raw):
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


cursor_payloads = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {}, optional={"k": st.lists(json_values, max_size=3), "o": json_values, "s": json_values}
    ).map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda depth: nested(depth, 1).encode()),
    st.binary(max_size=40),
)


@pytest.mark.parametrize("resource", LIST_ENDPOINTS)
@hypothesis_settings(max_examples=30, **FUZZ)
@given(payload=cursor_payloads, search=st.booleans())
def test_api_fuzz_cursors_never_fail_with_a_5xx(fuzz_world, resource, payload, search):
    client = APIClient(raise_request_exception=False)
    params = {"cursor": _cursor(payload)}
    if search and resource == "quotes":
        params["q"] = "taxes"  # ranked search pages by offset
    response = client.get(f"/api/v1/{resource}/", params, headers=bearer(fuzz_world["key"]))
    assert_error_shape(response, f"{resource} {payload[:80]!r}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "keyset",
    [
        ["\x00", 1],  # PostgreSQL refuses NUL in text: was a DataError (500)
        [{"a": 1}, 1],
        [[1], 1],
    ],
)
def test_api_list_cursor_with_impossible_keyset_values_is_a_400(fuzz_world, keyset):
    client = APIClient(raise_request_exception=False)
    response = client.get(
        "/api/v1/speakers/",
        {"cursor": _cursor(json.dumps({"k": keyset}).encode())},
        headers=bearer(fuzz_world["key"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["Invalid cursor."]}


@pytest.mark.django_db
def test_api_list_cursor_with_a_number_for_a_timestamp_is_a_400(fuzz_world):
    client = APIClient(raise_request_exception=False)
    response = client.get(
        "/api/v1/articles/",
        {"cursor": _cursor(json.dumps({"k": [5, 1]}).encode())},
        headers=bearer(fuzz_world["key"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["Invalid cursor."]}
