r"""The Django admin against the attacks of issue 12: stored markup, bidi spoofing and CSRF.

The stored-XSS sweep of the admin pages is in test_xss.py and the login throttle in
tests/newsdesk; here the admin shows invisible and direction-changing characters as markers in
its lists and change pages (rows written before the validators, or by SQL, still hold them),
and refuses every write that comes without its CSRF token.
"""

import re

import pytest
from django.test import Client

from annotations.invisible import INVISIBLE
from annotations.models import ApiClient, Article, Quote, Speaker, SpeakerAlias
from tests.factories import ArticleFactory, QuoteFactory, ReviewFactory, SpeakerFactory
from tests.security.support import SCRIPT, logged_in, unescaped_payloads

RLO, PDF = "\u202e", "\u202c"
SPOOF = f"{RLO}gnp.exe{PDF}"
RLO_MARKER = '<span class="invisible-char" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨RLO⟩</span>'


@pytest.fixture
def spoofed(editor):
    """Rows holding bidi controls next to markup, written around the validators (by SQL)."""
    body = f"Intro {SCRIPT}{RLO}.\n\n“We will {RLO}evil{PDF} win,” said Ana."
    article = ArticleFactory(body=body)
    speaker = SpeakerFactory(name="Ana Reyes")
    quote = QuoteFactory(article=article, speaker=speaker, speaker_mention=f"Ana{RLO}")
    review = ReviewFactory(quote=quote, reviewer=editor, note=f"{SCRIPT} checked {RLO}evil{PDF}")
    Article.objects.filter(pk=article.pk).update(title=f"{SPOOF} {SCRIPT}", outlet=f"Daily{RLO}")
    Speaker.objects.filter(pk=speaker.pk).update(name=f"Ana {RLO}Reyes", title=f"{SCRIPT}{RLO}")
    SpeakerAlias.objects.create(speaker=speaker, alias="Ana")
    SpeakerAlias.objects.filter(speaker=speaker).update(alias=f"A{RLO}R")
    Quote.objects.filter(pk=quote.pk).update(anchor_note=f"changed {RLO}here")
    return {"article": article, "speaker": speaker, "quote": quote, "review": review}


def shown_raw(page):
    """Invisible characters in what the page shows as text (tags, attributes and the editable
    textareas, which must keep the exact value, left out)."""
    body = page[page.index("<body") :]
    body = re.sub(r"<textarea[^>]*>.*?</textarea>", "", body, flags=re.DOTALL)
    return sorted({f"U+{ord(c):04X}" for c in INVISIBLE.findall(re.sub(r"<[^>]*>", "", body))})


ADMIN_PAGES = [
    "/admin/annotations/article/",
    "/admin/annotations/article/{article}/change/",
    "/admin/annotations/speaker/",
    "/admin/annotations/speaker/{speaker}/change/",
    "/admin/annotations/quote/",
    "/admin/annotations/quote/{quote}/change/",
    "/admin/annotations/review/",
    "/admin/annotations/review/{review}/change/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("template", ADMIN_PAGES)
def test_admin_shows_invisible_characters_as_markers_and_markup_as_text(
    spoofed, admin_user, template
):
    ids = {name: row.pk for name, row in spoofed.items()}
    response = logged_in(admin_user).get(template.format(**ids))
    page = response.content.decode()
    assert response.status_code == 200
    assert shown_raw(page) == []
    assert unescaped_payloads(page) == []


@pytest.mark.django_db
def test_admin_change_pages_show_the_markers_and_list_what_the_inputs_hold(spoofed, admin_user):
    client = logged_in(admin_user)
    article = client.get(f"/admin/annotations/article/{spoofed['article'].pk}/change/")
    quote = client.get(f"/admin/annotations/quote/{spoofed['quote'].pk}/change/")
    article, quote = article.content.decode(), quote.content.decode()
    assert "<li>title at character 1: " + RLO_MARKER in article
    assert "<li>body at character " in article
    assert "<li>outlet at character 6: " + RLO_MARKER in article
    assert f"We will {RLO_MARKER}evil" in article  # the quotes inline
    assert f"We will {RLO_MARKER}evil" in quote
    assert f"changed {RLO_MARKER}here" in quote
    assert f"checked {RLO_MARKER}evil" in quote  # the review history inline
    assert "⟨U+202E⟩gnp.exe⟨U+202C⟩ &lt;script&gt;" in article  # the page title and breadcrumbs


@pytest.mark.django_db
def test_admin_writes_without_a_csrf_token_are_refused(spoofed, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    article = spoofed["article"]
    change = client.post(
        f"/admin/annotations/article/{article.pk}/change/",
        {"title": "Taken over", "body": "x", "language": "en"},
    )
    delete = client.post(
        "/admin/annotations/speaker/",
        {"action": "delete_selected", "_selected_action": [spoofed["speaker"].pk], "post": "yes"},
    )
    add = client.post("/admin/annotations/apiclient/add/", {"name": "stolen", "scope": "review"})
    article.refresh_from_db()
    assert [change.status_code, delete.status_code, add.status_code] == [403, 403, 403]
    assert article.title.startswith(SPOOF)
    assert Speaker.objects.filter(pk=spoofed["speaker"].pk).exists()
    assert not ApiClient.objects.filter(name="stolen").exists()


@pytest.mark.django_db
def test_admin_login_without_a_csrf_token_is_refused(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": admin_user.username, "password": "x"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
