"""Bidirectional controls and invisible characters (issue 12, item 6).

A body with `RTL \u202eevil\u202c text` displayed as "RTL live text" on the review page. Stored
text stays byte-exact; pages show each such character as a marker naming its code point.
"""

import html
import json
import re
import sys
import unicodedata

import pytest
from django.urls import reverse

from annotations.invisible import INVISIBLE, escape_invisible_json, reveal_invisible
from annotations.models import Article, Speaker
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory
from tests.security.support import logged_in

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
        {"action": "disputed", "version": quote.version, "note": f"note {SPOOFED_BODY}"},
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
