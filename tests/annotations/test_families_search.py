"""Quote families on the search page and in the exports (issue 17)."""

import csv
import io

import pytest
from django.urls import reverse

from annotations.models import QuoteFamily
from tests.annotations.families_support import create_speech_articles, quote_speech_in_outlets
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


@pytest.fixture
def quoted_everywhere(db, django_capture_on_commit_callbacks):
    """One speech quoted whole by 14 outlets, one day apart, the newest last."""
    with django_capture_on_commit_callbacks(execute=False):
        return quote_speech_in_outlets(range(14))


def test_families_search_lists_the_first_members_and_links_to_all(
    reporter_client, quoted_everywhere
):
    page = hits(reporter_client, q="bridge")

    family = QuoteFamily.objects.get()
    assert family.size == 14
    # One result, the newest copy, standing for the family.
    assert page.count('class="search-hit') == 1
    assert f'id="search-hit-{quoted_everywhere[-1].pk}"' in page
    # Under it the ten oldest articles, and a link to the rest.
    listed = [q for q in quoted_everywhere if f"?quote={q.pk}#quote-{q.pk}" in page]
    assert listed == quoted_everywhere[:10]
    assert reverse("annotations:search_family", args=[family.pk]) in page
    assert "all 14 articles" in page


def test_families_search_family_page_lists_every_member(reporter_client, quoted_everywhere):
    family = QuoteFamily.objects.get()
    response = reporter_client.get(reverse("annotations:search_family", args=[family.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"?quote={q.pk}#quote-{q.pk}" in page for q in quoted_everywhere)
    assert "The same quote in 14 articles" in page
    assert "all 14 articles" not in page


def test_families_search_family_page_is_404_for_an_unknown_family(reporter_client, db):
    response = reporter_client.get(reverse("annotations:search_family", args=[999999]))

    assert response.status_code == 404


def test_families_search_family_page_needs_a_login(client, quoted_everywhere):
    family = QuoteFamily.objects.get()
    response = client.get(reverse("annotations:search_family", args=[family.pk]))

    assert response.status_code == 302
