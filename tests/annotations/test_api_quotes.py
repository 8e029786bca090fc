# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import datetime as dt
import json

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from annotations.api.serializers import QuoteSearchResultSerializer
from annotations.models import Article, Quote, Review, Speaker
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import (  # noqa: F401
    api,
    bearer,
    read_key,
    review_key,
)
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory


def _review_url(quote):
    return reverse("api:quote-review", kwargs={"pk": quote.pk})


@pytest.mark.django_db
def test_api_quote_detail_has_fields_and_etag(api, read_key, quote):
    response = api.get(
        reverse("api:quote-detail", kwargs={"pk": quote.pk}), headers=bearer(read_key)
    )
    body = response.json()
    assert body["text"] == quote.text
    assert body["article"]["id"] == quote.article_id
    assert body["speaker"]["name"] == quote.speaker.name
    assert body["version"] == 1
    assert response.headers["ETag"].startswith('"')


@pytest.mark.django_db
def test_api_quote_detail_if_none_match_is_304(api, read_key, quote):
    url = reverse("api:quote-detail", kwargs={"pk": quote.pk})
    etag = api.get(url, headers=bearer(read_key)).headers["ETag"]
    response = api.get(url, headers={**bearer(read_key), "If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.django_db
def test_api_quote_detail_etag_changes_with_the_quote(api, read_key, quote, editor):
    url = reverse("api:quote-detail", kwargs={"pk": quote.pk})
    etag = api.get(url, headers=bearer(read_key)).headers["ETag"]
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    response = api.get(url, headers={**bearer(read_key), "If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["status"] == "verified"


@pytest.mark.django_db
def test_api_quote_list_page_if_none_match_is_304(api, read_key, quote):
    url = reverse("api:quote-list")
    etag = api.get(url, headers=bearer(read_key)).headers["ETag"]
    response = api.get(url, headers={**bearer(read_key), "If-None-Match": f"W/{etag}"})
    assert response.status_code == 304


@pytest.mark.django_db
def test_api_quote_list_filters_status_speaker_article(api, read_key, editor):
    speaker = SpeakerFactory(name="Ana Reyes")
    wanted = QuoteFactory(speaker=speaker)
    quote_review_submit(quote=wanted, user=editor, to_status="verified", expected_version=1)
    QuoteFactory(speaker=speaker)
    QuoteFactory()
    response = api.get(
        reverse("api:quote-list"),
        {"status": "verified", "speaker": speaker.pk, "article": wanted.article_id},
        headers=bearer(read_key),
    )
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


@pytest.mark.django_db
def test_api_quote_list_updated_since(api, read_key):
    old = QuoteFactory()
    Quote.objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")
    new = QuoteFactory()
    response = api.get(
        reverse("api:quote-list"),
        {"updated_since": "2024-01-01T00:00:00Z"},
        headers=bearer(read_key),
    )
    assert [row["id"] for row in response.json()["results"]] == [new.pk]


@pytest.mark.django_db
def test_api_quote_list_search_q_uses_search(api, read_key):
    body = "Intro. “The harbour bridge will reopen in spring,” she said. “Taxes stay,” he said."
    article = ArticleFactory(body=body)
    bridge = QuoteFactory(article=article)
    QuoteFactory(
        article=article, start=body.index("Taxes"), end=body.index("Taxes") + len("Taxes stay,")
    )
    response = api.get(reverse("api:quote-list"), {"q": "bridge"}, headers=bearer(read_key))
    results = response.json()["results"]
    assert [row["id"] for row in results] == [bridge.pk]
    assert results[0]["rank"] > 0


@pytest.mark.django_db
def test_api_quote_list_invalid_params_are_400(api, read_key):
    response = api.get(
        reverse("api:quote-list"),
        {"status": "bogus", "updated_since": "nope", "page_size": "0"},
        headers=bearer(read_key),
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


@pytest.mark.django_db
def test_api_quote_list_bad_cursor_is_400(api, read_key):
    response = api.get(reverse("api:quote-list"), {"cursor": "!!!"}, headers=bearer(read_key))
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["Invalid cursor."]}


@pytest.mark.django_db
def test_api_quote_list_keyset_pages_are_disjoint_and_complete(api, read_key):
    article = ArticleFactory()
    ids = set()
    for offset in range(0, 12):
        # Distinct one-character spans; identical updated_at values tie-break on id.
        ids.add(QuoteFactory(article=article, start=offset, end=offset + 1).pk)
    Quote.objects.update(updated_at="2025-01-01T00:00:00Z")
    seen = []
    url = reverse("api:quote-list") + "?page_size=5"
    while url:
        page = api.get(url, headers=bearer(read_key)).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.django_db
def test_api_quote_list_query_count_is_constant(
    api, read_key, page_size, django_assert_num_queries
):
    body = "x" * 200
    for _ in range(30):
        article = ArticleFactory(body=body)
        QuoteFactory(article=article, start=1, end=5)
        QuoteFactory(article=article, start=10, end=15, speaker=None)
    api.get(reverse("api:ping"), headers=bearer(read_key))
    # key lookup, owner's groups, one page
    with django_assert_num_queries(3):
        response = api.get(
            reverse("api:quote-list"), {"page_size": page_size}, headers=bearer(read_key)
        )
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.django_db
def test_api_speaker_and_review_lists_query_count_is_constant(
    api, read_key, editor, page_size, django_assert_num_queries
):
    for index in range(55):
        quote = QuoteFactory(speaker=SpeakerFactory(name=f"Person {index:02}"))
        quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    api.get(reverse("api:ping"), headers=bearer(read_key))
    with django_assert_num_queries(5):  # key, groups, speakers, their aliases, their roles
        speakers = api.get(
            reverse("api:speaker-list"), {"page_size": page_size}, headers=bearer(read_key)
        )
    with django_assert_num_queries(3):  # key, groups, reviews joined with reviewers
        reviews = api.get(
            reverse("api:review-list"), {"page_size": page_size}, headers=bearer(read_key)
        )
    assert len(speakers.json()["results"]) == len(reviews.json()["results"]) == page_size


# --- Reviews through the API ---


@pytest.mark.django_db
def test_api_review_with_version_field_succeeds(api, review_key, quote):
    response = api.post(
        _review_url(quote),
        {
            "status": "disputed",
            "dispute_reason": "wrong_words",
            "note": "He said 'fees', not 'taxes'.",
            "evidence": ["https://example.org/transcript"],
            "version": 1,
        },
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["quote"]["status"] == "disputed"
    assert body["quote"]["version"] == 2
    assert body["review"]["evidence"] == ["https://example.org/transcript"]
    assert response.headers["Location"].endswith(f"/api/v1/reviews/{body['review']['id']}/")


@pytest.mark.django_db
def test_api_review_with_if_match_version_succeeds(api, review_key, quote):
    response = api.post(
        _review_url(quote),
        {"status": "verified"},
        format="json",
        headers={**bearer(review_key), "If-Match": '"1"'},
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_api_review_with_if_match_etag_of_get_succeeds(api, review_key, quote):
    etag = api.get(
        reverse("api:quote-detail", kwargs={"pk": quote.pk}), headers=bearer(review_key)
    ).headers["ETag"]
    response = api.post(
        _review_url(quote),
        {"status": "verified"},
        format="json",
        headers={**bearer(review_key), "If-Match": etag},
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_api_review_stale_if_match_is_412_and_changes_nothing(api, review_key, quote, other_editor):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)
    response = api.post(
        _review_url(quote),
        {"status": "disputed", "dispute_reason": "wrong_words", "note": "wrong"},
        format="json",
        headers={**bearer(review_key), "If-Match": '"1"'},
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert response.json()["current"]["version"] == 2
    quote.refresh_from_db()
    assert (quote.status, quote.version, Review.objects.count()) == ("verified", 2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [({"If-Match": '"1"'}, {}, 412), ({}, {"version": 1}, 409)],
)
def test_api_review_refusal_carries_the_current_etag(
    api, review_key, read_key, quote, other_editor, headers, body, status
):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)
    response = api.post(
        _review_url(quote),
        {"status": "verified", **body},
        headers={**bearer(review_key), **headers},
    )
    current = api.get(
        reverse("api:quote-detail", kwargs={"pk": quote.pk}), headers=bearer(read_key)
    )
    assert response.status_code == status
    assert response.headers["ETag"] == current.headers["ETag"]
    # The ETag is a precondition the next decision can use as it is.
    retry = api.post(
        _review_url(quote),
        {"status": "candidate"},
        headers={**bearer(review_key), "If-Match": response.headers["ETag"]},
    )
    assert retry.status_code == 201
    assert (
        retry.headers["ETag"]
        == api.get(
            reverse("api:quote-detail", kwargs={"pk": quote.pk}), headers=bearer(read_key)
        ).headers["ETag"]
    )


@pytest.mark.django_db
def test_api_review_with_a_repeated_evidence_link_is_400_and_stores_nothing(api, review_key, quote):
    link = "https://example.org/transcript"
    response = api.post(
        _review_url(quote),
        {"status": "verified", "version": 1, "evidence": [link, "https://example.org/b", link]},
        headers=bearer(review_key),
    )
    assert response.status_code == 400
    assert response.json()["errors"]["evidence"] == [
        f"Each evidence link may be given once; listed twice: {link}"
    ]
    quote.refresh_from_db()
    assert (quote.status, quote.version, Review.objects.count()) == ("candidate", 1, 0)


FORM_BODIES = {
    "application/x-www-form-urlencoded": b"title=T&body=B&status=verified&version=1&name=Ana",
    "multipart/form-data; boundary=nd": (
        b'--nd\r\nContent-Disposition: form-data; name="title"\r\n\r\nT\r\n--nd--\r\n'
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", list(FORM_BODIES))
@pytest.mark.parametrize(
    "path", ["/api/v1/articles/", "/api/v1/quotes/{quote}/review/", "/api/v1/speakers/"]
)
def test_api_writes_refuse_form_and_multipart_bodies_with_415(
    api, review_key, quote, path, content_type
):
    response = api.generic(
        "POST",
        path.format(quote=quote.pk),
        FORM_BODIES[content_type],
        content_type=content_type,
        headers=bearer(review_key),
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert "send Content-Type: application/json" in response.json()["detail"]
    assert (Article.objects.count(), Review.objects.count(), Speaker.objects.count()) == (1, 0, 1)


@pytest.mark.django_db
def test_api_review_stale_version_field_is_409_and_changes_nothing(
    api, review_key, quote, other_editor
):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)
    response = api.post(
        _review_url(quote),
        {"status": "disputed", "dispute_reason": "wrong_words", "note": "x", "version": 1},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "version_conflict"
    assert "bob" in response.json()["detail"]
    quote.refresh_from_db()
    assert (quote.status, quote.version, Review.objects.count()) == ("verified", 2, 1)


@pytest.mark.django_db
def test_api_review_without_precondition_is_428(api, review_key, quote):
    response = api.post(
        _review_url(quote), {"status": "verified"}, format="json", headers=bearer(review_key)
    )
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


@pytest.mark.django_db
def test_api_review_if_match_star_is_428(api, review_key, quote):
    response = api.post(
        _review_url(quote),
        {"status": "verified"},
        format="json",
        headers={**bearer(review_key), "If-Match": "*"},
    )
    assert response.status_code == 428


@pytest.mark.django_db
def test_api_review_dispute_without_note_is_400(api, review_key, quote):
    response = api.post(
        _review_url(quote),
        {"status": "disputed", "dispute_reason": "wrong_words", "version": 1},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert Quote.objects.get(pk=quote.pk).version == 1


@pytest.mark.django_db
def test_api_review_bad_evidence_url_is_400(api, review_key, quote):
    response = api.post(
        _review_url(quote),
        {"status": "verified", "version": 1, "evidence": ["javascript:x"]},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 400
    assert "evidence" in response.json()["errors"]


@pytest.mark.django_db
def test_api_review_history_filter_by_quote(api, read_key, editor):
    quote = QuoteFactory()
    other = QuoteFactory()
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    quote_review_submit(quote=other, user=editor, to_status="verified", expected_version=1)
    response = api.get(reverse("api:review-list"), {"quote": quote.pk}, headers=bearer(read_key))
    assert [(row["quote"], row["reviewer"]) for row in response.json()["results"]] == [
        (quote.pk, "alice")
    ]


# --- Speakers ---


@pytest.mark.django_db
def test_api_speaker_create_and_update_aliases(api, review_key, read_key):
    created = api.post(
        reverse("api:speaker-list"),
        {"name": "Jens Stoltenberg", "title": "Secretary General", "aliases": ["Stoltenberg"]},
        format="json",
        headers=bearer(review_key),
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    updated = api.patch(
        reverse("api:speaker-detail", kwargs={"pk": pk}),
        {"aliases": ["the NATO chief"]},
        format="json",
        headers=bearer(review_key),
    )
    assert updated.json()["title"] == "Secretary General"
    assert sorted(updated.json()["aliases"]) == [
        "Jens Stoltenberg",
        "Stoltenberg",
        "the NATO chief",
    ]
    denied = api.patch(
        reverse("api:speaker-detail", kwargs={"pk": pk}),
        {"title": "x"},
        format="json",
        headers=bearer(read_key),
    )
    assert denied.status_code == 403


@pytest.mark.django_db
def test_api_speaker_create_with_a_known_name_updates_only_the_fields_sent(api, review_key):
    speaker = SpeakerFactory(name="Ana Reyes", title="Minister", organisation="Cabinet")
    response = api.post(
        reverse("api:speaker-list"),
        {"name": "Ana Reyes", "organisation": "Senate", "aliases": ["Reyes"]},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 200
    speaker.refresh_from_db()
    assert (speaker.title, speaker.organisation) == ("Minister", "Senate")
    assert sorted(response.json()["aliases"]) == ["Ana Reyes", "Reyes"]
    assert Speaker.objects.filter(name="Ana Reyes").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api:quote-list", "api:article-list"])
def test_api_lists_accept_offsets_postgres_cannot_store(api, read_key, quote, name):
    # Found by schemathesis: +22:51 parses in Python but PostgreSQL refuses it (500 before).
    response = api.get(
        reverse(name),
        {
            "updated_since": "2000-01-01T00:00:00+22:51",
            "published_from": "2000-01-01T00:00:00+22:51",
        },
        headers=bearer(read_key),
    )
    assert response.status_code == 200


def _declared_fields_json(serializer_class, instance):
    """What DRF's field-by-field machinery makes of `instance`: the documented representation."""
    data = serializers.Serializer.to_representation(serializer_class(), instance)
    return json.loads(JSONRenderer().render(data))


@pytest.mark.django_db
def test_api_quote_list_rows_equal_the_declared_serializer(api, read_key, editor):
    """The list builds rows from .values() with timestamps formatted by PostgreSQL; every row
    must be exactly what the documented serializer fields give for the same quote."""
    plain = ArticleFactory(url=None, published_at=None, outlet="")
    unicode_body = "Intro. “Ünïcødé ✓ 🚀 שלום e\u0301té — “nested” ok,” she said."
    unicode_article = ArticleFactory(
        body=unicode_body,
        title="Überschrift 🗞 <b>&amp;</b>",
        outlet="Le Monde — édition",
        published_at=dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC),
    )
    whole_second = ArticleFactory(published_at=dt.datetime(1999, 12, 31, 22, 0, tzinfo=dt.UTC))
    quotes = [
        QuoteFactory(article=plain, speaker=None, speaker_mention="", cue=""),
        QuoteFactory(
            article=unicode_article,
            speaker=SpeakerFactory(name="Zoë Ångström-Müller 李", kind=Speaker.Kind.ORGANISATION),
            speaker_mention="she",
            cue="said",
            confidence=0.123456789,
        ),
        QuoteFactory(article=whole_second, origin=Quote.Origin.EDITOR, confidence=1.0),
        QuoteFactory(article=whole_second, start=0, end=3, text="The"),
    ]
    verified, disputed = quotes[1], quotes[2]
    quote_review_submit(
        quote=verified,
        user=editor,
        to_status="verified",
        expected_version=1,
        note="Checked against the transcript ✓",
        evidence=["https://example.org/transcript?id=1&lang=fr", "https://example.org/video"],
    )
    quote_review_submit(
        quote=disputed,
        user=editor,
        to_status="disputed",
        dispute_reason="wrong_words",
        expected_version=1,
        note="Misquoted.",
    )
    # Whole-second timestamps print without a fraction, like datetime.isoformat().
    Quote.objects.filter(pk=quotes[3].pk).update(
        created_at=dt.datetime(2020, 1, 1, 0, 0, tzinfo=dt.UTC),
        updated_at=dt.datetime(2021, 6, 30, 12, 0, 1, tzinfo=dt.UTC),
    )

    body = api.get(reverse("api:quote-list"), {"page_size": 200}, headers=bearer(read_key)).json()

    rows = {row["id"]: row for row in body["results"]}
    assert sorted(rows) == sorted(q.pk for q in quotes)
    for quote in Quote.objects.select_related("article", "speaker"):
        quote.rank = 0.0
        expected = _declared_fields_json(QuoteSearchResultSerializer, quote)
        assert rows[quote.pk] == expected
        detail = api.get(
            reverse("api:quote-detail", kwargs={"pk": quote.pk}), headers=bearer(read_key)
        ).json()
        assert rows[quote.pk] == {**detail, "rank": 0.0}
    assert rows[quotes[3].pk]["created_at"] == "2020-01-01T00:00:00Z"
    assert rows[quotes[3].pk]["updated_at"] == "2021-06-30T12:00:01Z"
    assert rows[verified.pk]["article"]["published_at"] == "2024-02-29T23:59:59.999999Z"
    assert rows[verified.pk]["status"] == "verified"
    assert rows[verified.pk]["version"] == 2
    assert rows[quotes[0].pk]["speaker"] is None
    assert rows[quotes[0].pk]["article"]["url"] is None


@pytest.mark.django_db
def test_api_quote_search_rows_equal_the_declared_serializer(api, read_key):
    article = ArticleFactory(
        body="Intro. “Budgetary reform matters,” she said.",
        published_at=dt.datetime(2023, 5, 1, 8, 30, 0, 5, tzinfo=dt.UTC),
    )
    quote = QuoteFactory(article=article)

    response = api.get(reverse("api:quote-list"), {"q": "budgetary"}, headers=bearer(read_key))
    body = response.json()

    [row] = body["results"]
    assert row["rank"] > 0
    quote = Quote.objects.select_related("article", "speaker").get(pk=quote.pk)
    quote.rank = row["rank"]
    assert row == _declared_fields_json(QuoteSearchResultSerializer, quote)
    assert row["article"]["published_at"] == "2023-05-01T08:30:00.000005Z"
