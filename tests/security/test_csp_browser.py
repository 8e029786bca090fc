"""Every kind of page works in a real Chromium under the Content-Security-Policy.

Chromium reports each blocked inline script/style or foreign resource on the console
("Refused to ... because it violates the following Content Security Policy directive");
the tests collect those messages and uncaught page errors while using each page for real,
with hostile text stored in the data.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from annotations.models import Article, Quote
from tests.factories import UserFactory
from tests.security.support import HOSTILE_SPEAKER, HOSTILE_TITLE

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    # Flushing after a live-server test would drop the role groups created by a data migration;
    # serialized rollback restores them for the tests that run afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Console:
    """CSP violations, script errors and alert() calls seen by one page."""

    def __init__(self, page):
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    def _response(self, response):
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.violations.append(text)
        elif message.type == "error" and not text.startswith("Failed to load resource"):
            self.errors.append(text)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def log_in(browser, live_server, username, next_path):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    console = Console(page)
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return page, console


def _editor(username="csp-editor", **extra):
    Group.objects.get_or_create(name="editor")
    return UserFactory(username=username, role="editor", **extra)


@pytest.fixture
def stored_xss(hostile_world):
    Article.objects.filter(pk=hostile_world["article"].pk).update(prehighlight_status="done")
    return hostile_world


def _clean(console):
    return {"violations": console.violations, "errors": console.errors, "alerts": console.dialogs}


NOTHING = {"violations": [], "errors": [], "alerts": []}


def test_csp_queue_and_article_keyboard_verify(browser, live_server, stored_xss):
    _editor()
    article, quote = stored_xss["article"], stored_xss["quote"]
    page, console = log_in(browser, live_server, "csp-editor", "/")
    expect(page.locator("body")).to_contain_text(HOSTILE_TITLE)

    # ?quote= selects the disputed quote (the desk would start at the first open one); v
    # verifies it.
    page.goto(f"{live_server.url}/articles/{article.pk}/?quote={quote.pk}")
    expect(page.locator("body")).to_contain_text(HOSTILE_SPEAKER)
    expect(page.locator(f"#quote-{quote.pk}")).to_be_focused()
    page.keyboard.press("v")
    expect(page.locator(f"#quote-{quote.pk}")).to_have_attribute("data-status", "verified")
    assert Quote.objects.get(pk=quote.pk).status == "verified"
    # The history partial is fetched by htmx and holds the hostile note and evidence link.
    page.goto(f"{live_server.url}/quotes/{quote.pk}/history/")
    expect(page.locator("body")).to_contain_text("xss_evidence")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "csp-history.png"))
    page.context.close()
    assert _clean(console) == NOTHING


def test_csp_search_live_typing(browser, live_server, stored_xss):
    _editor()
    page, console = log_in(browser, live_server, "csp-editor", "/search/")
    page.locator("#search-q").press_sequentially("raise taxes", delay=30)
    expect(page.locator("#search-results mark").first).to_be_visible()
    expect(page.locator("#search-results")).to_contain_text("xss_img")
    expect(page).to_have_url(re.compile(r"/search/\?q=raise"))
    page.context.close()
    assert _clean(console) == NOTHING


def test_csp_admin_pages_work(browser, live_server, stored_xss):
    _editor("csp-admin", is_staff=True, is_superuser=True)
    page, console = log_in(browser, live_server, "csp-admin", "/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/admin/annotations/quote/")
    expect(page.locator("#result_list")).to_contain_text("xss_img")
    page.goto(f"{live_server.url}/admin/annotations/quote/{stored_xss['quote'].pk}/change/")
    # The speaker autocomplete is the admin's most script-heavy widget.
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-results")).to_be_visible()
    page.keyboard.press("Escape")
    page.goto(f"{live_server.url}/admin/annotations/article/add/")
    expect(page.locator("#article_form")).to_be_visible()
    page.context.close()
    assert _clean(console) == NOTHING


def test_csp_api_docs_render(browser, live_server):
    _editor("csp-docs")
    page, console = log_in(browser, live_server, "csp-docs", "/api/docs/")
    # Swagger UI is built by its own script from the schema: an operation shows up only if
    # the init script ran and fetched /api/schema/.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/quotes/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "csp-api-docs.png"))
    page.context.close()
    assert _clean(console) == NOTHING


def test_csp_blocks_an_injected_inline_script(browser, live_server):
    # The control for the tests above: the listener does see a violation when there is one.
    _editor("csp-control")
    page, console = log_in(browser, live_server, "csp-control", "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    injected = page.evaluate("() => window.injected")
    page.context.close()
    assert injected is None
    assert len(console.violations) == 1
    assert "script-src 'self'" in console.violations[0]
