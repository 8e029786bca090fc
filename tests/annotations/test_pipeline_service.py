"""The pre-highlight service against the real database (no worker): idempotence, races,
stale revisions, editor decisions and speaker proposals."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from annotations.models import Article, Quote, Speaker
from annotations.selectors.prehighlight import speaker_proposals_for_article
from annotations.services.articles import article_create, article_update
from annotations.services.demo import demo_load
from annotations.services.prehighlight import (
    article_prehighlight_requeue,
    article_prehighlight_sweep,
)
from annotations.services.reviews import quote_review_submit
from annotations.services.speakers import speaker_upsert
from tests.annotations.pipeline_support import prehighlight_one

TWO_SPEAKERS = (
    "“We will build the new bridge before the winter,” Ana Reyes said on Monday.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)

ROW_FIELDS = (
    "id",
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


def rows(article):
    return list(Quote.objects.filter(article=article).order_by("start").values_list(*ROW_FIELDS))


def spans(article):
    return [(q.start, q.end) for q in Quote.objects.filter(article=article).order_by("start")]


def immediate_constraints():
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")


def requeue(article):
    Article.objects.filter(pk=article.pk).update(prehighlight_status="queued")


@pytest.fixture
def demo_article(db, django_capture_on_commit_callbacks):
    # Callbacks are captured but not run: these tests drive the service directly.
    with django_capture_on_commit_callbacks(execute=False):
        demo_load(with_users=False)
    return Article.objects.get(url__endswith="nato-ukraine-2022-01")


def quote_starting(article, words):
    return Quote.objects.select_related("speaker").get(article=article, text__startswith=words)


def test_article_extract_quotes_attributes_demo_quotes_to_registry_speakers(demo_article):
    result = prehighlight_one(article_id=demo_article.pk, revision=1)

    assert result is not None and result.created == Quote.objects.count() > 5
    assert quote_starting(demo_article, "NATO will not deploy").speaker.name == "Jens Stoltenberg"
    assert quote_starting(demo_article, "heightened alert").speaker.name == "John Kirby"
    assert quote_starting(demo_article, "no intention of putting").speaker.name == "Joe Biden"
    kirby = quote_starting(demo_article, "heightened alert")
    assert demo_article.body[kirby.speaker_mention_start : kirby.speaker_mention_end] == (
        "John Kirby"
    )
    assert kirby.prefix == demo_article.body[kirby.start - 32 : kirby.start]
    assert kirby.suffix == demo_article.body[kirby.end : kirby.end + 32]
    demo_article.refresh_from_db()
    assert demo_article.prehighlight_status == "done"
    assert demo_article.prehighlight_revision == 1
    assert demo_article.prehighlight_started_at <= demo_article.prehighlight_finished_at
    immediate_constraints()


def test_article_extract_quotes_twice_gives_identical_rows(demo_article):
    prehighlight_one(article_id=demo_article.pk, revision=1)
    first = rows(demo_article)
    requeue(demo_article)

    second_result = prehighlight_one(article_id=demo_article.pk, revision=1)

    assert rows(demo_article) == first
    assert second_result.created == second_result.deleted == second_result.updated == 0


def test_article_extract_quotes_done_revision_is_not_claimed_again(demo_article):
    prehighlight_one(article_id=demo_article.pk, revision=1)

    assert prehighlight_one(article_id=demo_article.pk, revision=1) is None


def test_article_extract_quotes_stale_revision_is_a_noop(demo_article):
    article_update(article=demo_article, data={"body": demo_article.body + "\n\nOne more line."})

    assert prehighlight_one(article_id=demo_article.pk, revision=1) is None
    assert Quote.objects.count() == 0
    demo_article.refresh_from_db()
    assert (demo_article.revision, demo_article.prehighlight_status) == (2, "queued")


def test_article_extract_quotes_missing_article_is_a_noop(db):
    assert prehighlight_one(article_id=987654, revision=1) is None


def test_article_extract_quotes_query_count_does_not_grow_with_quotes(
    demo_article, django_assert_max_num_queries
):
    # Bulk writes: a fixed number of statements however many candidates there are. 14 for the
    # store, 7 for linking the quotes into families (select, lock, candidates, similarities
    # within the batch, families, members, refresh).
    with django_assert_max_num_queries(21):
        result = prehighlight_one(article_id=demo_article.pk, revision=1)
    assert result.created > 10


@pytest.mark.django_db(transaction=True)
def test_article_extract_quotes_concurrent_runs_give_identical_rows(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        demo_load(with_users=False)
    article = Article.objects.get()
    prehighlight_one(article_id=article.pk, revision=1)
    expected = [row[1:] for row in rows(article)]
    Quote.objects.all().delete()
    requeue(article)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            # One token (a task delivered twice): both threads claim and try to store, the
            # worst case for races.
            results.append(prehighlight_one(article_id=article.pk, revision=1, token="twice"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Whichever order the threads ran in (the second may find the work done and do nothing,
    # or rewrite identical rows), each quote was created exactly once.
    assert sum(r.created for r in results if r is not None) == len(expected)
    assert [row[1:] for row in rows(article)] == expected


def test_article_extract_quotes_never_touches_editor_decisions(demo_article, editor):
    prehighlight_one(article_id=demo_article.pk, revision=1)
    verified = quote_starting(demo_article, "NATO will not deploy")
    quote_review_submit(quote=verified, user=editor, to_status="verified", expected_version=1)
    rejected = quote_starting(demo_article, "DIDN’T SHY AWAY")
    quote_review_submit(quote=rejected, user=editor, to_status="not_a_quote", expected_version=1)
    # An editor re-labels a machine candidate's speaker: reviews make it editor-touched too.
    reopened = quote_starting(demo_article, "heightened alert")
    quote_review_submit(quote=reopened, user=editor, to_status="verified", expected_version=1)
    quote_review_submit(quote=reopened, user=editor, to_status="candidate", expected_version=2)
    # An editor's own quote over words the extractor also finds, with a wider span.
    biden = quote_starting(demo_article, "no intention of putting")
    start = biden.start - 1
    editor_quote = Quote.objects.create(
        article=demo_article,
        start=start,
        end=biden.end + 1,
        text=demo_article.body[start : biden.end + 1],
        origin="editor",
        updated_by=editor,
    )
    biden.delete()
    before = {
        q.pk: (q.start, q.end, q.text, q.status, q.version, q.speaker_id)
        for q in Quote.objects.filter(
            pk__in=[verified.pk, rejected.pk, reopened.pk, editor_quote.pk]
        )
    }
    requeue(demo_article)

    result = prehighlight_one(article_id=demo_article.pk, revision=1)

    after = {
        q.pk: (q.start, q.end, q.text, q.status, q.version, q.speaker_id)
        for q in Quote.objects.filter(pk__in=before)
    }
    assert after == before
    assert result.blocked == 4
    overlapping = Quote.objects.filter(
        article=demo_article, start__lt=editor_quote.end, end__gt=editor_quote.start
    )
    assert list(overlapping) == [editor_quote]
    immediate_constraints()


def test_article_extract_quotes_replaces_only_untouched_machine_candidates(demo_article):
    prehighlight_one(article_id=demo_article.pk, revision=1)
    body = demo_article.body
    # A machine candidate the extractor no longer produces (e.g. from an older engine).
    start = body.index("The United States")
    gone = Quote.objects.create(
        article=demo_article, start=start, end=start + 17, text=body[start : start + 17]
    )
    # The same kind of leftover, but an editor verified it.
    start = body.index("Those fears")
    kept = Quote.objects.create(
        article=demo_article,
        start=start,
        end=start + 11,
        text=body[start : start + 11],
        status="verified",
        version=2,
    )
    requeue(demo_article)

    result = prehighlight_one(article_id=demo_article.pk, revision=1)

    assert result.deleted == 1
    assert not Quote.objects.filter(pk=gone.pk).exists()
    assert Quote.objects.get(pk=kept.pk).status == "verified"


def test_article_extract_quotes_proposes_unknown_speakers_without_creating_them(db):
    speaker_upsert(name="Tom Okafor", aliases=["Okafor"])
    article = article_create(title="Bridge", body=TWO_SPEAKERS)

    result = prehighlight_one(article_id=article.pk, revision=1)

    reyes = Quote.objects.get(article=article, text__startswith="We will build")
    assert (reyes.speaker, reyes.speaker_mention) == (None, "Ana Reyes")
    okafor = Quote.objects.get(article=article, text__startswith="The budget")
    assert okafor.speaker.name == "Tom Okafor"
    assert result.proposals == ("Ana Reyes",)
    assert speaker_proposals_for_article(article=article) == ["Ana Reyes"]
    assert not Speaker.objects.filter(name="Ana Reyes").exists()


def test_speaker_proposals_for_article_drops_names_that_became_speakers(db):
    article = article_create(title="Bridge", body=TWO_SPEAKERS)
    prehighlight_one(article_id=article.pk, revision=1)

    speaker_upsert(name="Ana Reyes")

    assert speaker_proposals_for_article(article=article) == ["Tom Okafor"]


def test_article_extract_quotes_resolves_speakers_added_later_on_rerun(db):
    article = article_create(title="Bridge", body=TWO_SPEAKERS)
    prehighlight_one(article_id=article.pk, revision=1)
    reyes = speaker_upsert(name="Ana Reyes")

    article_prehighlight_requeue(article_ids=[article.pk])
    prehighlight_one(article_id=article.pk, revision=1)

    assert Quote.objects.get(article=article, text__startswith="We will build").speaker == reyes


def ago(seconds):
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_article_prehighlight_sweep_picks_only_lost_work(db, settings):
    settings.NEWSDESK_PREHIGHLIGHT_REQUEUE_AFTER = 60
    settings.NEWSDESK_PREHIGHLIGHT_STALE_SECONDS = 300
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def make(title, **fields):
        article = article_create(title=title, body=f"Body of {title}.")
        Article.objects.filter(pk=article.pk).update(
            **{"prehighlight_queued_at": ago(600), **fields}
        )
        return article.pk

    lost = make("queued long ago", prehighlight_queued_at=ago(120))
    fresh = make("queued just now", prehighlight_queued_at=ago(5))
    dead = make(
        "running, worker died", prehighlight_status="running", prehighlight_started_at=ago(600)
    )
    alive = make("running now", prehighlight_status="running", prehighlight_started_at=ago(10))
    done = make(
        "done", prehighlight_status="done", prehighlight_revision=1, prehighlight_queued_at=ago(600)
    )
    outdated = make(
        "done for an older body",
        prehighlight_status="done",
        prehighlight_revision=1,
        revision=2,
        prehighlight_queued_at=ago(600),
    )
    failed = make(
        "failed",
        prehighlight_status="failed",
        prehighlight_revision=1,
        prehighlight_queued_at=ago(600),
    )

    result = article_prehighlight_sweep()

    requeued = set(
        Article.objects.filter(prehighlight_queued_at__gt=ago(3)).values_list("pk", flat=True)
    )
    assert requeued == {lost, dead, outdated}
    assert result.queued == 3
    statuses = dict(Article.objects.values_list("pk", "prehighlight_status"))
    assert [statuses[pk] for pk in (fresh, alive, done, failed)] == [
        "queued",
        "running",
        "done",
        "failed",
    ]
