"""The new-article page: paste, URL and upload, who may use it, and the batch progress page."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from annotations.models import Article, IngestBatch
from annotations.services.ingest import ingest_batch_run
from tests.annotations.news_site import PAGES, NewsSite
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = "/articles/new/"
BODY = "“We will reopen the ferry in May,” the harbour master said on Friday."


@pytest.fixture
def site(settings):
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = True
    server = NewsSite()
    yield server
    server.close()


def test_new_article_page_is_for_editors(reporter, editor):
    assert reverse("annotations:article_new") == NEW
    anonymous, reporter_client, editor_client = Client(), Client(), Client()
    assert anonymous.get(NEW).status_code == 302  # to the log-in page
    reporter_client.force_login(reporter)
    assert reporter_client.get(NEW).status_code == 403
    assert (
        reporter_client.post(NEW, {"mode": "paste", "title": "T", "body": BODY}).status_code == 403
    )
    assert b"/articles/new/" not in reporter_client.get("/").content
    editor_client.force_login(editor)
    page = editor_client.get(NEW)
    assert page.status_code == 200
    assert b'name="mode" value="paste"' in page.content
    assert b'href="/articles/new/"' in editor_client.get("/").content  # in the header


@pytest.mark.parametrize("mode", ["paste", "url", "upload"])
def test_new_article_page_opens_without_errors(editor_client, mode):
    page = editor_client.get(NEW, {"mode": mode})

    assert page.status_code == 200
    assert b"This field is required" not in page.content
    assert b'aria-invalid="true"' not in page.content


def test_paste_creates_the_article_and_lands_on_its_page(editor_client, editor):
    response = editor_client.post(
        NEW,
        {
            "mode": "paste",
            "title": "  Ferry   back in May ",
            "body": BODY + "\r\n\r\nThe council agreed.",
            "outlet": "Coastal Ledger",
            "byline": "Mira Castellanos",
            "url": "ledger.example/ferry",
            "published_at": "2024-03-18T09:30",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/"
    assert (article.title, article.outlet, article.url, article.created_by) == (
        "Ferry back in May",
        "Coastal Ledger",
        "https://ledger.example/ferry",
        editor,
    )
    assert article.body == BODY + "\n\nThe council agreed."
    assert article.published_at.isoformat() == "2024-03-18T09:30:00+00:00"
    assert article.prehighlight_status == "queued"
    landing = editor_client.get(response["Location"])
    assert "Finding quotes" in landing.content.decode()


def test_paste_of_an_article_already_here_links_to_it(editor_client):
    existing = ArticleFactory(body=BODY)
    response = editor_client.post(
        NEW, {"mode": "paste", "title": "Copy", "body": BODY.replace("“", '"')}
    )
    assert response["Location"] == f"/articles/{existing.pk}/"
    assert Article.objects.count() == 1
    assert "Already in Newsdesk" in editor_client.get(response["Location"]).content.decode()


def test_paste_with_errors_keeps_the_input_and_says_why(editor_client):
    response = editor_client.post(NEW, {"mode": "paste", "title": "", "body": BODY})
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page
    assert "harbour master said on Friday" in page  # nothing typed is lost
    assert Article.objects.count() == 0


def test_url_fetches_the_page_with_trafilatura(editor_client, site):
    url = f"{site.url}/harbour"
    response = editor_client.post(NEW, {"mode": "url", "url": url})
    article = Article.objects.get()
    assert response["Location"] == f"/articles/{article.pk}/"
    assert (article.title, article.outlet, article.byline, article.url) == (
        "Harbour dredging delayed again",
        "The Coastal Ledger",
        "Mira Castellanos",
        url,
    )
    assert article.published_at.date().isoformat() == "2024-03-18"
    assert "“Every week we wait is a week we lose,” said Tomas Reyes" in article.body
    assert "ADVERTISEMENT" not in article.body
    assert "Privacy" not in article.body
    # The same address again links to it without fetching.
    again = editor_client.post(NEW, {"mode": "url", "url": url})
    assert again["Location"] == response["Location"]
    assert site.requests == ["/harbour"]


def test_url_into_the_private_network_is_refused_with_a_message(editor_client, settings):
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = False
    response = editor_client.post(NEW, {"mode": "url", "url": "http://169.254.169.254/latest/"})
    assert response.status_code == 422
    assert "only fetches public web pages" in response.content.decode()
    assert Article.objects.count() == 0


def test_upload_of_an_html_page_creates_one_article(editor_client):
    page = (PAGES / "harbour.html").read_bytes()
    upload = SimpleUploadedFile("harbour.html", page, content_type="text/html")
    response = editor_client.post(NEW, {"mode": "upload", "file": upload})
    article = Article.objects.get()
    assert response["Location"] == f"/articles/{article.pk}/"
    assert article.title == "Harbour dredging delayed again"


def test_upload_of_a_batch_returns_at_once_and_shows_progress(editor_client, monkeypatch):
    from annotations import tasks

    queued = []
    monkeypatch.setattr(tasks.ingest_batch_task, "delay", queued.append)
    lines = [
        json.dumps({"title": f"Story {n}", "body": f"“Words {n},” she said."}) for n in range(3)
    ]
    lines.append(json.dumps({"title": "No body"}))
    upload = SimpleUploadedFile("feed.jsonl", "\n".join(lines).encode(), "application/jsonl")
    response = editor_client.post(NEW, {"mode": "upload", "file": upload})
    batch = IngestBatch.objects.get()
    assert response["Location"] == f"/ingest/{batch.pk}/"
    assert Article.objects.count() == 0  # nothing imported inside the request

    waiting = editor_client.get(response["Location"], headers={"HX-Request": "true"}).content
    assert b'hx-trigger="every 1s"' in waiting  # the bar keeps polling
    assert b"0 of 4 rows" in waiting

    ingest_batch_run(batch_id=batch.pk)
    done = editor_client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done  # finished: polling stops
    assert '<dd data-count="accepted">3</dd>' in done
    assert '<dd data-count="refused">1</dd>' in done
    assert "line 4" in done and "missing body" in done


def test_upload_of_an_unknown_file_type_is_refused(editor_client):
    upload = SimpleUploadedFile("notes.docx", b"PK...", "application/octet-stream")
    response = editor_client.post(NEW, {"mode": "upload", "file": upload})
    assert response.status_code == 422
    assert "Upload an .html, .txt, .jsonl or .csv file." in response.content.decode()


def test_batch_page_is_for_editors(client, editor):
    batch = IngestBatch.objects.create(created_by=editor, filename="a.jsonl", format="jsonl")
    reporter = UserFactory(username="rita", role="reporter")
    client.force_login(reporter)
    assert client.get(f"/ingest/{batch.pk}/").status_code == 403
