"""Stored XSS: attacker-controlled titles, bodies, notes, speaker names, aliases and evidence
links are shown as text on every page that displays them, and never run as markup."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from annotations.models import Article, WebhookEndpoint
from tests.security.support import (
    BOLD,
    HOSTILE_ALIAS,
    HOSTILE_BODY,
    HOSTILE_NOTE,
    HOSTILE_SPEAKER,
    HOSTILE_TITLE,
    IMG,
    REVIEW,
    SCRIPT,
    SVG,
    api_key,
    key_client,
    logged_in,
    unescaped_payloads,
)


def _html(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def _shown_as_text(html, *payloads):
    """Every payload is on the page, escaped; none of them is markup."""
    return [p for p in payloads if escape(p) not in html] + unescaped_payloads(html)


@pytest.mark.django_db
def test_xss_queue_shows_hostile_title_and_outlet_as_text(hostile_world, editor):
    html = _html(logged_in(editor).get(reverse("annotations:home")))
    assert _shown_as_text(html, SCRIPT, BOLD) == []


@pytest.mark.django_db
def test_xss_queue_partial_shows_hostile_title_as_text(hostile_world, editor):
    response = logged_in(editor).get(
        reverse("annotations:home"), {"speaker": "Ana"}, headers={"HX-Request": "true"}
    )
    assert _shown_as_text(_html(response), SCRIPT, BOLD) == []


@pytest.mark.django_db
def test_xss_article_page_shows_hostile_body_quote_and_speaker_as_text(hostile_world, editor):
    article = hostile_world["article"]
    html = _html(logged_in(editor).get(reverse("annotations:article_detail", args=[article.pk])))
    assert _shown_as_text(html, SCRIPT, IMG, SVG, BOLD) == []
    assert escape(HOSTILE_SPEAKER) in html


@pytest.mark.django_db
def test_xss_reporter_sees_the_same_article_page_escaped(hostile_world, reporter):
    article = hostile_world["article"]
    html = _html(logged_in(reporter).get(reverse("annotations:article_detail", args=[article.pk])))
    assert _shown_as_text(html, SCRIPT, IMG, SVG) == []


@pytest.mark.django_db
def test_xss_quote_row_partial_shows_hostile_text_as_text(hostile_world, editor):
    quote = hostile_world["quote"]
    response = logged_in(editor).get(
        reverse("annotations:quote_row", args=[quote.pk]), headers={"HX-Request": "true"}
    )
    assert _shown_as_text(_html(response), IMG, SVG) == []


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_xss_history_shows_hostile_note_and_evidence_as_text(hostile_world, editor, htmx):
    quote = hostile_world["quote"]
    response = logged_in(editor).get(
        reverse("annotations:quote_history", args=[quote.pk]),
        headers={"HX-Request": "true"} if htmx else {},
    )
    html = _html(response)
    assert _shown_as_text(html, HOSTILE_NOTE) == []
    # The link keeps its (escaped) query string inside the attribute: the quote cannot end it.
    assert 'href="https://example.org/?q=&quot;&gt;&lt;script&gt;xss_evidence()' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.django_db
def test_xss_speaker_form_partial_shows_hostile_speaker_as_text(hostile_world, editor):
    quote = hostile_world["quote"]
    response = logged_in(editor).get(
        reverse("annotations:quote_speaker", args=[quote.pk]), headers={"HX-Request": "true"}
    )
    html = _html(response)
    assert unescaped_payloads(html) == []
    assert 'name="speaker_query"' in html


@pytest.mark.django_db
def test_xss_speaker_autocomplete_shows_hostile_names_and_aliases_as_text(hostile_world, editor):
    response = logged_in(editor).get(
        reverse("annotations:speaker_search"), {"q": "minister"}, headers={"HX-Request": "true"}
    )
    html = _html(response)
    assert unescaped_payloads(html) == []
    assert "xss_svg" in html


@pytest.mark.django_db
def test_xss_search_results_escape_hostile_quote_inside_highlights(hostile_world, reporter):
    response = logged_in(reporter).get(reverse("annotations:search"), {"q": "raise taxes"})
    html = _html(response)
    assert "<mark>" in html
    assert unescaped_payloads(html) == []
    assert "&lt;img src=x onerror=xss_img()&gt;" in html
    assert escape(HOSTILE_TITLE) in html
    assert escape(HOSTILE_SPEAKER) in html


@pytest.mark.django_db
def test_xss_search_query_itself_is_echoed_as_text(hostile_world, reporter):
    response = logged_in(reporter).get(
        reverse("annotations:search"), {"q": f"taxes {SCRIPT}", "speaker": SVG}
    )
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert unescaped_payloads(html) == []


@pytest.mark.django_db
def test_xss_search_partial_escapes_hostile_text(hostile_world, reporter):
    response = logged_in(reporter).get(
        reverse("annotations:search"), {"q": "minister"}, headers={"HX-Request": "true"}
    )
    html = _html(response)
    assert unescaped_payloads(html) == []
    assert escape(HOSTILE_TITLE) in html


@pytest.mark.django_db
def test_xss_search_speaker_suggestions_escape_hostile_names(hostile_world, reporter):
    response = logged_in(reporter).get(
        reverse("annotations:search_speaker_options"),
        {"speaker": "Ana"},
        headers={"HX-Request": "true"},
    )
    html = _html(response)
    assert unescaped_payloads(html) == []
    assert "xss_svg" in html


@pytest.mark.django_db
def test_xss_csv_export_neutralises_formulas(hostile_world, reporter):
    response = logged_in(reporter).get(
        reverse("annotations:search_export_csv"), {"article": hostile_world["article"].pk}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    formula = next(row for row in rows if row["quote_id"] == str(hostile_world["formula"].pk))
    assert formula["text"].startswith("'=HYPERLINK(")
    assert formula["speaker_title"] == "'@SUM(A1:A9)"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_xss_jsonl_export_carries_hostile_text_as_data(hostile_world, reporter):
    response = logged_in(reporter).get(reverse("annotations:search_export_jsonl"), {"q": "taxes"})
    records = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert records[0]["article_title"] == HOSTILE_TITLE
    assert response["Content-Disposition"].startswith("attachment;")


ADMIN_PAGES = [
    ("/admin/annotations/article/", (SCRIPT, BOLD)),
    ("/admin/annotations/article/{article}/change/", (SCRIPT, IMG)),
    ("/admin/annotations/speaker/", (SVG, IMG)),
    ("/admin/annotations/speaker/{speaker}/change/", (SVG, IMG)),
    ("/admin/annotations/quote/", (SVG,)),
    ("/admin/annotations/quote/?q=taxes", (SVG,)),
    ("/admin/annotations/quote/{quote}/change/", (IMG, SVG, HOSTILE_NOTE)),
    ("/admin/annotations/review/", ()),
    ("/admin/annotations/review/{review}/change/", (HOSTILE_NOTE,)),
    ("/admin/annotations/speakeralias/", ()),
]


@pytest.mark.django_db
@pytest.mark.parametrize("template,payloads", ADMIN_PAGES)
def test_xss_admin_pages_show_hostile_text_as_text(hostile_world, admin_client, template, payloads):
    ids = {
        "article": hostile_world["article"].pk,
        "speaker": hostile_world["speaker"].pk,
        "quote": hostile_world["quote"].pk,
        "review": hostile_world["quote"].reviews.get().pk,
    }
    response = admin_client.get(template.format(**ids))
    html = response.content.decode()
    assert response.status_code in (200, 404)
    assert _shown_as_text(html, *payloads) == []


@pytest.mark.django_db
def test_xss_api_returns_hostile_text_as_json_data(hostile_world, reporter):
    client = key_client(api_key(reporter, "read"))
    response = client.get(f"/api/v1/quotes/{hostile_world['quote'].pk}/")
    data = response.json()
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert IMG in data["text"]
    assert data["speaker"]["name"] == HOSTILE_SPEAKER


@pytest.mark.django_db
def test_xss_api_article_body_round_trips_exactly(hostile_world, reporter):
    client = key_client(api_key(reporter, "read"))
    data = client.get(f"/api/v1/articles/{hostile_world['article'].pk}/").json()
    assert data["body"] == HOSTILE_BODY
    assert data["title"] == HOSTILE_TITLE


@pytest.mark.django_db
def test_xss_api_speaker_aliases_are_data(hostile_world, reporter):
    client = key_client(api_key(reporter, "read"))
    data = client.get(f"/api/v1/speakers/{hostile_world['speaker'].pk}/").json()
    assert HOSTILE_ALIAS in json.dumps(data, ensure_ascii=False)


# --- javascript: and other non-http URLs are refused at every entry point ---

BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "java\tscript:alert(1)",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_URLS)
def test_xss_api_refuses_non_http_article_urls(editor, url):
    client = key_client(api_key(editor, REVIEW))
    response = client.post(
        "/api/v1/articles/", {"title": "t", "body": "b", "url": url}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not Article.objects.filter(title="t").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_URLS)
def test_xss_review_form_refuses_non_http_evidence(editor, quote, url):
    response = logged_in(editor).post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {"action": "verified", "version": quote.version, "evidence": url},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert quote.reviews.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_URLS)
def test_xss_admin_refuses_non_http_webhook_urls(admin_client, url):
    response = admin_client.post(
        "/admin/annotations/webhookendpoint/add/",
        {"url": url, "events": "quote.verified", "description": "", "active": "on"},
    )
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
