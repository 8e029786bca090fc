"""Speakers' roles and Wikidata ids through the API: exposed, accepted, validated."""

# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import pytest
from django.urls import reverse

from annotations.models import Speaker, SpeakerRole
from tests.annotations.api_support import api, bearer, read_key, review_key  # noqa: F401

ROLE = {
    "title": "White House press secretary",
    "organisation": "White House",
    "start_date": "2021-01-20",
    "end_date": "2022-05-13",
    "source_url": "https://simple.m.wikipedia.org/wiki/Jen_Psaki",
}


def _create(api, key, **payload):
    return api.post(reverse("api:speaker-list"), payload, format="json", headers=bearer(key))


def _patch(api, key, pk, **payload):
    url = reverse("api:speaker-detail", kwargs={"pk": pk})
    return api.patch(url, payload, format="json", headers=bearer(key))


@pytest.mark.django_db
def test_api_speaker_create_with_roles_and_wikidata_id(api, review_key, read_key):
    created = _create(api, review_key, name="Jen Psaki", wikidata_id="Q123", roles=[ROLE])
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["wikidata_id"] == "Q123"
    assert body["roles"] == [{"id": body["roles"][0]["id"], **ROLE}]
    read = api.get(
        reverse("api:speaker-detail", kwargs={"pk": body["id"]}), headers=bearer(read_key)
    )
    assert read.json()["roles"][0]["title"] == "White House press secretary"


@pytest.mark.django_db
def test_api_speaker_roles_are_added_idempotently(api, review_key):
    pk = _create(api, review_key, name="Jen Psaki", roles=[ROLE]).json()["id"]
    again = _patch(api, review_key, pk, roles=[ROLE])
    assert again.status_code == 200
    later = {**ROLE, "title": "Commentator", "start_date": "2022-05-14", "end_date": None}
    added = _patch(api, review_key, pk, roles=[later])
    assert [r["title"] for r in added.json()["roles"]] == [
        "White House press secretary",
        "Commentator",
    ]
    assert added.json()["roles"][1]["end_date"] is None
    assert SpeakerRole.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "message"),
    [
        ({**ROLE, "end_date": "2020-01-01"}, "cannot end before it starts"),
        ({**ROLE, "start_date": "2022-13-01"}, "Date has wrong format"),
        ({**ROLE, "title": ""}, "may not be blank"),
        ({**ROLE, "source_url": "javascript:alert(1)"}, "valid URL"),
        ({k: v for k, v in ROLE.items() if k != "start_date"}, "required"),
    ],
)
def test_api_speaker_refuses_bad_roles_with_400(api, review_key, role, message):
    response = _create(api, review_key, name="Jen Psaki", roles=[role])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert message in str(body["errors"])
    assert not Speaker.objects.exists()


@pytest.mark.django_db
def test_api_speaker_refuses_an_overlapping_duplicate_role(api, review_key):
    pk = _create(api, review_key, name="Jen Psaki", roles=[ROLE]).json()["id"]
    overlapping = {**ROLE, "start_date": "2022-05-13", "end_date": None}
    response = _patch(api, review_key, pk, roles=[overlapping], aliases=["Psaki"])
    assert response.status_code == 400
    assert "already holds this title" in response.json()["detail"]
    assert "Role 1 (White House press secretary)" in response.json()["detail"]
    # Nothing of the refused request was kept.
    assert SpeakerRole.objects.count() == 1
    assert not Speaker.objects.get(pk=pk).aliases.filter(alias="Psaki").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("wikidata_id", ["q1", "Q", "Q01", "P31", "Q1x"])
def test_api_speaker_refuses_a_malformed_wikidata_id(api, review_key, wikidata_id):
    response = _create(api, review_key, name="Jen Psaki", wikidata_id=wikidata_id)
    assert response.status_code == 400
    assert "Wikidata id" in response.json()["detail"]


@pytest.mark.django_db
def test_api_speaker_namesakes_are_told_apart_by_wikidata_id(api, review_key):
    first = _create(api, review_key, name="John Smith", wikidata_id="Q1").json()
    second = _create(api, review_key, name="John Smith", wikidata_id="Q2")
    assert second.status_code == 201
    assert second.json()["id"] != first["id"]
    # Without an id, "John Smith" no longer names one speaker: refused, never guessed.
    ambiguous = _create(api, review_key, name="John Smith", title="Mayor")
    assert ambiguous.status_code == 400
    assert "2 speakers are called “John Smith”" in ambiguous.json()["detail"]
    # By id, each one is updated on its own.
    patched = _patch(api, review_key, second.json()["id"], title="Mayor")
    assert patched.json()["title"] == "Mayor"
    assert Speaker.objects.get(pk=first["id"]).title == ""
    taken = _patch(api, review_key, second.json()["id"], wikidata_id="Q1")
    assert taken.status_code == 400
