"""The extractor's title beside a name is a proposal: confirmed into a role in one step, or
ignored; never shown as the speaker's role before that."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations.extraction import QuoteCandidate
from annotations.models import Article, Quote, SpeakerRole
from annotations.services import prehighlight
from annotations.services.quotes import quote_title_confirm, quote_title_ignore
from tests.annotations.pipeline_support import prehighlight_one
from tests.factories import ArticleFactory, QuoteFactory, SpeakerAliasFactory, SpeakerFactory

PUBLISHED = dt.datetime(2022, 1, 24, 15, tzinfo=dt.UTC)


@pytest.fixture
def proposal(db):
    kirby = SpeakerFactory(name="John Kirby")
    return QuoteFactory(
        speaker=kirby,
        speaker_title="Pentagon spokesperson",
        article=ArticleFactory(published_at=PUBLISHED),
    )


def test_pipeline_stores_the_extractors_title_as_a_proposal(db, monkeypatch):
    kirby = SpeakerFactory(name="John Kirby")
    SpeakerAliasFactory(speaker=kirby, alias="John Kirby")
    body = "“We are watching closely,” Pentagon spokesperson John Kirby said."
    article = Article.objects.create(title="Briefing", body=body)

    def extract(text, registry):
        return [
            QuoteCandidate(
                start=1,
                end=25,
                text=text[1:25],
                speaker="John Kirby",
                speaker_start=text.index("John"),
                speaker_end=text.index(" said"),
                cue="said",
                confidence=0.9,
                speaker_title="Pentagon  spokesperson",
            )
        ]

    monkeypatch.setattr(prehighlight, "extract_quotes", extract)
    prehighlight_one(article_id=article.pk, revision=article.revision)
    quote = Quote.objects.get()
    assert quote.speaker_id == kirby.pk
    assert quote.speaker_title == "Pentagon spokesperson"
    assert quote.speaker_title_status == Quote.TitleProposal.OPEN
    # A proposal, not a role.
    assert not SpeakerRole.objects.exists()


def test_quote_title_confirm_adds_the_role_and_records_who(proposal, editor):
    role = quote_title_confirm(
        quote=proposal,
        user=editor,
        title="Pentagon press secretary",
        organisation="US Department of Defense",
        start_date=dt.date(2021, 1, 20),
        expected_version=1,
    )
    assert (role.speaker_id, role.title, role.end_date) == (
        proposal.speaker_id,
        "Pentagon press secretary",
        None,
    )
    assert role.created_by == editor
    proposal.refresh_from_db()
    assert proposal.speaker_title_status == Quote.TitleProposal.CONFIRMED
    assert (proposal.version, proposal.updated_by) == (2, editor)
    with pytest.raises(ValidationError, match="no open title proposal"):
        quote_title_confirm(
            quote=proposal,
            user=editor,
            title="Again",
            start_date=dt.date(2021, 1, 20),
            expected_version=2,
        )


def test_quote_title_confirm_refuses_bad_dates_and_keeps_everything(proposal, editor):
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        quote_title_confirm(
            quote=proposal,
            user=editor,
            title="Pentagon press secretary",
            start_date=dt.date(2022, 1, 24),
            end_date=dt.date(2022, 1, 23),
            expected_version=1,
        )
    proposal.refresh_from_db()
    assert proposal.speaker_title_status == Quote.TitleProposal.OPEN
    assert not SpeakerRole.objects.exists()


def test_quote_title_ignore(proposal, editor, reporter):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        quote_title_ignore(quote=proposal, user=reporter, expected_version=1)
    quote_title_ignore(quote=proposal, user=editor, expected_version=1)
    proposal.refresh_from_db()
    assert proposal.speaker_title_status == Quote.TitleProposal.IGNORED
    assert not SpeakerRole.objects.exists()


def _row(client, quote):
    url = reverse("annotations:quote_row", args=[quote.pk])
    return client.get(url, headers={"HX-Request": "true"}).content.decode()


def test_card_offers_the_proposal_with_the_article_date(editor_client, proposal):
    html = _row(editor_client, proposal)
    assert "Confirm as role" in html and "Ignore" in html
    assert 'name="title" value="Pentagon spokesperson"' in html
    assert 'name="start_date" value="2022-01-24"' in html
    # Not shown as his role meanwhile.
    assert "speaker-role" not in html


def test_card_confirm_then_shows_the_role(editor_client, proposal):
    url = reverse("annotations:quote_title_proposal", args=[proposal.pk])
    response = editor_client.post(
        url,
        {
            "action": "confirm",
            "version": 1,
            "title": "Pentagon press secretary",
            "organisation": "US Department of Defense",
            "start_date": "2022-01-24",
            "end_date": "",
            "source_url": "https://www.war.gov/About/Biographies/",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm as role" not in html
    assert '<span class="muted speaker-role">, Pentagon press secretary</span>' in html
    assert SpeakerRole.objects.get().source_url == "https://www.war.gov/About/Biographies/"


def test_card_confirm_refuses_bad_input_with_the_reason(editor_client, proposal):
    url = reverse("annotations:quote_title_proposal", args=[proposal.pk])
    response = editor_client.post(
        url,
        {"action": "confirm", "version": 1, "title": "", "start_date": "24/01/2022"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The title was not confirmed" in html
    assert "The role needs a title." in html
    assert not SpeakerRole.objects.exists()


def test_card_title_proposal_needs_an_editor(reporter_client, client, proposal):
    url = reverse("annotations:quote_title_proposal", args=[proposal.pk])
    data = {"action": "ignore", "version": 1}
    assert reporter_client.post(url, data).status_code == 403
    assert "Confirm as role" not in _row(reporter_client, proposal)
    proposal.refresh_from_db()
    assert proposal.speaker_title_status == Quote.TitleProposal.OPEN
