# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import pytest
from django.urls import reverse

from annotations.api.markup import claim_text
from annotations.models import Speaker
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import api, bearer, read_key  # noqa: F401
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory

CLAIM_REVIEW_REQUIRED = {
    "@context",
    "@type",
    "url",
    "claimReviewed",
    "reviewRating",
    "author",
    "itemReviewed",
    "datePublished",
}
ANNOTATION_REQUIRED = {"@context", "id", "type", "motivation", "body", "target"}


def _decided(editor, status="verified", note="", reason="", **quote_kwargs):
    quote = QuoteFactory(**quote_kwargs)
    quote_review_submit(
        quote=quote,
        user=editor,
        to_status=status,
        expected_version=1,
        note=note,
        dispute_reason=reason,
        evidence=["https://example.org/video"],
    )
    return quote


@pytest.mark.django_db
def test_claimreview_for_verified_quote_has_required_fields(api, read_key, editor, settings):
    settings.NEWSDESK_NEWSROOM_NAME = "The Daily Check"
    speaker = SpeakerFactory(name="Ana Reyes", kind=Speaker.Kind.PERSON, title="Minister")
    quote = _decided(
        editor,
        speaker=speaker,
        article=ArticleFactory(
            url="https://news.example.org/budget", published_at="2025-02-03T10:00:00Z"
        ),
    )
    response = api.get(
        reverse("api:quote-claimreview", kwargs={"pk": quote.pk}), headers=bearer(read_key)
    )
    doc = response.json()
    assert CLAIM_REVIEW_REQUIRED <= set(doc)
    assert (doc["@context"], doc["@type"]) == ("https://schema.org", "ClaimReview")
    # The quote ends with the sentence's comma ("…this year,” the minister said).
    assert quote.text == "We will not raise taxes this year,"
    assert doc["claimReviewed"] == "We will not raise taxes this year"
    assert doc["url"] == f"https://news.example.org/budget#quote-{quote.pk}"
    assert doc["author"] == {"@type": "Organization", "name": "The Daily Check"}
    rating = doc["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"] == "Verified"
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    claim = doc["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["author"]["@type"] == "Person"
    assert claim["author"]["name"] == "Ana Reyes"
    assert claim["appearance"]["@type"] == "NewsArticle"
    assert claim["appearance"]["url"] == "https://news.example.org/budget"
    assert claim["appearance"]["datePublished"] == "2025-02-03T10:00:00Z"
    assert doc["datePublished"] == quote.reviews.get().created_at.isoformat().replace("+00:00", "Z")


@pytest.mark.django_db
def test_claimreview_disputed_organisation_speaker(api, read_key, editor):
    speaker = SpeakerFactory(name="NATO", kind=Speaker.Kind.ORGANISATION)
    quote = _decided(
        editor, status="disputed", reason="wrong_words", note="Misquoted.", speaker=speaker
    )
    doc = api.get(
        reverse("api:quote-claimreview", kwargs={"pk": quote.pk}), headers=bearer(read_key)
    ).json()
    assert doc["reviewRating"]["alternateName"] == "Misquoted"
    assert doc["reviewRating"]["ratingValue"] == doc["reviewRating"]["worstRating"]
    assert doc["itemReviewed"]["author"] == {"@type": "Organization", "name": "NATO"}
    assert doc["reviewBody"] == "Misquoted."


@pytest.mark.django_db
def test_claimreview_article_without_url_points_at_desk_page(api, read_key, editor):
    quote = _decided(editor, article=ArticleFactory(url=None))
    doc = api.get(
        reverse("api:quote-claimreview", kwargs={"pk": quote.pk}), headers=bearer(read_key)
    ).json()
    assert doc["url"].startswith("http://testserver/")
    assert doc["url"].endswith(f"#quote-{quote.pk}")


@pytest.mark.django_db
def test_claimreview_served_as_ld_json_on_request(api, read_key, editor):
    quote = _decided(editor)
    response = api.get(
        reverse("api:quote-claimreview", kwargs={"pk": quote.pk}),
        headers={**bearer(read_key), "Accept": "application/ld+json"},
    )
    assert response.headers["Content-Type"].startswith("application/ld+json")


@pytest.mark.django_db
def test_web_annotation_has_required_fields_and_selectors(api, read_key, editor):
    quote = _decided(
        editor,
        status="disputed",
        reason="never_said",
        note="Wrong year.",
        article=ArticleFactory(url="https://news.example.org/a"),
    )
    url = reverse("api:quote-annotation", kwargs={"pk": quote.pk})
    doc = api.get(url, headers=bearer(read_key)).json()
    assert ANNOTATION_REQUIRED <= set(doc)
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert (doc["type"], doc["motivation"]) == ("Annotation", "assessing")
    assert doc["id"] == f"http://testserver{url}"
    assert {
        "type": "TextualBody",
        "purpose": "assessing",
        "value": "Never said",
        "format": "text/plain",
    } in doc["body"]
    assert any(b.get("value") == "Wrong year." for b in doc["body"])
    target = doc["target"]
    assert target["source"] == "https://news.example.org/a"
    text_quote, position = target["selector"]
    assert text_quote == {
        "type": "TextQuoteSelector",
        "exact": quote.text,
        "prefix": quote.prefix,
        "suffix": quote.suffix,
    }
    assert position == {"type": "TextPositionSelector", "start": quote.start, "end": quote.end}
    body = quote.article.body
    assert body[position["start"] : position["end"]] == text_quote["exact"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api:quote-claimreview", "api:quote-annotation"])
def test_markup_for_candidate_is_404_with_reason(api, read_key, quote, name):
    response = api.get(reverse(name, kwargs={"pk": quote.pk}), headers=bearer(read_key))
    assert response.status_code == 404
    assert "unreviewed candidate" in response.json()["detail"]


@pytest.mark.django_db
def test_markup_for_not_a_quote_is_404(api, read_key, editor):
    quote = _decided(editor, status="not_a_quote")
    response = api.get(
        reverse("api:quote-claimreview", kwargs={"pk": quote.pk}), headers=bearer(read_key)
    )
    assert response.status_code == 404
    assert "not a quote" in response.json()["detail"]


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("calling it a plan,", "calling it a plan"),
        ("We will win.", "We will win"),
        ("a plan; ", "a plan"),
        ("as follows:", "as follows"),
        # Punctuation that belongs to the claim stays.
        ("Are we sure?", "Are we sure?"),
        ("Never!", "Never!"),
        ("and then...", "and then..."),
        ("and then…", "and then…"),
        ("talks with the U.S.", "talks with the U.S."),
        ("1,000,000", "1,000,000"),
    ],
)
def test_claim_text_drops_only_the_sentences_trailing_punctuation(text, claim):
    assert claim_text(text) == claim
