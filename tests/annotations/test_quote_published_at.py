"""The quote's copy of its article's publication time is the database's to keep (migration 0015),
and search by office follows the article's date and the roles as they are now."""

import datetime as dt

from annotations.models import Article, ChangeEvent, Quote, SpeakerRole
from annotations.selectors.search import quote_search, quote_search_params_from_query
from annotations.services.speakers import speaker_role_add
from tests.annotations.test_search_support import make_quote, make_speaker
from tests.factories import ArticleFactory

IN_ROLE = dt.datetime(2022, 1, 24, 12, tzinfo=dt.UTC)
AFTER_ROLE = dt.datetime(2022, 6, 1, 12, tzinfo=dt.UTC)


def _stored(quote):
    return Quote.objects.values_list("published_at", flat=True).get(pk=quote.pk)


def _role_search(user, role):
    params = quote_search_params_from_query({"role": role}, max_query_chars=500)
    return [quote.pk for quote in quote_search(user=user, params=params)]


def _psaki():
    psaki = make_speaker("Jen Psaki", "Psaki")
    role = speaker_role_add(
        speaker=psaki,
        title="White House press secretary",
        organisation="White House",
        start_date=dt.date(2021, 1, 20),
        end_date=dt.date(2022, 5, 13),
    )
    return psaki, role


def test_quote_published_at_is_copied_from_the_article_on_insert(db):
    quote = make_quote("We stand with Ukraine.", published_at=IN_ROLE)
    undated = make_quote("No date here.", published_at=None)

    assert _stored(quote) == IN_ROLE
    assert _stored(undated) is None


def test_quote_published_at_follows_an_article_date_change(reporter):
    psaki, _role = _psaki()
    quote = make_quote("Psaki on Ukraine.", speaker=psaki, published_at=AFTER_ROLE)
    assert _role_search(reporter, "press secretary") == []

    Article.objects.filter(pk=quote.article_id).update(published_at=IN_ROLE)

    assert _stored(quote) == IN_ROLE
    assert _role_search(reporter, "press secretary") == [quote.pk]

    Article.objects.filter(pk=quote.article_id).update(published_at=None)

    assert _stored(quote) is None
    assert _role_search(reporter, "press secretary") == []


def test_quote_published_at_cannot_be_written_apart_from_the_article(db):
    quote = make_quote("Psaki on Ukraine.", published_at=IN_ROLE)

    Quote.objects.filter(pk=quote.pk).update(published_at=AFTER_ROLE)
    assert _stored(quote) == IN_ROLE

    # A full save of an instance holding a stale value stores the article's time, not its own.
    quote.published_at = AFTER_ROLE
    quote.save()
    assert _stored(quote) == IN_ROLE


def test_quote_published_at_follows_the_quote_to_another_article(db):
    quote = make_quote("Psaki on Ukraine.", published_at=IN_ROLE)
    other = ArticleFactory(body=quote.article.body, published_at=AFTER_ROLE)

    Quote.objects.filter(pk=quote.pk).update(article=other)

    assert _stored(quote) == AFTER_ROLE


def test_role_search_reads_roles_as_edited_later(reporter):
    psaki, role = _psaki()
    quote = make_quote("Psaki on Ukraine.", speaker=psaki, published_at=IN_ROLE)
    assert _role_search(reporter, "press secretary") == [quote.pk]

    SpeakerRole.objects.filter(pk=role.pk).update(end_date=dt.date(2022, 1, 23))
    assert _role_search(reporter, "press secretary") == []

    SpeakerRole.objects.filter(pk=role.pk).update(end_date=dt.date(2022, 1, 24))
    assert _role_search(reporter, "press secretary") == [quote.pk]


def test_article_date_change_is_no_quote_news_in_the_change_feed(db):
    quote = make_quote("Psaki on Ukraine.", published_at=IN_ROLE)
    last = ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    Article.objects.filter(pk=quote.article_id).update(published_at=AFTER_ROLE)

    new = ChangeEvent.objects.filter(id__gt=last).order_by("id").values_list("entity", "type")
    assert list(new) == [("article", "article.updated")]
