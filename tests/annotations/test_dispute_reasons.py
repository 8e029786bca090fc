# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from annotations.models import Quote, Review
from annotations.services import quotes as quote_services
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import api, bearer, review_key  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def review_url(quote):
    return reverse("annotations:quote_review", args=[quote.pk])


def test_quote_review_submit_dispute_stores_its_reason(quote, editor):
    review = quote_review_submit(
        quote=quote,
        user=editor,
        to_status="disputed",
        expected_version=1,
        note="He said fees.",
        dispute_reason="wrong_words",
    )

    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.status, fresh.dispute_reason, review.dispute_reason) == (
        "disputed",
        "wrong_words",
        "wrong_words",
    )


@pytest.mark.parametrize(
    ("to_status", "reason", "message"),
    [
        ("disputed", "", "A dispute needs a reason"),
        ("disputed", "made_up", "Unknown reason"),
        ("verified", "never_said", "Only a dispute takes a reason"),
        ("not_a_quote", "wrong_speaker", "Only a dispute takes a reason"),
    ],
)
def test_quote_review_submit_refuses_a_reason_that_does_not_fit(
    quote, editor, to_status, reason, message
):
    with pytest.raises(ValidationError, match=message):
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status=to_status,
            expected_version=1,
            note="A note.",
            dispute_reason=reason,
        )

    assert Quote.objects.get(pk=quote.pk).version == 1
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("status", "reason"), [("disputed", ""), ("verified", "wrong_words"), ("disputed", "other")]
)
def test_quote_dispute_reason_constraint_holds_in_the_database(quote, status, reason):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(status=status, dispute_reason=reason)


def test_review_dispute_reason_constraint_holds_for_new_rows(quote, editor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            quote=quote,
            reviewer=editor,
            from_status="candidate",
            to_status="disputed",
            note="x",
            quote_version=2,
        )


def test_quote_undo_back_to_a_dispute_restores_its_reason(quote, editor):
    quote_review_submit(
        quote=quote,
        user=editor,
        to_status="disputed",
        expected_version=1,
        note="Out of context.",
        dispute_reason="out_of_context",
    )
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=2)

    quote_services.quote_undo_last_decision(quote=quote, user=editor, expected_version=3)

    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.status, fresh.dispute_reason) == ("disputed", "out_of_context")


def test_quote_review_form_dispute_shows_reason_note_and_evidence_on_the_card(editor_client, quote):
    response = editor_client.post(
        review_url(quote),
        {
            "action": "disputed",
            "dispute_reason": "never_said",
            "version": 1,
            "note": "No record of it.",
            "evidence": "https://example.org/transcript",
        },
        headers=HTMX,
    )
    row = editor_client.get(reverse("annotations:quote_row", args=[quote.pk]), headers=HTMX)

    for html in (response.content.decode(), row.content.decode()):
        assert 'data-dispute-reason="never_said"><strong>Reason:</strong> Never said' in html
        assert "No record of it." in html
        assert 'href="https://example.org/transcript"' in html


def test_quote_review_form_dispute_without_reason_is_refused_inline(editor_client, quote):
    response = editor_client.post(
        review_url(quote), {"action": "disputed", "version": 1, "note": "Wrong."}, headers=HTMX
    )

    assert response.status_code == 422
    assert "A dispute needs a reason" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


def test_quote_review_form_verify_with_reason_is_refused(editor_client, quote):
    response = editor_client.post(
        review_url(quote),
        {"action": "verified", "version": 1, "dispute_reason": "wrong_words"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "Only a dispute takes a reason" in response.content.decode()


def test_api_review_dispute_reason_round_trip(api, review_key, quote):
    response = api.post(
        reverse("api:quote-review", kwargs={"pk": quote.pk}),
        {"status": "disputed", "dispute_reason": "wrong_speaker", "note": "Not her.", "version": 1},
        format="json",
        headers=bearer(review_key),
    )

    assert response.status_code == 201
    body = response.json()
    assert body["quote"]["dispute_reason"] == "wrong_speaker"
    assert body["review"]["dispute_reason"] == "wrong_speaker"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "disputed", "note": "x"}, "dispute_reason"),
        ({"status": "disputed", "note": "x", "dispute_reason": "nope"}, "dispute_reason"),
        ({"status": "verified", "dispute_reason": "never_said"}, "dispute_reason"),
    ],
)
def test_api_review_refuses_a_reason_that_does_not_fit(api, review_key, quote, payload, field):
    response = api.post(
        reverse("api:quote-review", kwargs={"pk": quote.pk}),
        {**payload, "version": 1},
        format="json",
        headers=bearer(review_key),
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Quote.objects.get(pk=quote.pk).version == 1


def test_api_schema_lists_the_dispute_reasons(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    enums = [
        value["enum"]
        for value in schema["components"]["schemas"].values()
        if set(value.get("enum", [])) >= set(Quote.DisputeReason.values)
    ]
    assert enums
