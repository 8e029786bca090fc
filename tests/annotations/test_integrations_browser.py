"""Creating and revoking an API key in a real Chromium, and using it against the API."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from annotations.models import ApiClient
from tests.annotations.test_review_browser import ARTIFACTS, log_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_integrations_create_then_revoke_an_api_key(browser, live_server):
    UserFactory(username="ada", role="admin")
    editor = UserFactory(username="ed", role="editor")
    page = log_in(browser, live_server, "ada", "/integrations/")

    page.get_by_label("Name").fill("CMS production sync")
    page.get_by_label("Owner").select_option(label="ed")
    page.get_by_label("Scope").select_option("review")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("[data-new-key]")
    expect(shown).to_be_visible()
    key = shown.inner_text()
    page.screenshot(path=str(ARTIFACTS / "integrations-key.png"), full_page=True)
    client = ApiClient.objects.get()
    assert (client.owner, client.scope) == (editor, "review")
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/ping/").status_code == 200
    )

    page.goto(f"{live_server.url}/integrations/")
    expect(page.locator("[data-new-key]")).to_have_count(0)  # shown once only
    row = page.locator(f"tr[data-key='{client.key_prefix}']")
    expect(row.locator("[data-last-used]")).not_to_have_text("never")
    row.get_by_role("button", name="Revoke the key CMS production sync").click()
    expect(page.locator("#messages")).to_contain_text("Revoked the key")
    expect(page.locator(f"tr[data-key='{client.key_prefix}']")).to_contain_text("Revoked")
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/ping/").status_code == 401
    )
