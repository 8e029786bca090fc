import pytest
from django.core.exceptions import ValidationError

from annotations.errors import PermissionDeniedError, QuoteVersionConflict
from annotations.models import Article, Quote, Review
from annotations.services.articles import article_create, article_update
from annotations.services.reviews import quote_review_submit


@pytest.mark.django_db
def test_article_create_queues_prehighlight_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    from annotations import tasks

    monkeypatch.setattr(
        tasks.article_prehighlight_batch_task, "delay", lambda *args: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article = article_create(title="T", body="Body “with a quote” here.")
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [([[article.pk, 1]],)]
    assert article.prehighlight_status == Article.PrehighlightStatus.QUEUED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "", "blank"),
        ("body", "   \n ", "empty"),
        ("body", "a\x00b", "NUL"),
        ("url", "javascript:alert(1)", "http"),
        ("title", "", "blank"),
    ],
)
def test_article_create_refuses_bad_input(field, value, message):
    data = {"title": "A title", "body": "A body.", "url": None}
    data[field] = value
    with pytest.raises(ValidationError, match=message):
        article_create(**data)
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_article_create_refuses_oversized_body(settings):
    settings.NEWSDESK_MAX_ARTICLE_CHARS = 100
    with pytest.raises(ValidationError, match="limit is 100"):
        article_create(title="Long", body="x" * 101)


@pytest.mark.django_db
def test_article_update_body_bumps_revision_and_keeps_quotes(quote):
    article = quote.article
    new_body = "Inserted lead paragraph.\n\n" + article.body
    article_update(article=article, data={"body": new_body})
    article.refresh_from_db()
    quote.refresh_from_db()
    assert article.revision == 2
    assert new_body[quote.start : quote.end] == quote.text


@pytest.mark.django_db
def test_article_update_without_change_keeps_revision(article):
    article_update(article=article, data={"title": article.title})
    article.refresh_from_db()
    assert article.revision == 1


@pytest.mark.django_db
def test_quote_review_submit_writes_history_and_bumps_version(quote, editor):
    review = quote_review_submit(
        quote=quote,
        user=editor,
        to_status="verified",
        expected_version=1,
        note="Checked the tape.",
        evidence=["https://example.org/tape"],
    )
    quote.refresh_from_db()
    assert (quote.status, quote.version, quote.updated_by) == ("verified", 2, editor)
    assert (review.from_status, review.to_status, review.quote_version) == (
        "candidate",
        "verified",
        2,
    )
    assert review.evidence == ["https://example.org/tape"]


@pytest.mark.django_db
def test_quote_review_submit_stale_version_changes_nothing(quote, editor, other_editor):
    quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
    with pytest.raises(QuoteVersionConflict, match="alice"):
        quote_review_submit(
            quote=quote,
            user=other_editor,
            to_status="disputed",
            dispute_reason="wrong_words",
            expected_version=1,
            note="Wrong.",
        )
    quote.refresh_from_db()
    assert (quote.status, quote.version) == ("verified", 2)
    assert Review.objects.filter(quote=quote).count() == 1


@pytest.mark.django_db
def test_quote_review_submit_dispute_needs_note(quote, editor):
    with pytest.raises(ValidationError, match="note"):
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status="disputed",
            dispute_reason="wrong_words",
            expected_version=1,
        )
    assert Quote.objects.get(pk=quote.pk).version == 1


@pytest.mark.django_db
def test_quote_review_submit_refuses_javascript_evidence(quote, editor):
    with pytest.raises(ValidationError):
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status="verified",
            expected_version=1,
            evidence=["javascript:alert(1)"],
        )
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_quote_review_submit_refuses_a_repeated_evidence_link(quote, editor):
    # Every caller passes here: the API, the desk's form, scripts.
    with pytest.raises(ValidationError, match=r"listed twice: https://example\.org/a"):
        quote_review_submit(
            quote=quote,
            user=editor,
            to_status="verified",
            expected_version=1,
            evidence=["https://example.org/a", "https://example.org/a"],
        )
    assert (Review.objects.count(), Quote.objects.get(pk=quote.pk).version) == (0, 1)


@pytest.mark.django_db
def test_quote_review_submit_refuses_reporter(quote, reporter):
    with pytest.raises(PermissionDeniedError):
        quote_review_submit(quote=quote, user=reporter, to_status="verified", expected_version=1)
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_quote_review_submit_on_a_read_another_decision_overtook_is_a_conflict(
    quote, editor, other_editor
):
    seen = Quote.objects.get(pk=quote.pk)  # what the editor's request read: version 1
    quote_review_submit(
        quote=Quote.objects.get(pk=quote.pk),
        user=other_editor,
        to_status="disputed",
        dispute_reason="wrong_words",
        expected_version=1,
        note="Said in 2019.",
    )

    with pytest.raises(QuoteVersionConflict, match="changed by bob"):
        quote_review_submit(quote=seen, user=editor, to_status="verified", expected_version=1)

    fresh = Quote.objects.get(pk=quote.pk)
    assert (fresh.status, fresh.version, fresh.updated_by) == ("disputed", 2, other_editor)
    assert list(Review.objects.values_list("from_status", "to_status", "reviewer")) == [
        ("candidate", "disputed", other_editor.pk)
    ]


@pytest.mark.django_db
def test_quote_review_submit_keeps_the_anchor_the_database_has(quote, editor):
    # The caller read the quote while it was orphaned; a body edit has found its words again
    # since, which re-anchors it without a new version. Deciding must not orphan it again.
    seen = Quote.objects.get(pk=quote.pk)
    seen.anchor = Quote.Anchor.ORPHANED

    quote_review_submit(quote=seen, user=editor, to_status="verified", expected_version=1)

    assert Quote.objects.get(pk=quote.pk).anchor == Quote.Anchor.ANCHORED


@pytest.mark.django_db
def test_quote_review_submit_leaves_the_quote_as_it_wrote_it(quote, editor):
    quote_review_submit(quote=quote, user=editor, to_status="not_a_quote", expected_version=1)

    fresh = Quote.objects.get(pk=quote.pk)
    written = ("status", "version", "updated_by_id", "updated_at", "anchor")
    assert [getattr(quote, f) for f in written] == [getattr(fresh, f) for f in written]


@pytest.mark.django_db
def test_quote_review_submit_on_a_removed_quote_is_refused(quote, editor):
    seen = Quote.objects.get(pk=quote.pk)
    Quote.objects.filter(pk=quote.pk).delete()

    with pytest.raises(ValidationError, match="removed meanwhile"):
        quote_review_submit(quote=seen, user=editor, to_status="verified", expected_version=1)
    assert Review.objects.count() == 0
