"""Two speakers with one name: the article's date and title decide, or the editor does."""

import datetime as dt

import pytest
from django.urls import reverse

from annotations.extraction import QuoteCandidate
from annotations.models import Article, Quote, Speaker, SpeakerRole
from annotations.models.speakers import namesake_choose
from annotations.services import prehighlight
from annotations.services.speakers import speaker_add_aliases, speaker_role_add
from tests.annotations.pipeline_support import prehighlight_one

D = dt.date


def _role(pk, title, start, end=None, organisation=""):
    return SpeakerRole(
        pk=pk, speaker_id=pk, title=title, organisation=organisation, start_date=start, end_date=end
    )


MAYOR = _role(1, "Mayor", D(2018, 1, 1), D(2021, 12, 31), "Springfield")
MINISTER = _role(2, "Minister of Finance", D(2020, 1, 1))


@pytest.mark.parametrize(
    ("day", "title", "expected"),
    [
        (D(2019, 6, 1), None, 1),  # only the mayor held a role then
        (D(2023, 6, 1), None, 2),  # only the minister
        (D(2021, 6, 1), None, None),  # both held one, no title in the text: ask
        (D(2021, 6, 1), "the finance minister", 2),  # the title tells
        (D(2021, 6, 1), "Springfield's mayor", 1),
        (D(2021, 6, 1), "a spokesperson", None),  # a title matching neither: ask
        (D(2017, 6, 1), "mayor", None),  # nobody held a role then
        (None, None, None),  # undated article
    ],
)
def test_namesake_choose(day, title, expected):
    candidates = {1: [MAYOR], 2: [MINISTER]}
    assert namesake_choose(candidates=candidates, day=day, title=title) == expected


@pytest.fixture
def smiths(db):
    mayor = Speaker.objects.create(name="John Smith")
    minister = Speaker.objects.create(name="John Smith")
    for speaker in (mayor, minister):
        speaker_add_aliases(speaker=speaker, aliases=["John Smith"])
    speaker_role_add(
        speaker=mayor,
        title="Mayor",
        organisation="Springfield",
        start_date=D(2018, 1, 1),
        end_date=D(2021, 12, 31),
    )
    speaker_role_add(speaker=minister, title="Minister of Finance", start_date=D(2020, 1, 1))
    return mayor, minister


def _extract(monkeypatch, title):
    def extract(text, registry):
        return [
            QuoteCandidate(
                start=1,
                end=20,
                text=text[1:20],
                speaker="John Smith",
                speaker_start=text.index("John"),
                speaker_end=text.index(" said"),
                cue="said",
                confidence=0.9,
                speaker_title=title,
            )
        ]

    monkeypatch.setattr(prehighlight, "extract_quotes", extract)


def _run(published, monkeypatch, title=None):
    _extract(monkeypatch, title)
    body = "“The budget is fine,” John Smith said on Monday."
    article = Article.objects.create(
        title="Budget", body=body, published_at=dt.datetime.combine(published, dt.time(12), dt.UTC)
    )
    prehighlight_one(article_id=article.pk, revision=article.revision)
    return Quote.objects.get(article=article)


def test_pipeline_prefers_the_namesake_holding_a_role_on_the_date(smiths, monkeypatch):
    mayor, minister = smiths
    assert _run(D(2019, 3, 1), monkeypatch).speaker_id == mayor.pk
    assert _run(D(2023, 3, 1), monkeypatch).speaker_id == minister.pk


def test_pipeline_lets_the_title_in_the_text_decide(smiths, monkeypatch):
    _mayor, minister = smiths
    quote = _run(D(2021, 3, 1), monkeypatch, title="Finance Minister")
    assert quote.speaker_id == minister.pk
    assert quote.speaker_candidates is None


def test_pipeline_never_guesses_between_namesakes(smiths, monkeypatch):
    mayor, minister = smiths
    quote = _run(D(2021, 3, 1), monkeypatch)
    assert quote.speaker_id is None
    assert quote.speaker_candidates == [mayor.pk, minister.pk]
    assert quote.speaker_mention == "John Smith"


def test_card_asks_the_editor_to_choose_a_namesake(smiths, monkeypatch, editor_client):
    mayor, minister = smiths
    quote = _run(D(2021, 3, 1), monkeypatch)
    page = editor_client.get(reverse("annotations:article_detail", args=[quote.article_id]))
    html = page.content.decode()
    assert "2 speakers are called “John Smith”" in html
    assert f'data-namesake="{mayor.pk}">John Smith, Mayor</button>' in html
    assert f'data-namesake="{minister.pk}">John Smith, Minister of Finance</button>' in html
    assert "is not in the registry" not in html
    response = editor_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {"speaker": minister.pk, "version": quote.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "speakers are called" not in response.content.decode()
    quote.refresh_from_db()
    assert quote.speaker_id == minister.pk


def test_creating_a_speaker_from_the_card_never_picks_a_namesake(smiths, editor):
    from django.core.exceptions import ValidationError

    from annotations.services.quotes import quote_create_speaker
    from tests.factories import QuoteFactory

    quote = QuoteFactory(speaker=None, speaker_mention="John Smith")
    with pytest.raises(ValidationError, match="Several speakers are called “john smith”"):
        quote_create_speaker(quote=quote, user=editor, name="john smith", expected_version=1)
    quote.refresh_from_db()
    assert quote.speaker_id is None
    assert Speaker.objects.filter(name="John Smith").count() == 2


def test_speaker_list_on_the_card_tells_namesakes_apart_by_wikidata_id(editor_client, db):
    Speaker.objects.create(name="John Smith", wikidata_id="Q1", title="Mayor")
    Speaker.objects.create(name="John Smith", wikidata_id="Q2")
    html = editor_client.get(reverse("annotations:speaker_search"), {"q": "john smith"})
    html = html.content.decode()
    assert '<span class="muted">— Mayor</span> <span class="muted">(Q1)</span>' in html
    assert '<span class="muted">(Q2)</span>' in html
