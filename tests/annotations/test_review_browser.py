"""The review desk in a real Chromium: keyboard flow, two editors at once, hostile text."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from annotations.models import Article, Quote, Review, Speaker
from annotations.services.demo import demo_load
from tests.factories import ArticleFactory, QuoteFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    # Flushing after a live-server test would drop the role groups created by a data migration;
    # serialized rollback restores them for the tests that run afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def editor_user(username):
    Group.objects.get_or_create(name="editor")
    return UserFactory(username=username, role="editor")


def log_in(browser, live_server, username, next_path, *, javascript=True):
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1400, "height": 1000}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return page


def demo_article_with_quotes():
    """The demo article with a candidate over every “…” passage, attributed like the pipeline."""
    demo_load(with_users=False)
    article = Article.objects.get()
    Article.objects.filter(pk=article.pk).update(prehighlight_status="done")
    body = article.body
    speakers = list(Speaker.objects.all())
    position = 0
    while (opening := body.find("“", position)) >= 0:
        closing = body.find("”", opening + 1)
        if closing < 0:
            break
        start, end = opening + 1, closing
        paragraph_start = body.rfind("\n\n", 0, start) + 1
        paragraph = body[paragraph_start : body.find("\n\n", end) % (len(body) + 1)]
        speaker = next((s for s in speakers if s.name.split()[-1] in paragraph), None)
        QuoteFactory(
            article=article,
            start=start,
            end=end,
            speaker=speaker,
            speaker_mention="" if speaker else "a statement",
        )
        position = closing + 1
    return article


def select_text(page, first, last=None):
    """Select the body text from `first` to the end of `last` (default: `first`), as a mouse
    would; the two may lie in different slices of the text."""
    page.evaluate(
        """([first, last]) => {
            const segs = [...document.querySelectorAll('#article-body .seg')];
            const from = segs.find((s) => s.textContent.includes(first)).firstChild;
            const to = segs.find((s) => s.textContent.includes(last)).firstChild;
            const range = document.createRange();
            range.setStart(from, from.data.indexOf(first));
            range.setEnd(to, to.data.indexOf(last) + last.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [first, last or first],
    )


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def test_review_desk_keyboard_verify_dispute_undo(browser, live_server):
    editor = editor_user("alice")
    article = demo_article_with_quotes()
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    expect(page.locator("mark.hl")).to_have_count(len(quotes))
    first = page.locator(f"#hl-{quotes[0].pk}")
    expect(first).to_have_attribute("aria-label", "Quote by Jens Stoltenberg, candidate")
    expect(first.locator(".hl-speaker")).to_have_text("Jens Stoltenberg")

    # The desk starts at the first open quote.
    page.wait_for_function(f"document.activeElement.id === 'quote-{quotes[0].pk}'")
    page.keyboard.press("v")
    expect(page.locator(f"#quote-{quotes[0].pk}")).to_have_attribute("data-status", "verified")
    expect(page.locator(f"#hl-{quotes[0].pk}")).to_have_class(re.compile(r"hl-verified"))
    expect(page.locator("#review-status")).to_contain_text("marked verified")
    # Approve and advance: the keyboard is now on the next open quote.
    page.wait_for_function(f"document.activeElement.id === 'quote-{quotes[1].pk}'")
    assert Quote.objects.get(pk=quotes[0].pk).status == "verified"

    # d, then the reason by its number (2: wrong speaker), then the note, then Enter.
    page.keyboard.press("d")
    expect(page.locator("#action-panel")).to_have_attribute("data-quote", str(quotes[1].pk))
    expect(page.locator("[data-reason-key='1']")).to_be_focused()
    page.keyboard.press("2")
    expect(page.locator("#panel-note")).to_be_focused()
    expect(page.locator("[data-reason-key='2']")).to_be_checked()
    page.keyboard.type("Kirby said this, not the speaker shown.")
    page.keyboard.press("Enter")
    disputed_row = page.locator(f"#quote-{quotes[1].pk}")
    expect(disputed_row).to_have_attribute("data-status", "disputed")
    expect(disputed_row.locator("[data-dispute-reason]")).to_have_text("Reason: Wrong speaker")
    expect(disputed_row.locator("[data-verdict]")).to_contain_text(
        "Kirby said this, not the speaker shown."
    )
    review = Review.objects.get(quote=quotes[1])
    assert (review.to_status, review.dispute_reason, review.note, review.reviewer) == (
        "disputed",
        "wrong_speaker",
        "Kirby said this, not the speaker shown.",
        editor,
    )

    page.keyboard.press("u")
    expect(page.locator(f"#quote-{quotes[1].pk}")).to_have_attribute("data-status", "candidate")
    assert Quote.objects.get(pk=quotes[1].pk).status == "candidate"
    assert Quote.objects.get(pk=quotes[0].pk).status == "verified"
    assert Review.objects.filter(quote=quotes[1]).count() == 2

    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-dialog")).to_be_hidden()

    page.keyboard.press("j")
    screenshot(page, "review-page.png")
    # The README's copy (docs/review-page.png) is refreshed by hand from this artifact, so a
    # test run never dirties the work tree.
    page.context.close()


def test_review_desk_keys_typed_while_a_decision_is_saving_are_not_lost(browser, live_server):
    editor_user("alice")
    article = demo_article_with_quotes()
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    # No waiting between the keys: "u" arrives while the verification is still on its way.
    page.wait_for_function(f"document.activeElement.id === 'quote-{quotes[0].pk}'")
    page.keyboard.press("v")
    page.keyboard.press("u")
    expect(page.locator(f"#quote-{quotes[0].pk}")).to_have_attribute("data-status", "candidate")
    expect(page.locator("#review-status")).to_contain_text("Undone")
    assert Quote.objects.get(pk=quotes[0].pk).status == "candidate"
    assert list(
        Review.objects.filter(quote=quotes[0]).order_by("pk").values_list("to_status", flat=True)
    ) == ["verified", "candidate"]

    # A dispute submitted with Enter, then an immediate undo: the undo is for the dispute.
    # The live region still says "Undone" from the step above; blank it so the wait below can
    # only be satisfied by the announcement of the second undo.
    page.evaluate("document.getElementById('review-status').textContent = ''")
    page.keyboard.press("j")
    page.keyboard.press("d")
    page.keyboard.press("2")
    page.keyboard.type("Wrong speaker.")
    page.keyboard.press("Enter")
    page.keyboard.press("u")
    expect(page.locator("#review-status")).to_contain_text("Undone")
    disputed = Review.objects.filter(to_status="disputed").get()
    assert (disputed.quote_id, disputed.note) == (quotes[1].pk, "Wrong speaker.")
    expect(page.locator(f"#quote-{quotes[1].pk}")).to_have_attribute("data-status", "candidate")
    assert Quote.objects.get(pk=quotes[1].pk).status == "candidate"
    assert list(
        Review.objects.filter(quote=quotes[1]).order_by("pk").values_list("to_status", flat=True)
    ) == ["disputed", "candidate"]
    page.context.close()


def test_review_desk_dispute_without_note_shows_the_error(browser, live_server):
    editor_user("alice")
    article = demo_article_with_quotes()
    quote = Quote.objects.filter(article=article).order_by("start").first()
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    page.wait_for_function(f"document.activeElement.id === 'quote-{quote.pk}'")
    page.keyboard.press("d")
    page.keyboard.press("Enter")

    expect(page.locator("#panel-note-errors")).to_contain_text("A dispute needs a note")
    expect(page.locator("#panel-reason-errors")).to_contain_text("A dispute needs a reason")
    expect(page.locator("#panel-note")).to_have_attribute("aria-invalid", "true")
    assert Review.objects.count() == 0
    page.context.close()


def test_review_desk_two_editors_deciding_the_same_quote(browser, live_server):
    editor_user("alice")
    bob = editor_user("bob")
    article = demo_article_with_quotes()
    quote = Quote.objects.filter(article=article).order_by("start").first()
    alice_page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")
    bob_page = log_in(browser, live_server, "bob", f"/articles/{article.pk}/")

    bob_page.click(f"#quote-{quote.pk} [data-select-quote]")
    bob_page.click("#action-panel [data-decision='verified']")
    expect(bob_page.locator(f"#quote-{quote.pk}")).to_have_attribute("data-status", "verified")
    alice_page.click(f"#quote-{quote.pk} [data-select-quote]")
    alice_page.click("#action-panel [data-decision='not_a_quote']")

    banner = alice_page.locator(f"#quote-{quote.pk} .banner")
    expect(banner).to_contain_text("changed by bob")
    expect(alice_page.locator(f"#quote-{quote.pk}")).to_have_attribute("data-status", "verified")
    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.status, fresh.updated_by, fresh.version) == ("verified", bob, 2)
    assert Review.objects.filter(quote=quote).count() == 1
    alice_page.context.close()
    bob_page.context.close()


def test_review_desk_renders_hostile_text_inert(browser, live_server):
    editor_user("alice")
    article = ArticleFactory(
        title="<script>alert(1)</script>",
        body=(
            "Intro <img src=x onerror=alert(2)> text.\n\n"
            "“<script>alert(3)</script> is fine,” said <b>Someone</b>."
        ),
        prehighlight_status="done",
    )
    QuoteFactory(article=article, speaker=None, speaker_mention="<img src=y onerror=alert(4)>")
    page = log_in(browser, live_server, "alice", "/")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_server.url}/articles/{article.pk}/")

    expect(page.locator("#article-title")).to_have_text("<script>alert(1)</script>")
    expect(page.locator("#article-body")).to_contain_text("<img src=x onerror=alert(2)>")
    expect(page.locator("mark.hl")).to_contain_text("<script>alert(3)</script> is fine,")
    assert page.locator("#article-body img, #article-body script, #article-body b").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    page.context.close()


def test_review_desk_adds_a_quote_from_a_text_selection(browser, live_server):
    editor = editor_user("alice")
    article = ArticleFactory(
        title="Selection",
        prehighlight_status="done",
        body=(
            "First paragraph.\n\n"
            "Critics called the plan “a fantasy” and said 😀 “it won’t survive”."
        ),
    )
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    # Select from inside the closing paragraph, including the quotation marks, as a mouse would.
    select_text(page, "“it won’t survive”")
    expect(page.locator("[data-selection-status]")).to_contain_text("Selected characters")
    page.keyboard.press("a")

    expect(page.locator("mark.hl")).to_have_count(1)
    quote = Quote.objects.get(article=article)
    assert (quote.text, quote.origin, quote.updated_by) == ("it won’t survive", "editor", editor)
    assert article.body[quote.start : quote.end] == quote.text
    page.context.close()


def test_review_desk_deep_link_focuses_the_quote(browser, live_server):
    editor_user("alice")
    article = demo_article_with_quotes()
    last = Quote.objects.filter(article=article).order_by("start").last()
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    page.goto(f"{live_server.url}/articles/{article.pk}/#quote-{last.pk}")
    page.reload()

    expect(page.locator(f"#quote-{last.pk}")).to_be_focused()
    expect(page.locator(f"#quote-{last.pk}")).to_be_in_viewport()
    page.context.close()


def test_review_desk_changes_the_speaker_through_autocomplete(browser, live_server):
    editor = editor_user("alice")
    article = demo_article_with_quotes()
    quote = Quote.objects.filter(article=article).order_by("start").first()
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    page.wait_for_function(f"document.activeElement.id === 'quote-{quote.pk}'")
    page.keyboard.press("s")
    search = page.locator("#speaker-q")
    expect(search).to_be_focused()
    search.type("psak")
    option = page.locator("#speaker-results button", has_text="Jen Psaki")
    option.click()

    expect(page.locator(f"#hl-{quote.pk}")).to_have_attribute(
        "aria-label", "Quote by Jen Psaki, candidate"
    )
    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.speaker.name, fresh.version, fresh.updated_by) == ("Jen Psaki", 2, editor)
    page.context.close()


def panel_is_on(page, quote):
    """The action panel acts on `quote`: its label, its forms' URLs and the version they send."""
    panel = page.locator("#action-panel")
    expect(panel).to_have_attribute("data-quote", str(quote.pk))
    expect(panel.locator("[data-panel-label]")).to_contain_text(f"#{quote.pk} ·")
    expect(panel.locator("form.decision-form")).to_have_attribute(
        "action", f"/quotes/{quote.pk}/review/"
    )
    expect(panel.locator("form.decision-form")).to_have_attribute("hx-target", f"#quote-{quote.pk}")
    expect(panel.locator("form[data-speaker-form]")).to_have_attribute(
        "action", f"/quotes/{quote.pk}/speaker/"
    )
    expect(panel.locator("form[data-span-form] [data-start]")).to_have_value(str(quote.start))
    expect(panel.locator("form.decision-form input[name=version]")).to_have_value(
        str(Quote.objects.get(pk=quote.pk).version)
    )


def test_review_desk_action_panel_follows_the_selected_quote(browser, live_server):
    editor_user("alice")
    article = demo_article_with_quotes()
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")
    # One copy of each action form on the page, whatever the number of quotes.
    assert page.locator("form[action$='/review/']").count() == 1
    assert page.locator("#panel-note").count() == 1
    panel_is_on(page, quotes[0])

    page.keyboard.press("j")
    page.keyboard.press("j")
    panel_is_on(page, quotes[2])
    page.keyboard.press("k")
    panel_is_on(page, quotes[1])
    # A note typed for one quote stays with it when the editor looks at another and comes back.
    page.fill("#panel-note", "Check the date.")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page.locator("#panel-note")).to_have_value("")
    page.keyboard.press("k")
    expect(page.locator("#panel-note")).to_have_value("Check the date.")

    page.click(f"#quote-{quotes[4].pk} .quote-text")
    panel_is_on(page, quotes[4])
    page.keyboard.press("x")
    expect(page.locator(f"#quote-{quotes[4].pk}")).to_have_attribute("data-status", "not_a_quote")
    assert Quote.objects.get(pk=quotes[4].pk).status == "not_a_quote"
    assert Review.objects.get().quote_id == quotes[4].pk
    # Deciding moved on to the next open quote, and the panel with it; the undo offered there
    # follows the quote (nothing of alice's to undo on the next one).
    panel_is_on(page, quotes[5])
    expect(page.locator("#action-panel [data-undo-form]")).to_be_hidden()
    page.keyboard.press("k")
    expect(page.locator("#action-panel [data-undo-form]")).to_be_visible()
    screenshot(page, "review-action-panel.png")
    page.context.close()


def test_review_desk_query_selects_the_quote_on_load(browser, live_server):
    editor_user("alice")
    article = demo_article_with_quotes()
    target = Quote.objects.filter(article=article).order_by("start")[5]
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    page.goto(f"{live_server.url}/articles/{article.pk}/?quote={target.pk}")

    expect(page.locator(f"#quote-{target.pk}")).to_be_focused()
    expect(page.locator(f"#quote-{target.pk}")).to_have_class(re.compile(r"\bis-current\b"))
    panel_is_on(page, target)
    page.keyboard.press("v")
    expect(page.locator(f"#quote-{target.pk}")).to_have_attribute("data-status", "verified")
    assert Quote.objects.get(pk=target.pk).status == "verified"
    page.context.close()


def test_review_desk_without_javascript_verifies_the_chosen_quote(browser, live_server):
    editor = editor_user("alice")
    article = demo_article_with_quotes()
    quotes = list(Quote.objects.filter(article=article).order_by("start"))
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/", javascript=False)
    # Without JavaScript the panel acts on the first open quote...
    expect(page.locator("#action-panel")).to_have_attribute("data-quote", str(quotes[0].pk))

    # ...and a quote's title is a plain link that selects it.
    chosen = quotes[3].pk
    selected = re.compile(re.escape(f"/articles/{article.pk}/?quote={chosen}#quote-{chosen}") + "$")
    page.click(f"#quote-{quotes[3].pk} [data-select-quote]")
    page.wait_for_url(selected)
    expect(page.locator("#action-panel")).to_have_attribute("data-quote", str(quotes[3].pk))
    page.fill("#panel-note", "Matches the transcript.")
    page.click("#action-panel [data-decision='verified']")

    page.wait_for_url(selected)
    expect(page.locator(".message")).to_contain_text("marked verified")
    expect(page.locator(f"#quote-{quotes[3].pk}")).to_have_attribute("data-status", "verified")
    review = Review.objects.get()
    assert (review.quote_id, review.to_status, review.note, review.reviewer) == (
        quotes[3].pk,
        "verified",
        "Matches the transcript.",
        editor,
    )
    # The redirect keeps the decided quote selected: its undo is a plain form too.
    page.click("#action-panel [data-undo]")
    page.wait_for_url(selected)
    expect(page.locator(f"#quote-{quotes[3].pk}")).to_have_attribute("data-status", "candidate")
    assert Quote.objects.get(pk=quotes[3].pk).status == "candidate"
    screenshot(page, "review-without-javascript.png")
    page.context.close()


def test_review_desk_fixes_the_span_of_the_current_quote_from_a_selection(browser, live_server):
    editor = editor_user("alice")
    article = ArticleFactory(
        title="Span",
        prehighlight_status="done",
        body="First paragraph.\n\nThe mayor said “we will open the bridge in May” on Monday.",
    )
    quote = QuoteFactory(
        article=article, start=article.body.index("we will"), end=article.body.index(" in May")
    )
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")
    page.wait_for_function(f"document.activeElement.id === 'quote-{quote.pk}'")

    select_text(page, "“", "May”")
    page.keyboard.press("f")

    expect(page.locator(f"#hl-{quote.pk} .seg")).to_have_text("we will open the bridge in May")
    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.text, fresh.version, fresh.updated_by) == (
        "we will open the bridge in May",
        2,
        editor,
    )
    expect(page.locator(f"#quote-{quote.pk}")).to_be_focused()
    page.context.close()
