r"""Text that does not decode is refused with a clear message, never stored with U+FFFD in it
(issue 12, item 9): a note sent as `bad%ED%A0%80note` was stored as "bad\ufffd\ufffd\ufffdnote"."""

import pytest
from django.urls import reverse

from annotations.models import Article, Quote, Review, Speaker
from tests.security.support import REVIEW, api_key, key_client, logged_in

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "newsdesk-boundary"


def _review_body(quote, note):
    return f"action=disputed&dispute_reason=wrong_words&version={quote.version}&note={note}"


def _multipart(fields):
    parts = [
        b"--" + BOUNDARY.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


def _post_review(client, quote, body, content_type=URLENCODED, **extra):
    return client.post(
        reverse("annotations:quote_review", args=[quote.pk]),
        body,
        content_type=content_type,
        **extra,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_encoding_review_note_with_invalid_utf8_is_refused_and_nothing_stored(editor, quote, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = _post_review(
        logged_in(editor), quote, _review_body(quote, "bad%ED%A0%80note"), headers=headers
    )
    quote.refresh_from_db()
    assert response.status_code == 400
    assert "“note” is not valid UTF-8 text" in response.content.decode()
    assert not Review.objects.filter(quote=quote).exists()
    assert quote.status == Quote.Status.CANDIDATE


@pytest.mark.django_db
def test_encoding_review_note_with_invalid_utf8_in_multipart_is_refused(editor, quote):
    body = _multipart(
        {
            "action": b"disputed",
            "dispute_reason": b"wrong_words",
            "version": str(quote.version).encode(),
            "note": b"bad\xed\xa0\x80",
        }
    )
    response = _post_review(
        logged_in(editor), quote, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 400
    assert "“note” is not valid UTF-8 text" in response.content.decode()
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_encoding_a_replacement_character_the_client_sent_is_stored_as_sent(editor, quote):
    response = _post_review(logged_in(editor), quote, _review_body(quote, "bad%EF%BF%BDnote"))
    assert response.status_code == 302
    assert Review.objects.get(quote=quote).note == "bad\ufffdnote"


@pytest.mark.django_db
def test_encoding_a_replacement_character_sent_in_multipart_is_stored_as_sent(editor, quote):
    body = _multipart(
        {
            "action": b"disputed",
            "dispute_reason": b"wrong_words",
            "version": str(quote.version).encode(),
            "note": "bad\ufffdnote".encode(),
        }
    )
    response = _post_review(
        logged_in(editor), quote, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 302
    assert Review.objects.get(quote=quote).note == "bad\ufffdnote"


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["%FF", "%ED%A0%80", "%C0%AF", "x%E2%82"])
def test_encoding_search_query_that_does_not_decode_is_a_400(reporter, raw):
    response = logged_in(reporter).get(f"/search/?sort=date&q=war{raw}")
    assert response.status_code == 400
    assert "parameter “q” is not valid UTF-8 text" in response.content.decode()


@pytest.mark.django_db
def test_encoding_api_query_and_form_body_that_do_not_decode_are_json_400s(editor, quote):
    api = key_client(api_key(editor, REVIEW))
    query = api.get("/api/v1/quotes/?speaker=%FF")
    form = api.post(
        f"/api/v1/quotes/{quote.pk}/review/",
        f"status=disputed&dispute_reason=wrong_words&version={quote.version}&note=bad%ED%A0%80note",
        content_type=URLENCODED,
    )
    assert query.status_code == 400
    assert query.json()["code"] == "invalid_encoding"
    assert form.status_code == 400
    assert "note" in form.json()["detail"]
    assert not Review.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_encoding_admin_form_that_does_not_decode_is_refused(admin_user):
    client = logged_in(admin_user)
    body = (
        "name=Ana%FFReyes&kind=person&title=&organisation="
        "&aliases-TOTAL_FORMS=0&aliases-INITIAL_FORMS=0"
    )
    response = client.post("/admin/annotations/speaker/add/", body, content_type=URLENCODED)
    assert response.status_code == 400
    assert "“name” is not valid UTF-8 text" in response.content.decode()
    assert not Speaker.objects.exists()
    assert not Article.objects.exists()
