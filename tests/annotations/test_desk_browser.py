"""The editor's day in a real Chromium: a dispute's reason everywhere, every desk page CSP-clean."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import IngestBatch, Quote, Speaker
from annotations.services.reviews import quote_review_submit
from tests.annotations.test_review_browser import ARTIFACTS, demo_article_with_quotes, log_in
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory, UserFactory
from tests.security.test_csp_browser import Console

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_desk_dispute_reason_on_the_card_and_in_search(browser, live_server):
    UserFactory(username="alice", role="editor")
    article = demo_article_with_quotes()
    quote = Quote.objects.filter(article=article).order_by("start").first()
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")
    page.wait_for_function(f"document.activeElement.id === 'quote-{quote.pk}'")

    page.keyboard.press("d")
    page.keyboard.press("3")  # out of context
    page.keyboard.type("He was quoting the question, not answering it.")
    page.keyboard.press("Enter")

    card = page.locator(f"#quote-{quote.pk}")
    expect(card).to_have_attribute("data-status", "disputed")
    expect(card.locator("[data-dispute-reason]")).to_have_text("Reason: Out of context")
    expect(card.locator("[data-verdict]")).to_contain_text("He was quoting the question")
    card.screenshot(path=str(ARTIFACTS / "dispute-card.png"))
    assert Quote.objects.get(pk=quote.pk).dispute_reason == "out_of_context"

    page.goto(f"{live_server.url}/search/?q=combat+troops&quote_only=1")
    hit = page.locator(f"#search-hit-{quote.pk}")
    expect(hit.locator(".badge")).to_have_text("Disputed")
    expect(hit.locator("[data-dispute-reason]")).to_have_text("Out of context")
    expect(page.locator("input[name=quote_only]")).to_be_checked()
    page.screenshot(path=str(ARTIFACTS / "dispute-search.png"), full_page=True)
    page.context.close()


def test_desk_every_page_is_csp_clean(browser, live_server):
    admin = UserFactory(username="ada", role="admin")
    article = demo_article_with_quotes()
    first, second = Quote.objects.filter(article=article).order_by("start")[:2]
    quote_review_submit(
        quote=second,
        user=admin,
        to_status="disputed",
        expected_version=1,
        note="Misquoted.",
        evidence=["https://example.org/transcript"],
        dispute_reason="wrong_words",
    )
    batch = IngestBatch.objects.create(
        created_by=admin, filename="batch.jsonl", format="jsonl", status="done", total=0
    )

    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    console = Console(page)
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    expect(page.locator("#id_username")).to_be_visible()
    page.fill("#id_username", "ada")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    pages = [
        "/",
        "/?status=disputed",
        f"/articles/{article.pk}/",
        f"/articles/{article.pk}/?quote={second.pk}#quote-{second.pk}",
        f"/quotes/{second.pk}/history/",
        f"/quotes/{first.pk}/speaker/",
        "/speakers/merge/",
        "/search/",
        "/search/?q=troops&quote_only=1&status=disputed",
        "/articles/new/",
        "/articles/new/?mode=url",
        "/articles/new/?mode=upload",
        f"/ingest/{batch.pk}/",
        "/integrations/",
        "/api/docs/",
    ]
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert console.violations == [], path
    # The article page's live poll, and a panel action, under the policy too.
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    with page.expect_response(lambda response: "/live/" in response.url, timeout=10_000):
        pass
    page.keyboard.press("j")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("#id_username")).to_be_visible()

    assert console.violations == []
    assert console.errors == []
    assert console.dialogs == []
    context.close()


def test_desk_create_a_proposed_speaker_then_merge_a_duplicate(browser, live_server):
    alice = UserFactory(username="alice", role="editor")
    article = ArticleFactory(
        title="Ferry",
        prehighlight_status="done",
        body="Intro.\n\n“We will reopen the ferry in May,” said Ines Okoro.\n\n"
        "“Crews are ready,” said I. Okoro.",
    )
    dupe = SpeakerFactory(name="I. Okoro")
    crews = article.body.index("Crews")
    second = QuoteFactory(
        article=article,
        start=crews,
        end=crews + len("Crews are ready"),
        text="Crews are ready",
        speaker=dupe,
    )
    start = article.body.index("We will")
    quote = QuoteFactory(
        article=article,
        start=start,
        end=article.body.index(",”"),
        text=article.body[start : article.body.index(",”")],
        speaker=None,
        speaker_mention="Ines Okoro",
    )
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")
    card = page.locator(f"#quote-{quote.pk}")
    expect(card).to_contain_text("Proposed: Ines Okoro")

    card.get_by_role("link", name="create speaker?").click()
    expect(page.locator("#speaker-name")).to_have_value("Ines Okoro")
    page.locator("#speaker-title").fill("harbour master")
    page.get_by_role("button", name="Create and attribute").click()

    expect(card.locator(".quote-speaker")).to_contain_text("Ines Okoro, harbour master")
    speaker = Speaker.objects.get(name="Ines Okoro")
    fresh = Quote.objects.get(pk=quote.pk)
    assert (speaker.title, fresh.speaker, fresh.updated_by) == ("harbour master", speaker, alice)
    assert speaker.name == "Ines Okoro"  # the title stays in its own field

    # The registry now has her twice: merge the duplicate into her.
    page.goto(f"{live_server.url}/speakers/merge/")
    page.get_by_label("Merge this speaker").fill("I. Okoro")
    page.get_by_label("into this one").fill("Ines Okoro")
    page.get_by_role("button", name="Merge").click()
    expect(page.locator("#messages")).to_contain_text(
        "Merged “I. Okoro” into “Ines Okoro”: 1 alias(es) and 1 quote(s) moved."
    )
    expect(page.locator("table.merges")).to_contain_text("alice")
    page.screenshot(path=str(ARTIFACTS / "speakers-merge.png"), full_page=True)
    assert Quote.objects.get(pk=second.pk).speaker == speaker
    assert not Speaker.objects.filter(name="I. Okoro").exists()
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator(f"#quote-{second.pk} .quote-speaker")).to_contain_text(
        "Ines Okoro, harbour master"
    )
    page.context.close()


def test_desk_queue_filters_and_selected_quote_survive_a_reload(browser, live_server):
    UserFactory(username="alice", role="editor")
    article = demo_article_with_quotes()
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    page = log_in(browser, live_server, "alice", "/")

    page.get_by_label("Status").select_option("candidate")
    expect(page).to_have_url(re.compile(r"\?.*status=candidate"))
    page.reload()
    expect(page.get_by_label("Status")).to_have_value("candidate")
    expect(page.locator("#article-list")).to_contain_text(article.title)

    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_function(f"document.activeElement.id === 'quote-{quotes[0].pk}'")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"\?quote={quotes[2].pk}#quote-{quotes[2].pk}$"))
    page.reload()
    expect(page.locator(f"#quote-{quotes[2].pk}")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator(f"#quote-{quotes[3].pk}")).to_be_focused()
    page.context.close()
