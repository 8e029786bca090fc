"""The search page and GET /api/v1/quotes/?q= share one core and must agree row for row."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from annotations.models import Quote
from tests.annotations.test_search_support import make_quote, make_speaker

START = datetime(2022, 1, 1, 9, 0, tzinfo=UTC)


def html_ids(client, params):
    ids, page = [], 1
    while True:
        html = client.get("/search/", {**params, "page": str(page)}).content.decode()
        found = [int(pk) for pk in re.findall(r'id="search-hit-(\d+)"', html)]
        ids.extend(found)
        if 'rel="next"' not in html:
            return ids
        page += 1


def api_ids(client, params):
    ids, url, query = [], "/api/v1/quotes/", {**params, "page_size": "7"}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        payload = response.json()
        ids.extend(item["id"] for item in payload["results"])
        url, query = payload["next"], None
    return ids


@pytest.fixture
def corpus(db):
    kirby = make_speaker("John Kirby", "Kirby")
    psaki = make_speaker("Jen Psaki", "Psaki")
    statuses = list(Quote.Status.values)
    texts = [
        "We will deploy troops to the eastern flank.",
        "Troops are deploying as we speak.",
        "Troops, tanks and more troops.",
        "Sanctions will follow any invasion.",
        "We do not see a ceasefire; troops remain.",
    ]
    for n in range(30):
        make_quote(
            f"{texts[n % len(texts)]} ({n})",
            speaker=kirby if n % 2 else psaki,
            status=statuses[n % len(statuses)],
            outlet="Daily Planet" if n % 3 else "Example Times",
            # Pairs share a publication time so that ties are broken the same way.
            published_at=START + timedelta(hours=n // 2),
        )


@pytest.mark.parametrize(
    "params",
    [
        {"q": "troops"},
        {"q": "deploying troops", "sort": "date"},
        {"q": "speaker:kirby troops"},
        {"q": "troops -tanks", "status": "candidate,verified"},
        {"q": "troops OR sanctions", "outlet": "daily planet"},
        {
            "q": "troops",
            "speaker": "Psacki",
            "published_from": "2022-01-01T11:00",
            "published_to": "2022-01-01T20:00",
        },
    ],
)
def test_search_html_and_api_return_the_same_quotes_in_the_same_order(
    corpus, reporter_client, params
):
    from_html = html_ids(reporter_client, params)

    assert from_html
    assert api_ids(reporter_client, params) == from_html


def test_search_api_reports_bad_queries_like_the_page(reporter_client):
    response = reporter_client.get("/api/v1/quotes/", {"q": "speaker:"})

    assert response.status_code == 400
    assert "speaker: needs a name" in response.content.decode()
