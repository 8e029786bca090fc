"""Search ranking on the seed article: the quote's own words weigh far more than its headline."""

import pytest
from django.urls import reverse

from annotations.models import Quote
from annotations.selectors.search import QuoteSearchParams, quote_search
from tests.annotations.api_support import api, bearer, read_key  # noqa: F401
from tests.annotations.test_review_browser import demo_article_with_quotes

pytestmark = pytest.mark.django_db


def _says(quote):
    words = quote.text.lower()
    return "troop" in words or "deploy" in words


def test_quote_search_quote_words_outrank_headline_words(reporter):
    article = demo_article_with_quotes()
    assert "troops" in article.title  # every quote matches through the headline

    results = list(quote_search(user=reporter, params=QuoteSearchParams(q="troops deploy")))

    saying = [quote for quote in results if _says(quote)]
    others = [quote for quote in results if not _says(quote)]
    assert len(results) == Quote.objects.filter(article=article).count()
    assert saying and others  # the headline still finds the rest, far below
    assert results[: len(saying)] == saying
    assert min(q.rank for q in saying) > 10 * max(q.rank for q in others)


def test_quote_search_quote_only_ignores_headline_and_speaker(reporter):
    demo_article_with_quotes()

    results = list(
        quote_search(user=reporter, params=QuoteSearchParams(q="troops deploy", quote_only=True))
    )
    everywhere = list(quote_search(user=reporter, params=QuoteSearchParams(q="troops deploy")))

    assert results and all(_says(quote) for quote in results)
    assert len(results) < len(everywhere) == Quote.objects.count()


def test_search_page_and_api_take_the_quote_only_switch(reporter_client, api, read_key):  # noqa: F811
    demo_article_with_quotes()
    page = reporter_client.get(
        reverse("annotations:search"), {"q": "troops deploy", "quote_only": "1"}
    )
    listed = api.get(
        "/api/v1/quotes/", {"q": "troops deploy", "quote_only": "true"}, headers=bearer(read_key)
    )
    bad = api.get(
        "/api/v1/quotes/", {"q": "troops", "quote_only": "maybe"}, headers=bearer(read_key)
    )

    html = page.content.decode()
    assert 'name="quote_only" value="1" checked' in html
    assert listed.status_code == 200
    texts = [row["text"] for row in listed.json()["results"]]
    assert texts and all("troop" in t.lower() or "deploy" in t.lower() for t in texts)
    assert html.count('class="search-hit') == len(texts)
    assert bad.status_code == 400 and "quote_only" in bad.json()["errors"]
