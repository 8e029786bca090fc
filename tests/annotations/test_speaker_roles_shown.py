"""The role at the time, wherever a quote is shown: card, search row, exports, API, ClaimReview."""

# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Quote
from annotations.services.reviews import quote_review_submit
from annotations.services.speakers import speaker_role_add
from tests.annotations.api_support import api, bearer, read_key  # noqa: F401
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory

JAN_2022 = dt.datetime(2022, 1, 24, 15, tzinfo=dt.UTC)
MAR_2023 = dt.datetime(2023, 3, 1, 15, tzinfo=dt.UTC)


@pytest.fixture
def kirby(db):
    # The registry's own title is today's job: it must not be shown for 2022 quotes.
    speaker = SpeakerFactory(name="John Kirby", title="Today's job")
    speaker_role_add(
        speaker=speaker,
        title="Pentagon press secretary",
        organisation="US Department of Defense",
        start_date=dt.date(2021, 1, 20),
        end_date=dt.date(2022, 5, 31),
    )
    speaker_role_add(
        speaker=speaker,
        title="NSC coordinator",
        organisation="White House",
        start_date=dt.date(2022, 6, 1),
    )
    return speaker


@pytest.fixture
def quotes(kirby, editor):
    old = QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=JAN_2022))
    new = QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=MAR_2023))
    for quote in (old, new):
        quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    return old, new


def test_role_at_time_on_the_desk_card(editor_client, quotes):
    old, new = quotes
    page = editor_client.get(reverse("annotations:article_detail", args=[old.article_id]))
    html = page.content.decode()
    assert '<span class="muted speaker-role">, Pentagon press secretary</span>' in html
    assert "Today&#x27;s job" not in html and "Today's job" not in html
    page = editor_client.get(reverse("annotations:article_detail", args=[new.article_id]))
    assert '<span class="muted speaker-role">, NSC coordinator</span>' in page.content.decode()


def test_role_at_time_on_the_search_row(reporter_client, quotes):
    html = reporter_client.get("/search/", {"speaker": "kirby"}).content.decode()
    assert '<span class="search-speaker-title">Pentagon press secretary</span>' in html
    assert '<span class="search-speaker-title">NSC coordinator</span>' in html
    # Today's title may describe the speaker above the list, never a quote's row.
    assert "Today" not in html[html.index('<ol class="search-list"') :]


def test_role_at_time_in_the_exports(reporter_client, quotes):
    old, new = quotes
    response = reporter_client.get("/search/export.csv", {"speaker": "kirby"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {int(r["quote_id"]): r["speaker_title"] for r in rows} == {
        old.pk: "Pentagon press secretary",
        new.pk: "NSC coordinator",
    }
    response = reporter_client.get("/search/export.jsonl", {"speaker": "kirby"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert {json.loads(line)["speaker_title"] for line in lines} == {
        "Pentagon press secretary",
        "NSC coordinator",
    }


def test_role_at_time_in_the_api_quote_and_list(
    api, read_key, quotes, django_assert_max_num_queries
):
    old, new = quotes
    detail = api.get(reverse("api:quote-detail", args=[old.pk]), headers=bearer(read_key)).json()
    assert detail["speaker"]["role"] == {
        "title": "Pentagon press secretary",
        "organisation": "US Department of Defense",
    }
    listed = api.get(reverse("api:quote-list"), headers=bearer(read_key)).json()
    roles = {row["id"]: row["speaker"]["role"]["title"] for row in listed["results"]}
    assert roles == {old.pk: "Pentagon press secretary", new.pk: "NSC coordinator"}


def test_api_quote_list_reads_roles_without_a_query_per_row(api, read_key, kirby):
    for _ in range(3):
        QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=JAN_2022))
    url = reverse("api:quote-list")
    api.get(url, headers=bearer(read_key))  # warm up: key lookup caches, sessions
    with CaptureQueriesContext(connection) as three:
        api.get(url, headers=bearer(read_key))
    for _ in range(10):
        QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=MAR_2023))
    with CaptureQueriesContext(connection) as thirteen:
        response = api.get(url, headers=bearer(read_key))
    assert len(response.json()["results"]) == 13
    assert len(thirteen.captured_queries) == len(three.captured_queries)


def test_role_at_time_is_the_claimreview_author(api, read_key, quotes):
    old, new = quotes
    doc = api.get(reverse("api:quote-claimreview", args=[old.pk]), headers=bearer(read_key)).json()
    assert doc["itemReviewed"]["author"] == {
        "@type": "Person",
        "name": "John Kirby",
        "jobTitle": "Pentagon press secretary",
        "affiliation": {"@type": "Organization", "name": "US Department of Defense"},
    }
    doc = api.get(reverse("api:quote-claimreview", args=[new.pk]), headers=bearer(read_key)).json()
    assert doc["itemReviewed"]["author"]["jobTitle"] == "NSC coordinator"


def test_no_role_on_record_for_the_date_shows_no_title(api, read_key, kirby, editor):
    quote = QuoteFactory(
        speaker=kirby, article=ArticleFactory(published_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC))
    )
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    detail = api.get(reverse("api:quote-detail", args=[quote.pk]), headers=bearer(read_key)).json()
    assert detail["speaker"]["role"] is None
    doc = api.get(
        reverse("api:quote-claimreview", args=[quote.pk]), headers=bearer(read_key)
    ).json()
    assert doc["itemReviewed"]["author"] == {"@type": "Person", "name": "John Kirby"}
    assert Quote.objects.count() == 1
