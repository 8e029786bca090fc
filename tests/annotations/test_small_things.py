"""Small things users noticed: the icon, HEAD requests, the header on a phone."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from playwright.sync_api import expect

from tests.annotations.test_review_browser import ARTIFACTS, log_in
from tests.factories import UserFactory


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/favicon.svg")
    assert "<svg" in Path(finders.find("favicon.svg")).read_text()
    assert b'rel="icon"' in client.get("/accounts/login/").content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/search/", "/healthz", "/articles/new/"])
def test_head_answers_like_get_without_a_body(path):
    client = Client()
    client.force_login(UserFactory(username="ed", role="editor"))
    head, get = client.head(path), client.get(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_header_stays_on_one_line_at_420_pixels(browser, live_server):
    UserFactory(username="ada", role="admin")
    page = log_in(browser, live_server, "ada", "/")
    page.set_viewport_size({"width": 420, "height": 800})
    page.reload()
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="Search")).to_be_attached()
    tops = page.eval_on_selector_all(
        ".site-header > *, .site-header nav a", "els => els.map(e => e.getBoundingClientRect().top)"
    )
    box = header.bounding_box()
    assert box["height"] < 64, box
    assert max(tops) - min(tops) < 20, tops  # nothing wrapped onto a second line
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.screenshot(path=str(ARTIFACTS / "header-420px.png"))
