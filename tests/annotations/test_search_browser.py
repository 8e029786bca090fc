"""Live search in a real Chromium: results follow the typing without a page load."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.annotations.test_search_support import make_quote, make_speaker
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"
START = datetime(2022, 1, 1, 9, 0, tzinfo=UTC)

pytestmark = [
    pytest.mark.browser,
    # Flushing after a live-server test would drop the role groups made by a data migration.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def corpus():
    kirby = make_speaker("John Kirby", "Kirby", title="Pentagon spokesperson")
    psaki = make_speaker("Jen Psaki", "Psaki", title="White House press secretary")
    for n in range(23):
        make_quote(
            f"We will deploy troops to the flank ({n}).",
            speaker=kirby,
            published_at=START + timedelta(hours=n),
        )
    make_quote("Sanctions will be severe.", speaker=psaki, published_at=START)


def open_search(browser, live_server, *, javascript=True):
    Group.objects.get_or_create(name="reporter")
    UserFactory(username="reporter-browser", role="reporter")
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1300, "height": 1000}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/search/")
    page.fill("#id_username", "reporter-browser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/search/")
    return page


def test_search_live_results_follow_typing_without_a_page_load(browser, live_server, corpus):
    page = open_search(browser, live_server)
    page.evaluate("window.searchMarker = 'still here'")

    page.locator("#search-q").press_sequentially("sanction", delay=40)

    expect(page.locator("#search-results .search-hit")).to_have_count(1)
    expect(page.locator("#search-results mark")).to_have_text("Sanctions")
    expect(page.locator("#search-results")).to_contain_text("Jen Psaki")
    expect(page.locator("#search-results")).to_contain_text("Candidate")
    assert page.evaluate("window.searchMarker") == "still here"
    expect(page).to_have_url(re.compile(r"/search/\?q=sanction"))

    page.locator("#search-q").fill("")
    page.locator("#search-q").press_sequentially("deploying troops", delay=40)

    expect(page.locator("#search-results")).to_contain_text("23 matches; showing 1–20.")
    # Unused filters stay out of the address bar.
    expect(page).to_have_url(re.compile(r"/search/\?q=deploying(\+|%20)troops&sort=relevance$"))
    assert page.evaluate("window.searchMarker") == "still here"
    # "Same quote once" is on by default and stays out of the address; off, it says so once.
    page.get_by_label("Same quote once").uncheck()
    page.locator("#search-form button[type=submit]").first.click()
    expect(page).to_have_url(
        re.compile(r"/search/\?q=deploying(\+|%20)troops&sort=relevance&once=0$")
    )
    page.get_by_label("Same quote once").check()
    page.locator("#search-form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/search/\?q=deploying(\+|%20)troops&sort=relevance$"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-live.png"), full_page=True)


def test_search_filters_and_pages_keep_the_url_and_the_back_button(browser, live_server, corpus):
    page = open_search(browser, live_server)
    page.evaluate("window.searchMarker = 'still here'")

    page.locator("#search-q").press_sequentially("troops", delay=30)
    expect(page.locator("#search-results")).to_contain_text("23 matches")
    page.locator("#search-speaker").fill("Psacki")
    page.locator("#search-speaker").dispatch_event("change")

    expect(page.locator("#search-results")).to_contain_text("No quotes match.")
    expect(page.locator("#search-results")).to_contain_text("Jen Psaki")
    expect(page).to_have_url(re.compile(r"speaker=Psacki"))

    page.locator("#search-speaker").fill("")
    page.locator("#search-speaker").dispatch_event("change")
    expect(page.locator("#search-results")).to_contain_text("23 matches; showing 1–20.")
    page.locator("#search-results a[rel=next]").click()

    expect(page.locator("#search-results")).to_contain_text("showing 21–23.")
    expect(page).to_have_url(re.compile(r"page=2"))
    page.go_back()
    expect(page.locator("#search-results")).to_contain_text("showing 1–20.")
    expect(page).not_to_have_url(re.compile(r"page=2"))
    assert page.evaluate("window.searchMarker") == "still here"


def test_search_works_as_a_plain_form_without_javascript(browser, live_server, corpus):
    page = open_search(browser, live_server, javascript=False)

    page.locator("#search-q").fill('speaker:kirby "deploy troops"')
    page.locator("#search-q").press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q=speaker%3Akirby"))
    expect(page.locator("#search-results")).to_contain_text("23 matches; showing 1–20.")
    expect(page.locator("#search-results a.search-open").first).to_have_attribute(
        "href", re.compile(r"^/articles/\d+/#quote-\d+$")
    )
