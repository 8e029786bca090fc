r"""In a real Chromium: a right-to-left override no longer reverses what the review page draws.

The attack of issue 12, item 6: the body `RTL \u202eevil\u202c text` was drawn as "RTL live
text". Here the letters of "evil" must be drawn left to right in stored order, the override
must be shown as a marker, and selecting the word must still give its stored offsets.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.annotations.test_review_browser import editor_user, log_in
from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BODY = "RTL \u202eevil\u202c text, and “a quote” after it."

# The x position at which each letter of the word is drawn.
LETTER_POSITIONS = """(word) => {
    const walker = document.createTreeWalker(
        document.querySelector('#article-body'), NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    while (node && !node.data.includes(word)) node = walker.nextNode();
    const at = node.data.indexOf(word);
    return [...word].map((_, i) => {
        const range = document.createRange();
        range.setStart(node, at + i);
        range.setEnd(node, at + i + 1);
        return range.getBoundingClientRect().left;
    });
}"""

SELECT_WORD = """(word) => {
    const seg = [...document.querySelectorAll('#article-body .seg')]
        .find((s) => s.textContent.includes(word));
    const text = seg.firstChild;
    const range = document.createRange();
    range.setStart(text, text.data.indexOf(word));
    range.setEnd(text, text.data.indexOf(word) + word.length);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
}"""


def test_invisible_override_is_shown_and_never_reverses_the_text(browser, live_server):
    editor_user("alice")
    article = ArticleFactory(title="Bidi", body=BODY, prehighlight_status="done")
    page = log_in(browser, live_server, "alice", f"/articles/{article.pk}/")

    positions = page.evaluate(LETTER_POSITIONS, "evil")
    marker = page.locator("#article-body .invisible-char").first
    page.evaluate(SELECT_WORD, "evil")

    assert positions == sorted(positions)
    assert len(set(positions)) == 4
    expect(marker).to_be_visible()
    expect(marker).to_have_text("⟨RLO⟩")
    expect(marker).to_have_attribute("title", "U+202E RIGHT-TO-LEFT OVERRIDE")
    start = BODY.index("evil")
    expect(page.locator("[data-selection-status]")).to_have_text(
        f"Selected characters {start}–{start + 4}."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#article-body").screenshot(path=str(ARTIFACTS / "invisible-markers.png"))
    page.context.close()
