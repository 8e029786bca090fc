"""Search snippets show the quote's exact characters (issue 12, item 7).

The quote `We will never <img src=x> surrender` was shown in search as "We will never
surrender": PostgreSQL's ts_headline took the markup for an HTML tag and dropped it. A snippet
must be the quote's own characters, escaped, with only our <mark> around the matches.
"""

import html
import re

import pytest
from django.urls import reverse

from tests.annotations.test_search_support import make_quote
from tests.security.support import logged_in

SNIPPET = re.compile(r'<blockquote class="search-quote">“(.*?)”</blockquote>', re.DOTALL)
MARKER = re.compile(r'<span class="invisible-char" title="U\+([0-9A-F]+) [^"]*">⟨[^⟩]*⟩</span>')

TRICKY = [
    "We will never <img src=x> surrender",
    "We will never <img src=x onerror=alert(1)> surrender",
    "Tags <b>bold</b> and <!-- hidden --> and <a href='javascript:x'>link</a> surrender",
    "Entities &amp; &lt;b&gt; and &#60;script&#62; surrender",
    "A URL https://example.org/a?b=<c>&d=1 and x-ray well-being surrender",
    "Mail ana@example.org, 3.14 and 1-2-3 surrender <<>> <",
    "Spaces   and\ttabs\nand lines surrender",
    "Controls \x01 and \x02 and \x03 surrender",
    "Hidden \u202eevil\u202c and zero\u200bwidth surrender",
    " ".join(["padding"] * 80) + " surrender <img src=x> " + " ".join(["tail"] * 80),
]


def snippets(client, q):
    page = client.get(reverse("annotations:search"), {"q": q, "sort": "date"}).content.decode()
    return SNIPPET.findall(page)


def shown_text(snippet):
    """What the snippet says, read back: markers as their characters, marks and ellipses gone."""
    text = MARKER.sub(lambda found: chr(int(found.group(1), 16)), snippet)
    text = text.replace("<mark>", "").replace("</mark>", "")
    return html.unescape(text).removeprefix("… ").removesuffix(" …")


@pytest.mark.django_db
def test_snippet_keeps_the_markup_the_issue_lost(reporter):
    make_quote("We will never <img src=x> surrender")
    assert snippets(logged_in(reporter), "surrender") == [
        "We will never &lt;img src=x&gt; <mark>surrender</mark>"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("text", TRICKY)
def test_snippet_is_always_a_piece_of_the_quote_text(reporter, text):
    make_quote(text)
    [snippet] = snippets(logged_in(reporter), "surrender")
    assert shown_text(snippet) in text
    assert "surrender" in shown_text(snippet)
    assert re.findall(r"<(?!/?mark>|span class=\"invisible-char\"|/span>)", snippet) == []


@pytest.mark.django_db
def test_snippet_marks_the_matched_words(reporter):
    make_quote("Tags <b>bold</b> and troops surrender")
    assert snippets(logged_in(reporter), "troops surrender") == [
        "Tags &lt;b&gt;bold&lt;/b&gt; and <mark>troops</mark> <mark>surrender</mark>"
    ]


@pytest.mark.django_db
def test_snippet_shows_invisible_characters_as_markers(reporter):
    make_quote("RTL \u202eevil\u202c surrender")
    [snippet] = snippets(logged_in(reporter), "surrender")
    assert "\u202e" not in snippet
    assert 'title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨RLO⟩</span>evil' in snippet
