"""Fact-check markup for one reviewed quote: schema.org ClaimReview and a W3C Web Annotation.

Both documents are built from the same `QuoteVerdict`, so they can never disagree.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from annotations.models import Article, Quote, QuoteFamilyMember, Review, Speaker
from annotations.representations import iso, quote_role_at_time

RATINGS = {
    # status: (ratingValue, alternateName)
    Quote.Status.VERIFIED: (2, "Verified"),
    Quote.Status.DISPUTED: (1, "Disputed"),
}
# A dispute's ClaimReview rating text says why, in the words fact-checkers rate quotes with.
DISPUTE_RATING_NAMES = {
    Quote.DisputeReason.WRONG_WORDS: "Misquoted",
    Quote.DisputeReason.WRONG_SPEAKER: "Misattributed",
    Quote.DisputeReason.OUT_OF_CONTEXT: "Out of context",
    Quote.DisputeReason.NEVER_SAID: "Never said",
    Quote.DisputeReason.CANNOT_CONFIRM: "Cannot be confirmed",
}
BEST_RATING, WORST_RATING = 2, 1
# A quotation cut out of its sentence keeps the sentence's punctuation: “…a plan,” he said. A
# comma, semicolon, colon or single period at the end belongs to the sentence, not the claim;
# ?, !, an ellipsis and an abbreviation's period ("the U.S.") stay.
_SENTENCE_PUNCTUATION = re.compile(r"(?<![.\s])(?<!\b\w)\s*[,;:.]\s*$")


def claim_text(text: str) -> str:
    """The claim in a quote's exact words, without the sentence's trailing punctuation."""
    return _SENTENCE_PUNCTUATION.sub("", text.strip())


@dataclass(frozen=True)
class QuoteVerdict:
    quote: Quote
    review: Review | None  # the decision that set the current status
    article_url: str  # where the quote can be read: the published article or the desk's page
    anchor_url: str  # article_url + "#quote-<pk>"
    # The article that published these words first, when other articles quote them too (the
    # quote's family, docs/families.md), and where it can be read.
    first_appearance: Article | None = None
    first_appearance_url: str = ""


def _article_url(article: Article, request: Any) -> str:
    if article.url:
        return article.url
    try:
        path = reverse("annotations:article_detail", kwargs={"pk": article.pk})
    except NoReverseMatch:
        path = reverse("api:article-detail", kwargs={"pk": article.pk})
    return str(request.build_absolute_uri(path))


def _first_appearance(quote: Quote) -> Article | None:
    member = (
        QuoteFamilyMember.objects.select_related("family__first_quote__article")
        .defer("shingles", "family__first_quote__article__body")
        .filter(quote=quote, family__size__gt=1)
        .first()
    )
    first = member.family.first_quote if member is not None else None
    return first.article if first is not None else None


def quote_verdict_build(*, quote: Quote, request: Any) -> QuoteVerdict:
    """Raises Http404 unless the quote has a verdict (verified or disputed)."""
    if quote.status not in RATINGS:
        label = "an unreviewed candidate" if quote.is_open else "marked as not a quote"
        raise Http404(
            f"Quote {quote.pk} is {label}; fact-check markup exists only for verified or "
            "disputed quotes."
        )
    review = (
        Review.objects.filter(quote=quote, to_status=quote.status)
        .select_related("reviewer")
        .order_by("-quote_version", "-id")
        .first()
    )
    article_url = _article_url(quote.article, request)
    first = _first_appearance(quote)
    return QuoteVerdict(
        quote=quote,
        review=review,
        article_url=article_url,
        anchor_url=f"{article_url.split('#', 1)[0]}#quote-{quote.pk}",
        first_appearance=first,
        first_appearance_url=_article_url(first, request) if first is not None else "",
    )


def rating(quote: Quote) -> tuple[int, str]:
    """(ratingValue, alternateName) of a verdict; a dispute is named by its reason."""
    value, name = RATINGS[Quote.Status(quote.status)]
    if quote.status == Quote.Status.DISPUTED and quote.dispute_reason:
        name = DISPUTE_RATING_NAMES[Quote.DisputeReason(quote.dispute_reason)]
    return value, name


def _newsroom() -> dict[str, Any]:
    return {"@type": "Organization", "name": settings.NEWSDESK_NEWSROOM_NAME}


def _speaker(quote: Quote) -> dict[str, Any]:
    """The claim's author as they were when they said it: their role on the publication date."""
    speaker = quote.speaker
    if speaker is None:
        return {"@type": "Person", "name": quote.speaker_mention or "Unknown speaker"}
    kind = "Organization" if speaker.kind == Speaker.Kind.ORGANISATION else "Person"
    node: dict[str, Any] = {"@type": kind, "name": speaker.name}
    role = quote_role_at_time(quote)
    if role and kind == "Person":
        node["jobTitle"] = role["title"]
        if role["organisation"]:
            node["affiliation"] = {"@type": "Organization", "name": role["organisation"]}
    return node


def _verdict_date(verdict: QuoteVerdict) -> Any:
    return verdict.review.created_at if verdict.review else verdict.quote.updated_at


def _news_article(article: Article, url: str) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "NewsArticle", "url": url, "headline": article.title}
    if article.published_at:
        node["datePublished"] = iso(article.published_at)
    if article.outlet:
        node["publisher"] = {"@type": "Organization", "name": article.outlet}
    return node


def claim_review(verdict: QuoteVerdict) -> dict[str, Any]:
    quote, article = verdict.quote, verdict.quote.article
    value, name = rating(quote)
    appearance = _news_article(article, verdict.article_url)
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": verdict.anchor_url,
        "claimReviewed": claim_text(quote.text),
        "datePublished": iso(_verdict_date(verdict)),
        "author": _newsroom(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": name,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": _speaker(quote),
            "appearance": appearance,
        },
    }
    if article.published_at:
        document["itemReviewed"]["datePublished"] = iso(article.published_at)
    if verdict.first_appearance is not None:
        # schema.org Claim.firstAppearance: the same words were published earlier (or here).
        document["itemReviewed"]["firstAppearance"] = _news_article(
            verdict.first_appearance, verdict.first_appearance_url
        )
    if verdict.review and verdict.review.note:
        document["reviewBody"] = verdict.review.note
    return document


def web_annotation(verdict: QuoteVerdict, *, annotation_url: str) -> dict[str, Any]:
    quote = verdict.quote
    _value, name = rating(quote)
    body: list[dict[str, Any]] = [
        {"type": "TextualBody", "purpose": "assessing", "value": name, "format": "text/plain"}
    ]
    if verdict.review and verdict.review.note:
        body.append(
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": verdict.review.note,
                "format": "text/plain",
            }
        )
    for link in verdict.review.evidence if verdict.review else []:
        body.append({"type": "SpecificResource", "purpose": "linking", "source": link})
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": annotation_url,
        "type": "Annotation",
        "motivation": "assessing",
        "created": iso(_verdict_date(verdict)),
        "modified": iso(quote.updated_at),
        "creator": {"type": "Organization", "name": settings.NEWSDESK_NEWSROOM_NAME},
        "body": body,
        "target": {
            "source": verdict.article_url,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": quote.text,
                    "prefix": quote.prefix,
                    "suffix": quote.suffix,
                },
                {"type": "TextPositionSelector", "start": quote.start, "end": quote.end},
            ],
        },
    }
