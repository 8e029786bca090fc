import pytest
from django.core.exceptions import ValidationError

from annotations.errors import PermissionDeniedError, QuoteVersionConflict
from annotations.models import Quote, Review, Speaker
from annotations.services import quotes as quote_services
from annotations.services.reviews import quote_review_submit
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def test_quote_set_speaker_bumps_version_and_records_the_editor(quote, editor):
    speaker = SpeakerFactory(name="Ana Reyes")

    quote_services.quote_set_speaker(quote=quote, user=editor, speaker=speaker, expected_version=1)

    quote.refresh_from_db()
    assert (quote.speaker, quote.version, quote.updated_by) == (speaker, 2, editor)
    assert Review.objects.count() == 0


def test_quote_set_speaker_refuses_a_stale_version(quote, editor, other_editor):
    quote_services.quote_set_speaker(
        quote=quote, user=other_editor, speaker=None, expected_version=1
    )
    stale = Quote.objects.get(pk=quote.pk)
    stale.version = 1

    with pytest.raises(QuoteVersionConflict, match="bob"):
        quote_services.quote_set_speaker(
            quote=stale, user=editor, speaker=SpeakerFactory(), expected_version=1
        )

    assert Quote.objects.get(pk=quote.pk).speaker is None


def test_quote_set_speaker_refuses_a_reporter(quote, reporter):
    with pytest.raises(PermissionDeniedError):
        quote_services.quote_set_speaker(
            quote=quote, user=reporter, speaker=None, expected_version=1
        )

    assert Quote.objects.get(pk=quote.pk).version == 1


def test_quote_create_speaker_adds_registry_entry_with_the_mention_as_alias(article, editor):
    quote = QuoteFactory(article=article, speaker=None, speaker_mention="the finance minister")

    quote_services.quote_create_speaker(
        quote=quote,
        user=editor,
        name="Ana  Reyes",
        kind="person",
        title="Finance minister",
        expected_version=1,
    )

    speaker = Speaker.objects.get(name="Ana Reyes")
    assert quote.speaker == speaker
    assert set(speaker.aliases.values_list("normalized", flat=True)) == {
        "ana reyes",
        "the finance minister",
    }


def test_quote_create_speaker_reuses_an_existing_name_without_editing_it(quote, editor):
    existing = SpeakerFactory(name="Ana Reyes", title="Finance minister")

    quote_services.quote_create_speaker(
        quote=quote, user=editor, name="ana reyes", title="", expected_version=1
    )

    existing.refresh_from_db()
    assert (quote.speaker, existing.title) == (existing, "Finance minister")


def test_quote_fix_span_trims_quotation_marks_and_refreshes_context(quote, editor):
    body = quote.article.body
    start = body.index("“")  # include the opening mark and the closing one
    end = body.index("”", start) + 1

    quote_services.quote_fix_span(
        quote=quote, user=editor, start=start, end=end + 0, expected_version=1
    )

    quote.refresh_from_db()
    assert quote.text == "We will not raise taxes this year,"
    assert (quote.start, quote.end, quote.version) == (start + 1, end - 1, 2)
    assert quote.prefix == body[max(0, quote.start - 32) : quote.start]
    assert quote.suffix == body[quote.end : quote.end + 32]


def test_quote_fix_span_reanchors_an_orphaned_quote(quote, editor):
    Quote.objects.filter(pk=quote.pk).update(
        anchor="orphaned", anchor_note="gone", start=0, end=3, text="zzz"
    )
    quote.refresh_from_db()
    start = quote.article.body.index("a fantasy")

    quote_services.quote_fix_span(
        quote=quote, user=editor, start=start, end=start + 9, expected_version=1
    )

    quote.refresh_from_db()
    assert (quote.anchor, quote.anchor_note, quote.text) == ("anchored", "", "a fantasy")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-1, 5, "outside"), (5, 5, "outside"), (0, 10_000, "outside"), (0, 0, "outside")],
)
def test_quote_fix_span_refuses_out_of_range_offsets(quote, editor, start, end, message):
    with pytest.raises(ValidationError, match=message):
        quote_services.quote_fix_span(
            quote=quote, user=editor, start=start, end=end, expected_version=1
        )

    assert Quote.objects.get(pk=quote.pk).version == 1


def test_quote_add_by_editor_stores_the_body_slice(article, editor):
    start = article.body.index("“a fantasy”")

    quote = quote_services.quote_add_by_editor(
        article=article, user=editor, start=start - 1, end=start + 11
    )

    assert (quote.text, quote.origin, quote.status) == ("a fantasy", "editor", "candidate")
    assert article.body[quote.start : quote.end] == quote.text
    assert quote.updated_by == editor


def test_quote_add_by_editor_refuses_a_duplicate_span(quote, editor):
    with pytest.raises(ValidationError, match=f"Quote #{quote.pk} already covers"):
        quote_services.quote_add_by_editor(
            article=quote.article, user=editor, start=quote.start - 1, end=quote.end + 1
        )

    assert Quote.objects.count() == 1


def test_quote_add_by_editor_refuses_a_selection_of_only_quotation_marks(article, editor):
    start = article.body.index("”")

    with pytest.raises(ValidationError, match="only quotation marks"):
        quote_services.quote_add_by_editor(article=article, user=editor, start=start, end=start + 1)


def test_quote_add_by_editor_refuses_a_reporter(article, reporter):
    with pytest.raises(PermissionDeniedError):
        quote_services.quote_add_by_editor(article=article, user=reporter, start=0, end=5)

    assert Quote.objects.count() == 0


def test_quote_undo_last_decision_returns_to_the_previous_status(quote, editor):
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)

    review = quote_services.quote_undo_last_decision(quote=quote, user=editor, expected_version=2)

    quote.refresh_from_db()
    assert (quote.status, quote.version) == ("candidate", 3)
    assert (review.from_status, review.to_status, review.reviewer) == (
        "verified",
        "candidate",
        editor,
    )
    assert Review.objects.filter(quote=quote).count() == 2


def test_quote_undo_last_decision_restores_a_dispute_with_a_note(quote, editor):
    quote_review_submit(
        quote=quote,
        user=editor,
        to_status="disputed",
        dispute_reason="wrong_words",
        expected_version=1,
        note="wrong year",
    )
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=2)

    review = quote_services.quote_undo_last_decision(quote=quote, user=editor, expected_version=3)

    assert (quote.status, review.note.startswith("Undo of the decision Disputed")) == (
        "disputed",
        True,
    )


def test_quote_undo_last_decision_refuses_another_editors_decision(quote, editor, other_editor):
    quote_review_submit(quote=quote, user=other_editor, to_status="verified", expected_version=1)

    with pytest.raises(ValidationError, match="made by bob"):
        quote_services.quote_undo_last_decision(quote=quote, user=editor, expected_version=2)

    assert Quote.objects.get(pk=quote.pk).status == "verified"


def test_quote_undo_last_decision_refuses_after_a_later_speaker_change(quote, editor, other_editor):
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    quote_services.quote_set_speaker(
        quote=quote, user=other_editor, speaker=None, expected_version=2
    )

    with pytest.raises(QuoteVersionConflict):
        quote_services.quote_undo_last_decision(quote=quote, user=editor, expected_version=3)

    assert Quote.objects.get(pk=quote.pk).status == "verified"


def test_quote_undo_last_decision_refuses_when_nothing_was_decided(quote, editor):
    with pytest.raises(ValidationError, match="no decision"):
        quote_services.quote_undo_last_decision(quote=quote, user=editor, expected_version=1)


def test_span_clean_trims_whitespace_and_guillemets():
    body = "Er sagte: « Nein. »  Ende"

    start, end = quote_services.span_clean(body=body, start=10, end=19)

    assert body[start:end] == "Nein."


def test_quote_add_by_editor_handles_untrusted_body_text(editor):
    article = ArticleFactory(
        body="Intro <script>alert(1)</script> said “<img src=x onerror=alert(2)>” ok"
    )
    start = article.body.index("“")

    quote = quote_services.quote_add_by_editor(
        article=article, user=editor, start=start, end=article.body.index("”") + 1
    )

    assert quote.text == "<img src=x onerror=alert(2)>"
