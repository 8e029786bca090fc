"""/speakers/<id>/: roles timeline, quotes with the role at the time, verdict counts, aliases."""

import datetime as dt

import pytest
from django.urls import reverse

from annotations.models import Quote
from annotations.services.speakers import speaker_role_add
from tests.factories import ArticleFactory, QuoteFactory, SpeakerAliasFactory, SpeakerFactory


def _at(year, month, day):
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


@pytest.fixture
def psaki(db):
    speaker = SpeakerFactory(name="Jen Psaki", wikidata_id="Q123")
    SpeakerAliasFactory(speaker=speaker, alias="Psaki")
    speaker_role_add(
        speaker=speaker,
        title="White House press secretary",
        organisation="White House",
        start_date=dt.date(2021, 1, 20),
        end_date=dt.date(2022, 5, 13),
        source_url="https://simple.m.wikipedia.org/wiki/Jen_Psaki",
    )
    speaker_role_add(
        speaker=speaker,
        title="Spokesperson for the US Department of State",
        start_date=dt.date(2013, 4, 5),
        end_date=dt.date(2015, 3, 31),
    )
    statuses = [
        Quote.Status.VERIFIED,
        Quote.Status.VERIFIED,
        Quote.Status.VERIFIED,
        Quote.Status.DISPUTED,
        Quote.Status.CANDIDATE,
        Quote.Status.NOT_A_QUOTE,
    ]
    for day, status in enumerate(statuses, start=1):
        QuoteFactory(
            speaker=speaker, status=status, article=ArticleFactory(published_at=_at(2022, 1, day))
        )
    QuoteFactory(speaker=speaker, article=ArticleFactory(published_at=_at(2014, 6, 1)))
    QuoteFactory()  # someone else's
    return speaker


def _url(speaker):
    return reverse("annotations:speaker_detail", args=[speaker.pk])


def test_speaker_page_shows_roles_counts_quotes_and_aliases(reporter_client, psaki):
    html = reporter_client.get(_url(psaki)).content.decode()
    # The timeline, oldest first, with sources.
    first = html.index("Spokesperson for the US Department of State")
    second = html.index('<strong class="speaker-role-title">White House press secretary')
    assert first < second
    assert 'href="https://simple.m.wikipedia.org/wiki/Jen_Psaki"' in html
    assert "Wikidata Q123" in html
    # Verdicts.
    for key, count in (("verified", 3), ("disputed", 1), ("open", 2), ("not_a_quote", 1)):
        assert f'<dd data-count="{key}">{count}</dd>' in html
    assert "Disputed: 1 of 4 checked quotes (25%)." in html
    assert "Quotes (7)" in html
    # Each quote with the role held on its article's date.
    assert html.count('<span class="speaker-quote-role">White House press secretary</span>') == 6
    assert (
        '<span class="speaker-quote-role">Spokesperson for the US Department of State</span>'
        in html
    )
    assert "<li>Psaki</li>" in html


def test_speaker_page_reads_in_a_fixed_number_of_queries(
    reporter_client, psaki, django_assert_num_queries
):
    reporter_client.get(_url(psaki))
    # session and user, groups; speaker, roles, aliases, merges; counts; quotes
    with django_assert_num_queries(8):
        reporter_client.get(_url(psaki))
    for _ in range(5):
        QuoteFactory(speaker=psaki, article=ArticleFactory(published_at=_at(2021, 5, 1)))
    with django_assert_num_queries(8):
        reporter_client.get(_url(psaki))


def test_speaker_page_access(client, outsider, psaki):
    response = client.get(_url(psaki))
    assert response.status_code == 302
    client.force_login(outsider)
    assert client.get(_url(psaki)).status_code == 403


def test_speaker_page_unknown_speaker_is_404(reporter_client, db):
    assert reporter_client.get("/speakers/999999/").status_code == 404


def test_card_and_search_row_link_to_the_speaker_page(editor_client, psaki):
    quote = Quote.objects.filter(speaker=psaki).first()
    page = editor_client.get(reverse("annotations:article_detail", args=[quote.article_id]))
    assert f'href="{_url(psaki)}"' in page.content.decode()
    search = editor_client.get("/search/", {"speaker": "psaki"})
    assert f'href="{_url(psaki)}"' in search.content.decode()


def test_speaker_page_breaks_disputes_down_by_reason(reporter_client, psaki):
    for reason in (Quote.DisputeReason.WRONG_WORDS, Quote.DisputeReason.WRONG_WORDS):
        QuoteFactory(speaker=psaki, status=Quote.Status.DISPUTED, dispute_reason=reason)

    html = reporter_client.get(_url(psaki)).content.decode()

    # The fixture's dispute has the factory's reason; two more are "wrong words".
    assert '<li data-reason-count="2">Wrong words: 2 (67% of disputed)</li>' in html
    assert '<li data-reason-count="1">Cannot confirm: 1 (33% of disputed)</li>' in html
    assert html.index("Wrong words: 2") < html.index("Cannot confirm: 1")
    assert "Never said" not in html


def test_speaker_page_lists_the_merges_it_received(reporter_client, editor, psaki):
    from annotations.services.speakers import speaker_merge

    duplicate = SpeakerFactory(name="Jennifer Psaki", title="press secretary")
    QuoteFactory(speaker=duplicate)
    speaker_merge(source=duplicate, target=psaki, user=editor)

    html = reporter_client.get(_url(psaki)).content.decode()

    merges = html[html.index('id="speaker-merges-heading"') :]
    assert "<strong>Jennifer Psaki</strong> (press secretary) merged in" in merges
    assert f"by {editor.username} on" in merges
    assert "1 quote and 1 alias moved." in merges
