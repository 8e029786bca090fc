"""Shared helpers for the search tests: quotes that really sit in their article's body."""

from datetime import UTC, datetime

from annotations.models import Quote
from tests.factories import ArticleFactory, QuoteFactory, SpeakerAliasFactory, SpeakerFactory

WHEN = datetime(2022, 1, 20, 12, 0, tzinfo=UTC)


def make_speaker(name, *aliases, title=""):
    speaker = SpeakerFactory(name=name, title=title)
    for alias in aliases:
        SpeakerAliasFactory(speaker=speaker, alias=alias)
    return speaker


def make_quote(
    text,
    *,
    speaker=None,
    title="Briefing",
    outlet="Example Times",
    published_at=WHEN,
    status=Quote.Status.CANDIDATE,
    article=None,
):
    """One quote per article by default: the article body is built around the quoted words."""
    if article is None:
        body = f"Reporting from the briefing.\n\n“{text}” was said on Monday.\n"
        article = ArticleFactory(title=title, outlet=outlet, body=body, published_at=published_at)
    reason = Quote.DisputeReason.WRONG_WORDS if status == Quote.Status.DISPUTED else ""
    return QuoteFactory(article=article, speaker=speaker, status=status, dispute_reason=reason)


def test_make_quote_anchors_the_text_in_its_article(db):
    quote = make_quote("We stand with our allies.")

    assert quote.article.body[quote.start : quote.end] == "We stand with our allies."
    assert quote.text == "We stand with our allies."
