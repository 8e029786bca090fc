"""Input limits: each one refuses with a clear message, writes nothing and is never a 500."""

import json

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations.models import Article, Quote, Review
from annotations.services.reviews import quote_review_submit
from tests.security.support import (
    REVIEW,
    api_key,
    key_client,
    logged_in,
)

NOTE_LIMIT = django_settings.NEWSDESK_MAX_NOTE_CHARS
ARTICLE_LIMIT = django_settings.NEWSDESK_MAX_ARTICLE_CHARS
QUERY_LIMIT = django_settings.NEWSDESK_MAX_QUERY_CHARS


@pytest.fixture
def editor_api(editor):
    return key_client(api_key(editor, REVIEW))


def _article_payload(**changes):
    return {"title": "Limits", "body": "“Words,” she said.", **changes}


# --- article size ---


@pytest.mark.django_db
def test_limits_api_refuses_an_article_body_over_the_limit(editor_api):
    response = editor_api.post(
        "/api/v1/articles/", _article_payload(body="x" * (ARTICLE_LIMIT + 1)), format="json"
    )
    assert response.status_code == 400
    assert f"{ARTICLE_LIMIT}" in json.dumps(response.json()["errors"]["body"]).replace(",", "")
    assert not Article.objects.filter(title="Limits").exists()


@pytest.mark.django_db
def test_limits_api_accepts_an_article_body_at_the_limit(editor_api):
    response = editor_api.post(
        "/api/v1/articles/", _article_payload(body="x" * ARTICLE_LIMIT), format="json"
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_limits_service_refuses_an_article_body_over_a_lowered_limit(settings, editor):
    # The model validator reads the setting at call time, so every entry point (admin, CLI,
    # pipeline) is covered, not only the serializer.
    from annotations.services.articles import article_create

    settings.NEWSDESK_MAX_ARTICLE_CHARS = 10
    with pytest.raises(ValidationError, match="the limit is 10"):
        article_create(title="t", body="x" * 11, created_by=editor)
    assert not Article.objects.filter(title="t").exists()


# --- note length: form, API and service ---


@pytest.mark.django_db
def test_limits_review_form_refuses_a_note_over_the_limit(editor, quote):
    client = logged_in(editor)
    response = client.post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {
            "action": "disputed",
            "dispute_reason": "wrong_words",
            "version": quote.version,
            "note": "n" * (NOTE_LIMIT + 1),
        },
        headers={"HX-Request": "true"},
    )
    quote.refresh_from_db()
    assert response.status_code == 422
    assert f"at most {NOTE_LIMIT} characters" in response.content.decode()
    assert quote.status == Quote.Status.CANDIDATE
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_api_review_refuses_a_note_over_the_limit(editor_api, quote):
    response = editor_api.post(
        f"/api/v1/quotes/{quote.pk}/review/",
        {
            "status": "disputed",
            "dispute_reason": "wrong_words",
            "version": quote.version,
            "note": "n" * (NOTE_LIMIT + 1),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_review_service_refuses_a_note_over_the_limit(editor, quote):
    with pytest.raises(ValidationError) as caught:
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status=Quote.Status.DISPUTED,
            dispute_reason="wrong_words",
            expected_version=quote.version,
            note="n" * (NOTE_LIMIT + 1),
        )
    quote.refresh_from_db()
    assert "note" in caught.value.message_dict
    assert quote.status == Quote.Status.CANDIDATE
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_review_service_refuses_too_many_evidence_links(editor, quote):
    links = [f"https://example.org/{n}" for n in range(21)]
    with pytest.raises(ValidationError) as caught:
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status=Quote.Status.VERIFIED,
            expected_version=quote.version,
            evidence=links,
        )
    assert "evidence" in caught.value.message_dict
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_review_form_refuses_javascript_evidence(editor, quote):
    client = logged_in(editor)
    response = client.post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {"action": "verified", "version": quote.version, "evidence": "javascript:alert(1)"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Only http:// and https:// links are accepted." in response.content.decode()
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_api_review_refuses_javascript_evidence(editor_api, quote):
    response = editor_api.post(
        f"/api/v1/quotes/{quote.pk}/review/",
        {"status": "verified", "version": quote.version, "evidence": ["javascript:alert(1)"]},
        format="json",
    )
    assert response.status_code == 400
    assert "evidence" in response.json()["errors"]
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_review_service_refuses_javascript_evidence(editor, quote):
    with pytest.raises(ValidationError):
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status=Quote.Status.VERIFIED,
            expected_version=quote.version,
            evidence=["javascript:alert(1)//https://x"],
        )
    assert not Review.objects.filter(quote=quote).exists()


# --- query length and page sizes ---


@pytest.mark.django_db
def test_limits_search_page_refuses_a_query_over_the_limit(reporter):
    response = logged_in(reporter).get(
        reverse("annotations:search"), {"q": "a" * (QUERY_LIMIT + 1)}
    )
    assert response.status_code == 400
    assert f"{QUERY_LIMIT}" in response.content.decode()


@pytest.mark.django_db
def test_limits_api_search_refuses_a_query_over_the_limit(reporter):
    client = key_client(api_key(reporter, "read"))
    response = client.get("/api/v1/quotes/", {"q": "a" * (QUERY_LIMIT + 1)})
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", ["0", "201", "-1", "²", "9" * 5000, "abc"])
def test_limits_api_page_size_out_of_range_is_a_400(reporter, page_size):
    client = key_client(api_key(reporter, "read"))
    response = client.get("/api/v1/quotes/", {"page_size": page_size})
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"] == ["Must be a whole number from 1 to 200."]


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["0", "1001", "²", "9" * 5000])
def test_limits_api_change_feed_limit_out_of_range_is_a_400(reporter, limit):
    client = key_client(api_key(reporter, "read"))
    response = client.get("/api/v1/changes/", {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["²", "9" * 5000, "0", "501"])
def test_limits_search_page_number_out_of_range_falls_back_to_page_one(reporter, page):
    response = logged_in(reporter).get(reverse("annotations:search"), {"q": "taxes", "page": page})
    assert response.status_code == 200
    assert "Pages run from 1 to 500" in response.content.decode()


# --- request size ---


@pytest.mark.django_db
def test_limits_api_request_over_the_upload_limit_is_a_json_413(settings, editor_api):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = editor_api.post(
        "/api/v1/articles/", _article_payload(body="x" * 20_000), format="json"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "10000 bytes" in response.json()["detail"].replace(",", "")
    assert not Article.objects.filter(title="Limits").exists()


@pytest.mark.django_db
def test_limits_html_post_over_the_upload_limit_is_a_clear_page(settings, editor, quote):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = logged_in(editor).post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {"action": "verified", "version": quote.version, "note": "n" * 20_000},
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_html_post_with_too_many_fields_is_a_clear_page(editor, quote):
    fields = {f"f{n}": "1" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = logged_in(editor).post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {"action": "verified", "version": quote.version, **fields},
    )
    assert response.status_code == 400
    assert "too many fields" in response.content.decode()
    assert not Review.objects.filter(quote=quote).exists()


# --- text the database cannot store ---


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "body", "outlet"])
def test_limits_api_refuses_lone_surrogates_in_article_text(editor_api, field):
    raw = json.dumps(_article_payload(**{field: "bad \ud800 text"}))
    response = editor_api.post("/api/v1/articles/", raw, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Article.objects.filter(title="Limits").exists()


@pytest.mark.django_db
def test_limits_api_refuses_lone_surrogates_in_a_review_note(editor_api, quote):
    raw = json.dumps(
        {
            "status": "disputed",
            "dispute_reason": "wrong_words",
            "version": quote.version,
            "note": "bad \udfff",
        }
    )
    response = editor_api.post(
        f"/api/v1/quotes/{quote.pk}/review/", raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_limits_api_refuses_lone_surrogates_in_a_speaker_name(editor_api):
    raw = json.dumps({"name": "Ana \ud800", "aliases": ["x \udc00"]})
    response = editor_api.post("/api/v1/speakers/", raw, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


@pytest.mark.django_db
def test_limits_api_refuses_nul_in_a_review_note(editor_api, quote):
    response = editor_api.post(
        f"/api/v1/quotes/{quote.pk}/review/",
        {
            "status": "disputed",
            "dispute_reason": "wrong_words",
            "version": quote.version,
            "note": "bad \x00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert not Review.objects.filter(quote=quote).exists()
