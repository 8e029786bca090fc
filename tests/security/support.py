"""Hostile data and role clients shared by the tests/security modules (imported explicitly)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations.models import ApiClient, Quote, Review
from annotations.services.api_clients import api_client_create
from tests.factories import ArticleFactory, QuoteFactory, SpeakerAliasFactory, SpeakerFactory

# Every payload carries "xss_" so that a test can tell our markup from the attacker's.
SCRIPT = "<script>xss_script()</script>"
IMG = "<img src=x onerror=xss_img()>"
SVG = '"><svg onload=xss_svg()>'
BOLD = "<b onmouseover=xss_b()>bold</b>"
EVIDENCE = 'https://example.org/?q="><script>xss_evidence()</script>'
RAW_PAYLOADS = (SCRIPT, IMG, SVG, BOLD, "<script>xss_evidence()</script>")

HOSTILE_TITLE = f"Budget {SCRIPT} row"
HOSTILE_OUTLET = f"Times {BOLD}"
HOSTILE_SPEAKER = f"Ana {SVG} Reyes"
HOSTILE_ALIAS = f"minister {IMG}"
HOSTILE_NOTE = f"Checked {SCRIPT} against the transcript"
HOSTILE_BODY = (
    f"The minister {SCRIPT} spoke.\n\n"
    f"“We will not raise taxes {IMG} this year,” the finance minister, Ana Reyes, said.\n\n"
    'A leaked memo read “=HYPERLINK("http://evil.example","click")” in full.'
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Imported by each module: these tests create many users and never check a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def unescaped_payloads(text: str) -> list[str]:
    """The attacker's markup that reached the response as markup (not as text)."""
    found = [payload for payload in RAW_PAYLOADS if payload in text]
    found += re.findall(r"""href\s*=\s*["']?\s*javascript:""", text, flags=re.IGNORECASE)
    return found


@pytest.fixture
def hostile_world(editor):
    """An article, speaker, alias, quotes and a review made of attacker-controlled text."""
    speaker = SpeakerFactory(name=HOSTILE_SPEAKER, title="@SUM(A1:A9)")
    SpeakerAliasFactory(speaker=speaker, alias=HOSTILE_ALIAS)
    article = ArticleFactory(
        title=HOSTILE_TITLE,
        body=HOSTILE_BODY,
        outlet=HOSTILE_OUTLET,
        byline=f"By {IMG}",
    )
    quote = QuoteFactory(article=article, speaker=speaker)
    formula_start = HOSTILE_BODY.index("=HYPERLINK")
    formula = QuoteFactory(
        article=article,
        speaker=speaker,
        start=formula_start,
        end=HOSTILE_BODY.index("”", formula_start),
    )
    Review.objects.create(
        quote=quote,
        reviewer=editor,
        from_status=Quote.Status.CANDIDATE,
        to_status=Quote.Status.DISPUTED,
        dispute_reason="wrong_words",
        note=HOSTILE_NOTE,
        evidence=[EVIDENCE],
        quote_version=2,
    )
    Quote.objects.filter(pk=quote.pk).update(
        status=Quote.Status.DISPUTED, dispute_reason=Quote.DisputeReason.WRONG_WORDS, version=2
    )
    quote.refresh_from_db()
    return {"article": article, "speaker": speaker, "quote": quote, "formula": formula}


def logged_in(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def api_key(user, scope):
    return api_client_create(name=f"{user.username}-{scope}", owner=user, scope=scope)[1]


def key_client(key):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


READ = ApiClient.Scope.READ
REVIEW = ApiClient.Scope.REVIEW
