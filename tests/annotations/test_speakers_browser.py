"""Speakers in a real Chromium: confirming a title proposal from the card; the speaker page."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from annotations.models import Article, Quote, Speaker, SpeakerRole
from annotations.services.demo import demo_load
from tests.annotations.test_review_browser import editor_user, log_in, screenshot
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_confirm_a_title_proposal_from_the_card(browser, live_server):
    editor = editor_user("carol")
    kirby = SpeakerFactory(name="John Kirby")
    article = ArticleFactory(
        published_at=dt.datetime(2022, 1, 24, 15, tzinfo=dt.UTC), prehighlight_status="done"
    )
    quote = QuoteFactory(article=article, speaker=kirby, speaker_title="Pentagon spokesperson")
    page = log_in(browser, live_server, "carol", f"/articles/{article.pk}/")

    card = page.locator(f"#quote-{quote.pk}")
    proposal = card.locator("form.title-proposal")
    expect(proposal).to_be_visible()
    expect(proposal.locator("input[name=title]")).to_have_value("Pentagon spokesperson")
    expect(proposal.locator("input[name=start_date]")).to_have_value("2022-01-24")
    proposal.locator("input[name=title]").fill("Pentagon press secretary")
    proposal.locator("input[name=organisation]").fill("US Department of Defense")
    proposal.locator("input[name=start_date]").fill("2021-01-20")
    screenshot(page, "speaker-title-proposal.png")
    proposal.get_by_role("button", name="Confirm as role").click()

    expect(card.locator(".speaker-role")).to_have_text(", Pentagon press secretary")
    expect(page.locator(f"#quote-{quote.pk} form.title-proposal")).to_have_count(0)
    role = SpeakerRole.objects.get()
    assert (role.speaker, role.title, role.start_date, role.end_date, role.created_by) == (
        kirby,
        "Pentagon press secretary",
        dt.date(2021, 1, 20),
        None,
        editor,
    )
    assert Quote.objects.get(pk=quote.pk).speaker_title_status == "confirmed"


def test_speaker_page_shows_the_roles_timeline_and_verdicts(browser, live_server):
    editor_user("dave")
    demo_load(with_users=False)
    psaki = Speaker.objects.get(name="Jen Psaki")
    article = Article.objects.get()
    QuoteFactory(article=article, speaker=psaki, status=Quote.Status.VERIFIED)
    page = log_in(browser, live_server, "dave", f"/speakers/{psaki.pk}/")

    expect(page.locator("h1")).to_have_text("Jen Psaki")
    items = page.locator(".speaker-role-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Spokesperson for the US Department of State")
    expect(items.nth(2)).to_contain_text("20 Jan 2021 – 13 May 2022")
    expect(items.nth(2).get_by_role("link", name="source")).to_have_attribute(
        "href", "https://simple.m.wikipedia.org/wiki/Jen_Psaki"
    )
    expect(page.locator('[data-count="verified"]')).to_have_text("1")
    expect(page.locator(".speaker-quote-role")).to_have_text("White House press secretary")
    expect(page.locator(".speaker-disputed-share")).to_contain_text("0 of 1 checked quotes (0%)")
    screenshot(page, "speaker-page.png")
