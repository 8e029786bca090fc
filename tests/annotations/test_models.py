import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from annotations.models import Article, Quote, Review, SpeakerAlias, body_hash, normalize_alias
from tests.factories import ArticleFactory, QuoteFactory, ReviewFactory, SpeakerFactory


def _immediate():
    """Deferred constraint triggers fire at COMMIT; inside a test transaction, fire them now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _raw_insert_quote(article, start, end, text, anchor="anchored"):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO annotations_quote
                (article_id, start, "end", text, prefix, suffix, speaker_mention, cue, origin,
                 confidence, status, anchor, anchor_note, version, article_revision,
                 created_at, updated_at)
            VALUES (%s, %s, %s, %s, '', '', '', '', 'machine', 0.5, 'candidate', %s, '', 1, 1,
                    now(), now())
            """,
            [article.pk, start, end, text, anchor],
        )


@pytest.mark.django_db
def test_article_body_hash_follows_body():
    article = ArticleFactory(body="One body.")
    assert article.body_hash == body_hash("One body.")
    article.body = "Another body."
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.body_hash == body_hash("Another body.")


@pytest.mark.django_db
def test_article_url_unique_when_present_in_database():
    ArticleFactory(url="https://news.example.org/same")
    ArticleFactory(url=None)
    ArticleFactory(url=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(url="https://news.example.org/same")
    assert Article.objects.filter(url__isnull=True).count() == 2


@pytest.mark.django_db
def test_article_empty_title_refused_by_database():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(title="")


@pytest.mark.django_db
def test_quote_start_not_before_end_refused_by_database(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert_quote(article, 10, 10, "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert_quote(article, 10, 5, "x")


@pytest.mark.django_db
def test_quote_negative_offset_refused_by_database(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert_quote(article, -1, 5, "x")


@pytest.mark.django_db
def test_quote_end_beyond_body_refused_by_database(article):
    length = len(article.body)
    with pytest.raises(IntegrityError, match="beyond the article body"), transaction.atomic():
        _raw_insert_quote(article, length - 2, length + 5, "xx")
        _immediate()


@pytest.mark.django_db
def test_quote_text_must_match_body_slice(article):
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        _raw_insert_quote(article, 0, 3, "xyz")
        _immediate()


@pytest.mark.django_db
def test_quote_orphaned_may_point_outside_body(article):
    length = len(article.body)
    _raw_insert_quote(article, length + 1, length + 4, "old", anchor="orphaned")
    _immediate()
    assert Quote.objects.get(article=article).anchor == Quote.Anchor.ORPHANED


@pytest.mark.django_db
def test_quote_offsets_count_code_points_like_python():
    body = "Emoji 😀 first. “Ünïcödé quote” said Zoë."
    article = ArticleFactory(body=body)
    quote = QuoteFactory(article=article)
    _immediate()
    assert quote.text == "Ünïcödé quote"
    assert body[quote.start : quote.end] == quote.text


@pytest.mark.django_db
def test_quote_duplicate_span_refused_by_database(quote):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteFactory(article=quote.article, start=quote.start, end=quote.end)


@pytest.mark.django_db
def test_quote_confidence_out_of_range_refused_by_database(quote):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(confidence=1.5)


@pytest.mark.django_db
def test_quote_unknown_status_refused_by_database(quote):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(status="approved")


@pytest.mark.django_db
def test_article_body_edit_that_breaks_a_quote_is_refused(quote):
    _immediate()  # settle the quote's own insert check first
    with pytest.raises(IntegrityError, match="wrong text"), transaction.atomic():
        Article.objects.filter(pk=quote.article_id).update(body="Completely different text.")
        _immediate()


@pytest.mark.django_db
def test_review_history_refuses_update_in_database():
    review = ReviewFactory()
    # The app's role has no UPDATE on the history; the 0002 trigger refuses it for the owner
    # too (tests/annotations/test_database_roles.py).
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(note="rewritten")
    review.refresh_from_db()
    assert review.note == ""


@pytest.mark.django_db
def test_review_history_refuses_delete_in_database():
    review = ReviewFactory()
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Review.objects.filter(pk=review.pk).delete()
    assert Review.objects.filter(pk=review.pk).exists()


@pytest.mark.django_db
def test_review_quote_version_unique():
    review = ReviewFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(quote=review.quote, quote_version=review.quote_version)


@pytest.mark.django_db
def test_quote_with_history_cannot_be_deleted():
    review = ReviewFactory()
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        review.quote.delete()
    assert Quote.objects.filter(pk=review.quote_id).exists()


@pytest.mark.django_db
def test_speaker_alias_normalized_and_unique_per_speaker():
    speaker = SpeakerFactory(name="Jane O’Neill")
    alias = SpeakerAlias.objects.create(speaker=speaker, alias="  Jane   O’NEILL ")
    assert alias.normalized == "jane o'neill"
    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerAlias.objects.create(speaker=speaker, alias="jane o'neill")


def test_normalize_alias_folds_case_space_and_apostrophes():
    assert normalize_alias("NATO  Chief") == normalize_alias("nato chief")
    assert normalize_alias("O’Brien") == "o'brien"


@pytest.mark.django_db
def test_speaker_alias_lookup_uses_an_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'annotations_speakeralias'"
        )
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "(normalized" in definitions
