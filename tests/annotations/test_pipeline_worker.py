"""End to end through the real Redis broker and real Celery workers (in-thread and subprocess).

Run with your own REDIS_URL database (see /tmp/p2.md): the tests purge its Celery queue.
"""

import json
import os
import signal
import subprocess
import time
import uuid
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from annotations.models import Article, ChangeEvent, Quote, Review
from annotations.services.articles import article_create, article_update
from annotations.services.demo import demo_load
from annotations.services.reviews import quote_review_submit
from newsdesk.celery_app import app as celery_app
from newsdesk.devservices import lone_worker_command

pytestmark = [pytest.mark.worker]

BASE_DIR = Path(__file__).resolve().parents[2]
TWO_SPEAKERS = (
    "“We will build the new bridge before the winter,” Ana Reyes said on Monday.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def status_of(article):
    return Article.objects.values_list("prehighlight_status", flat=True).get(pk=article.pk)


def reset_producer_pools():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def pipeline_db(transactional_db):
    # Workers need committed rows, hence the transactional database (with serialized rollback,
    # as conftest gives every transactional test, so the migrated role groups are there).
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    # Close what the worker threads/processes left open so the test database can be flushed.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@contextmanager
def thread_worker():
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as worker:
        yield worker


def worker_env(**extra):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


@contextmanager
def subprocess_worker(pool="solo", beat_schedule=None, **env):
    """A Celery worker process; with `beat_schedule` (a file) it runs beat too, as make run's."""
    log = (BASE_DIR / "test-artifacts").joinpath(f"worker-{uuid.uuid4().hex[:8]}.log")
    log.parent.mkdir(exist_ok=True)
    beat = ["--beat", "-s", str(beat_schedule)] if beat_schedule else []
    with log.open("wb") as out:
        process = subprocess.Popen(
            lone_worker_command(
                f"pipeline-test-{uuid.uuid4().hex[:8]}", "-P", pool, "-c", "1", "-l", "INFO", *beat
            ),
            cwd=BASE_DIR,
            env=worker_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_pipeline_worker_prehighlights_the_seed_article(pipeline_db):
    with thread_worker():
        demo_load(with_users=False)
        article = Article.objects.get(url__endswith="nato-ukraine-2022-01")
        wait_for(lambda: status_of(article) == "done", what="pre-highlighting")

    quotes = {
        q.text[:24]: q for q in Quote.objects.filter(article=article).select_related("speaker")
    }
    assert quotes["NATO will not deploy NAT"].speaker.name == "Jens Stoltenberg"
    assert quotes["heightened alert"].speaker.name == "John Kirby"
    assert quotes["no intention of putting "].speaker.name == "Joe Biden"
    assert all(q.origin == "machine" and q.status == "candidate" for q in quotes.values())
    article.refresh_from_db()
    assert (article.prehighlight_revision, article.prehighlight_error) == (1, "")


def test_pipeline_worker_reextraction_after_edit_keeps_editor_decisions(pipeline_db, editor):
    with thread_worker():
        article = article_create(title="Council", body=TWO_SPEAKERS)
        wait_for(lambda: status_of(article) == "done", what="first run")
        bridge = Quote.objects.get(article=article, text__startswith="We will build")
        quote_review_submit(quote=bridge, user=editor, to_status="verified", expected_version=1)
        new_body = "“Taxes will not rise,” said Ana Reyes.\n\n" + TWO_SPEAKERS.replace(
            "books are open", "books are closed"
        )

        article_update(article=article, data={"body": new_body})
        wait_for(
            lambda: Article.objects.filter(
                pk=article.pk, prehighlight_status="done", prehighlight_revision=2
            ).exists(),
            what="second run",
        )

    bridge.refresh_from_db()
    assert (bridge.status, bridge.anchor) == ("verified", "anchored")
    assert new_body[bridge.start : bridge.end] == bridge.text
    texts = sorted(Quote.objects.filter(article=article).values_list("text", flat=True))
    assert texts == [
        "Taxes will not rise,",
        "The budget is balanced and the books are closed,",
        "We will build the new bridge before the winter,",
    ]


def test_pipeline_article_saved_while_redis_is_down_is_picked_up_by_the_sweep(
    pipeline_db, monkeypatch
):
    # Publishing goes to a closed port; the worker (reading) still uses the real Redis.
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:1/2")
    reset_producer_pools()
    started = time.monotonic()
    article = article_create(title="Council", body=TWO_SPEAKERS)
    save_seconds = time.monotonic() - started
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL")
    reset_producer_pools()

    # Not a speed test: a publish that hung on the dead broker would block the save for good.
    assert save_seconds < 15
    assert status_of(article) == "queued"
    assert Quote.objects.filter(article=article).count() == 0

    with thread_worker():
        call_command("prehighlight_sweep", "--older-than", "0")
        wait_for(lambda: status_of(article) == "done", what="sweep re-queue")

    assert Quote.objects.filter(article=article).count() == 2


def writing_sessions():
    """Sessions in the middle of a pre-highlight store: the COPY of new quotes, inside the
    batch's one write transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
            "AND query LIKE 'COPY %annotations_quote%'"
        )
        return cursor.fetchone()[0]


def open_transactions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        return cursor.fetchone()[0]


def ingest_long_articles(path, count):
    """A batch task with `count` long articles: seconds of real work for a worker."""
    path.write_text(
        "\n".join(json.dumps({"title": f"Long {n}", "body": _long_body(n)}) for n in range(count)),
        "utf-8",
    )
    call_command("ingest", str(path), stdout=StringIO(), stderr=StringIO())


def _long_body(n):
    # Real work, no test hook: a few thousand quotes per batch keep a worker busy for seconds.
    paragraph = (
        "“We will build the new bridge before the winter,” Ana Reyes said on Monday. "
        "The council met for hours and discussed the budget in great detail.\n\n"
        "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer.\n\n"
    )
    return f"Edition {n}.\n\n" + paragraph * 400


QUOTES_PER_LONG_ARTICLE = 800


def test_pipeline_worker_killed_mid_write_leaves_nothing_and_work_is_redelivered(
    pipeline_db, tmp_path
):
    with subprocess_worker() as doomed:
        ingest_long_articles(tmp_path / "long.jsonl", 6)
        wait_for(
            lambda: writing_sessions() == 1,
            timeout=90,
            what="the worker to be writing its batch",
        )
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    wait_for(lambda: open_transactions() == 0, what="PostgreSQL to roll back")

    assert Quote.objects.count() == 0
    assert set(Article.objects.values_list("prehighlight_status", flat=True)) == {"running"}

    # acks_late + the Redis visibility timeout: the unacknowledged task comes back, and takes
    # its own claims back at once (the claim's token is the task's id).
    with subprocess_worker(CELERY_BROKER_VISIBILITY_TIMEOUT=2):
        wait_for(
            lambda: Article.objects.filter(prehighlight_status="done").count() == 6,
            timeout=90,
            what="redelivery",
        )

    assert Quote.objects.count() == 6 * QUOTES_PER_LONG_ARTICLE


def test_pipeline_worker_soft_time_limit_marks_article_failed(pipeline_db, tmp_path):
    # Time limits need the prefork pool; the soft limit is one second, and the batch (16 long
    # articles, about 13,000 quotes) takes several even on an idle machine, where a batch of 6
    # could finish inside the second and never hit the limit.
    with subprocess_worker(
        pool="prefork", CELERY_TASK_SOFT_TIME_LIMIT=1, CELERY_TASK_TIME_LIMIT=30
    ):
        ingest_long_articles(tmp_path / "long.jsonl", 16)
        wait_for(
            lambda: Article.objects.filter(prehighlight_status="failed").count() == 16,
            timeout=90,
            what="failure",
        )

    assert {
        ("time limit" in error, revision)
        for error, revision in Article.objects.values_list(
            "prehighlight_error", "prehighlight_revision"
        )
    } == {(True, 1)}
    assert Quote.objects.count() == 0
    assert Review.objects.count() == 0


def test_pipeline_worker_bulk_ingest_prehighlights_every_article_in_batch_tasks(
    pipeline_db, tmp_path
):
    bodies = [TWO_SPEAKERS + f"\n\nEdition {n}." for n in range(30)]
    (tmp_path / "many.jsonl").write_text(
        "\n".join(json.dumps({"title": f"Council {n}", "body": b}) for n, b in enumerate(bodies))
        + "\n"
        + json.dumps({"title": "Copy", "body": bodies[0]}),
        "utf-8",
    )
    out = StringIO()

    with thread_worker():
        call_command("ingest", str(tmp_path / "many.jsonl"), stdout=out, stderr=StringIO())
        wait_for(
            lambda: Article.objects.filter(prehighlight_status="done").count() == 30,
            what="every article pre-highlighted",
        )

    assert "Imported 30, skipped 1, refused 0." in out.getvalue()
    assert Article.objects.count() == 30
    per_article = {
        article_id: sorted(texts)
        for article_id, texts in _texts_by_article(Quote.objects.values_list("article_id", "text"))
    }
    assert len(per_article) == 30
    assert set(map(tuple, per_article.values())) == {
        (
            "The budget is balanced and the books are open,",
            "We will build the new bridge before the winter,",
        )
    }
    assert set(Article.objects.values_list("prehighlight_revision", "prehighlight_error")) == {
        (1, "")
    }


def _texts_by_article(pairs):
    grouped = {}
    for article_id, text in pairs:
        grouped.setdefault(article_id, []).append(text)
    return grouped.items()


def test_pipeline_worker_killed_mid_batch_its_articles_are_done_once_within_45_s(
    pipeline_db, tmp_path
):
    articles = 6
    with subprocess_worker() as doomed:
        ingest_long_articles(tmp_path / "long.jsonl", articles)
        wait_for(
            lambda: Article.objects.filter(prehighlight_status="running").count() == articles,
            timeout=60,
            what="the worker to claim the batch",
        )
        doomed.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        doomed.wait(timeout=10)
    assert Article.objects.filter(prehighlight_status="done").count() == 0

    # What `make run` does next: a new worker, with beat, and the default settings.
    with subprocess_worker(pool="prefork", beat_schedule=tmp_path / "beat-schedule"):
        wait_for(
            lambda: Article.objects.filter(prehighlight_status="done").count() == articles,
            timeout=120,
            what="the dead worker's articles to be done",
        )
        took = time.monotonic() - killed_at

    assert took <= 45, f"{took:.0f} s from the kill until every article was done"
    # Processed exactly once: one finished run each, every quote once.
    finished = ChangeEvent.objects.filter(entity="article", data__prehighlight_status="done")
    assert sorted(finished.values_list("object_id", flat=True)) == sorted(
        Article.objects.values_list("pk", flat=True)
    )
    per_article = dict(
        Quote.objects.values("article_id").annotate(n=Count("id")).values_list("article_id", "n")
    )
    assert set(per_article.values()) == {QUOTES_PER_LONG_ARTICLE}
    assert Quote.objects.values("article_id", "start").distinct().count() == (
        QUOTES_PER_LONG_ARTICLE * articles
    )
    assert set(Article.objects.values_list("prehighlight_error", flat=True)) == {""}
