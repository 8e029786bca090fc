from datetime import UTC, datetime
from urllib.parse import quote as urlquote

import pytest
from django.urls import reverse

from annotations.models import Quote
from annotations.selectors import search as search_selectors
from tests.annotations.test_search_support import make_quote, make_speaker

URL = "/search/"


def test_search_url_name_resolves():
    assert reverse("annotations:search") == URL


def test_search_anonymous_is_sent_to_login(client):
    response = client.get(URL, {"q": "troops"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_search_user_without_a_role_is_forbidden(client, outsider):
    client.force_login(outsider)

    assert client.get(URL, {"q": "troops"}).status_code == 403


@pytest.mark.parametrize("role_client", ["reporter_client", "editor_client"])
def test_search_reporters_and_editors_see_results(db, request, role_client):
    make_quote("We will deploy troops.")
    client = request.getfixturevalue(role_client)

    response = client.get(URL, {"q": "troops"})

    assert response.status_code == 200
    assert "<mark>troops</mark>" in response.content.decode()


def test_search_result_shows_everything_a_reporter_needs(reporter_client):
    kirby = make_speaker("John Kirby", "Kirby", title="Pentagon spokesperson")
    quote = make_quote(
        "We will deploy troops.",
        speaker=kirby,
        title="Pentagon briefing",
        outlet="Daily Planet",
        published_at=datetime(2022, 1, 24, 18, 5, tzinfo=UTC),
    )

    html = reporter_client.get(URL, {"q": "deploying"}).content.decode()

    assert "We will <mark>deploy</mark> troops." in html
    assert "John Kirby" in html and "Pentagon spokesperson" in html
    assert "Pentagon briefing" in html and "Daily Planet" in html
    assert "2022-01-24 18:05" in html
    assert f'href="/articles/{quote.article_id}/#quote-{quote.pk}"' in html
    assert ">Candidate</span>" in html


def test_search_labels_each_status(reporter_client):
    make_quote("Verified words.", status=Quote.Status.VERIFIED)
    make_quote("Disputed words.", status=Quote.Status.DISPUTED)
    make_quote("Not a quote words.", status=Quote.Status.NOT_A_QUOTE)

    html = reporter_client.get(URL, {"q": "words"}).content.decode()

    assert ">Verified</span>" in html
    assert ">Disputed</span>" in html
    assert 'data-dispute-reason="wrong_words">Wrong words</span>' in html
    assert ">Not a quote</span>" in html
    assert ">Candidate</span>" not in html.split('id="search-results"')[1]


def test_search_escapes_quote_text(reporter_client):
    make_quote("Troops <img src=x onerror=alert(1)> & <b>more</b>")

    html = reporter_client.get(URL, {"q": "troops"}).content.decode()

    assert "<img src=x" not in html
    assert "<b>more" not in html
    # Every character of the quote arrives, escaped (<b> included: tests/security/test_snippets).
    assert "<mark>Troops</mark> &lt;img src=x onerror=alert(1)&gt; &amp;" in html


def test_search_htmx_request_gets_only_the_results_partial(reporter_client):
    make_quote("We will deploy troops.")

    response = reporter_client.get(URL, {"q": "troops"}, headers={"HX-Request": "true"})

    templates = [t.name for t in response.templates]
    assert "annotations/partials/search_results.html" in templates
    assert "annotations/search.html" not in templates
    assert response.content.decode().lstrip().startswith('<section id="search-results"')
    assert "HX-Request" in response["Vary"]


def test_search_history_restore_gets_the_full_page(reporter_client):
    response = reporter_client.get(
        URL, {"q": "troops"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "annotations/search.html" in [t.name for t in response.templates]


def test_search_full_page_keeps_the_query_in_the_form(reporter_client):
    html = reporter_client.get(
        URL,
        {"q": '"eastern flank"', "status": ["verified"], "published_from": "2022-01-01T09:30"},
    ).content.decode()

    assert 'value="&quot;eastern flank&quot;"' in html
    assert 'value="verified" checked' in html
    assert 'value="2022-01-01T09:30"' in html


def test_search_live_box_is_debounced_and_keeps_the_url_in_step(reporter_client):
    html = reporter_client.get(URL).content.decode()

    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-replace-url="true"' in html
    assert 'action="/search/"' in html and 'method="get"' in html


def test_search_speaker_token_names_the_matched_speaker(reporter_client):
    make_speaker("Jens Stoltenberg", "Stoltenberg", title="NATO Secretary General")

    html = reporter_client.get(URL, {"q": "speaker:Stoltenburg"}).content.decode()

    assert "<strong>Jens Stoltenberg</strong> (NATO Secretary General)" in html


def test_search_unknown_speaker_says_so(reporter_client):
    html = reporter_client.get(URL, {"speaker": "Xqzvw"}).content.decode()

    assert "No speaker matches “Xqzvw”." in html


def test_search_pages_link_to_each_other(reporter_client):
    for n in range(25):
        make_quote(f"Identical words {n}.")

    first = reporter_client.get(URL, {"q": "identical"}).content.decode()
    second = reporter_client.get(URL, {"q": "identical", "page": "2"}).content.decode()

    assert "25 matches; showing 1–20." in first
    assert 'href="/search/?q=identical&amp;page=2"' in first
    assert 'hx-push-url="true"' in first
    assert "25 matches; showing 21–25." in second
    assert 'href="/search/?q=identical"' in second


def test_search_speaker_options_suggest_names(reporter_client):
    make_speaker("Jen Psaki", "Psaki", title="Press secretary")

    html = reporter_client.get("/search/speakers/", {"speaker": "psacki"}).content.decode()

    assert '<option value="Jen Psaki">Press secretary</option>' in html


def test_search_speaker_options_need_a_role(client, outsider):
    client.force_login(outsider)

    assert client.get("/search/speakers/", {"speaker": "psaki"}).status_code == 403


def test_search_query_length_limit_is_a_clear_message(reporter_client, settings):
    settings.NEWSDESK_MAX_QUERY_CHARS = 20

    response = reporter_client.get(URL, {"q": "x" * 21})

    assert response.status_code == 400
    assert "limited to 20 characters; yours has 21" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=%22deploy+troops", "match"),
        ("q=the+and+of", "no searchable words"),
        ("q=" + "troops+" * 1500, "limited to 500 characters"),
        ("q=troops%00", "NUL character"),
        ("q=troops+%ED%A0%80", "not valid UTF-8"),  # an encoded lone surrogate: refused
        ("q=" + urlquote("Zełenśkyj «Київ» 🇺🇦 \u202e\u0301"), "match"),
        ("q=speaker%3A", "speaker: needs a name"),
        ("q=speaker%3A%22", "speaker: needs a name"),
        ("status=bogus", "Unknown status"),
        ("published_from=2022-02-30T10:00", "YYYY-MM-DDTHH:MM"),
        ("published_to=%00", "YYYY-MM-DDTHH:MM"),
        ("article=99999999999999999999", "positive integer"),
        ("sort=%F0%9F%92%A5", "relevance or date"),
        ("page=abc", "Pages run from 1"),
        ("page=99999999999", "Pages run from 1"),
    ],
)
def test_search_odd_input_never_fails(reporter_client, query, message):
    make_quote("We will deploy troops.")

    response = reporter_client.get(f"{URL}?{query}")

    assert response.status_code in (200, 400)
    assert message in response.content.decode()


def test_search_view_query_count_is_flat(reporter_client, django_assert_max_num_queries):
    for n in range(30):
        make_quote(f"Identical words {n}.", speaker=make_speaker(f"Speaker {n}"))

    # session, user, groups; the tsquery check; savepoint, planner setting, candidates, setting
    # restored, release; the page (speakers and articles joined in); the capped count.
    with django_assert_max_num_queries(11):
        reporter_client.get(URL, {"q": "identical"}, headers={"HX-Request": "true"})


def test_search_says_when_relevance_covers_only_the_newest_matches(reporter_client, settings):
    settings.NEWSDESK_SEARCH_RANK_CANDIDATES = 3
    for n in range(25):
        make_quote(f"Identical words {n}.")

    relevance = reporter_client.get(URL, {"q": "identical", "page": "1"}).content.decode()
    by_date = reporter_client.get(URL, {"q": "identical", "sort": "date"}).content.decode()

    assert "At least 3 matches; showing 1–3." in relevance
    assert "Relevance ranks the newest 3 matches." in relevance
    assert "showing 1–20." in by_date
    assert "Relevance ranks the newest" not in by_date


def _speaker_lookups(queries):
    return sum("annotations_speakeralias" in q["sql"] for q in queries)


def test_search_speaker_filter_looks_the_speaker_up_once(reporter_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    speaker = make_speaker("Jens Stoltenberg", "Stoltenberg", title="NATO Secretary General")
    make_quote("Allies stand together.", speaker=speaker)
    with CaptureQueriesContext(connection) as direct:
        search_selectors.speaker_match(text="Stoltenberg")
    with CaptureQueriesContext(connection) as page:
        response = reporter_client.get(URL, {"speaker": "Stoltenberg"})

    assert "Allies stand together." in response.content.decode()
    assert "<strong>Jens Stoltenberg</strong>" in response.content.decode()
    assert _speaker_lookups(direct.captured_queries) >= 1
    assert _speaker_lookups(page.captured_queries) == _speaker_lookups(direct.captured_queries)


def test_search_outlet_list_is_cached_between_page_loads(reporter_client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotations.views.search import OUTLETS_CACHE_KEY

    cache.delete(OUTLETS_CACHE_KEY)
    make_quote("First words.", outlet="Daily Planet")

    def outlet_queries():
        with CaptureQueriesContext(connection) as ctx:
            html = reporter_client.get(URL).content.decode()
        return sum("DISTINCT" in q["sql"] for q in ctx.captured_queries), html

    first, html = outlet_queries()
    assert first == 1 and '<option value="Daily Planet">' in html
    make_quote("Second words.", outlet="Evening Star")
    second, html = outlet_queries()
    assert second == 0 and '<option value="Evening Star">' not in html  # from the cache
    cache.delete(OUTLETS_CACHE_KEY)
    third, html = outlet_queries()
    assert third == 1 and '<option value="Evening Star">' in html
