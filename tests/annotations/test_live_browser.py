# ruff: noqa: F811 - pytest fixtures imported from other test modules are redefined as arguments
"""Live updates of an open article page in Chromium: no reload, the editor keeps their place."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Article, Quote
from annotations.services.reviews import quote_review_submit
from tests.annotations.test_pipeline_worker import pipeline_db, thread_worker  # noqa: F401
from tests.annotations.test_review_browser import (
    ARTIFACTS,
    demo_article_with_quotes,
    editor_user,
    log_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BODY = (
    "The ferry to Port Allen will run again from May.\n\n"
    "“We will reopen the ferry in May,” said Ines Okoro, the harbour master.\n\n"
    "“The crews are ready,” said Tom Reyes."
)


@pytest.mark.worker
def test_live_candidates_arrive_without_a_reload(browser, live_server, pipeline_db):
    editor_user("alice")
    page = log_in(browser, live_server, "alice", "/articles/new/")
    page.get_by_label("Title").fill("Ferry back in May")
    page.get_by_label("Body").fill(BODY)
    page.get_by_role("button", name="Save and find quotes").click()
    article = Article.objects.get(title="Ferry back in May")
    page.wait_for_url(f"**/articles/{article.pk}/")

    # No worker yet: the run is queued, and the page says so instead of "no quotes".
    expect(page.locator("#quote-lists")).to_contain_text("Finding quotes…")
    expect(page.locator("#prehighlight-status")).to_contain_text("Finding quotes…")
    expect(page.locator("#quote-lists")).not_to_contain_text("No quotes in the text yet")
    page.evaluate("window.notReloaded = true")

    with thread_worker():
        expect(page.locator("[data-quote-row]")).to_have_count(2, timeout=30_000)
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    expect(page.locator("mark.hl")).to_have_count(2)
    expect(page.locator("#prehighlight-status")).not_to_contain_text("Finding quotes…")
    expect(page.locator("#review-status")).to_contain_text("Pre-highlighting finished")
    assert page.evaluate("window.notReloaded") is True
    # The first candidate is current, with the panel bound to it: the keyboard works at once.
    expect(page.locator(f"#quote-{quotes[0].pk}")).to_be_focused()
    expect(page.locator("#action-panel")).to_have_attribute("data-quote", str(quotes[0].pk))
    page.keyboard.press("v")
    expect(page.locator(f"#quote-{quotes[0].pk}")).to_have_attribute("data-status", "verified")
    page.screenshot(path=str(ARTIFACTS / "live-candidates.png"), full_page=True)
    page.context.close()


def test_live_another_editors_decision_updates_the_row(browser, live_server):
    editor_user("alice")
    bob = editor_user("bob")
    article = demo_article_with_quotes()
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/?quote={quotes[2].pk}")
    page.wait_for_function(f"document.activeElement.id === 'quote-{quotes[2].pk}'")
    page.evaluate("window.notReloaded = true")
    # Alice starts a note on her quote; Bob decides another one meanwhile.
    page.locator("#panel-evidence").fill("https://example.org/transcript")
    page.locator(f"#quote-{quotes[2].pk}").focus()

    quote_review_submit(
        quote=quotes[0],
        user=bob,
        to_status="disputed",
        expected_version=1,
        note="Said in 2019.",
        dispute_reason="wrong_words",
    )

    row = page.locator(f"#quote-{quotes[0].pk}")
    expect(row).to_have_attribute("data-status", "disputed", timeout=10_000)
    expect(row.locator("[data-dispute-reason]")).to_have_text("Reason: Wrong words")
    expect(page.locator(f"#hl-{quotes[0].pk}")).to_have_class(re.compile(r"hl-disputed"))
    expect(page.locator("#review-count")).to_contain_text("1 disputed")
    assert page.evaluate("window.notReloaded") is True
    # Alice's place is kept: her quote is current and focused, her input is still there.
    expect(page.locator(f"#quote-{quotes[2].pk}")).to_be_focused()
    expect(page.locator(f"#quote-{quotes[2].pk}")).to_have_class(re.compile(r"is-current"))
    expect(page.locator("#panel-evidence")).to_have_value("https://example.org/transcript")
    page.context.close()
