"""Bringing articles in: parsing, cleaning, duplicates and upload batches, against PostgreSQL."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from annotations.models import Article, IngestBatch, IngestRow, body_fingerprint
from annotations.services import ingest as ingest_module
from annotations.services.ingest import (
    Refused,
    article_ingest,
    batch_records,
    clean_record,
    ingest_batch_create,
    ingest_batch_run,
    ingest_batch_sweep,
)
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "“We will reopen the ferry in May,” the harbour master said on Friday."


def jsonl(*records):
    return "\n".join(json.dumps(r) for r in records).encode()


@pytest.fixture
def editor_user():
    return UserFactory(username="ines", role="editor")


def test_body_fingerprint_ignores_typesetting_but_not_words():
    typed = "“We will reopen,” she said.\r\n\r\nThe ferry waits."
    pasted = '"We  will reopen," she said.\n\nthe ferry waits.'
    assert body_fingerprint(typed) == body_fingerprint(pasted)
    assert body_fingerprint(typed) != body_fingerprint(typed.replace("reopen", "close"))


def test_article_ingest_links_a_duplicate_body_instead_of_creating_one(editor_user):
    first = article_ingest(user=editor_user, data=clean_record({"title": "Ferry", "body": BODY}))
    again = article_ingest(
        user=editor_user,
        data=clean_record({"title": "Ferry (copy)", "body": BODY.replace("“", '"') + "\n"}),
    )
    assert (first.created, again.created) == (True, False)
    assert again.article.pk == first.article.pk
    assert Article.objects.count() == 1


def test_article_ingest_links_a_duplicate_url(editor_user):
    existing = ArticleFactory(url="https://ledger.example/ferry")
    outcome = article_ingest(
        user=editor_user,
        data=clean_record(
            {"title": "Other", "body": "Different words.", "url": "https://ledger.example/ferry"}
        ),
    )
    assert (outcome.created, outcome.article.pk) == (False, existing.pk)


def test_article_ingest_is_for_editors_only():
    reporter = UserFactory(username="rita", role="reporter")
    with pytest.raises(PermissionDenied):
        article_ingest(user=reporter, data=clean_record({"title": "T", "body": BODY}))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"body": BODY}, "missing title"),
        ({"title": "T", "body": "  "}, "missing body"),
        ({"title": "T", "body": BODY, "author": "X"}, "unknown field(s): author"),
        ({"title": "T", "body": BODY, "url": "javascript:alert(1)"}, "bad URL"),
        ({"title": "T", "body": BODY, "published_at": "last tuesday"}, "not an ISO 8601"),
    ],
)
def test_clean_record_refuses_with_a_reason(record, reason):
    with pytest.raises(Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        clean_record(record)


def test_csv_records_read_quoted_cells_and_name_their_lines():
    text = (
        'title,body,outlet\n"Ferry, again","“We will reopen,” she said.\nSecond line.",Ledger\n'
        "Empty body,,Ledger\n"
    )
    records = list(batch_records("csv", text))
    assert [r.source for r in records] == ["line 3", "line 4"]
    assert records[0].data == {
        "title": "Ferry, again",
        "body": "“We will reopen,” she said.\nSecond line.",
        "outlet": "Ledger",
    }
    assert records[1].data == {"title": "Empty body", "outlet": "Ledger"}


def test_csv_with_unknown_columns_is_refused_as_a_whole():
    with pytest.raises(Refused, match="unknown column\\(s\\): author"):
        list(batch_records("csv", "title,body,author\nT,B,A\n"))


def test_batch_imports_every_row_once_and_accounts_for_each(editor_user):
    existing = ArticleFactory(url="https://ledger.example/old", body="An old story.")
    content = (
        jsonl(
            {"title": "One", "body": "“First,” said Ana."},
            {"title": "Two", "text": "“Second,” said Ben."},
            {"title": "Dup of old", "body": "Other words.", "url": "https://ledger.example/old"},
            {"title": "Dup of one", "body": "“First,”  said Ana."},
            {"title": "No body"},
        )
        + b"\nnot json\n"
    )
    batch = ingest_batch_create(user=editor_user, filename="feed.jsonl", content=content)
    assert (batch.total, batch.status) == (6, "queued")

    done = ingest_batch_run(batch_id=batch.pk)

    assert (done.status, done.processed, done.accepted, done.duplicates, done.refused) == (
        "done",
        6,
        2,
        2,
        2,
    )
    assert done.content == ""  # the upload is not kept once imported
    rows = {r.position: r for r in IngestRow.objects.filter(batch=batch)}
    one = Article.objects.get(title="One")
    assert (rows[3].outcome, rows[3].article_id) == ("duplicate", existing.pk)
    assert (rows[4].outcome, rows[4].article_id) == ("duplicate", one.pk)
    assert (rows[5].outcome, rows[5].reason) == ("refused", "missing body")
    assert (rows[6].outcome, rows[6].source) == ("refused", "line 6")
    assert rows[6].reason.startswith("invalid JSON")
    assert Article.objects.filter(title="Two").get().created_by == editor_user
    assert Article.objects.count() == 3


def test_batch_resumes_after_the_last_committed_chunk(editor_user):
    records = [{"title": f"Story {n}", "body": f"“Words number {n},” she said."} for n in range(7)]
    batch = ingest_batch_create(user=editor_user, filename="feed.jsonl", content=jsonl(*records))
    # A worker died after the first three rows were committed (as a chunk would be).
    first = list(batch_records(batch.format, batch.content))[:3]
    with transaction.atomic():
        ingest_module._record_outcomes(
            IngestBatch.objects.get(pk=batch.pk), 0, first, ingest_module.PrehighlightPublisher()
        )
    IngestBatch.objects.filter(pk=batch.pk).update(status="running")

    done = ingest_batch_run(batch_id=batch.pk)

    assert (done.processed, done.accepted, done.duplicates) == (7, 7, 0)
    assert Article.objects.count() == 7
    assert sorted(IngestRow.objects.values_list("position", flat=True)) == list(range(1, 8))


def test_batch_run_twice_does_nothing_the_second_time(editor_user):
    batch = ingest_batch_create(
        user=editor_user, filename="a.jsonl", content=jsonl({"title": "T", "body": BODY})
    )
    ingest_batch_run(batch_id=batch.pk)
    assert ingest_batch_run(batch_id=batch.pk) is None
    assert IngestRow.objects.count() == 1


def test_batch_of_nothing_or_the_wrong_type_is_refused_at_upload(editor_user):
    with pytest.raises(Refused, match="holds no articles"):
        ingest_batch_create(user=editor_user, filename="empty.jsonl", content=b"\n\n")
    with pytest.raises(Refused, match="not UTF-8"):
        ingest_batch_create(user=editor_user, filename="latin.csv", content=b"title,body\n\xe9,x")
    assert IngestBatch.objects.count() == 0


def test_batch_is_queued_after_commit_and_swept_when_left(
    editor_user, monkeypatch, django_capture_on_commit_callbacks
):
    from annotations import tasks

    sent = []
    monkeypatch.setattr(tasks.ingest_batch_task, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        batch = ingest_batch_create(
            user=editor_user, filename="a.jsonl", content=jsonl({"title": "T", "body": BODY})
        )
    assert sent == [batch.pk]
    IngestBatch.objects.filter(pk=batch.pk).update(status="running")
    done = IngestBatch.objects.create(
        created_by=editor_user, filename="b.jsonl", format="jsonl", status="done"
    )

    assert ingest_batch_sweep(stale_after=3600) == 0  # still fresh
    assert ingest_batch_sweep(stale_after=-1) == 1
    assert sent == [batch.pk, batch.pk]
    assert done.pk not in sent


def test_file_records_refuse_json_nested_too_deeply_instead_of_crashing():
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    for name in ("deep.json", "deep.jsonl"):
        (record,) = ingest_module.file_records(name, deep)
        assert (record.data, record.error) == (None, "invalid JSON: nested too deeply")
