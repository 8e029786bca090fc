"""The change feed under concurrent writers: every committed event is seen exactly once."""

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.api.pagination import cursor_decode, cursor_encode
from annotations.models import ChangeEvent, Quote
from annotations.services.articles import article_create, article_update
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import bearer, make_key
from tests.factories import ArticleFactory, QuoteFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _feed(client, key, cursor=None, limit=None):
    params = {}
    if cursor:
        params["cursor"] = cursor
    if limit:
        params["limit"] = limit
    response = client.get(reverse("api:changes"), params, headers=bearer(key))
    assert response.status_code == 200, response.content
    return response.json()


def _drain(client, key, cursor=None, limit=50):
    events = []
    while True:
        page = _feed(client, key, cursor, limit)
        events += page["events"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return events, cursor


@pytest.fixture
def reader_key():
    return make_key(UserFactory(username="cms-reader", role="reporter"))


def test_change_feed_lists_every_kind_of_write_in_order(reader_key):
    editor = UserFactory(username="ed", role="editor")
    body = "Intro. “We will win,” she said. “Later,” he said."
    article = article_create(title="T", body=body, url="https://example.org/feed")
    quote = QuoteFactory(article=article)
    spare = QuoteFactory(
        article=article, start=body.index("Later"), end=body.index("Later") + len("Later,")
    )
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    article_update(article=article, data={"title": "T2"})
    spare_pk = spare.pk
    spare.delete()

    events, _cursor = _drain(APIClient(), reader_key)
    assert [(e["type"], e["object_id"]) for e in events] == [
        ("article.created", article.pk),
        ("quote.created", quote.pk),
        ("quote.created", spare_pk),
        ("quote.status_changed", quote.pk),
        ("review.created", quote.reviews.get().pk),
        ("article.updated", article.pk),
        ("quote.deleted", spare_pk),
    ]
    changed = events[3]["data"]
    assert (changed["status"], changed["previous_status"], changed["version"]) == (
        "verified",
        "candidate",
        2,
    )
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_change_feed_cursor_resumes_without_duplicates(reader_key):
    for _ in range(5):
        ArticleFactory()
    client = APIClient()
    first = _feed(client, reader_key, limit=3)
    assert (len(first["events"]), first["has_more"]) == (3, True)
    rest, cursor = _drain(client, reader_key, first["next_cursor"], limit=3)
    assert len(rest) == 2
    assert {e["id"] for e in first["events"]}.isdisjoint({e["id"] for e in rest})
    idle = _feed(client, reader_key, cursor)
    assert (idle["events"], idle["next_cursor"], idle["has_more"]) == ([], cursor, False)


def test_change_feed_start_latest_skips_history(reader_key):
    ArticleFactory()
    client = APIClient()
    head = client.get(
        reverse("api:changes"), {"start": "latest"}, headers=bearer(reader_key)
    ).json()
    assert head["events"] == []
    new = ArticleFactory()
    events, _ = _drain(client, reader_key, head["next_cursor"])
    assert [(e["type"], e["object_id"]) for e in events] == [("article.created", new.pk)]


def test_change_feed_invalid_cursor_and_limit_are_400(reader_key):
    client = APIClient()
    response = client.get(
        reverse("api:changes"), {"cursor": "%%%", "limit": "0"}, headers=bearer(reader_key)
    )
    assert response.status_code == 400


def test_change_feed_cursor_beyond_the_head_is_a_400_with_a_message(reader_key):
    """Issue 12, item 12: it was 200, no events and the same cursor, so a CMS polled forever."""
    ArticleFactory()
    client = APIClient()
    events, head_cursor = _drain(client, reader_key)
    head = _cursor_seq(head_cursor)
    assert head == events[-1]["id"] > 0
    beyond = cursor_encode({"s": head + 1})

    response = client.get(reverse("api:changes"), {"cursor": beyond}, headers=bearer(reader_key))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    (message,) = body["errors"]["cursor"]
    assert f"position {head + 1}, beyond the end of the feed (position {head})" in message
    assert "?start=latest" in message
    # At the head itself there is simply nothing new yet.
    idle = _feed(client, reader_key, head_cursor)
    assert (idle["events"], idle["next_cursor"]) == ([], head_cursor)


def test_change_feed_event_committed_later_is_never_behind_the_cursor(reader_key):
    """A transaction that wrote first but commits last still appears after the cursor."""
    slow_quote, fast_quote = QuoteFactory(), QuoteFactory()
    client = APIClient()
    _events, cursor = _drain(client, reader_key)
    wrote, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                Quote.objects.filter(pk=slow_quote.pk).update(confidence=0.11)
                wrote.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    wrote.wait(10)
    Quote.objects.filter(pk=fast_quote.pk).update(confidence=0.22)  # commits at once
    seen_first, cursor = _drain(client, reader_key, cursor)
    release.set()
    thread.join()
    seen_later, _ = _drain(client, reader_key, cursor)
    assert [e["object_id"] for e in seen_first] == [fast_quote.pk]
    assert [e["object_id"] for e in seen_later] == [slow_quote.pk]
    assert seen_later[0]["id"] > seen_first[0]["id"]


def test_change_feed_concurrent_writers_every_event_seen_exactly_once(reader_key):
    editor = UserFactory(username="ed2", role="editor")
    body = " ".join(f"w{i:03}" for i in range(200))
    article = ArticleFactory(body=body)
    quotes = [QuoteFactory(article=article, start=i * 5, end=i * 5 + 4) for i in range(8)]
    client = APIClient()
    _events, start_cursor = _drain(client, reader_key)
    writers_done = threading.Event()
    errors = []

    def writer(worker, owned):
        rng = random.Random(worker)
        try:
            for round_ in range(6):
                with transaction.atomic():
                    for quote in owned:
                        Quote.objects.filter(pk=quote.pk).update(
                            confidence=rng.random(), cue=f"w{worker}r{round_}"
                        )
                        time.sleep(rng.random() * 0.01)
                    if round_ % 3 == 0:
                        target = Quote.objects.get(pk=owned[0].pk)
                        quote_review_submit(
                            quote=target,
                            user=editor,
                            to_status=rng.choice(["verified", "candidate"]),
                            expected_version=target.version,
                        )
                    time.sleep(rng.random() * 0.01)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    seen = []

    def reader():
        reader_client = APIClient()
        cursor = start_cursor
        try:
            while True:
                finished = writers_done.is_set()
                page = _feed(reader_client, reader_key, cursor, limit=7)
                seen.extend(page["events"])
                cursor = page["next_cursor"]
                if finished and not page["has_more"]:
                    return
                time.sleep(0.002)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=(n, quotes[n * 2 : n * 2 + 2])) for n in range(4)
    ]
    reader_thread = threading.Thread(target=reader)
    reader_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writers_done.set()
    reader_thread.join()

    assert errors == []
    expected = list(
        ChangeEvent.objects.filter(seq__gt=_cursor_seq(start_cursor))
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids))
    assert ids == expected
    assert len(ids) == 4 * 6 * 2 + 4 * 2 * 2  # quote updates + (status change, review) x2


def _cursor_seq(cursor):
    return cursor_decode(cursor)["s"]
