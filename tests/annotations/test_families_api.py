"""Quote families in the REST API: the `family` of every quote, /families/{id}/, ClaimReview."""

import pytest
from django.urls import reverse

from annotations.models import QuoteFamily
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import api, bearer, read_key  # noqa: F401  (fixtures)
from tests.annotations.families_support import create_speech_articles


@pytest.fixture
def speech(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return create_speech_articles()


def test_families_api_quote_carries_its_family(api, read_key, speech):  # noqa: F811
    whole, part, _ = speech

    body = api.get(
        reverse("api:quote-detail", kwargs={"pk": part.pk}), headers=bearer(read_key)
    ).json()

    family = QuoteFamily.objects.get()
    assert body["family"] == {
        "id": family.pk,
        "size": 3,
        "first_quote": whole.pk,
        "first_published_at": "2026-03-03T09:00:00Z",
        "wording_differs": True,
        "speakers_differ": True,
        "conflict": False,
    }


def test_families_api_quote_list_carries_families_without_extra_queries(
    api,  # noqa: F811
    read_key,  # noqa: F811
    speech,
    django_assert_num_queries,
):
    url = reverse("api:quote-list")
    api.get(reverse("api:ping"), headers=bearer(read_key))
    with django_assert_num_queries(3):  # key, groups, the page with its families joined
        rows = api.get(url, headers=bearer(read_key)).json()["results"]

    family = QuoteFamily.objects.get()
    assert {row["id"]: row["family"]["id"] for row in rows if row["family"]} == {
        q.pk: family.pk for q in speech
    }
    first = next(row for row in rows if row["id"] == speech[0].pk)
    assert first["family"]["first_published_at"] == "2026-03-03T09:00:00Z"


def test_families_api_family_lists_members_oldest_first(
    api,  # noqa: F811
    read_key,  # noqa: F811
    speech,
    django_assert_num_queries,
):
    whole, part, altered = speech
    family = QuoteFamily.objects.get()
    url = reverse("api:family-detail", kwargs={"pk": family.pk})
    api.get(reverse("api:ping"), headers=bearer(read_key))

    with django_assert_num_queries(4):  # key, groups, family, members with quotes
        response = api.get(url, headers=bearer(read_key))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["size"], body["first_quote"]) == (family.pk, 3, whole.pk)
    assert [(m["quote"]["id"], m["kind"]) for m in body["members"]] == [
        (whole.pk, "first"),
        (part.pk, "part_of"),
        (altered.pk, "wording_differs"),
    ]
    assert body["members"][1]["linked_to"] == whole.pk
    assert body["members"][2]["quote"]["speaker"]["name"] == "Tomas Berg"
    assert body["members"][2]["quote"]["article"]["outlet"] == "Coastal Times"


def test_families_api_family_needs_a_key_and_an_existing_id(api, read_key, speech):  # noqa: F811
    family = QuoteFamily.objects.get()
    url = reverse("api:family-detail", kwargs={"pk": family.pk})

    assert api.get(url).status_code == 401
    missing = api.get(
        reverse("api:family-detail", kwargs={"pk": family.pk + 1}), headers=bearer(read_key)
    )
    assert missing.status_code == 404
    assert "detail" in missing.json()


def test_families_api_claimreview_cites_the_first_appearance(
    api,  # noqa: F811
    read_key,  # noqa: F811
    editor,
    speech,
):
    whole, part, _ = speech
    quote_review_submit(quote=part, user=editor, to_status="verified", expected_version=1)

    document = api.get(
        reverse("api:quote-claimreview", kwargs={"pk": part.pk}), headers=bearer(read_key)
    ).json()

    first = document["itemReviewed"]["firstAppearance"]
    assert first == {
        "@type": "NewsArticle",
        "url": whole.article.url,
        "headline": "Minister vows to rebuild",
        "datePublished": "2026-03-03T09:00:00Z",
        "publisher": {"@type": "Organization", "name": "Harbour Herald"},
    }
    assert document["itemReviewed"]["appearance"]["publisher"]["name"] == "Valley Post"
