"""The desk's family card and its carry key, and the conflict flag in the queue (issue 17)."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.services.quotes import quote_add_by_editor
from annotations.services.reviews import quote_review_submit
from tests.annotations.families_support import create_speech_articles, quote_speech_in_outlets
from tests.factories import ArticleFactory


@pytest.fixture
def speech(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return create_speech_articles()


def page(client, quote):
    response = client.get(reverse("annotations:article_detail", args=[quote.article_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_family_card_shows_alarms_and_the_diff(editor_client, speech):
    whole, _, altered = speech

    text = page(editor_client, altered)

    assert "Also in 2 articles" in text
    assert "first: <time" in text and "2026-03-03</time>, Harbour Herald" in text
    assert '<del title="only in the first appearance">bridge</del>' in text
    assert '<ins title="only here">road</ins>' in text
    assert '<del title="only in the first appearance">snow</del>' in text
    assert '<ins title="only here">frost</ins>' in text
    assert "credited to Tomas Berg here, to Mara Lindqvist in 2 other articles." in text
    assert "data-carry-verdict" not in text  # nothing decided yet
    assert "Also in 2 articles" in page(editor_client, whole)


def test_family_card_escapes_the_quoted_words(editor_client, editor, speech):
    body = (
        "“We will rebuild every <script>alert(1)</script> the storm took from us, and we will "
        "do it before the first snow falls on the valley” said Mara Lindqvist."
    )
    article = ArticleFactory(body=body)
    quote = quote_add_by_editor(article=article, user=editor, start=1, end=body.index("”"))

    text = page(editor_client, quote)

    assert "<script>alert(1)</script>" not in text
    assert "Wording differs" in text
    assert html.escape("<script>alert(1)</script>", quote=False) in text


def test_family_card_carry_key_applies_the_verdict(editor_client, other_editor, speech):
    whole, part, _ = speech
    quote_review_submit(quote=whole, user=other_editor, to_status="verified", expected_version=1)

    text = page(editor_client, part)
    assert "verified there by " + other_editor.username in text
    assert f"Carry “Verified” from quote #{whole.pk}" in text

    response = editor_client.post(
        reverse("annotations:quote_carry", args=[part.pk]),
        {"version": 1, "source": whole.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    part.refresh_from_db()
    assert part.status == "verified"
    assert part.reviews.get().note == f"Carried from quote #{whole.pk}"
    assert f"carried from quote #{whole.pk}" in response.content.decode()


def test_family_card_carry_is_refused_over_a_decision(editor_client, editor, speech):
    whole, part, _ = speech
    quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)
    quote_review_submit(quote=part, user=editor, to_status="not_a_quote", expected_version=1)

    response = editor_client.post(
        reverse("annotations:quote_carry", args=[part.pk]),
        {"version": 2, "source": whole.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    part.refresh_from_db()
    assert part.status == "not_a_quote"


def test_family_card_carry_refuses_a_reporter(reporter_client, editor, speech):
    whole, part, _ = speech
    quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)

    response = reporter_client.post(
        reverse("annotations:quote_carry", args=[part.pk]), {"version": 1, "source": whole.pk}
    )

    assert response.status_code == 403
    part.refresh_from_db()
    assert part.status == "candidate"


def test_family_conflict_is_flagged_on_the_card_and_in_the_queue(editor_client, editor, speech):
    whole, _, altered = speech
    quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)
    quote_review_submit(
        quote=altered,
        user=editor,
        to_status="disputed",
        expected_version=1,
        note="Not said.",
        dispute_reason="never_said",
    )

    assert "Conflicting verdicts:" in page(editor_client, altered)
    queue = editor_client.get(reverse("annotations:home")).content.decode()
    assert queue.count("conflicting verdict") == 3


@pytest.fixture
def quoted_everywhere(db, django_capture_on_commit_callbacks, other_editor):
    """One speech quoted by 8 outlets, one day apart; the 7 oldest copies verified."""
    with django_capture_on_commit_callbacks(execute=False):
        return quote_speech_in_outlets(range(8), verify_below=7, editor=other_editor)


def test_family_card_names_the_newest_verdicts_and_counts_the_rest(
    editor_client, quoted_everywhere
):
    text = page(editor_client, quoted_everywhere[-1])

    assert "Also in 7 articles" in text
    named = [n for n in range(7) if f"(Outlet {n})</span>" in text]
    # The three newest verdicts by name, the four others counted; the open copy may carry them.
    assert named == [4, 5, 6]
    assert "and 4 more verdicts" in text
    assert "data-carry-verdict" in text


def test_family_card_reads_as_much_for_a_larger_family(
    editor_client, other_editor, quoted_everywhere, django_capture_on_commit_callbacks
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            text = page(editor_client, quoted_everywhere[0])
        return len(captured.captured_queries), text

    before, _ = queries()
    with django_capture_on_commit_callbacks(execute=False):
        quote_speech_in_outlets(range(8, 20), verify_below=20, editor=other_editor)
    after, text = queries()

    assert "Also in 19 articles" in text
    assert "and 15 more verdicts" in text
    assert after == before
