from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from annotations.errors import PermissionDeniedError
from annotations.models import Quote
from annotations.selectors.search import (
    QuoteSearchParams,
    headline_html,
    quote_search,
    quote_search_params_from_query,
    speaker_match,
)
from tests.annotations.test_search_support import WHEN, make_quote, make_speaker


def ids(queryset):
    return [quote.pk for quote in queryset]


def run(user, **params):
    return ids(quote_search(user=user, params=QuoteSearchParams(**params)))


def parse(data, limit=500):
    return quote_search_params_from_query(data, max_query_chars=limit)


# --- full-text behaviour -------------------------------------------------------------------


def test_quote_search_ranks_phrase_above_scattered_words(reporter):
    # Created first, so the id tie-breaker alone would put it last.
    together = make_quote("We will deploy troops to the eastern flank of the alliance nations.")
    scattered = make_quote(
        "Troops from many nations train together, and the alliance will later decide "
        "whether and where to deploy them."
    )

    assert run(reporter, q="deploy troops") == [together.pk, scattered.pk]


def test_quote_search_stems_deploying_to_deploy(reporter):
    quote = make_quote("We will deploy more forces.")
    make_quote("We will send more forces.")

    assert run(reporter, q="deploying") == [quote.pk]


def test_quote_search_phrase_requires_the_words_in_order(reporter):
    phrase = make_quote("The eastern flank is secure.")
    make_quote("The flank to the eastern side is secure.")

    assert run(reporter, q='"eastern flank"') == [phrase.pk]


def test_quote_search_minus_excludes_a_word(reporter):
    kept = make_quote("Sanctions will bite.")
    make_quote("Sanctions on Russia will bite.")

    assert run(reporter, q="sanctions -russia") == [kept.pk]


def test_quote_search_or_matches_either_word(reporter):
    ceasefire = make_quote("A ceasefire is possible.", published_at=WHEN)
    truce = make_quote("A truce is possible.", published_at=WHEN - timedelta(days=1))
    make_quote("Peace is possible.")

    assert run(reporter, q="ceasefire OR truce", sort="date") == [ceasefire.pk, truce.pk]


def test_quote_search_finds_quotes_by_speaker_alias_and_article_title(reporter):
    stoltenberg = make_speaker("Jens Stoltenberg", "NATO chief")
    by_alias = make_quote("We are ready.", speaker=stoltenberg)
    by_title = make_quote("We are prepared.", title="Summit in Madrid")

    assert run(reporter, q="nato chief") == [by_alias.pk]
    assert run(reporter, q="madrid") == [by_title.pk]


def test_quote_search_weights_quote_text_above_speaker_above_title(reporter):
    # Created in the reverse of the expected order, so the id tie-breaker cannot explain it.
    in_text = make_quote("The pipeline is ready.")
    in_speaker = make_quote("We are ready.", speaker=make_speaker("Pipeline Spokesperson"))
    in_title = make_quote("We are prepared.", title="Pipeline talks")

    assert run(reporter, q="pipeline") == [in_text.pk, in_speaker.pk, in_title.pk]


# --- speakers --------------------------------------------------------------------------------


def test_speaker_match_finds_stoltenberg_from_a_misspelling_through_an_alias(db):
    # The name itself shares little with the typo: only the alias can match.
    speaker = make_speaker("NATO Secretary General", "Stoltenberg")
    make_speaker("Jen Psaki", "Psaki")

    assert speaker_match(text="Stoltenburg") == [speaker]


def test_speaker_match_finds_psaki_from_psacki(db):
    psaki = make_speaker("Jen Psaki", "Psaki")
    make_speaker("John Kirby", "Kirby")

    assert speaker_match(text="Psacki") == [psaki]


def test_speaker_match_prefers_whole_word_matches_over_fuzzy_ones(db):
    psaki = make_speaker("Jen Psaki")
    make_speaker("Jens Stoltenberg")

    assert speaker_match(text="jen") == [psaki]


def test_speaker_match_by_id(db):
    speaker = make_speaker("John Kirby")

    assert speaker_match(text=str(speaker.pk)) == [speaker]


def test_quote_search_speaker_token_filters_by_speaker(reporter):
    kirby = make_speaker("John Kirby", "Kirby")
    mine = make_quote("Troops are on alert.", speaker=kirby)
    make_quote("Troops are on alert today.", speaker=make_speaker("Jen Psaki"))

    params = parse({"q": "speaker:kirby troops"})

    assert params.q == "troops"
    assert params.speaker == "kirby"
    assert ids(quote_search(user=reporter, params=params)) == [mine.pk]


def test_quote_search_quoted_speaker_token_takes_a_full_name(reporter):
    psaki = make_speaker("Jen Psaki")
    mine = make_quote("No decision yet.", speaker=psaki)
    make_quote("No decision yet, really.", speaker=make_speaker("Jens Stoltenberg"))

    params = parse({"q": 'speaker:"jen psaki"'})

    assert (params.q, params.speaker) == ("", "jen psaki")
    assert ids(quote_search(user=reporter, params=params)) == [mine.pk]


def test_quote_search_fuzzy_speaker_field_finds_the_speaker(reporter):
    speaker = make_speaker("Jens Stoltenberg", "Stoltenberg")
    mine = make_quote("Allies stand together.", speaker=speaker)
    make_quote("Allies stand together again.", speaker=make_speaker("John Kirby"))

    assert run(reporter, speaker="Stoltenburg") == [mine.pk]


def test_quote_search_unknown_speaker_finds_nothing(reporter):
    make_quote("Allies stand together.", speaker=make_speaker("John Kirby"))

    assert run(reporter, speaker="Xqzvw") == []


# --- filters ---------------------------------------------------------------------------------


def test_quote_search_filters_by_status(reporter):
    verified = make_quote("Verified words.", status=Quote.Status.VERIFIED)
    disputed = make_quote("Disputed words.", status=Quote.Status.DISPUTED)
    make_quote("Unchecked words.", status=Quote.Status.CANDIDATE)

    assert sorted(run(reporter, q="words", status=("verified", "disputed"))) == sorted(
        [verified.pk, disputed.pk]
    )


def test_quote_search_filters_by_outlet_ignoring_case(reporter):
    mine = make_quote("Words here.", outlet="Daily Planet")
    make_quote("Words there.", outlet="Example Times")

    assert run(reporter, outlet="daily planet") == [mine.pk]


def test_quote_search_filters_by_article(reporter):
    mine = make_quote("Words here.")
    make_quote("Words there.")

    assert run(reporter, q="words", article=mine.article_id) == [mine.pk]


def test_quote_search_published_from_is_inclusive_to_the_second(reporter):
    boundary = datetime(2022, 2, 1, 10, 0, 0, tzinfo=UTC)
    at = make_quote("At the boundary.", published_at=boundary)
    make_quote("Just before.", published_at=boundary - timedelta(seconds=1))

    assert run(reporter, published_from=boundary) == [at.pk]


def test_quote_search_published_to_is_exclusive_to_the_second(reporter):
    boundary = datetime(2022, 2, 1, 10, 0, 0, tzinfo=UTC)
    make_quote("At the boundary.", published_at=boundary)
    before = make_quote("Just before.", published_at=boundary - timedelta(seconds=1))

    assert run(reporter, published_to=boundary) == [before.pk]


def test_quote_search_date_range_with_times_from_the_query(reporter, settings):
    settings.TIME_ZONE = "Europe/Brussels"
    # 09:30 in Brussels (UTC+1 in February) is 08:30 UTC.
    inside = make_quote("Inside.", published_at=datetime(2022, 2, 1, 8, 30, tzinfo=UTC))
    make_quote("Too early.", published_at=datetime(2022, 2, 1, 7, 59, tzinfo=UTC))
    make_quote("Too late.", published_at=datetime(2022, 2, 1, 9, 0, tzinfo=UTC))

    params = parse({"published_from": "2022-02-01T09:00", "published_to": "2022-02-01T10:00"})

    assert ids(quote_search(user=reporter, params=params)) == [inside.pk]


def test_quote_search_without_query_lists_newest_first(reporter):
    old = make_quote("Old.", published_at=WHEN - timedelta(days=2))
    new = make_quote("New.", published_at=WHEN)
    undated = make_quote("Undated.", published_at=None)

    assert run(reporter) == [new.pk, old.pk, undated.pk]


# --- paging and the relevance plan ------------------------------------------------------------


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_quote_search_pages_neither_repeat_nor_skip_equal_ranks(reporter, sort):
    # Same words, same publication time: rank and date tie everywhere, only the id orders.
    made = {make_quote(f"Identical words {n}.", published_at=WHEN).pk for n in range(45)}
    results = quote_search(user=reporter, params=QuoteSearchParams(q="identical words", sort=sort))

    pages = [ids(results[start : start + 20]) for start in (0, 20, 40)]
    seen = [pk for page in pages for pk in page]

    assert [len(page) for page in pages] == [20, 20, 5]
    assert len(set(seen)) == 45
    assert set(seen) == made


def test_quote_search_relevance_ranks_only_the_newest_candidates(reporter, settings):
    settings.NEWSDESK_SEARCH_RANK_CANDIDATES = 2
    oldest_best = make_quote("Tanks tanks tanks.", published_at=WHEN - timedelta(days=9))
    middle = make_quote(
        "Tanks were sent, and after long talks, more were promised.",
        published_at=WHEN - timedelta(days=1),
    )
    newest = make_quote("Tanks and more tanks.", published_at=WHEN)

    assert run(reporter, q="tanks") == [newest.pk, middle.pk]
    assert run(reporter, q="tanks", sort="date") == [newest.pk, middle.pk, oldest_best.pk]


def test_quote_search_annotates_rank_and_headline(reporter):
    make_quote("We will deploy troops.")

    hit = quote_search(user=reporter, params=QuoteSearchParams(q="deploying"))[0]

    assert hit.rank > 0
    assert str(headline_html(headline=hit.headline, text=hit.text)) == (
        "We will <mark>deploy</mark> troops."
    )


def test_headline_html_escapes_untrusted_text_before_marking():
    html = headline_html(
        headline="<script>alert(1)</script> \x02troops\x03 \x02<b>\x03 \x02stray",
        text="<script>alert(1)</script> troops <b> stray",
    )

    assert str(html) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>troops</mark> <mark>&lt;b&gt;</mark> stray"
    )


def test_quote_search_refuses_users_without_a_role(outsider):
    with pytest.raises(PermissionDeniedError):
        quote_search(user=outsider, params=QuoteSearchParams(q="troops"))


# --- parameter parsing -----------------------------------------------------------------------


def test_quote_search_params_parses_every_field(db):
    params = parse(
        {
            "q": "  deploy   troops ",
            "speaker": "kirby",
            "status": ["verified", "candidate"],
            "outlet": "Example Times",
            "article": "12",
            "published_from": "2022-01-01T08:15",
            "published_to": "2022-02-01",
            "sort": "date",
        }
    )

    assert params == QuoteSearchParams(
        q="deploy troops",
        speaker="kirby",
        status=("verified", "candidate"),
        outlet="Example Times",
        article=12,
        published_from=datetime(2022, 1, 1, 8, 15, tzinfo=UTC),
        published_to=datetime(2022, 2, 1, 0, 0, tzinfo=UTC),
        sort="date",
    )


def test_quote_search_params_accepts_comma_separated_status_and_offsets(db):
    params = parse({"status": "verified,disputed", "published_from": "2022-01-01T08:15:00+02:00"})

    assert params.status == ("verified", "disputed")
    assert params.published_from == datetime(2022, 1, 1, 6, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"q": "x" * 501}, "q", "limited to 500 characters"),
        ({"q": "troops\x00"}, "q", "NUL"),
        ({"q": "troops \ud800"}, "q", "lone surrogate"),
        ({"q": "speaker:"}, "q", "speaker: needs a name"),
        ({"q": 'speaker:"" troops'}, "q", "speaker: needs a name"),
        ({"q": "speaker:kirby speaker:psaki"}, "q", "once"),
        ({"q": "the and of"}, "q", "no searchable words"),
        ({"q": "!!! ???"}, "q", "no searchable words"),
        ({"q": "speaker:kirby", "speaker": "psaki"}, "speaker", "give one of them"),
        ({"speaker": "\x00"}, "speaker", "NUL"),
        ({"status": "checked"}, "status", "Unknown status"),
        ({"article": "abc"}, "article", "positive integer"),
        ({"article": "0"}, "article", "positive integer"),
        ({"published_from": "yesterday"}, "published_from", "YYYY-MM-DDTHH:MM"),
        ({"published_from": "2022-13-45T10:00"}, "published_from", "YYYY-MM-DDTHH:MM"),
        (
            {"published_from": "2022-02-01T10:00", "published_to": "2022-02-01T10:00"},
            "published_to",
            "must be later",
        ),
        ({"sort": "random"}, "sort", "relevance or date"),
    ],
)
def test_quote_search_params_rejects_bad_input_with_a_clear_message(db, data, field, fragment):
    with pytest.raises(ValidationError) as caught:
        parse(data)

    assert fragment in " ".join(caught.value.message_dict[field])


@pytest.mark.parametrize(
    ("q", "hits"),
    [
        ('"deploy troops', 1),  # unbalanced quote: a phrase to the end
        ("troops)))(((", 1),
        ("troops & | ! <-> :*", 1),  # tsquery operators are plain text to websearch
        ("Zełenśkyj «Київ» 🇺🇦", 0),
        ("troops 🇺🇦", 1),  # the flag is not a word, so only troops must match
        ("TROOPS", 1),
    ],
)
def test_quote_search_survives_odd_but_valid_queries(reporter, q, hits):
    make_quote("We will deploy troops.")

    results = quote_search(user=reporter, params=parse({"q": q}))

    assert len(ids(results)) == hits
