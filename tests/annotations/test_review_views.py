import re

import pytest
from django.urls import reverse

from annotations.models import Article, Quote, Review, Speaker, WebhookDelivery, WebhookEndpoint
from annotations.services.reviews import quote_review_submit
from tests.factories import ArticleFactory, QuoteFactory, SpeakerAliasFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def article_with_quotes(n, **article_fields):
    body = "\n\n".join(f"“Statement number {i} is true,” said speaker {i}." for i in range(n))
    article = ArticleFactory(body=body, **article_fields)
    speaker = SpeakerFactory(name="Ana Reyes")
    position = 0
    for _ in range(n):
        start = body.index("“", position) + 1
        end = body.index("”", start)
        QuoteFactory(article=article, start=start, end=end, speaker=speaker)
        position = end
    return article


def templates(response):
    return {t.name for t in response.templates}


def review_url(quote):
    return reverse("annotations:quote_review", args=[quote.pk])


def article_url(article):
    return reverse("annotations:article_detail", args=[article.pk])


# --- access -----------------------------------------------------------------------------------


def test_article_detail_redirects_anonymous_to_login(client, article):
    response = client.get(article_url(article))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_article_detail_refuses_a_user_without_role_with_the_403_page(client, outsider, article):
    client.force_login(outsider)

    response = client.get(article_url(article))

    assert response.status_code == 403
    assert "403.html" in templates(response)


def test_article_detail_unknown_article_is_404(editor_client):
    response = editor_client.get(reverse("annotations:article_detail", args=[999999]))

    assert response.status_code == 404


def test_article_detail_lets_a_reporter_read_without_review_forms(reporter_client, quote):
    response = reporter_client.get(article_url(quote.article))

    assert response.status_code == 200
    assert f'id="hl-{quote.pk}"' in response.content.decode()
    assert 'data-decision="verified"' not in response.content.decode()


def test_quote_review_refuses_a_reporter_and_writes_nothing(reporter_client, quote):
    response = reporter_client.post(
        review_url(quote), {"action": "verified", "version": 1}, headers=HTMX
    )

    assert response.status_code == 403
    assert Review.objects.count() == 0
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


def test_quote_review_refuses_an_outsider(client, outsider, quote):
    client.force_login(outsider)

    response = client.post(review_url(quote), {"action": "verified", "version": 1})

    assert response.status_code == 403
    assert Review.objects.count() == 0


def test_quote_review_sends_anonymous_to_login(client, quote):
    response = client.post(review_url(quote), {"action": "verified", "version": 1})

    assert response.status_code == 302
    assert Review.objects.count() == 0


def test_quote_review_sends_anonymous_htmx_to_login_with_a_client_redirect(client, quote):
    response = client.post(review_url(quote), {"action": "verified", "version": 1}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_quote_review_get_is_not_allowed(editor_client, quote):
    response = editor_client.get(review_url(quote))

    assert response.status_code == 405


# --- the article page -------------------------------------------------------------------------


def test_article_detail_highlights_quotes_in_place_with_speaker_and_status(editor_client, quote):
    response = editor_client.get(article_url(quote.article))
    html = response.content.decode()

    assert {"annotations/article_detail.html", "annotations/partials/quote_row.html"} <= templates(
        response
    )
    assert f'aria-label="Quote by {quote.speaker.name}, candidate"' in html
    assert f'<span class="seg" data-offset="{quote.start}">{quote.text}</span>' in html
    assert html.count('<p><span class="seg"') == 3  # three paragraphs in the factory body


def test_article_detail_escapes_hostile_title_and_body(editor_client):
    article = ArticleFactory(
        title="<script>alert(1)</script>",
        body="Hello <img src=x onerror=alert(2)> “<script>alert(3)</script>” said Ann.",
    )
    QuoteFactory(article=article)

    html = editor_client.get(article_url(article)).content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html


def test_article_detail_keeps_carriage_returns_as_character_references(editor_client):
    article = ArticleFactory(body="One\r\ntwo “three” four")

    html = editor_client.get(article_url(article)).content.decode()

    assert "One&#13;\ntwo" in html


def test_article_detail_lists_overlapping_quotes_but_highlights_one(editor_client, article):
    outer = QuoteFactory(article=article)
    inner = QuoteFactory(article=article, start=outer.start + 3, end=outer.start + 7)
    inner.text = article.body[inner.start : inner.end]

    html = editor_client.get(article_url(article)).content.decode()

    assert f'id="hl-{outer.pk}"' in html
    assert f'id="hl-{inner.pk}"' not in html
    assert f'id="quote-{inner.pk}"' in html
    assert "Overlaps another quote" in html


def test_article_detail_shows_orphaned_and_changed_quotes_with_their_notes(editor_client, article):
    changed = QuoteFactory(article=article, anchor="changed", anchor_note="Was “We will raise”.")
    orphan = QuoteFactory(
        article=article,
        start=0,
        end=3,
        text="zzz",
        anchor="orphaned",
        anchor_note="No longer in the body.",
    )

    html = editor_client.get(article_url(article)).content.decode()

    orphan_section = html[html.index('id="orphaned-title"') :]
    assert f'id="quote-{orphan.pk}"' in orphan_section
    assert "No longer in the body." in orphan_section
    assert f'id="hl-{orphan.pk}"' not in html
    assert "Quoted text changed:</strong> Was “We will raise”." in html
    assert f'id="hl-{changed.pk}" class="hl hl-candidate hl-changed"' in html


def test_article_detail_proposes_creating_the_mentioned_speaker(editor_client, article):
    QuoteFactory(article=article, speaker=None, speaker_mention="the finance minister")

    html = editor_client.get(article_url(article)).content.decode()

    assert "Proposed: the finance minister" in html
    assert "create speaker?" in html


def test_article_detail_has_one_action_panel_on_the_first_open_quote(editor_client, editor):
    article = article_with_quotes(4)
    first, second, *_ = article.quotes.order_by("start")
    quote_review_submit(quote=first, user=editor, to_status="verified", expected_version=1)

    response = editor_client.get(article_url(article))
    html = response.content.decode()

    assert "annotations/partials/quote_panel.html" in templates(response)
    assert html.count('<section id="action-panel"') == 1
    assert html.count('name="action" value="verified"') == 1
    assert html.count('id="panel-note"') == 1
    assert f'data-action-panel data-quote="{second.pk}"' in html
    assert f'action="{review_url(second)}"' in html


def test_article_detail_query_selects_the_quote_of_the_panel(editor_client):
    article = article_with_quotes(3)
    last = article.quotes.order_by("start").last()

    html = editor_client.get(article_url(article), {"quote": last.pk}).content.decode()

    assert f'data-action-panel data-quote="{last.pk}"' in html
    assert f'action="{review_url(last)}"' in html
    assert f'data-selected="{last.pk}"' in html


@pytest.mark.parametrize("value", ["abc", "-1", "999999999", "1e3", "٣", "9" * 40])
def test_article_detail_ignores_a_quote_parameter_it_cannot_use(editor_client, value):
    article = article_with_quotes(2)
    first = article.quotes.order_by("start").first()

    response = editor_client.get(article_url(article), {"quote": value})

    assert response.status_code == 200
    assert f'data-action-panel data-quote="{first.pk}"' in response.content.decode()


def test_article_detail_reporter_gets_no_action_panel(reporter_client, quote):
    html = reporter_client.get(article_url(quote.article)).content.decode()

    assert 'id="action-panel"' not in html
    assert f'id="quote-{quote.pk}"' in html


def test_article_detail_polls_prehighlight_status_only_while_pending(editor_client):
    queued = ArticleFactory(prehighlight_status="queued")
    done = ArticleFactory(prehighlight_status="done")

    queued_html = editor_client.get(article_url(queued)).content.decode()
    done_html = editor_client.get(article_url(done)).content.decode()

    assert 'hx-trigger="every 2s"' in queued_html
    assert 'hx-trigger="every 2s"' not in done_html


def test_article_prehighlight_status_partial_reports_failure(editor_client):
    article = ArticleFactory(prehighlight_status="failed", prehighlight_error="Extractor crashed")

    response = editor_client.get(
        reverse("annotations:article_prehighlight_status", args=[article.pk]), headers=HTMX
    )

    assert templates(response) >= {"annotations/partials/prehighlight_status.html"}
    assert "Extractor crashed" in response.content.decode()
    assert "every 2s" not in response.content.decode()


def test_article_detail_query_count_does_not_grow_with_quotes(
    editor_client, django_assert_max_num_queries
):
    small, large = article_with_quotes(5), article_with_quotes(50)
    editor_client.get(article_url(small))  # warm the session

    with django_assert_max_num_queries(6) as small_queries:
        editor_client.get(article_url(small))
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        response = editor_client.get(article_url(large))

    assert response.content.decode().count("data-quote-row") == 50


# --- decisions --------------------------------------------------------------------------------


def test_quote_review_verify_htmx_swaps_row_highlight_and_counts(editor_client, editor, quote):
    response = editor_client.post(
        review_url(quote), {"action": "verified", "version": 1}, headers=HTMX
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert {
        "annotations/partials/quote_row.html",
        "annotations/partials/review_count.html",
    } <= templates(response)
    assert "annotations/article_detail.html" not in templates(response)
    assert f'<mark id="hl-{quote.pk}" class="hl hl-verified"' in html
    assert 'hx-swap-oob="outerHTML"' in html
    assert 'id="review-count" class="review-count" hx-swap-oob="true"' in html
    assert (
        f'"quoteChanged": {{"quote": {quote.pk}, "advance": true}}'
        in response["HX-Trigger-After-Settle"]
    )
    review = Review.objects.get(quote=quote)
    assert (review.reviewer, review.from_status, review.to_status, review.quote_version) == (
        editor,
        "candidate",
        "verified",
        2,
    )
    assert Quote.objects.get(pk=quote.pk).version == 2


def test_quote_review_verify_runs_at_most_eight_queries(
    editor_client, quote, django_assert_max_num_queries
):
    editor_client.get(article_url(quote.article))  # the session exists

    # Session, user and roles, the quote with its article's spans, then the decision: begin,
    # update, review, the quote family's conflict check, webhook subscriptions, commit. The row
    # is drawn from what was written.
    with django_assert_max_num_queries(9):
        response = editor_client.post(
            review_url(quote), {"action": "verified", "version": 1}, headers=HTMX
        )

    assert response.status_code == 200
    assert 'data-status="verified" data-version="2"' in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == "verified"


def test_quote_review_with_a_subscribed_webhook_runs_at_most_twelve_queries(
    editor_client, quote, django_assert_max_num_queries
):
    WebhookEndpoint.objects.create(url="https://cms.example/hook", events=["quote.verified"])
    editor_client.get(article_url(quote.article))

    # The nine of a decision, then the subscribed endpoints (instead of the check for any),
    # the quote as the payload shows it, and the delivery in its savepoint.
    with django_assert_max_num_queries(13):
        response = editor_client.post(
            review_url(quote), {"action": "verified", "version": 1}, headers=HTMX
        )

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_id == f"review-{Review.objects.get().pk}"
    assert delivery.payload["data"]["quote"]["status"] == "verified"


def test_quote_review_without_javascript_redirects_to_the_quote(editor_client, quote):
    response = editor_client.post(review_url(quote), {"action": "not_a_quote", "version": 1})

    assert response.status_code == 302
    selected = f"?quote={quote.pk}#quote-{quote.pk}"
    assert response["Location"] == article_url(quote.article) + selected
    assert Quote.objects.get(pk=quote.pk).status == "not_a_quote"


def test_quote_review_dispute_with_note_and_evidence(editor_client, quote):
    response = editor_client.post(
        review_url(quote),
        {
            "action": "disputed",
            "dispute_reason": "wrong_words",
            "version": 1,
            "note": "Said in 2019, not this year.",
            "evidence": "https://example.org/a\n\n  http://example.org/b  \n",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    review = Review.objects.get(quote=quote)
    assert review.evidence == ["https://example.org/a", "http://example.org/b"]
    assert review.note == "Said in 2019, not this year."


def test_quote_review_dispute_without_note_is_refused_inline(editor_client, quote):
    response = editor_client.post(
        review_url(quote),
        {"action": "disputed", "dispute_reason": "wrong_words", "version": 1},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "annotations/partials/quote_row.html" in templates(response)
    assert "A dispute needs a note" in response.content.decode()
    assert response["HX-Retarget"] == f"#quote-{quote.pk}"
    assert Review.objects.count() == 0


def test_quote_review_refuses_a_javascript_evidence_link_and_keeps_the_input(editor_client, quote):
    response = editor_client.post(
        review_url(quote),
        {
            "action": "verified",
            "version": 1,
            "note": "keep me",
            "evidence": "https://ok.example.org\njavascript:alert(1)",
        },
        headers=HTMX,
    )
    html = response.content.decode()

    assert response.status_code == 422
    assert "Link 2 (javascript:alert(1)): Only http:// and https:// links are accepted." in html
    assert ">keep me</textarea>" in html
    assert Review.objects.count() == 0


def test_quote_review_without_javascript_shows_errors_on_the_page(editor_client, quote):
    response = editor_client.post(
        review_url(quote), {"action": "disputed", "dispute_reason": "wrong_words", "version": 1}
    )

    assert response.status_code == 422
    assert "annotations/article_detail.html" in templates(response)
    assert "A dispute needs a note" in response.content.decode()


def test_quote_review_unknown_action_is_refused_not_500(editor_client, quote):
    response = editor_client.post(
        review_url(quote), {"action": "approve", "version": "x"}, headers=HTMX
    )

    assert response.status_code == 422
    assert Review.objects.count() == 0


def test_quote_review_stale_version_is_a_409_conflict_and_changes_nothing(
    editor_client, other_editor, quote
):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)

    response = editor_client.post(
        review_url(quote), {"action": "not_a_quote", "version": 1, "note": "mine"}, headers=HTMX
    )
    html = response.content.decode()

    assert response.status_code == 409
    assert response["HX-Retarget"] == f"#quote-{quote.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "changed by bob" in html
    assert 'name="version" value="2"' in html  # the row now carries the fresh version
    assert "status-verified" in html
    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.status, fresh.version, fresh.updated_by) == ("verified", 2, other_editor)
    assert Review.objects.count() == 1


def test_quote_review_refused_without_javascript_keeps_the_input_in_the_panel(editor_client):
    article = article_with_quotes(3)
    second = article.quotes.order_by("start")[1]

    response = editor_client.post(
        review_url(second),
        {
            "action": "disputed",
            "dispute_reason": "wrong_words",
            "version": 1,
            "evidence": "https://a.example",
        },
    )
    html = response.content.decode()

    assert response.status_code == 422
    assert "annotations/article_detail.html" in templates(response)
    # The panel is back on the refused quote, not on the first open one, with the input.
    assert f'data-action-panel data-quote="{second.pk}"' in html
    assert ">https://a.example</textarea>" in html
    assert 'id="panel-note-errors"' in html
    assert Review.objects.count() == 0


def test_quote_review_stale_version_without_javascript_renders_the_page(
    editor_client, other_editor, quote
):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)

    response = editor_client.post(review_url(quote), {"action": "not_a_quote", "version": 1})

    assert response.status_code == 409
    assert "changed by bob" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == "verified"


def test_quote_review_reopen_returns_to_candidate(editor_client, editor, quote):
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)

    editor_client.post(review_url(quote), {"action": "reopen", "version": 2}, headers=HTMX)

    assert Quote.objects.get(pk=quote.pk).status == "candidate"


def test_quote_undo_reverts_the_editors_last_decision(editor_client, editor, quote):
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    page = editor_client.get(article_url(quote.article)).content.decode()

    response = editor_client.post(
        reverse("annotations:quote_undo", args=[quote.pk]), {"version": 2}, headers=HTMX
    )

    assert "data-undo" in page
    assert response.status_code == 200
    assert "annotations/partials/quote_row.html" in templates(response)
    assert Quote.objects.get(pk=quote.pk).status == "candidate"
    assert list(Review.objects.filter(quote=quote).values_list("to_status", flat=True)) == [
        "candidate",
        "verified",
    ]


def test_quote_undo_of_someone_elses_decision_is_refused(editor_client, other_editor, quote):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)

    response = editor_client.post(
        reverse("annotations:quote_undo", args=[quote.pk]), {"version": 2}, headers=HTMX
    )

    assert response.status_code == 422
    assert "only they can undo it" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == "verified"


def test_quote_undo_refuses_a_reporter(reporter_client, editor, quote):
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)

    response = reporter_client.post(
        reverse("annotations:quote_undo", args=[quote.pk]), {"version": 2}
    )

    assert response.status_code == 403
    assert Quote.objects.get(pk=quote.pk).status == "verified"


# --- history ----------------------------------------------------------------------------------


def test_quote_history_lists_reviews_newest_first_with_safe_links(editor_client, editor, quote):
    quote_review_submit(
        quote=quote,
        user=editor,
        to_status="disputed",
        dispute_reason="wrong_words",
        expected_version=1,
        note="<b>wrong</b>",
        evidence=["https://example.org/proof"],
    )
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=2)

    response = editor_client.get(
        reverse("annotations:quote_history", args=[quote.pk]), headers=HTMX
    )
    html = response.content.decode()

    assert templates(response) == {"annotations/partials/quote_history.html"}
    assert html.index("Disputed → <strong>Verified") < html.index("Candidate → <strong>Disputed")
    assert '<a href="https://example.org/proof" rel="noopener noreferrer nofollow"' in html
    assert "&lt;b&gt;wrong&lt;/b&gt;" in html


def test_quote_history_without_javascript_is_a_page(reporter_client, quote):
    response = reporter_client.get(reverse("annotations:quote_history", args=[quote.pk]))

    assert "annotations/quote_history_page.html" in templates(response)


# --- speaker ----------------------------------------------------------------------------------


def test_speaker_search_matches_aliases_prefix_first(editor_client):
    stoltenberg = SpeakerFactory(name="Jens Stoltenberg", title="NATO Secretary General")
    SpeakerAliasFactory(speaker=stoltenberg, alias="NATO chief")
    SpeakerFactory(name="Ana Natoli")

    response = editor_client.get(reverse("annotations:speaker_search"), {"q": "nato"}, headers=HTMX)
    html = response.content.decode()

    assert "annotations/partials/speaker_options.html" in templates(response)
    assert html.index("Jens Stoltenberg") < html.index("Ana Natoli")
    assert f'name="speaker" value="{stoltenberg.pk}"' in html


def test_speaker_search_refuses_an_outsider(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("annotations:speaker_search"), {"q": "a"})

    assert response.status_code == 403


def test_quote_speaker_set_by_id_bumps_version_without_a_review(editor_client, editor, quote):
    speaker = SpeakerFactory(name="Ana Reyes")

    response = editor_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {"speaker": speaker.pk, "version": 1},
        headers=HTMX,
    )

    fresh = Quote.objects.get(pk=quote.pk)
    assert response.status_code == 200
    assert 'aria-label="Quote by Ana Reyes, candidate"' in response.content.decode()
    assert (fresh.speaker, fresh.version, fresh.updated_by) == (speaker, 2, editor)
    assert Review.objects.count() == 0


def test_quote_speaker_set_by_typed_alias_without_javascript(editor_client, quote):
    speaker = SpeakerFactory(name="Jens Stoltenberg")
    SpeakerAliasFactory(speaker=speaker, alias="NATO chief")

    response = editor_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {"speaker_query": "nato  CHIEF", "version": 1},
    )

    assert response.status_code == 302
    assert Quote.objects.get(pk=quote.pk).speaker == speaker


def test_quote_speaker_unknown_name_is_an_inline_error(editor_client, quote):
    response = editor_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {"speaker_query": "Nobody Known", "version": 1},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "No speaker is called “Nobody Known”" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).version == 1


def test_quote_speaker_create_new_registry_entry(editor_client, article):
    quote = QuoteFactory(article=article, speaker=None, speaker_mention="the finance minister")

    response = editor_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {
            "create": "1",
            "name": "Ana Reyes",
            "kind": "person",
            "title": "Finance minister",
            "version": 1,
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert Quote.objects.get(pk=quote.pk).speaker == Speaker.objects.get(name="Ana Reyes")


def test_quote_speaker_stale_version_is_a_conflict(editor_client, other_editor, quote):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)
    original = quote.speaker

    response = editor_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]),
        {"clear": "1", "version": 1},
        headers=HTMX,
    )

    assert response.status_code == 409
    assert Quote.objects.get(pk=quote.pk).speaker == original


def test_quote_speaker_refuses_a_reporter(reporter_client, quote):
    response = reporter_client.post(
        reverse("annotations:quote_speaker", args=[quote.pk]), {"clear": "1", "version": 1}
    )

    assert response.status_code == 403
    assert Quote.objects.get(pk=quote.pk).speaker is not None


# --- span and new quotes ----------------------------------------------------------------------


def test_quote_span_fix_redraws_lists_and_body(editor_client, quote):
    start = quote.article.body.index("a fantasy")

    response = editor_client.post(
        reverse("annotations:quote_span", args=[quote.pk]),
        {"start": start - 1, "end": start + 10, "version": 1},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert {
        "annotations/partials/quote_list_body.html",
        "annotations/partials/article_body.html",
    } <= templates(response)
    assert response["HX-Retarget"] == "#quote-lists"
    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.text, fresh.version) == ("a fantasy", 2)


def test_quote_span_fix_out_of_range_is_an_inline_error(editor_client, quote):
    response = editor_client.post(
        reverse("annotations:quote_span", args=[quote.pk]),
        {"start": 5, "end": 99999, "version": 1},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "outside the article body" in response.content.decode()
    assert response["HX-Retarget"] == f"#quote-{quote.pk}"


def test_quote_add_by_selection_creates_an_editor_quote(editor_client, editor, article):
    start = article.body.index("“a fantasy”")

    response = editor_client.post(
        reverse("annotations:quote_add", args=[article.pk]),
        {"start": start, "end": start + 11},
        headers=HTMX,
    )

    assert response.status_code == 200
    quote = Quote.objects.get(article=article)
    assert (quote.text, quote.origin, quote.updated_by) == ("a fantasy", "editor", editor)
    assert f'id="hl-{quote.pk}"' in response.content.decode()


def test_quote_add_duplicate_is_a_clear_error(editor_client, quote):
    response = editor_client.post(
        reverse("annotations:quote_add", args=[quote.article.pk]),
        {"start": quote.start, "end": quote.end},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "annotations/partials/quote_add_form.html" in templates(response)
    assert f"Quote #{quote.pk} already covers exactly this passage." in response.content.decode()
    assert Quote.objects.count() == 1


def test_quote_add_refuses_a_reporter(reporter_client, article):
    response = reporter_client.post(
        reverse("annotations:quote_add", args=[article.pk]), {"start": 0, "end": 5}
    )

    assert response.status_code == 403
    assert Quote.objects.count() == 0


# --- queue ------------------------------------------------------------------------------------


def test_home_lists_articles_with_open_candidates_first(editor_client, editor):
    finished = article_with_quotes(1, title="Finished")
    quote_review_submit(
        quote=finished.quotes.get(), user=editor, to_status="verified", expected_version=1
    )
    article_with_quotes(2, title="Open")
    ArticleFactory(title="Empty")

    html = editor_client.get(reverse("annotations:home")).content.decode()

    assert html.index(">Open<") < html.index(">Empty<")
    assert html.index(">Open<") < html.index(">Finished<")


def test_home_filters_by_status_speaker_outlet_and_date(editor_client):
    article_with_quotes(1, title="Kept", outlet="Daily", published_at="2024-03-02T10:00Z")
    article_with_quotes(1, title="Wrong outlet", outlet="Weekly", published_at="2024-03-02T10:00Z")
    article_with_quotes(1, title="Too old", outlet="Daily", published_at="2023-01-01T10:00Z")
    ArticleFactory(title="No quotes", outlet="Daily", published_at="2024-03-02T10:00Z")

    response = editor_client.get(
        reverse("annotations:home"),
        {
            "status": "candidate",
            "speaker": "reyes",
            "outlet": "daily",
            "date_from": "2024-01-01",
            "date_to": "2024-12-31",
        },
        headers=HTMX,
    )
    titles = re.findall(r'/articles/\d+/">([^<]+)<', response.content.decode())

    assert templates(response) == {
        "annotations/partials/article_list_body.html",
        "annotations/partials/prehighlight_badge.html",
    }
    assert titles == ["Kept"]
    assert response["Vary"].count("HX-Request") == 1


def test_home_reports_invalid_filters_instead_of_failing(editor_client, article):
    response = editor_client.get(
        reverse("annotations:home"), {"status": "bogus", "date_from": "yesterday"}
    )

    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()
    assert article.title in response.content.decode()


def test_home_paginates_and_keeps_filters_in_links(editor_client):
    ArticleFactory.create_batch(30, outlet="Daily")

    html = editor_client.get(reverse("annotations:home"), {"outlet": "Daily"}).content.decode()

    assert "Page 1 of 2" in html
    assert "?outlet=Daily&amp;page=2" in html


def test_home_query_count_is_constant(editor_client, django_assert_max_num_queries):
    for _ in range(3):
        article_with_quotes(2)
    editor_client.get(reverse("annotations:home"))

    with django_assert_max_num_queries(7) as few:
        editor_client.get(reverse("annotations:home"))
    for _ in range(20):
        article_with_quotes(2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        editor_client.get(reverse("annotations:home"))


def test_home_shows_prehighlight_status_and_time(editor_client):
    ArticleFactory(
        title="Failed one",
        prehighlight_status=Article.PrehighlightStatus.FAILED,
        prehighlight_finished_at="2024-05-01T08:30Z",
    )

    html = editor_client.get(reverse("annotations:home")).content.decode()

    assert 'badge-failed">Failed</span>' in html
    assert "2024-05-01 08:30" in html


def test_home_refuses_a_user_without_role(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("annotations:home"))

    assert response.status_code == 403


def test_quote_speaker_form_is_fetched_as_a_partial(editor_client, quote):
    response = editor_client.get(
        reverse("annotations:quote_speaker", args=[quote.pk]), headers=HTMX
    )

    assert templates(response) == {"annotations/partials/quote_speaker_form.html"}
    speaker_url = reverse("annotations:quote_speaker", args=[quote.pk])
    assert f'<form method="post" action="{speaker_url}"' in response.content.decode()


def test_quote_speaker_form_without_javascript_is_a_page(editor_client, quote):
    response = editor_client.get(reverse("annotations:quote_speaker", args=[quote.pk]))

    assert "annotations/quote_speaker_page.html" in templates(response)


def test_quote_speaker_form_refuses_a_reporter(reporter_client, quote):
    response = reporter_client.get(reverse("annotations:quote_speaker", args=[quote.pk]))

    assert response.status_code == 403


# --- low-confidence candidates (issue 14) -----------------------------------------------------


def _card_of(html, quote):
    start = html.index(f'id="quote-{quote.pk}"')
    return html[start : html.index("</li>", start)]


def test_article_detail_marks_a_low_confidence_candidate_speaker_uncertain(editor_client, article):
    body = article.body
    first, second = body.index("“") + 1, body.index("“", body.index("”") + 1) + 1
    sure = QuoteFactory(article=article, start=first, end=body.index("”", first), confidence=0.93)
    unsure = QuoteFactory(
        article=article, start=second, end=body.index("”", second), confidence=0.41
    )

    html = editor_client.get(article_url(article)).content.decode()

    assert "speaker uncertain" in _card_of(html, unsure)
    assert "confidence 0.41" in _card_of(html, unsure)
    assert "speaker uncertain" not in _card_of(html, sure)


def test_a_decided_or_edited_candidate_is_no_longer_speaker_uncertain(editor_client, article):
    start = article.body.index("“") + 1
    quote = QuoteFactory(
        article=article, start=start, end=article.body.index("”", start), confidence=0.3
    )
    editor_client.post(review_url(quote), {"action": "verified", "version": 1}, headers=HTMX)

    html = editor_client.get(article_url(article)).content.decode()

    assert Quote.objects.get(pk=quote.pk).status == "verified"
    assert "speaker uncertain" not in _card_of(html, quote)
