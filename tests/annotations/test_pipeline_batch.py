"""Batch pre-highlighting and bulk ingest against the real database (the worker end to end is
in test_pipeline_worker.py): one code path for one article or many, the same guarantees."""

import threading

import pytest
from django.db import connection, connections

from annotations.models import Article, Quote, body_hash
from annotations.services.articles import article_bulk_create, article_create, article_update
from annotations.services.prehighlight import (
    PrehighlightPublisher,
    article_extract_quotes_batch,
)
from annotations.services.reviews import quote_review_submit
from annotations.tasks import article_prehighlight_batch_task
from newsdesk.celery_app import app as celery_app
from tests.annotations.pipeline_support import prehighlight_one
from tests.db_logins import owner_connection

BRIDGE = (
    "“We will build the new bridge before the winter,” Ana Reyes said on Monday.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)
HARBOUR = (
    "“The harbour will reopen in May,” said Lena Park, the port director.\n\n"
    "“Fishing boats come first,” Park added, “and the ferries after them.”"
)

SCHOOL = "“Every school gets a new roof this year,” the mayor said on Friday."

ROW_FIELDS = (
    "start",
    "end",
    "text",
    "prefix",
    "suffix",
    "speaker_id",
    "speaker_mention",
    "speaker_mention_start",
    "speaker_mention_end",
    "cue",
    "confidence",
    "status",
    "origin",
    "version",
    "anchor",
    "article_revision",
)
STATUS_FIELDS = ("revision", "prehighlight_status", "prehighlight_revision", "prehighlight_error")


def rows(article_id):
    return list(
        Quote.objects.filter(article_id=article_id).order_by("start").values_list(*ROW_FIELDS)
    )


def status(article_id):
    return Article.objects.values_list(*STATUS_FIELDS).get(pk=article_id)


def requeue(*article_ids):
    Article.objects.filter(pk__in=article_ids).update(prehighlight_status="queued")


def scenario(editor):
    """Three articles: a fresh one, one edited since it was queued, one an editor worked on.

    Returns the (article_id, revision) pairs a task would carry.
    """
    fresh = article_create(title="Bridge", body=BRIDGE)
    edited = article_create(title="Harbour", body=HARBOUR)
    article_update(article=edited, data={"body": HARBOUR + "\n\nUpdated at noon."})
    touched = article_create(title="School", body=SCHOOL + "\n\n" + BRIDGE)
    prehighlight_one(article_id=touched.pk, revision=1)
    roof = Quote.objects.get(article=touched, text__startswith="Every school")
    quote_review_submit(quote=roof, user=editor, to_status="verified", expected_version=1)
    budget = Quote.objects.get(article=touched, text__startswith="The budget")
    quote_review_submit(quote=budget, user=editor, to_status="not_a_quote", expected_version=1)
    requeue(touched.pk)
    # The edited article's task still carries revision 1: it must be a no-op.
    return [(fresh.pk, 1), (edited.pk, 1), (touched.pk, 1)]


def reset_producer_pools():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def outcome(pairs, results):
    by_id = {r.article_id: r for r in results}
    return [
        (
            rows(article_id),
            status(article_id),
            None
            if article_id not in by_id
            else (
                by_id[article_id].created,
                by_id[article_id].updated,
                by_id[article_id].deleted,
                by_id[article_id].blocked,
                by_id[article_id].proposals,
            ),
        )
        for article_id, _ in pairs
    ]


def test_article_extract_quotes_batch_behaves_exactly_like_single_processing(
    db, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        single_pairs = scenario(editor)
        batch_pairs = scenario(editor)
    single_results = [prehighlight_one(article_id=a, revision=r) for a, r in single_pairs]

    batch = article_extract_quotes_batch(pairs=batch_pairs)

    assert outcome(batch_pairs, batch.done) == outcome(
        single_pairs, [r for r in single_results if r is not None]
    )
    assert single_results[1] is None
    assert batch.skipped == (batch_pairs[1][0],)
    assert batch.failed == ()
    touched = batch_pairs[2][0]
    assert Quote.objects.get(article_id=touched, text__startswith="Every school").status == (
        "verified"
    )
    assert Quote.objects.get(article_id=touched, text__startswith="The budget").status == (
        "not_a_quote"
    )
    assert status(batch_pairs[1][0]) == (2, "queued", None, "")
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_article_extract_quotes_batch_twice_gives_identical_rows(
    db, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        pairs = scenario(editor)
    article_extract_quotes_batch(pairs=pairs)
    first = [rows(a) for a, _ in pairs]
    done_again = article_extract_quotes_batch(pairs=pairs)
    requeue(*(a for a, _ in pairs))

    again = article_extract_quotes_batch(pairs=pairs)

    assert done_again.done == ()
    assert [rows(a) for a, _ in pairs] == first
    assert [(r.created, r.updated, r.deleted) for r in again.done] == [(0, 0, 0), (0, 0, 0)]


def test_article_extract_quotes_batch_query_count_does_not_grow_with_articles(
    db, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=False):
        articles = [article_create(title=f"Bridge {n}", body=f"{BRIDGE}\n\n{n}") for n in range(12)]

    # Claim, registry, savepoint, locks, aliases, COPY, status: not per article. Linking into
    # families adds 7 (select, lock, candidates, similarities within the batch, families,
    # members, refresh).
    with django_assert_max_num_queries(17):
        result = article_extract_quotes_batch(pairs=[(a.pk, 1) for a in articles])

    assert [r.created for r in result.done] == [2] * 12
    assert Quote.objects.count() == 24


@pytest.fixture
def quotes_of_refused_articles_are_refused(django_db_setup):
    """A real database refusal: a trigger that refuses quotes of articles titled "Refused".

    Creating it takes the table's owner, so an owner connection commits it; listed before
    `db`, this fixture drops it only after the test's own transaction has rolled back.
    """
    with owner_connection(autocommit=True) as conn:
        conn.execute(
            """
            CREATE FUNCTION test_refuse_quotes() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM annotations_article
                            WHERE id = NEW.article_id AND title = 'Refused') THEN
                    RAISE EXCEPTION 'the database refuses quotes of this article';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse_quotes BEFORE INSERT ON annotations_quote
                FOR EACH ROW EXECUTE FUNCTION test_refuse_quotes();
            """
        )
    yield
    with owner_connection(autocommit=True) as conn:
        conn.execute("DROP TRIGGER test_refuse_quotes ON annotations_quote")
        conn.execute("DROP FUNCTION test_refuse_quotes()")


def test_article_extract_quotes_batch_failure_marks_only_that_article_failed(
    quotes_of_refused_articles_are_refused, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        good = article_create(title="Bridge", body=BRIDGE)
        bad = article_create(title="Refused", body=HARBOUR)
        other = article_create(title="School", body=SCHOOL)

    result = article_extract_quotes_batch(pairs=[(good.pk, 1), (bad.pk, 1), (other.pk, 1)])

    assert [r.article_id for r in result.done] == [good.pk, other.pk]
    assert [article_id for article_id, _ in result.failed] == [bad.pk]
    assert status(bad.pk)[1:3] == ("failed", 1)
    assert "refuses quotes of this article" in status(bad.pk)[3]
    assert status(good.pk)[1:] == ("done", 1, "")
    assert status(other.pk)[1:] == ("done", 1, "")
    assert Quote.objects.filter(article=bad).count() == 0
    assert Quote.objects.filter(article=good).count() == 2


@pytest.mark.django_db(transaction=True)
def test_article_extract_quotes_batch_overlapping_concurrent_batches_agree(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        articles = [
            article_create(title=f"Story {n}", body=f"{body}\n\n{n}")
            for n, body in enumerate([BRIDGE, HARBOUR, SCHOOL, BRIDGE])
        ]
    pairs = [(a.pk, 1) for a in articles]
    article_extract_quotes_batch(pairs=pairs)
    expected = [rows(a.pk) for a in articles]
    Quote.objects.all().delete()
    requeue(*(a.pk for a in articles))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run(batch):
        try:
            barrier.wait()
            # Opposite orders and one token (a task delivered twice), so both claim and both
            # try to store: the worst case for lock ordering and races.
            results.append(article_extract_quotes_batch(pairs=batch, token="twice"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(pairs,)),
        threading.Thread(target=run, args=(pairs[::-1],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [rows(a.pk) for a in articles] == expected
    created = {}
    for result in results:
        for r in result.done:
            created[r.article_id] = created.get(r.article_id, 0) + r.created
    assert created == {a.pk: len(e) for a, e in zip(articles, expected, strict=True)}
    assert {status(a.pk)[1] for a in articles} == {"done"}


def test_article_bulk_create_reports_every_record_and_skips_duplicates(db, editor, settings):
    settings.NEWSDESK_MAX_ARTICLE_CHARS = 200
    Article.objects.create(title="Old", body="Old body.", url="https://x.example/old")
    records = [
        {"title": "New", "body": "New body.", "url": "https://x.example/new"},  # 0 created
        {"title": "Same URL as old", "body": "B1.", "url": "https://x.example/old"},  # 1 skip
        {"title": "Same body as old", "body": "Old body."},  # 2 skipped
        {"title": "Same URL as 0", "body": "B3.", "url": "https://x.example/new"},  # 3 skipped
        {"title": "Same body as 0", "body": "New body."},  # 4 skipped
        {"title": "", "body": "No title."},  # 5 refused
        {"title": "Long", "body": "x" * 201},  # 6 refused
        {"title": "Bad URL", "body": "B7.", "url": "javascript:alert(1)"},  # 7 refused
        {"title": "NUL", "body": "B8 \x00."},  # 8 refused
        {"title": "Extra", "body": "B9.", "colour": "red"},  # 9 refused
        {"title": "Plain", "body": "Plain body.", "outlet": "Gazette"},  # 10 created
    ]

    with pytest.MonkeyPatch.context() as patch:
        sent = []
        patch.setattr(article_prehighlight_batch_task, "delay", sent.append)
        result = article_bulk_create(records=records, created_by=editor)

    assert [i for i, _ in result.created] == [0, 10]
    assert dict(result.skipped) == {
        1: "duplicate URL https://x.example/old",
        2: "duplicate body (same text already imported)",
        3: "duplicate URL https://x.example/new",
        4: "duplicate body (same text already imported)",
    }
    refused = dict(result.refused)
    assert sorted(refused) == [5, 6, 7, 8, 9]
    assert refused[5] == "title: This field cannot be blank."
    assert "201 characters; the limit is 200" in refused[6]
    assert refused[7].startswith("url: ") and "Only http:// and https:// links" in refused[7]
    assert "NUL" in refused[8]
    assert refused[9] == "unknown field(s): colour"
    new = Article.objects.get(url="https://x.example/new")
    assert (new.prehighlight_status, new.created_by, new.revision) == ("queued", editor, 1)
    assert new.body_hash == body_hash("New body.")
    assert Article.objects.get(title="Plain").outlet == "Gazette"
    assert Article.objects.count() == 3
    # Nothing is published before the transaction commits (the test never commits).
    assert sent == []


def test_article_bulk_create_publishes_batch_tasks_after_commit(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(article_prehighlight_batch_task, "delay", sent.append)
    records = [{"title": f"T{n}", "body": f"Body {n}."} for n in range(7)]

    with django_capture_on_commit_callbacks(execute=True):
        result = article_bulk_create(records=records, publisher=PrehighlightPublisher(batch_size=3))

    ids = [article.pk for _, article in result.created]
    assert sent == [
        [[ids[0], 1], [ids[1], 1], [ids[2], 1]],
        [[ids[3], 1], [ids[4], 1], [ids[5], 1]],
        [[ids[6], 1]],
    ]


def test_prehighlight_publisher_stops_after_the_first_broker_failure(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    publisher = PrehighlightPublisher(batch_size=2)
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:1/2")
    reset_producer_pools()
    records = [{"title": f"T{n}", "body": f"Body {n}."} for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        first = article_bulk_create(records=records[:3], publisher=publisher)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL")
    reset_producer_pools()

    # The broker is back, but this run already knows it failed: the rest is left to the sweep.
    with django_capture_on_commit_callbacks(execute=True):
        second = article_bulk_create(records=records[3:], publisher=publisher)

    assert (len(first.created), len(second.created)) == (3, 2)
    assert (publisher.broker_down, publisher.published, publisher.unpublished) == (True, 0, 5)
    assert set(Article.objects.values_list("prehighlight_status", flat=True)) == {"queued"}
