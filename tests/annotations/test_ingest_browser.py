# ruff: noqa: F811 - pytest fixtures imported from other test modules are redefined as arguments
"""Bringing articles in through the desk, in a real Chromium with a real Celery worker."""

import json

import pytest
from playwright.sync_api import expect

from annotations.models import Article, IngestBatch
from tests.annotations.news_site import NewsSite
from tests.annotations.test_pipeline_worker import pipeline_db, thread_worker  # noqa: F401
from tests.annotations.test_review_browser import ARTIFACTS, editor_user, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BODY = (
    "The ferry to Port Allen will run again from May.\n\n"
    "“We will reopen the ferry in May,” said Ines Okoro, the harbour master.\n\n"
    "Crews welcomed the news."
)


@pytest.fixture
def site(settings):
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = True
    server = NewsSite()
    yield server
    server.close()


def test_ingest_paste_and_url_land_on_the_article(browser, live_server, pipeline_db, site):
    editor_user("alice")
    page = log_in(browser, live_server, "alice", "/articles/new/")
    expect(page.get_by_role("heading", name="New article")).to_be_visible()

    page.get_by_label("Title").fill("Ferry back in May")
    page.get_by_label("Body").fill(BODY)
    page.get_by_label("Outlet (optional)").fill("Coastal Ledger")
    # docs/new-article.png is refreshed by hand from this artifact.
    page.screenshot(path=str(ARTIFACTS / "new-article.png"), full_page=True)
    page.get_by_role("button", name="Save and find quotes").click()
    pasted = Article.objects.get(title="Ferry back in May")
    page.wait_for_url(f"**/articles/{pasted.pk}/")
    expect(page.locator("#messages")).to_contain_text("Finding quotes")
    expect(page.get_by_role("heading", name="Ferry back in May")).to_be_visible()

    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_role("link", name="From a URL").click()
    page.get_by_label("Address of the article").fill(f"{site.url}/harbour")
    page.get_by_role("button", name="Fetch and find quotes").click()
    page.wait_for_url("**/articles/*/")
    fetched = Article.objects.get(url=f"{site.url}/harbour")
    assert page.url.endswith(f"/articles/{fetched.pk}/")
    expect(page.get_by_role("heading", name="Harbour dredging delayed again")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "ingest-url.png"), full_page=True)

    # The same text pasted again links to the article instead of adding a copy.
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Title").fill("A copy")
    page.get_by_label("Body").fill(BODY.replace("“", '"').replace("”", '"'))
    page.get_by_role("button", name="Save and find quotes").click()
    page.wait_for_url(f"**/articles/{pasted.pk}/")
    expect(page.locator("#messages")).to_contain_text("Already in Newsdesk")
    assert Article.objects.count() == 2


def test_ingest_batch_upload_shows_live_progress(browser, live_server, pipeline_db, tmp_path):
    editor_user("alice")
    rows = [
        {"title": f"Harbour story {n}", "body": f"“Tide number {n} came in,” said Ines Okoro."}
        for n in range(1, 121)
    ]
    rows.insert(40, {"title": "No body at all"})
    rows.insert(80, dict(rows[0], title="Same text as the first"))
    feed = tmp_path / "harbour-feed.jsonl"
    feed.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")

    page = log_in(browser, live_server, "alice", "/articles/new/?mode=upload")
    page.get_by_label("File").set_input_files(str(feed))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/ingest/*/")
    batch = IngestBatch.objects.get()
    progress = page.locator("#ingest-progress")
    expect(progress).to_contain_text(f"of {len(rows)} rows")
    assert batch.processed == 0  # the upload returned before any row was imported

    with thread_worker():
        # The bar moves without a reload until the import is done.
        expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(progress.locator('[data-count="accepted"]')).to_have_text("120")
    expect(progress.locator('[data-count="duplicates"]')).to_have_text("1")
    expect(progress.locator('[data-count="refused"]')).to_have_text("1")
    expect(progress.locator("tr[data-outcome=refused]")).to_contain_text("missing body")
    expect(progress.locator("tr[data-outcome=duplicate]")).to_contain_text("Harbour story 1")
    page.screenshot(path=str(ARTIFACTS / "ingest-batch.png"), full_page=True)
    assert Article.objects.count() == 120
