"""Search by office: role:"…" and the role filter match whoever held the role on the date."""

# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import datetime as dt

import pytest
from django.urls import reverse

from annotations.models import Quote
from annotations.selectors.search import quote_search, quote_search_params_from_query
from annotations.services.speakers import speaker_role_add
from tests.annotations.api_support import api, bearer, read_key  # noqa: F401
from tests.annotations.test_search_support import make_quote, make_speaker

D = dt.date


def _at(day, hour=12):
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


@pytest.fixture
def office(db):
    psaki = make_speaker("Jen Psaki", "Psaki")
    kirby = make_speaker("John Kirby", "Kirby")
    blinken = make_speaker("Antony Blinken", "Blinken")
    speaker_role_add(
        speaker=psaki,
        title="White House press secretary",
        organisation="White House",
        start_date=D(2021, 1, 20),
        end_date=D(2022, 5, 13),
    )
    speaker_role_add(
        speaker=kirby,
        title="Pentagon press secretary",
        organisation="US Department of Defense",
        start_date=D(2021, 1, 20),
        end_date=D(2022, 5, 31),
    )
    speaker_role_add(
        speaker=blinken,
        title="Secretary of State",
        organisation="US State Department",
        start_date=D(2021, 1, 26),
    )
    return {
        "psaki_jan": make_quote(
            "Psaki on Ukraine.",
            speaker=psaki,
            published_at=_at(D(2022, 1, 24)),
            status=Quote.Status.VERIFIED,
        ),
        "psaki_last_day": make_quote(
            "Psaki signs off.", speaker=psaki, published_at=_at(D(2022, 5, 13), 23)
        ),
        "psaki_after": make_quote(
            "Psaki on television.", speaker=psaki, published_at=_at(D(2022, 5, 14))
        ),
        "psaki_before": make_quote(
            "Psaki as a commentator.", speaker=psaki, published_at=_at(D(2020, 6, 1))
        ),
        "kirby_jan": make_quote(
            "Kirby on troops.",
            speaker=kirby,
            published_at=_at(D(2022, 1, 25)),
            status=Quote.Status.VERIFIED,
        ),
        "kirby_first_day": make_quote(
            "Kirby's first briefing.", speaker=kirby, published_at=_at(D(2021, 1, 20), 0)
        ),
        "blinken": make_quote(
            "Blinken on diplomacy.", speaker=blinken, published_at=_at(D(2022, 1, 24))
        ),
    }


def _found(user, **query):
    params = quote_search_params_from_query(query, max_query_chars=500)
    return {quote.pk for quote in quote_search(user=user, params=params)}


def _pks(office, *names):
    return {office[name].pk for name in names}


def test_role_search_finds_whoever_held_the_role_on_the_date(reporter, office):
    expected = _pks(office, "psaki_jan", "psaki_last_day", "kirby_jan", "kirby_first_day")
    assert _found(reporter, q='role:"press secretary"') == expected
    assert _found(reporter, role="press secretary") == expected
    assert _found(reporter, role="PENTAGON  Press") == _pks(office, "kirby_jan", "kirby_first_day")
    # The organisation counts too.
    assert _found(reporter, role="state department") == _pks(office, "blinken")


def test_role_search_combines_with_speaker_dates_status_and_words(reporter, office):
    assert _found(reporter, role="press secretary", speaker="psaki") == _pks(
        office, "psaki_jan", "psaki_last_day"
    )
    assert _found(
        reporter, role="press secretary", published_from="2022-01-01", published_to="2022-02-01"
    ) == _pks(office, "psaki_jan", "kirby_jan")
    assert _found(reporter, role="press secretary", status="verified") == _pks(
        office, "psaki_jan", "kirby_jan"
    )
    assert _found(reporter, q='troops role:"press secretary" speaker:kirby') == _pks(
        office, "kirby_jan"
    )


def test_role_search_with_no_matching_role_finds_nothing(reporter, office):
    assert _found(reporter, role="chancellor") == set()


@pytest.mark.django_db
def test_api_role_search(api, read_key, office):
    response = api.get(
        reverse("api:quote-list"),
        {"q": 'role:"press secretary"', "speaker": "psaki"},
        headers=bearer(read_key),
    )
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["id"] for row in rows} == _pks(office, "psaki_jan", "psaki_last_day")
    assert {row["speaker"]["role"]["title"] for row in rows} == {"White House press secretary"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"q": "role:"}, "q", "role: needs a title"),
        ({"q": "role:a role:b"}, "q", "Use role: once"),
        ({"q": "role:pentagon", "role": "white house"}, "role", "give one of them"),
        ({"role": "x\x00"}, "role", "NUL"),
    ],
)
def test_api_role_search_refuses_bad_input_with_400(api, read_key, query, field, message):
    response = api.get(reverse("api:quote-list"), query, headers=bearer(read_key))
    assert response.status_code == 400
    assert message in str(response.json())


def test_search_page_role_filter(reporter_client, office):
    html = reporter_client.get("/search/", {"role": "pentagon press secretary"}).content.decode()
    assert 'name="role" value="pentagon press secretary"' in html
    assert "<strong>Pentagon press secretary</strong>" in html
    assert "Kirby on troops." in html and "Psaki on Ukraine." not in html
    html = reporter_client.get("/search/", {"role": "chancellor"}).content.decode()
    assert "No role matches “chancellor”." in html
