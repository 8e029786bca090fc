"""Quote families announce their raised flags: change feed rows and webhooks (issue 17)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import ChangeEvent, QuoteFamily, WebhookDelivery, WebhookEndpoint
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import bearer, make_key
from tests.annotations.families_support import create_speech_articles
from tests.factories import UserFactory

FAMILY_EVENTS = ["family.conflict", "family.wording_differs", "family.speakers_differ"]


def family_events():
    return list(
        ChangeEvent.objects.filter(entity="family").order_by("id").values_list("type", "object_id")
    )


def test_family_alarms_are_written_to_the_change_feed_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        whole, _, _ = create_speech_articles()
    family = QuoteFamily.objects.get()

    # The altered copy raised both alarms, once each, however many quotes joined later.
    assert family_events() == [
        ("family.wording_differs", family.pk),
        ("family.speakers_differ", family.pk),
    ]
    event = ChangeEvent.objects.get(type="family.wording_differs")
    assert event.data["size"] == 3
    assert event.data["first_quote"] == whole.pk
    assert event.data["wording_differs"] is True


def test_family_conflict_reaches_subscribed_webhooks(
    db, editor, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(
        url="https://cms.example/hooks", events=["family.conflict"]
    )
    with django_capture_on_commit_callbacks(execute=False):
        whole, part, altered = create_speech_articles()
        quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)
        assert not WebhookDelivery.objects.exists()
        quote_review_submit(
            quote=altered,
            user=editor,
            to_status="disputed",
            expected_version=1,
            note="Not said.",
            dispute_reason="never_said",
        )
        # Disputing a second copy is no new conflict.
        quote_review_submit(
            quote=part,
            user=editor,
            to_status="disputed",
            expected_version=1,
            note="Cut.",
            dispute_reason="out_of_context",
        )

    family = QuoteFamily.objects.get()
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint
    assert delivery.event_type == "family.conflict"
    assert delivery.payload["type"] == "family.conflict"
    assert delivery.payload["data"]["family"]["id"] == family.pk
    assert delivery.payload["data"]["family"]["conflict"] is True
    assert ("family.conflict", family.pk) in family_events()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_family_events_in_the_api_change_feed_follow_the_schema():
    from annotations.api.shapes import COMPONENTS

    editor = UserFactory(username="ed", role="editor")
    key = make_key(UserFactory(username="cms-reader", role="reporter"))
    whole, _, altered = create_speech_articles()
    quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)
    quote_review_submit(
        quote=altered,
        user=editor,
        to_status="disputed",
        expected_version=1,
        note="Not said.",
        dispute_reason="never_said",
    )

    response = APIClient().get(reverse("api:changes"), {"limit": 200}, headers=bearer(key))

    assert response.status_code == 200
    events = [e for e in response.json()["events"] if e["entity"] == "family"]
    assert [e["type"] for e in events] == [
        "family.wording_differs",
        "family.speakers_differ",
        "family.conflict",
    ]
    schema = COMPONENTS["FamilyEventData"]
    for event in events:
        assert event["object_id"] == event["data"]["id"]
        assert set(event["data"]) == set(schema["properties"])
        assert event["type"] in FAMILY_EVENTS
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
