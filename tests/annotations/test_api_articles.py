# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import Article, IdempotencyRecord, Quote
from tests.annotations.api_support import (  # noqa: F401
    api,
    bearer,
    make_key,
    read_key,
    review_key,
)
from tests.factories import ArticleFactory, QuoteFactory, UserFactory

BODY = "The mayor spoke. “We will fix the roads,” the mayor said on Tuesday."


def _payload(**overrides):
    return {
        "title": "Roads",
        "body": BODY,
        "url": "https://news.example.org/roads",
        "outlet": "Example Times",
        "published_at": "2025-03-01T09:00:00Z",
        **overrides,
    }


@pytest.mark.django_db
def test_api_article_create_returns_201_with_prehighlight_and_links(api, review_key):
    response = api.post(
        reverse("api:article-list"), _payload(), format="json", headers=bearer(review_key)
    )
    assert response.status_code == 201
    body = response.json()
    article = Article.objects.get(pk=body["id"])
    assert body["created"] is True
    assert body["prehighlight"]["status"] == "queued"
    assert body["links"]["self"].endswith(f"/api/v1/articles/{article.pk}/")
    assert body["links"]["prehighlight"].endswith(f"/api/v1/articles/{article.pk}/prehighlight/")
    assert response.headers["Location"] == body["links"]["self"]
    assert article.created_by.username == "alice"


@pytest.mark.django_db
def test_api_article_prehighlight_status_endpoint(api, review_key, read_key):
    created = api.post(
        reverse("api:article-list"), _payload(), format="json", headers=bearer(review_key)
    ).json()
    response = api.get(created["links"]["prehighlight"], headers=bearer(read_key))
    assert response.json()["status"] == "queued"


@pytest.mark.django_db
def test_api_article_create_same_url_returns_existing(api, review_key):
    first = api.post(
        reverse("api:article-list"), _payload(), format="json", headers=bearer(review_key)
    )
    second = api.post(
        reverse("api:article-list"),
        _payload(title="Roads (updated)"),
        format="json",
        headers=bearer(review_key),
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["created"] is False
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_api_article_create_same_idempotency_key_replays(api, review_key):
    headers = {**bearer(review_key), "Idempotency-Key": "push-42"}
    payload = _payload(url=None)
    first = api.post(reverse("api:article-list"), payload, format="json", headers=headers)
    second = api.post(reverse("api:article-list"), payload, format="json", headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_api_article_create_key_reused_with_other_body_is_422(api, review_key):
    headers = {**bearer(review_key), "Idempotency-Key": "push-43"}
    api.post(reverse("api:article-list"), _payload(url=None), format="json", headers=headers)
    response = api.post(
        reverse("api:article-list"),
        _payload(url=None, title="Other"),
        format="json",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_api_article_idempotency_keys_are_per_client(api, review_key, editor):
    other_key = make_key(editor, "review", name="other CMS")
    payload = _payload(url=None)
    for key in (review_key, other_key):
        api.post(
            reverse("api:article-list"),
            payload,
            format="json",
            headers={**bearer(key), "Idempotency-Key": "same"},
        )
    assert Article.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2


@pytest.mark.django_db
def test_api_article_create_invalid_body_is_400_with_field_errors(api, review_key):
    response = api.post(
        reverse("api:article-list"),
        {"body": "text\x00with NUL", "url": "javascript:alert(1)"},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"title", "body", "url"}
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_api_article_create_bad_idempotency_key_is_400(api, review_key):
    response = api.post(
        reverse("api:article-list"),
        _payload(),
        format="json",
        headers={**bearer(review_key), "Idempotency-Key": "x" * 300},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.django_db
def test_api_article_create_with_read_key_is_403(api, read_key):
    response = api.post(
        reverse("api:article-list"), _payload(), format="json", headers=bearer(read_key)
    )
    assert response.status_code == 403
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_api_article_patch_body_reanchors_quotes(api, review_key):
    article = ArticleFactory(body=BODY)
    quote = QuoteFactory(article=article)
    new_body = "Breaking. " + BODY
    response = api.patch(
        reverse("api:article-detail", kwargs={"pk": article.pk}),
        {"body": new_body},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert response.json()["prehighlight"]["status"] == "queued"
    quote.refresh_from_db()
    assert new_body[quote.start : quote.end] == quote.text
    assert quote.start == len("Breaking. ") + BODY.index("“") + 1


@pytest.mark.django_db
def test_api_article_put_replaces_fields(api, review_key):
    article = ArticleFactory(body=BODY, byline="Someone")
    response = api.put(
        reverse("api:article-detail", kwargs={"pk": article.pk}),
        {"title": "New", "body": BODY},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert (article.title, article.byline, article.url) == ("New", "", None)


@pytest.mark.django_db
def test_api_article_blank_url_is_no_url_and_no_change(api, review_key):
    article = ArticleFactory(body=BODY, url=None)
    before = article.updated_at
    response = api.patch(
        reverse("api:article-detail", kwargs={"pk": article.pk}),
        {"url": ""},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 200
    assert response.json()["url"] is None
    article.refresh_from_db()
    assert (article.url, article.updated_at) == (None, before)


@pytest.mark.django_db
def test_api_article_patch_to_taken_url_is_400(api, review_key):
    ArticleFactory(url="https://news.example.org/taken")
    article = ArticleFactory()
    response = api.patch(
        reverse("api:article-detail", kwargs={"pk": article.pk}),
        {"url": "https://news.example.org/taken"},
        format="json",
        headers=bearer(review_key),
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_api_article_list_filters(api, read_key):
    ArticleFactory(outlet="Daily Planet", published_at="2025-01-10T00:00:00Z")
    ArticleFactory(outlet="Daily Planet", published_at="2025-02-10T00:00:00Z")
    ArticleFactory(outlet="Other", published_at="2025-02-10T00:00:00Z")
    response = api.get(
        reverse("api:article-list"),
        {"outlet": "daily planet", "published_from": "2025-02-01T00:00:00Z"},
        headers=bearer(read_key),
    )
    assert [row["outlet"] for row in response.json()["results"]] == ["Daily Planet"]


@pytest.mark.django_db
def test_api_article_list_invalid_filter_is_400(api, read_key):
    response = api.get(
        reverse("api:article-list"),
        {"prehighlight_status": "exploded", "updated_since": "yesterday"},
        headers=bearer(read_key),
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"prehighlight_status", "updated_since"}


@pytest.mark.django_db
def test_api_article_list_cursor_pages_cover_everything_once(api, read_key):
    ids = {ArticleFactory().pk for _ in range(7)}
    seen = []
    url = reverse("api:article-list") + "?page_size=3"
    while url:
        page = api.get(url, headers=bearer(read_key)).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(ids)


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.django_db
def test_api_article_list_query_count_is_constant(
    api, read_key, page_size, django_assert_num_queries
):
    for _ in range(60):
        ArticleFactory()
    api.get(reverse("api:ping"), headers=bearer(read_key))  # last_used_at written once
    # key lookup, owner's groups, one page
    with django_assert_num_queries(3):
        response = api.get(
            reverse("api:article-list"), {"page_size": page_size}, headers=bearer(read_key)
        )
    assert len(response.json()["results"]) == page_size


def _post_in_thread(key, payload, headers, barrier, results):
    client = APIClient()
    barrier.wait()
    try:
        response = client.post(
            reverse("api:article-list"), payload, format="json", headers={**bearer(key), **headers}
        )
        results.append((response.status_code, response.json()["id"]))
    finally:
        connection.close()


def _race(key, payload, headers, n=4):
    barrier = threading.Barrier(n)
    results = []
    threads = [
        threading.Thread(target=_post_in_thread, args=(key, payload, headers, barrier, results))
        for _ in range(n)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_article_concurrent_same_idempotency_key_makes_one_article():
    editor = UserFactory(username="racer", role="editor")
    key = make_key(editor, "review")
    results = _race(key, _payload(url=None), {"Idempotency-Key": "race-1"})
    assert len(results) == 4
    assert {article_id for _status, article_id in results} == {Article.objects.get().pk}
    assert {status for status, _id in results} == {201}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_article_concurrent_same_url_makes_one_article():
    editor = UserFactory(username="racer2", role="editor")
    key = make_key(editor, "review")
    results = _race(key, _payload(url="https://news.example.org/race"), {})
    assert Article.objects.count() == 1
    assert sorted(status for status, _id in results) == [200, 200, 200, 201]
    assert Quote.objects.count() == 0
