"""Pre-highlight claims: a heartbeat while the worker works, takeover when it stops, and a
token so that only the claim's holder stores (annotations/services/prehighlight.py)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from annotations.models import Article, ChangeEvent, Quote
from annotations.services.articles import article_create
from annotations.services.prehighlight import (
    ClaimHeartbeat,
    article_extract_quotes_batch,
    article_prehighlight_claim_many,
    article_prehighlight_sweep,
)

BODY = (
    "“We will build the new bridge before the winter,” Ana Reyes said on Monday.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)


def ago(seconds):
    return timezone.now() - dt.timedelta(seconds=seconds)


def claim_state(article_id):
    return Article.objects.values_list(
        "prehighlight_status", "prehighlight_claim_token", "prehighlight_heartbeat_at"
    ).get(pk=article_id)


@pytest.fixture
def queued_articles(db, monkeypatch):
    from annotations.services import prehighlight

    monkeypatch.setattr(prehighlight.PrehighlightPublisher, "publish", lambda self, pairs: 0)
    return [article_create(title=f"Council {n}", body=BODY + f"\n\n{n}") for n in range(3)]


def test_claim_heartbeat_refreshes_only_its_own_running_claims(queued_articles, settings):
    settings.NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS = 0
    ours, theirs, _idle = (a.pk for a in queued_articles)
    article_prehighlight_claim_many(pairs=[(ours, 1)], token="ours")
    article_prehighlight_claim_many(pairs=[(theirs, 1)], token="theirs")
    Article.objects.filter(pk__in=[ours, theirs]).update(prehighlight_heartbeat_at=ago(15))
    events_before = ChangeEvent.objects.count()

    ClaimHeartbeat(article_ids=[ours, theirs], token="ours").beat()

    assert claim_state(ours)[2] > ago(2)
    assert claim_state(theirs)[2] < ago(14)
    # A heartbeat is no news for the change feed.
    assert ChangeEvent.objects.count() == events_before


def test_claim_heartbeat_is_at_most_one_update_per_interval(
    queued_articles, settings, django_assert_num_queries
):
    settings.NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS = 60
    heartbeat = ClaimHeartbeat(article_ids=[a.pk for a in queued_articles], token="t")

    with django_assert_num_queries(0):
        for _ in range(100):
            heartbeat.beat()


def test_prehighlight_sweep_goes_by_the_heartbeat_not_the_start(queued_articles, settings):
    settings.NEWSDESK_PREHIGHLIGHT_STALE_SECONDS = 20
    working, dead, legacy = (a.pk for a in queued_articles)
    # Started long ago but still beating: a long batch, alive. Started lately, silent for
    # longer than the threshold: its worker died. A claim from before heartbeats existed
    # goes by its start.
    Article.objects.filter(pk=working).update(
        prehighlight_status="running",
        prehighlight_started_at=ago(600),
        prehighlight_heartbeat_at=ago(3),
    )
    Article.objects.filter(pk=dead).update(
        prehighlight_status="running",
        prehighlight_started_at=ago(25),
        prehighlight_heartbeat_at=ago(25),
    )
    Article.objects.filter(pk=legacy).update(
        prehighlight_status="running", prehighlight_started_at=ago(25)
    )

    result = article_prehighlight_sweep()

    assert result.queued == 2
    assert claim_state(working)[0] == "running"
    assert [claim_state(pk)[0] for pk in (dead, legacy)] == ["queued", "queued"]


def test_claim_is_taken_over_only_when_its_heartbeat_stopped(queued_articles, settings):
    settings.NEWSDESK_PREHIGHLIGHT_STALE_SECONDS = 20
    pairs = [(a.pk, 1) for a in queued_articles]
    article_prehighlight_claim_many(pairs=pairs, token="first")
    Article.objects.filter(pk=queued_articles[0].pk).update(prehighlight_heartbeat_at=ago(21))

    taken = article_prehighlight_claim_many(pairs=pairs, token="second")
    again = article_prehighlight_claim_many(pairs=pairs, token="first")

    assert list(taken) == [queued_articles[0].pk]
    # The same token (a retry or redelivery of the task) takes its own claims back at once.
    assert sorted(again) == [a.pk for a in queued_articles[1:]]
    assert [claim_state(a.pk)[1] for a in queued_articles] == ["second", "first", "first"]


@pytest.mark.django_db(transaction=True)
def test_a_late_worker_cannot_store_over_a_claim_taken_over(settings, monkeypatch):
    """A worker stuck between its claim and its store (here: waiting for a table lock) loses
    the claim when its heartbeat stops; when it wakes up, it stores nothing."""
    from annotations.services import prehighlight

    monkeypatch.setattr(prehighlight.PrehighlightPublisher, "publish", lambda self, pairs: 0)
    settings.NEWSDESK_PREHIGHLIGHT_STALE_SECONDS = 0.5
    article = article_create(title="Council", body=BODY)
    results, errors = [], []

    def late_worker():
        try:
            results.append(article_extract_quotes_batch(pairs=[(article.pk, 1)], token="late"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=late_worker)
    with transaction.atomic(), connection.cursor() as cursor:
        # The worker reads the speaker registry after claiming: this lock stops it right there.
        cursor.execute("LOCK TABLE annotations_speaker IN ACCESS EXCLUSIVE MODE")
        worker.start()
        deadline = time.monotonic() + 30
        while claim_state(article.pk)[:2] != ("running", "late") or not _someone_waits_for_a_lock():
            assert time.monotonic() < deadline, "the worker never got stuck"
            time.sleep(0.05)
        time.sleep(0.6)  # its heartbeat is now older than the stale threshold
        taken = article_prehighlight_claim_many(pairs=[(article.pk, 1)], token="next")
    worker.join(timeout=60)
    done = article_extract_quotes_batch(pairs=[(article.pk, 1)], token="next")

    assert errors == []
    assert list(taken) == [article.pk]
    assert (results[0].done, results[0].skipped) == ((), (article.pk,))
    assert [r.created for r in done.done] == [2]
    assert Quote.objects.filter(article=article).count() == 2
    assert claim_state(article.pk)[:2] == ("done", "next")
    finished = ChangeEvent.objects.filter(
        entity="article", object_id=article.pk, data__prehighlight_status="done"
    )
    assert finished.count() == 1


def _someone_waits_for_a_lock():
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0
