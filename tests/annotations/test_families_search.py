"""Quote families on the search page and in the exports (issue 17)."""

import csv
import io

import pytest
from django.urls import reverse

from annotations.models import QuoteFamily
from tests.annotations.families_support import create_speech_articles
from tests.factories import ArticleFactory, QuoteFactory


@pytest.fixture
def speech(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        quotes = create_speech_articles()
    article = ArticleFactory(body="“An unrelated remark about the harbour fees,” a clerk said.")
    QuoteFactory(article=article, start=1, end=article.body.index(","))
    return quotes


def hits(client, **params):
    response = client.get(reverse("annotations:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_families_search_shows_the_same_quote_once_by_default(reporter_client, speech):
    page = hits(reporter_client, q="valley")

    assert page.count('class="search-hit') == 1
    assert "in 3 articles" in page
    for quote in speech:
        assert f"?quote={quote.pk}#quote-{quote.pk}" in page
    assert "Harbour Herald" in page and "wording differs" in page
    assert 'name="once" value="1" checked' in page


def test_families_search_switch_off_shows_every_copy(reporter_client, speech):
    page = hits(reporter_client, q="valley", once=["0"])

    assert page.count('class="search-hit') == 3
    assert 'name="once" value="1" checked' not in page


def test_families_search_filters_the_alarms(reporter_client, speech):
    assert hits(reporter_client, once="0", wording_differs="1").count('class="search-hit') == 3
    assert hits(reporter_client, once="0", speakers_differ="1").count('class="search-hit') == 3
    assert hits(reporter_client, once="0").count('class="search-hit') == 4


def test_families_search_refuses_a_bad_switch_value(reporter_client, speech):
    response = reporter_client.get(reverse("annotations:search"), {"wording_differs": "yes"})

    assert response.status_code == 400
    assert "is not a switch value" in response.content.decode()


def test_families_search_export_carries_the_family_id(reporter_client, speech):
    response = reporter_client.get(reverse("annotations:search_export_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    family = QuoteFamily.objects.get()
    by_quote = {int(row["quote_id"]): row["family_id"] for row in rows}
    assert {by_quote[q.pk] for q in speech} == {str(family.pk)}
    assert len(rows) == 4 and sorted(by_quote.values())[0] == ""
