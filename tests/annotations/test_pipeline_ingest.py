"""manage.py ingest / prehighlight: every record is imported, skipped or refused with a reason."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from annotations.models import Article

HTML = """<html><head><title>Bridge plan | Example News</title>
<meta property="og:title" content="Council backs the bridge plan">
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://news.example.org/2024/bridge">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
</head><body><nav>Home | World | Sport</nav>
<article><h1>Council backs the bridge plan</h1>
<p>“We will build the new bridge before the winter,” Ana Reyes said on Monday at the town hall.</p>
<p>The treasurer said the budget for the project was balanced and that the books were open.</p>
</article><footer>Copyright Example News</footer></body></html>"""


def ingest(*paths):
    out = StringIO()
    call_command("ingest", *map(str, paths), stdout=out, stderr=StringIO())
    return out.getvalue()


def ingest_refusing(*paths):
    out = StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("ingest", *map(str, paths), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_ingest_txt_uses_first_line_as_title_and_queues_it(tmp_path):
    (tmp_path / "a.txt").write_text("The title\n\nFirst paragraph.\nSecond.\n", "utf-8")

    output = ingest(tmp_path / "a.txt")

    article = Article.objects.get()
    assert (article.title, article.body) == ("The title", "First paragraph.\nSecond.")
    assert article.prehighlight_status == "queued"
    assert "Imported 1, skipped 0, refused 0." in output


@pytest.mark.django_db
def test_ingest_json_object_list_and_jsonl_with_metadata(tmp_path):
    (tmp_path / "one.json").write_text(
        json.dumps(
            {
                "title": "One",
                "body": "Body one.",
                "url": "https://x.example/1",
                "outlet": "X",
                "byline": "A. Writer",
                "published_at": "2024-01-02T03:04:05+01:00",
                "language": "fr",
            }
        ),
        "utf-8",
    )
    (tmp_path / "many.json").write_text(
        json.dumps(
            [
                {"title": "Two", "body": "Body two."},
                {"title": "Three", "text": "Body three."},
            ]
        ),
        "utf-8",
    )
    (tmp_path / "lines.jsonl").write_text(
        json.dumps({"title": "Four", "body": "Body four.", "published_at": "2024-05-06"})
        + "\n\n"
        + json.dumps({"title": "Five", "body": "Body five."})
        + "\n",
        "utf-8",
    )

    output = ingest(tmp_path)

    assert "Imported 5, skipped 0, refused 0." in output
    one = Article.objects.get(title="One")
    assert (one.url, one.outlet, one.byline, one.language) == (
        "https://x.example/1",
        "X",
        "A. Writer",
        "fr",
    )
    assert one.published_at.isoformat() == "2024-01-02T02:04:05+00:00"
    assert Article.objects.get(title="Three").body == "Body three."
    assert Article.objects.get(title="Four").published_at.isoformat() == "2024-05-06T00:00:00+00:00"


@pytest.mark.django_db
def test_ingest_html_extracts_main_text_and_metadata(tmp_path):
    (tmp_path / "page.html").write_text(HTML, "utf-8")

    ingest(tmp_path / "page.html")

    article = Article.objects.get()
    assert article.title == "Council backs the bridge plan"
    assert article.body.startswith("“We will build the new bridge")
    assert "Home | World" not in article.body
    assert "Copyright" not in article.body
    assert (article.url, article.outlet) == ("https://news.example.org/2024/bridge", "Example News")
    assert article.published_at.date().isoformat() == "2024-03-05"


@pytest.mark.django_db
def test_ingest_skips_duplicate_urls_and_bodies_and_says_so(tmp_path):
    rows = [
        {"title": "A", "body": "Same body.", "url": "https://x.example/a"},
        {"title": "A again", "body": "Other body.", "url": "https://x.example/a"},
        {"title": "Copy", "body": "Same body."},
    ]
    (tmp_path / "dups.jsonl").write_text("\n".join(map(json.dumps, rows)), "utf-8")

    output = ingest(tmp_path / "dups.jsonl")
    again = ingest(tmp_path / "dups.jsonl")

    assert Article.objects.count() == 1
    assert "Imported 1, skipped 2, refused 0." in output
    assert "dups.jsonl:2: duplicate URL https://x.example/a" in output
    assert "dups.jsonl:3: duplicate body" in output
    assert "Imported 0, skipped 3, refused 0." in again


@pytest.mark.django_db
def test_ingest_refuses_bad_records_with_reasons_and_fails(tmp_path, settings):
    settings.NEWSDESK_MAX_ARTICLE_CHARS = 100
    rows = [
        '{"title": "Good", "body": "Fine body."}',
        "{not json",
        '{"title": "", "body": "No title."}',
        '{"title": "No body"}',
        '{"title": "Long", "body": "' + "x" * 101 + '"}',
        '{"title": "Bad URL", "body": "b1", "url": "javascript:alert(1)"}',
        '{"title": "Bad date", "body": "b2", "published_at": "yesterday"}',
        '["a list"]',
        '{"title": 5, "body": "b3"}',
    ]
    (tmp_path / "mixed.jsonl").write_text("\n".join(rows), "utf-8")
    (tmp_path / "broken.json").write_text("[{", "utf-8")
    (tmp_path / "latin1.txt").write_bytes("Título\ncafé".encode("latin-1"))
    (tmp_path / "notes.docx").write_bytes(b"PK")

    output = ingest_refusing(
        tmp_path / "mixed.jsonl",
        tmp_path / "broken.json",
        tmp_path / "latin1.txt",
        tmp_path / "missing.txt",
        tmp_path / "notes.docx",
    )

    assert Article.objects.get().title == "Good"
    assert "Imported 1, skipped 0, refused 12." in output
    for expected in (
        "mixed.jsonl:2: invalid JSON",
        "mixed.jsonl:3: missing title",
        "mixed.jsonl:4: missing body",
        "mixed.jsonl:5: body is 101 characters; the limit is 100",
        "mixed.jsonl:6: bad URL",
        "mixed.jsonl:7: published_at 'yesterday' is not an ISO 8601 date",
        "mixed.jsonl:8: expected a JSON object, got list",
        "mixed.jsonl:9: title must be a string, got int",
        "broken.json: invalid JSON",
        "latin1.txt: not UTF-8 text",
        "missing.txt: no such file or directory",
        "notes.docx: unsupported file type '.docx'",
    ):
        assert expected in output


@pytest.mark.django_db
def test_ingest_directory_is_recursive_and_lists_ignored_files(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "a.txt").write_text("Deep\nDeep body.", "utf-8")
    (tmp_path / "b.txt").write_text("Top\nTop body.", "utf-8")
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG")

    output = ingest(tmp_path)

    assert sorted(Article.objects.values_list("title", flat=True)) == ["Deep", "Top"]
    assert "ignored 1 non-article file(s)" in output
    assert "image.png" in output


@pytest.mark.django_db
def test_prehighlight_command_requeues_all_but_live_runs(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps({"title": f"T{i}", "body": f"Body {i}."}) for i in range(5)), "utf-8"
    )
    ingest(tmp_path / "a.jsonl")
    Article.objects.update(prehighlight_status="done", prehighlight_revision=1)
    live = Article.objects.order_by("pk").first()
    Article.objects.filter(pk=live.pk).update(
        prehighlight_status="running", prehighlight_started_at=timezone.now()
    )
    out = StringIO()

    call_command("prehighlight", "--all", "--batch-size", "2", stdout=out, stderr=StringIO())

    assert "Queued 4 of 5 article(s)" in out.getvalue()
    assert "1 already running" in out.getvalue()
    assert Article.objects.filter(prehighlight_status="queued").count() == 4


@pytest.mark.django_db
def test_prehighlight_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("prehighlight", "--since", "last week")


@pytest.mark.django_db
def test_ingest_in_chunks_finds_duplicates_across_chunks_and_keeps_source_order(
    tmp_path, monkeypatch
):
    from annotations.management.commands import ingest as ingest_command

    monkeypatch.setattr(ingest_command, "CHUNK_SIZE", 2)
    rows = [
        {"title": "One", "body": "Body one.", "url": "https://x.example/1"},
        {"title": "Two", "body": "Body two."},
        {"title": "", "body": "No title."},
        {"title": "One again", "body": "Other.", "url": "https://x.example/1"},
        {"title": "Two again", "body": "Body two."},
        {"title": "Three", "body": "Body three."},
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(map(json.dumps, rows)), "utf-8")

    output = ingest_refusing(tmp_path / "c.jsonl")

    assert sorted(Article.objects.values_list("title", flat=True)) == ["One", "Three", "Two"]
    assert "Imported 3, skipped 2, refused 1." in output
    skipped = output.index("c.jsonl:4: duplicate URL https://x.example/1")
    assert output.index("c.jsonl:5: duplicate body") > skipped
    assert "c.jsonl:3: missing title" in output
    assert set(Article.objects.values_list("prehighlight_status", flat=True)) == {"queued"}
