# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
"""The OpenAPI schema, the docs page, throttling, and a schemathesis run against the live API."""

import json
import re
import time

import pytest
import schemathesis
from django.core.cache import cache
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from rest_framework.utils.encoders import JSONEncoder

from annotations.api.shapes import CHANGE_EVENT_TYPES
from annotations.api.throttling import ClientRateThrottle
from annotations.models import ApiClient
from annotations.services.api_clients import api_client_for_key
from tests.annotations.api_support import api, bearer, make_key, read_key  # noqa: F401
from tests.factories import QuoteFactory, UserFactory


@pytest.mark.django_db
def test_api_schema_documents_auth_and_errors(api):
    response = api.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    review = schema["paths"]["/api/v1/quotes/{id}/review/"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "412", "428", "429"} <= set(
        review["responses"]
    )
    create = schema["paths"]["/api/v1/articles/"]["post"]
    assert {"200", "201", "422"} <= set(create["responses"])
    quote = schema["components"]["schemas"]["QuoteOutput"]
    assert {"id", "text", "status", "version", "speaker", "article"} <= set(quote["properties"])


def _schema():
    return json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=JSONEncoder)
    )


def _operations(schema):
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.django_db
def test_api_schema_request_bodies_are_json_only():
    bodies = {
        (method, path): sorted(operation["requestBody"]["content"])
        for method, path, operation in _operations(_schema())
        if "requestBody" in operation
    }
    assert len(bodies) == 6
    assert set(map(tuple, bodies.values())) == {("application/json",)}


@pytest.mark.django_db
def test_api_schema_operation_ids_are_resource_then_action():
    ids = [operation["operationId"] for _m, _p, operation in _operations(_schema())]
    assert len(ids) == len(set(ids))
    pattern = re.compile(
        r"(articles|quotes|families|speakers|reviews|changes|ping)(_[a-z]+)*_"
        r"(list|create|retrieve|update|partial_update)"
    )
    assert [i for i in ids if not pattern.fullmatch(i)] == []
    assert {"articles_list", "quotes_review_create", "changes_list"} <= set(ids)


@pytest.mark.django_db
def test_api_schema_declares_the_headers_the_api_reads_and_writes():
    schema = _schema()
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        assert "WWW-Authenticate" in responses["401"]["headers"], path
        assert responses["429"]["headers"]["Retry-After"]["required"] is True, path
        if method == "GET":
            params = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            assert ("header", "If-None-Match") in params, path
            for code in ("200", "304"):
                assert responses[code]["headers"]["ETag"]["required"] is True, (path, code)
    review = schema["paths"]["/api/v1/quotes/{id}/review/"]["post"]
    assert ("header", "If-Match") in {(p["in"], p["name"]) for p in review["parameters"]}
    for code in ("201", "409", "412"):
        assert "ETag" in review["responses"][code]["headers"], code
    create = schema["paths"]["/api/v1/articles/"]["post"]
    assert ("header", "Idempotency-Key") in {(p["in"], p["name"]) for p in create["parameters"]}
    for code in ("200", "201"):
        assert {"Location", "Idempotent-Replayed"} <= set(create["responses"][code]["headers"])


@pytest.mark.django_db
def test_api_schema_types_what_was_free_form():
    schemas = _schema()["components"]["schemas"]
    current = schemas["ConflictError"]["properties"]["current"]
    assert current["allOf"] == [{"$ref": "#/components/schemas/QuoteOutput"}]
    assert "current" in schemas["ConflictError"]["required"]
    # The change feed: `type` an enum per variant, `data` chosen by it.
    events = schemas["ChangeFeed"]["properties"]["events"]["items"]
    assert events == {"$ref": "#/components/schemas/ChangeEvent"}
    event = schemas["ChangeEvent"]
    assert event["discriminator"]["propertyName"] == "type"
    assert sorted(event["discriminator"]["mapping"]) == sorted(CHANGE_EVENT_TYPES)
    assert len(CHANGE_EVENT_TYPES) == 11
    assert schemas["FamilyChangeEventType"]["enum"] == [
        "family.conflict",
        "family.wording_differs",
        "family.speakers_differ",
    ]
    assert schemas["FamilyChangeEvent"]["properties"]["data"] == {
        "$ref": "#/components/schemas/FamilyEventData"
    }
    assert "conflict" in schemas["FamilyEventData"]["required"]
    quote_event = schemas["QuoteStatusChangedEvent"]["properties"]
    assert quote_event["data"] == {"$ref": "#/components/schemas/QuoteStatusChangedEventData"}
    assert schemas["QuoteStatusChangedEventType"]["enum"] == ["quote.status_changed"]
    assert "previous_status" in schemas["QuoteStatusChangedEventData"]["required"]
    # JSON-LD documents are real schemas, not free-form objects.
    assert "claimReviewed" in schemas["ClaimReview"]["required"]
    assert "target" in schemas["WebAnnotation"]["required"]
    # Nullable references in the form OpenAPI 3.1 validators and generators agree on.
    assert schemas["QuoteOutput"]["properties"]["speaker"] == {
        "oneOf": [{"$ref": "#/components/schemas/SpeakerSummary"}, {"type": "null"}]
    }


@pytest.mark.django_db
def test_api_schema_reviews_quote_filter_is_an_integer(api, read_key):
    review_list = _schema()["paths"]["/api/v1/reviews/"]["get"]
    (quote,) = [p for p in review_list["parameters"] if p["name"] == "quote"]
    assert quote["schema"] == {"type": "integer"}
    response = api.get(reverse("api:review-list"), {"quote": "25.5"}, headers=bearer(read_key))
    assert response.status_code == 400
    assert "quote" in response.json()["errors"]


@pytest.mark.django_db
def test_api_schema_passes_the_openapi_validator():
    from openapi_spec_validator import validate

    schema = _schema()
    assert schema["openapi"] == "3.1.0"
    validate(schema)


@pytest.mark.django_db
def test_api_docs_page_uses_local_swagger_assets(api):
    response = api.get(reverse("api:docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def _reset_throttle(key):
    client = api_client_for_key(key=key)
    throttle = ClientRateThrottle()
    base = throttle.cache_format % {"scope": throttle.scope, "ident": f"client:{client.pk}"}
    window = int(time.time() // throttle.duration)
    cache.delete_many([f"{base}:{window + offset}" for offset in (0, 1)])


@pytest.mark.django_db
def test_api_throttle_returns_429_with_clear_body(api, read_key, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"newsdesk_api": "3/hour"},
    }
    _reset_throttle(read_key)
    statuses = [
        api.get(reverse("api:ping"), headers=bearer(read_key)).status_code for _ in range(3)
    ]
    response = api.get(reverse("api:ping"), headers=bearer(read_key))
    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert "throttled" in body["detail"]
    assert body["retry_after"] >= 1
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.django_db
def test_api_throttle_is_per_client(api, read_key, reporter, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"newsdesk_api": "2/hour"},
    }
    other_key = make_key(reporter, name="second CMS")
    for key in (read_key, other_key):
        _reset_throttle(key)
    for _ in range(3):
        api.get(reverse("api:ping"), headers=bearer(read_key))
    assert api.get(reverse("api:ping"), headers=bearer(other_key)).status_code == 200


# --- schemathesis against the live schema, through the WSGI app ---


def _load_schema():
    from django.core.wsgi import get_wsgi_application

    # The schema is OpenAPI 3.1 (nullable references are `oneOf [..., {type: null}]`), which
    # schemathesis 3.x supports behind this switch.
    schemathesis.experimental.OPEN_API_3_1.enable()
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator().get_schema(request=None, public=True)
    # Round-trip through JSON so that lazy strings and enums become plain data.
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return schemathesis.from_dict(
        json.loads(json.dumps(raw, cls=JSONEncoder)), app=get_wsgi_application()
    )


schema = _load_schema()


@pytest.fixture
def wsgi_keeps_test_connection():
    """Like Django's test Client: the WSGI handler must not close the test's DB connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schemathesis_key(db, settings, wsgi_keeps_test_connection):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"newsdesk_api": "100000/hour"},
    }
    editor = UserFactory(username="fuzz-editor", role="editor")
    QuoteFactory()
    return make_key(editor, ApiClient.Scope.REVIEW, name="fuzzer")


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, schemathesis_key):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {schemathesis_key}"}
    case.call_and_validate()


@pytest.mark.django_db
def test_api_client_csrf_session_get_needs_no_token(reporter):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reporter)
    assert client.get(reverse("api:ping")).status_code == 200


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.django_db
def test_api_schema_opened_in_a_browser_is_shown_not_downloaded(api):
    page = api.get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert page.status_code == 200
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert not page.get("Content-Disposition", "").startswith("attachment")
    text = page.content.decode()
    assert "<pre>openapi: 3.1" in text and "&lt;" not in text.split("<pre>")[0]
    # Tools that ask for anything still get the document itself.
    tool = api.get("/api/schema/", HTTP_ACCEPT="*/*")
    assert tool["Content-Type"].startswith("application/vnd.oai.openapi")
    assert tool.content.startswith(b"openapi: 3.1")
    assert api.get("/api/schema/?format=json").json()["openapi"].startswith("3.1")
