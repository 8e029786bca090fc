"""The article page's "changed since" poll (views.review.article_live)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations.models import Article, Quote
from annotations.services.reviews import quote_review_submit
from tests.factories import ArticleFactory, QuoteFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TOKEN_RE = re.compile(r"live/\?since=([0-9a-z.]+)")


def live_url(article):
    return reverse("annotations:article_live", args=[article.pk])


def page_token(client, article):
    html = client.get(reverse("annotations:article_detail", args=[article.pk])).content.decode()
    return TOKEN_RE.search(html).group(1)


def test_article_live_nothing_changed_is_204(editor_client, quote):
    token = page_token(editor_client, quote.article)

    response = editor_client.get(live_url(quote.article), {"since": token}, headers=HTMX)

    assert response.status_code == 204
    assert response.content == b""


def test_article_live_another_editors_decision_redraws_rows_only(
    editor_client, other_editor, quote
):
    token = page_token(editor_client, quote.article)
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)

    response = editor_client.get(live_url(quote.article), {"since": token}, headers=HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert re.search(rf'<li id="quote-{quote.pk}"[^>]*data-status="verified"', html)
    assert 'hx-swap-oob="true"' in html
    assert 'id="article-body"' not in html  # the text (and any selection in it) stays
    assert 'id="review-count"' in html
    assert response["HX-Trigger-After-Settle"] == '{"liveUpdated": {"layout": false}}'
    assert TOKEN_RE.search(html).group(1) != token


def test_article_live_sends_only_the_rows_written_since_the_token(
    editor_client, other_editor, article
):
    first = QuoteFactory(article=article, start=0, end=4, text=article.body[0:4])
    second = QuoteFactory(article=article, start=10, end=14, text=article.body[10:14])
    Quote.objects.filter(pk=second.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    token = page_token(editor_client, article)
    quote_review_submit(quote=first, user=other_editor, to_status="verified", expected_version=1)

    html = editor_client.get(live_url(article), {"since": token}, headers=HTMX).content.decode()

    assert f'id="quote-{first.pk}"' in html
    assert f'id="quote-{second.pk}"' not in html


def test_article_live_finished_prehighlight_swaps_lists_text_and_panel(editor_client):
    article = ArticleFactory(
        prehighlight_status="running", body="Intro.\n\n“We will build it,” said Ana Reyes."
    )
    html = editor_client.get(reverse("annotations:article_detail", args=[article.pk])).content
    assert "Finding quotes…" in html.decode()
    assert "No quotes in the text yet" not in html.decode()
    token = TOKEN_RE.search(html.decode()).group(1)
    quote = QuoteFactory(article=article, start=9, end=25, text=article.body[9:25])
    Article.objects.filter(pk=article.pk).update(prehighlight_status="done")

    response = editor_client.get(live_url(article), {"since": token}, headers=HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert '<div id="quote-lists" class="quote-lists" hx-swap-oob="true">' in html
    assert 'id="article-body"' in html and f'id="hl-{quote.pk}"' in html
    assert 'id="prehighlight-status" class="prehighlight prehighlight-done"' in html
    assert f'data-action-panel data-quote="{quote.pk}"' in html
    assert 'hx-trigger="every 4s"' in html  # done: the slower poll for others' decisions
    assert response["HX-Trigger-After-Settle"] == '{"liveUpdated": {"layout": true}}'


def test_article_live_keeps_a_drawn_panel(editor_client, quote):
    token = page_token(editor_client, quote.article)
    QuoteFactory(article=quote.article, start=0, end=2, text=quote.article.body[0:2])

    html = editor_client.get(live_url(quote.article), {"since": token}, headers=HTMX)

    assert 'id="quote-lists"' in html.content.decode()
    assert "data-action-panel" not in html.content.decode()  # the note being typed stays


def test_article_live_garbage_token_redraws_everything(editor_client, quote):
    response = editor_client.get(live_url(quote.article), {"since": "x.y"}, headers=HTMX)

    assert response.status_code == 200
    assert 'id="quote-lists"' in response.content.decode()


def test_article_live_without_htmx_redirects_to_the_article(editor_client, quote):
    response = editor_client.get(live_url(quote.article))

    assert response.status_code == 302
    assert response["Location"] == reverse("annotations:article_detail", args=[quote.article_id])


def test_article_live_anonymous_is_sent_to_log_in(client, quote):
    response = client.get(live_url(quote.article), headers=HTMX)

    assert "/accounts/login/" in response["HX-Redirect"]


def test_article_live_reporter_reads_rows(reporter_client, editor, quote):
    token = page_token(reporter_client, quote.article)
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)

    response = reporter_client.get(live_url(quote.article), {"since": token}, headers=HTMX)

    assert response.status_code == 200
    assert "data-action-panel" not in response.content.decode()


def test_article_live_unchanged_poll_runs_few_queries(
    editor_client, quote, django_assert_max_num_queries
):
    token = page_token(editor_client, quote.article)
    with django_assert_max_num_queries(4):  # session, user, article, the digests
        editor_client.get(live_url(quote.article), {"since": token}, headers=HTMX)
