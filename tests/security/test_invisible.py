r"""Bidirectional controls and invisible characters (issue 12, item 6).

A body with `RTL \u202eevil\u202c text` displayed as "RTL live text" on the review page, and a
title `\u202egnp.exe\u202c` was accepted. Stored text stays byte-exact; pages show each such
character as a marker naming its code point; titles, outlets, bylines and speaker names refuse
them at every entry point.
"""

import csv
import html
import io
import json
import re
import sys
import unicodedata
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from annotations.invisible import INVISIBLE, escape_invisible_json, reveal_invisible
from annotations.models import Article, Quote, Speaker, SpeakerAlias
from annotations.services.articles import article_create
from annotations.services.speakers import speaker_upsert
from tests.annotations.test_search_support import make_quote
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory
from tests.security.support import REVIEW, api_key, key_client, logged_in

SPOOFED_BODY = "RTL \u202eevil\u202c text"
SPOOFED_TITLE = "\u202egnp.exe\u202c"
RLO_MARKER = '<span class="invisible-char" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨RLO⟩</span>'
PDF_MARKER = '<span class="invisible-char" title="U+202C POP DIRECTIONAL FORMATTING">⟨PDF⟩</span>'
# One of each kind: bidi override, isolate, mark, zero-width, BOM, soft hyphen, tag, control.
SAMPLES = "\u202e\u2067\u200f\u200b\u200d\ufeff\u00ad\U000e0041\x1b\u2028\u3164"
SEG = re.compile(r'<span class="seg" data-offset="(\d+)">(.*?)</span>', re.DOTALL)


def _raw_invisible(text):
    return sorted({f"U+{ord(c):04X}" for c in INVISIBLE.findall(text)})


def _shown_raw(page):
    """Invisible characters in what the page shows: the body's text, tags and attributes left
    out (an attribute may keep the exact value, as an option's value must)."""
    body = page[page.index("<body") :]
    return _raw_invisible(re.sub(r"<[^>]*>", "", body))


# --- the set and the markers -----------------------------------------------------------------


def test_invisible_set_covers_every_format_and_control_character():
    missing = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cf", "Cc")
        and chr(cp) not in "\t\n\r"
        and not INVISIBLE.fullmatch(chr(cp))
    ]
    assert missing == []
    assert INVISIBLE.findall(f"a é 1 \t\n\r \u00a0 \u3000 ❤\ufe0f {SAMPLES}") == list(SAMPLES)


def test_invisible_reveal_marks_each_character_and_escapes_the_rest():
    revealed = str(reveal_invisible(f"<b>{SPOOFED_BODY}</b>"))
    assert revealed == f"&lt;b&gt;RTL {RLO_MARKER}evil{PDF_MARKER} text&lt;/b&gt;"
    assert _raw_invisible(str(reveal_invisible(SAMPLES))) == []


def test_invisible_json_escapes_are_lossless():
    serialized = escape_invisible_json(json.dumps({"text": SAMPLES}, ensure_ascii=False))
    assert _raw_invisible(serialized) == []
    assert "\\u202e" in serialized
    assert json.loads(serialized)["text"] == SAMPLES


# --- the review page ---------------------------------------------------------------------------


def _segments(page):
    return [(int(offset), html.unescape(text)) for offset, text in SEG.findall(page)]


@pytest.mark.django_db
def test_invisible_review_page_shows_markers_and_keeps_every_offset_exact(editor):
    body = f"“We will {SAMPLES}win,” she said.\n\n\u2029Then {SPOOFED_BODY}."
    article = ArticleFactory(body=body)
    QuoteFactory(article=article, start=0, end=body.index("”") + 1, speaker=None)
    page = logged_in(editor).get(reverse("annotations:article_detail", args=[article.pk]))
    content = page.content.decode()
    segments = _segments(content)
    assert page.status_code == 200
    assert _raw_invisible(content) == []
    assert RLO_MARKER in content
    assert content.count('class="invisible-char"') >= 2 * len(SAMPLES) + 2
    # Every segment is the body's text at its offset, and together they hold every visible
    # character: the invisible ones are exactly what is left out.
    assert [text for offset, text in segments] == [
        body[offset : offset + len(text)] for offset, text in segments
    ]
    shown = {offset + i for offset, text in segments for i in range(len(text))}
    hidden = {i for i, char in enumerate(body) if i not in shown}
    assert {body[i] for i in hidden} - set("\n") == set(SAMPLES) | {"\u202e", "\u202c", "\u2029"}


@pytest.mark.django_db
def test_invisible_quote_card_and_history_show_markers(editor):
    article = ArticleFactory(body=f"She said “{SPOOFED_BODY}” today.")
    quote = QuoteFactory(article=article, speaker=SpeakerFactory(name="Ana Reyes"))
    client = logged_in(editor)
    client.post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {
            "action": "disputed",
            "dispute_reason": "wrong_words",
            "version": quote.version,
            "note": f"note {SPOOFED_BODY}",
        },
    )
    htmx = {"HX-Request": "true"}
    row = client.get(reverse("annotations:quote_row", args=[quote.pk]), headers=htmx)
    history = client.get(reverse("annotations:quote_history", args=[quote.pk]), headers=htmx)
    row, history = row.content.decode(), history.content.decode()
    assert _raw_invisible(row) == []
    assert f"{RLO_MARKER}evil{PDF_MARKER}" in row
    assert _raw_invisible(history) == []
    assert f"note RTL {RLO_MARKER}evil" in history


@pytest.mark.django_db
def test_invisible_legacy_title_and_speaker_are_shown_with_markers(editor):
    # Rows written before the validators (or by SQL) are still shown safely.
    article = ArticleFactory(body="“Fine,” he said.")
    Article.objects.filter(pk=article.pk).update(title=SPOOFED_TITLE, outlet="Daily\u200bNews")
    speaker = SpeakerFactory(name="Ana Reyes")
    Speaker.objects.filter(pk=speaker.pk).update(name="Ana\u202e Reyes")
    QuoteFactory(article=article, speaker=speaker)
    client = logged_in(editor)
    detail = client.get(reverse("annotations:article_detail", args=[article.pk])).content.decode()
    queue = client.get(reverse("annotations:home")).content.decode()
    assert _shown_raw(detail) == []
    assert f"{RLO_MARKER}gnp.exe{PDF_MARKER}" in detail
    assert f"Ana{RLO_MARKER} Reyes" in detail
    assert _shown_raw(queue) == []
    assert "Daily<span" in queue


@pytest.mark.django_db
def test_invisible_htmx_decision_announces_a_proposed_speaker_with_markers(editor):
    article = ArticleFactory(body="Ana\u202e said “we will win” on Monday.")
    quote = QuoteFactory(article=article, speaker=None, speaker_mention="Ana\u202e")
    response = logged_in(editor).post(
        reverse("annotations:quote_review", args=[quote.pk]),
        {"action": "verified", "version": quote.version},
        headers={"HX-Request": "true"},
    )
    shown = re.sub(r"<[^>]*>", "", response.content.decode())
    assert response.status_code == 200
    assert _raw_invisible(shown) == []
    assert "Quote by Ana⟨RLO⟩ (proposed) marked verified." in shown


# --- refused in titles, outlets, bylines and speaker names ------------------------------------


@pytest.fixture
def editor_api(editor):
    return key_client(api_key(editor, REVIEW))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", SPOOFED_TITLE),
        ("title", "Budget\u200b vote"),
        ("outlet", "Daily\u2066 News"),
        ("byline", "By Ana\ufeff"),
    ],
)
def test_invisible_api_refuses_them_in_article_labels(editor_api, field, value):
    payload = {"title": "A title", "body": "“Words,” she said.", field: value}
    response = editor_api.post("/api/v1/articles/", payload, format="json")
    assert response.status_code == 400
    assert "invisible character U+" in response.json()["errors"][field][0]
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_invisible_api_accepts_them_in_a_body_byte_exact(editor_api):
    body = f"“{SPOOFED_BODY},” she said."
    response = editor_api.post("/api/v1/articles/", {"title": "T", "body": body}, format="json")
    assert response.status_code == 201
    assert Article.objects.get().body == body


@pytest.mark.django_db
def test_invisible_api_refuses_them_in_an_article_title_update(editor_api):
    article = ArticleFactory(title="Plain")
    response = editor_api.patch(
        f"/api/v1/articles/{article.pk}/", {"title": SPOOFED_TITLE}, format="json"
    )
    article.refresh_from_db()
    assert response.status_code == 400
    assert article.title == "Plain"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Ana\u202e Reyes"},
        {"name": "Ana Reyes", "aliases": ["A\u200bReyes"]},
        {"name": "Ana Reyes", "title": "Minister\u200f"},
        {"name": "Ana Reyes", "organisation": "\u2067NATO"},
    ],
)
def test_invisible_api_refuses_them_in_speaker_names(editor_api, payload):
    response = editor_api.post("/api/v1/speakers/", payload, format="json")
    assert response.status_code == 400
    assert "invisible character U+" in json.dumps(response.json()["errors"], ensure_ascii=False)
    assert not Speaker.objects.exists()


@pytest.mark.django_db
def test_invisible_desk_speaker_form_refuses_them_with_a_message(editor, quote):
    response = logged_in(editor).post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {"version": quote.version, "create": "1", "name": "Ana\u200b Reyes", "kind": "person"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Remove the invisible character U+200B ZERO WIDTH SPACE" in response.content.decode()
    assert not Speaker.objects.filter(name__startswith="Ana").exists()


@pytest.mark.django_db
def test_invisible_services_refuse_them_in_labels(editor):
    with pytest.raises(ValidationError) as article_error:
        article_create(title=SPOOFED_TITLE, body="“Words,” she said.", created_by=editor)
    with pytest.raises(ValidationError) as speaker_error:
        speaker_upsert(name="Ana Reyes", aliases=["Ana\u2060Reyes"])
    assert "title" in article_error.value.message_dict
    assert "alias" in speaker_error.value.message_dict
    assert not Article.objects.exists()
    assert not SpeakerAlias.objects.exists()


@pytest.mark.django_db
def test_invisible_ingest_refuses_a_spoofed_title(tmp_path):
    (tmp_path / "a.txt").write_text(f"{SPOOFED_TITLE}\n\n“Words,” she said.\n", "utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"title": "Fine", "outlet": "Daily\u200dNews", "body": "“Hi,” he said."}),
        "utf-8",
    )
    out = StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("ingest", str(tmp_path), stdout=out, stderr=StringIO())
    assert "title: Remove the invisible character U+202E" in out.getvalue()
    assert "outlet: Remove the invisible character U+200D" in out.getvalue()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_invisible_admin_refuses_them_in_titles_and_speaker_names(admin_user):
    client = logged_in(admin_user)
    article = client.post(
        "/admin/annotations/article/add/",
        {
            "title": SPOOFED_TITLE,
            "body": "“Words,” she said.",
            "language": "en",
            "quotes-TOTAL_FORMS": "0",
            "quotes-INITIAL_FORMS": "0",
        },
    )
    speaker = client.post(
        "/admin/annotations/speaker/add/",
        {
            "name": "Ana Reyes",
            "kind": "person",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-alias": "Ana\u202eReyes",
        },
    )
    assert article.status_code == 200
    assert "Remove the invisible character U+202E" in article.content.decode()
    assert speaker.status_code == 200
    assert "Remove the invisible character U+202E" in speaker.content.decode()
    assert not Article.objects.exists()
    assert not Speaker.objects.exists()
    assert Quote.objects.count() == 0


# --- exports -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invisible_csv_export_writes_them_as_code_points(reporter):
    make_quote(SPOOFED_BODY, title="Budget\u200b vote")
    response = logged_in(reporter).get("/search/export.csv", {"q": "text"})
    exported = b"".join(response.streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert _raw_invisible(exported) == []
    assert row["text"] == "RTL ⟨U+202E⟩evil⟨U+202C⟩ text"
    assert row["article_title"] == "Budget⟨U+200B⟩ vote"


@pytest.mark.django_db
def test_invisible_jsonl_export_escapes_them_and_stays_exact(reporter):
    make_quote(SPOOFED_BODY)
    response = logged_in(reporter).get("/search/export.jsonl", {"q": "text"})
    exported = b"".join(response.streaming_content).decode()
    assert _raw_invisible(exported) == []
    assert "RTL \\u202eevil\\u202c text" in exported
    assert json.loads(exported)["text"] == SPOOFED_BODY
