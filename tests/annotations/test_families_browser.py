"""The family card in a real Chromium on the three articles of issue 17: the diff, both alarms,
the carry key and the conflict flag."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from annotations.models import Review
from annotations.services.reviews import quote_review_submit
from tests.annotations.families_support import create_speech_articles
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(browser, live_server, username, next_path):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return page


def test_family_card_in_chromium(browser, live_server):
    Group.objects.get_or_create(name="editor")
    editor = UserFactory(username="desk-editor", role="editor")
    colleague = UserFactory(username="colleague", role="editor")
    whole, part, altered = create_speech_articles()

    # The altered copy: the diff against the first appearance and both alarms.
    page = log_in(
        browser, live_server, "desk-editor", f"/articles/{altered.article_id}/?quote={altered.pk}"
    )
    card = page.locator(f"#quote-{altered.pk}-family")
    expect(card).to_contain_text("Also in 2 articles")
    expect(card).to_contain_text("first: 2026-03-03, Harbour Herald")
    expect(card.locator("del")).to_have_text(["bridge", "snow"])
    expect(card.locator("ins")).to_have_text(["road", "frost"])
    expect(card.locator("[data-family-wording]")).to_contain_text("Wording differs")
    expect(card.locator("[data-family-speakers]")).to_have_text(
        "Speakers differ: credited to Tomas Berg here, to Mara Lindqvist in 2 other articles."
    )

    # A colleague verified the whole quote: on the partial copy, "c" carries it.
    quote_review_submit(quote=whole, user=colleague, to_status="verified", expected_version=1)
    page.goto(f"{live_server.url}/articles/{part.article_id}/?quote={part.pk}")
    card = page.locator(f"#quote-{part.pk}-family")
    expect(card).to_contain_text("verified there by colleague")
    expect(card.locator("[data-carry-verdict]")).to_be_visible()
    page.locator(f"#quote-{part.pk}").focus()
    page.keyboard.press("c")
    expect(page.locator(f"#quote-{part.pk}")).to_have_attribute("data-status", "verified")
    review = Review.objects.get(quote=part)
    assert (review.reviewer, review.note) == (editor, f"Carried from quote #{whole.pk}")

    # The altered copy disputed: both its card and the whole quote's flag the conflict.
    altered.refresh_from_db()
    quote_review_submit(
        quote=altered,
        user=colleague,
        to_status="disputed",
        expected_version=1,
        note="Not said.",
        dispute_reason="never_said",
    )
    page.goto(f"{live_server.url}/articles/{whole.article_id}/?quote={whole.pk}")
    expect(page.locator(f"#quote-{whole.pk}-family [data-family-conflict]")).to_contain_text(
        "Conflicting verdicts"
    )
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-family-conflict]")).to_have_count(3)
    page.context.close()
