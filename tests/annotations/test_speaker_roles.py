import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.models import Quote, Speaker, SpeakerRole
from annotations.models.speakers import article_day
from annotations.selectors.speakers import (
    quote_role,
    quote_roles,
    role_title,
    speaker_role_on,
    with_role_at_time,
)
from annotations.services.speakers import speaker_role_add
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory

D = dt.date


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


@pytest.fixture
def kirby(db):
    speaker = SpeakerFactory(name="John Kirby", title="NSC spokesperson")
    speaker_role_add(
        speaker=speaker,
        title="Pentagon press secretary",
        organisation="US Department of Defense",
        start_date=D(2021, 1, 20),
        end_date=D(2022, 5, 31),
        source_url="https://example.org/kirby",
    )
    speaker_role_add(
        speaker=speaker,
        title="NSC Coordinator for Strategic Communications",
        organisation="White House",
        start_date=D(2022, 6, 1),
    )
    return speaker


def test_speaker_role_on_includes_both_boundary_days(kirby):
    assert speaker_role_on(speaker=kirby, day=D(2021, 1, 19)) is None
    assert speaker_role_on(speaker=kirby, day=D(2021, 1, 20)).title == "Pentagon press secretary"
    assert speaker_role_on(speaker=kirby, day=D(2022, 5, 31)).title == "Pentagon press secretary"
    assert speaker_role_on(speaker=kirby, day=D(2022, 6, 1)).title.startswith("NSC Coordinator")
    # Open-ended: still held long after.
    assert speaker_role_on(speaker=kirby, day=D(2030, 1, 1)).title.startswith("NSC Coordinator")


def test_quote_role_is_the_role_on_the_publication_date(kirby):
    january = QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=_at(D(2022, 1, 24))))
    later = QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=_at(D(2023, 3, 1))))
    undated = QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=None))

    assert quote_role(quote=january).title == "Pentagon press secretary"
    assert quote_role(quote=later).title.startswith("NSC Coordinator")
    assert quote_role(quote=undated) is None


def _mixed_quotes(kirby):
    return [
        QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=_at(D(2022, 1, 24)))),
        QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=_at(D(2020, 1, 1)))),
        QuoteFactory(
            speaker=SpeakerFactory(name="Ana Reyes", title="finance minister"),
            article=ArticleFactory(published_at=_at(D(2022, 1, 24))),
        ),
        QuoteFactory(speaker=None),
        QuoteFactory(speaker=kirby, article=ArticleFactory(published_at=None)),
    ]


EXPECTED_TITLES = [
    "Pentagon press secretary",
    "",  # he held no registered role then: no title rather than a wrong one
    "finance minister",  # no roles in the registry at all: the speaker's own title field
    "",
    "",  # undated article
]


def test_quote_roles_read_roles_in_one_query(kirby, django_assert_num_queries):
    quotes = _mixed_quotes(kirby)
    with django_assert_num_queries(1):
        roles = quote_roles(quotes)
    assert [role_title(roles[q.pk]) for q in quotes] == EXPECTED_TITLES
    assert roles[quotes[0].pk] == {
        "title": "Pentagon press secretary",
        "organisation": "US Department of Defense",
    }


def test_with_role_at_time_matches_the_python_rule(kirby, django_assert_num_queries):
    quotes = _mixed_quotes(kirby)
    with django_assert_num_queries(1):
        loaded = {
            q.pk: q.role_at_time
            for q in with_role_at_time(Quote.objects.filter(pk__in=[q.pk for q in quotes]))
        }
    assert [role_title(loaded[q.pk]) for q in quotes] == EXPECTED_TITLES
    assert loaded == quote_roles(quotes)


def test_with_role_at_time_reads_the_newsroom_date(kirby, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    # 23:30 UTC on 31 May is 1 June in Amsterdam: the NSC role, not the Pentagon one.
    quote = QuoteFactory(
        speaker=kirby,
        article=ArticleFactory(published_at=dt.datetime(2022, 5, 31, 23, 30, tzinfo=dt.UTC)),
    )
    loaded = with_role_at_time(Quote.objects.filter(pk=quote.pk)).get()
    assert loaded.role_at_time["title"].startswith("NSC Coordinator")
    assert quote_roles([quote])[quote.pk]["title"].startswith("NSC Coordinator")


def test_article_day_is_the_newsroom_date(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    # 23:30 UTC on 31 May is already 1 June in Amsterdam.
    assert article_day(dt.datetime(2022, 5, 31, 23, 30, tzinfo=dt.UTC)) == D(2022, 6, 1)


def test_speaker_role_add_refuses_end_before_start(kirby):
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        speaker_role_add(
            speaker=kirby, title="Admiral", start_date=D(2020, 1, 2), end_date=D(2020, 1, 1)
        )


def test_speaker_role_add_refuses_an_overlapping_duplicate(kirby):
    with pytest.raises(ValidationError, match="already holds this title"):
        speaker_role_add(
            speaker=kirby,
            title="pentagon press secretary",
            organisation="US Department of Defense",
            start_date=D(2022, 5, 31),  # the last day of the existing role
        )
    # The same title at another time is fine, and so is another title at the same time.
    speaker_role_add(
        speaker=kirby,
        title="Pentagon press secretary",
        organisation="US Department of Defense",
        start_date=D(2017, 1, 1),
        end_date=D(2021, 1, 19),
    )
    speaker_role_add(speaker=kirby, title="Rear admiral", start_date=D(2021, 1, 20))
    assert kirby.roles.count() == 4


def test_speaker_role_constraints_hold_in_the_database(kirby):
    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerRole.objects.create(
            speaker=kirby, title="X", start_date=D(2020, 1, 2), end_date=D(2020, 1, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerRole.objects.create(
            speaker=kirby,
            title="Pentagon press secretary",
            organisation="US Department of Defense",
            start_date=D(2021, 6, 1),
            end_date=D(2021, 6, 2),
        )


def test_speakers_may_share_a_name_but_not_a_wikidata_id(db):
    Speaker.objects.create(name="John Smith", wikidata_id="Q1")
    Speaker.objects.create(name="John Smith")
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.create(name="John Smith", wikidata_id="Q1")
    assert Speaker.objects.filter(name="John Smith").count() == 2


def test_speaker_wikidata_id_is_validated(db):
    speaker = Speaker(name="Someone", wikidata_id="q12")
    with pytest.raises(ValidationError, match="Q followed by its number"):
        speaker.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.create(name="Someone", wikidata_id="Q12x")


def test_speaker_role_full_clean_reports_dates_out_of_order_as_a_field_error(kirby):
    # The admin and any ModelForm validate this way: a message, never a database error.
    role = SpeakerRole(speaker=kirby, title="X", start_date=D(2020, 1, 2), end_date=D(2020, 1, 1))
    with pytest.raises(ValidationError) as refused:
        role.full_clean()
    assert refused.value.message_dict == {"end_date": ["The role cannot end before it starts."]}


def test_speaker_admin_shows_roles_and_wikidata_id(admin_client, kirby):
    response = admin_client.get(f"/admin/annotations/speaker/{kirby.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pentagon press secretary" in html
    assert 'name="wikidata_id"' in html
