"""Quote families through the services: linking, alarms, conflicts (issue 17)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from annotations.errors import PermissionDeniedError
from annotations.models import Article, QuoteFamily, QuoteFamilyMember
from annotations.services.families import (
    WORDING_THRESHOLD,
    quote_families_link,
    quote_family_refresh,
    quote_shingles,
    quote_text_normalize,
    quote_words,
)
from annotations.services.quotes import quote_add_by_editor, quote_fix_span
from annotations.services.reviews import quote_review_submit, quote_verdict_carry
from tests.annotations.families_support import create_speech_articles
from tests.annotations.pipeline_support import prehighlight_one
from tests.factories import ArticleFactory, SpeakerFactory


@pytest.fixture
def speech(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return create_speech_articles()


def member(quote):
    return QuoteFamilyMember.objects.get(quote=quote)


def test_quote_text_normalize_folds_case_marks_dashes_and_spacing():
    assert quote_text_normalize("  It’s   “ON” — Now,") == quote_text_normalize('it\'s "on" - now')
    assert quote_text_normalize("It\u2019s\u00a0over.") == "it's over"


def test_quote_shingles_are_word_five_grams_or_one_hash_for_short_quotes():
    words = quote_words(quote_text_normalize("One two three four five six"))

    assert len(quote_shingles(words)) == 2
    assert len(quote_shingles(["short", "one"])) == 1
    assert quote_shingles([]) == []


def test_quote_shingles_leave_out_runs_of_function_words_only():
    words = quote_words("and we will not be here today")

    assert quote_shingles(words) == quote_shingles(["will", "not", "be", "here", "today"])
    assert quote_shingles(["and", "we", "will", "not", "be"]) == quote_shingles(
        ["and we will not be"]
    )


def test_families_link_whole_partial_and_altered_speech(speech):
    whole, part, altered = speech

    family = member(whole).family
    assert [member(q).family_id for q in speech] == [family.pk] * 3
    assert member(whole).kind == QuoteFamilyMember.Kind.FIRST
    assert (member(part).kind, member(part).linked_to_id) == ("part_of", whole.pk)
    assert (member(altered).kind, member(altered).linked_to_id) in {
        ("wording_differs", whole.pk),
        ("wording_differs", part.pk),
    }
    assert member(altered).similarity >= WORDING_THRESHOLD
    family.refresh_from_db()
    assert family.size == 3
    assert family.first_quote_id == whole.pk
    assert family.first_published_at == whole.article.published_at
    assert family.wording_differs is True
    assert family.speakers_differ is True
    assert family.conflict is False
    assert {q.speaker.name for q in speech} == {"Mara Lindqvist", "Tomas Berg"}
    # The members were added one article at a time (updated from the new member alone): a
    # recomputation from all members agrees.
    fields = ("size", "first_quote_id", "first_published_at", "wording_differs", "speakers_differ")
    before = QuoteFamily.objects.filter(pk=family.pk).values(*fields).get()
    quote_family_refresh(family_ids=[family.pk])
    assert QuoteFamily.objects.filter(pk=family.pk).values(*fields).get() == before


def test_families_grow_keeps_the_earliest_publication_first(db, editor):
    later = ArticleFactory(
        body="“Every bridge will be rebuilt before the snow comes back,” she said.",
        published_at=timezone.now(),
    )
    earlier = ArticleFactory(
        body="“Every bridge will be rebuilt before the snow comes back,” she said.",
        published_at=timezone.now() - dt.timedelta(days=3),
    )
    first = quote_add_by_editor(article=later, user=editor, start=1, end=later.body.index("”"))
    second = quote_add_by_editor(article=earlier, user=editor, start=1, end=earlier.body.index("”"))

    family = QuoteFamily.objects.get()
    assert (family.size, family.first_quote_id) == (2, second.pk)
    assert member(first).family_id == member(second).family_id == family.pk


def test_families_grow_notices_a_new_speaker_only_when_it_differs(db, editor):
    body = "“Every bridge will be rebuilt before the snow comes back,” she said."
    mara, tomas = SpeakerFactory(name="Mara Lindqvist"), SpeakerFactory(name="Tomas Berg")

    def add(speaker):
        article = ArticleFactory(body=body)
        end = body.index("”")
        return quote_add_by_editor(article=article, user=editor, start=1, end=end, speaker=speaker)

    for speaker in (mara, None, mara, None):
        add(speaker)
    family = QuoteFamily.objects.get()
    assert (family.size, family.speakers_differ) == (4, False)

    add(tomas)
    family.refresh_from_db()
    assert (family.size, family.speakers_differ) == (5, True)


def test_families_conflicting_verdicts_are_detected(speech, editor):
    whole, _, altered = speech
    quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)
    assert QuoteFamily.objects.get().conflict is False

    quote_review_submit(
        quote=altered,
        user=editor,
        to_status="disputed",
        expected_version=1,
        note="Not said.",
        dispute_reason="never_said",
    )

    assert QuoteFamily.objects.get().conflict is True


def test_families_shared_phrase_is_not_linked(db, editor, django_capture_on_commit_callbacks):
    bodies = [
        "“We will not back down on pensions, and we will strike again next week,” "
        "the union leader Rosa Diaz said.",
        "“We will not back down, the council has ignored residents for far too long,” "
        "said Ivo Marek, a tenant organiser.",
    ]
    with django_capture_on_commit_callbacks(execute=False):
        articles = [ArticleFactory(body=body) for body in bodies]
        quotes = [
            quote_add_by_editor(article=a, user=editor, start=1, end=a.body.index("”"))
            for a in articles
        ]

    assert quotes[0].text.startswith("We will not back down")
    assert member(quotes[0]).family_id != member(quotes[1]).family_id
    assert QuoteFamily.objects.count() == 2
    assert set(QuoteFamily.objects.values_list("size", flat=True)) == {1}


def test_families_link_is_idempotent_and_relinks_changed_words(speech, editor):
    whole, _, altered = speech
    before = list(QuoteFamilyMember.objects.order_by("pk").values_list())

    assert quote_families_link(article_ids=[q.article_id for q in speech]).linked == 0
    assert list(QuoteFamilyMember.objects.order_by("pk").values_list()) == before

    body = altered.article.body
    start = body.index("The cost")
    quote_fix_span(quote=altered, user=editor, start=start, end=len(body) - 1, expected_version=1)

    assert member(altered).family_id != member(whole).family_id
    family = QuoteFamily.objects.get(pk=member(whole).family_id)
    assert (family.size, family.wording_differs, family.speakers_differ) == (2, False, False)


def test_families_editor_added_quote_joins_the_family(speech, editor):
    whole, _, _ = speech
    article = ArticleFactory(body=f"Quoted again: “{whole.text.upper()}” she said.")
    start = article.body.index("“") + 1

    quote = quote_add_by_editor(
        article=article, user=editor, start=start, end=article.body.index("”")
    )

    assert member(quote).kind == "identical"
    assert member(quote).family_id == member(whole).family_id


def test_families_prehighlight_rerun_keeps_families(speech):
    whole, _, _ = speech
    family_id = member(whole).family_id
    article = whole.article
    Article.objects.filter(pk=article.pk).update(prehighlight_status="queued")
    prehighlight_one(article_id=article.pk, revision=article.revision)

    assert member(whole).family_id == family_id
    assert QuoteFamily.objects.get(pk=family_id).size == 3


def test_families_merge_when_a_quote_bridges_two(db, editor):
    long = (
        "Our schools need more teachers and our hospitals need more nurses and we will pay for both"
    )
    first_half = "Our schools need more teachers and our hospitals need more nurses"
    second_half = "our hospitals need more nurses and we will pay for both"
    a1 = ArticleFactory(body=f"“{first_half}” A said.")
    a2 = ArticleFactory(body=f"“{second_half}” B said.")
    a3 = ArticleFactory(body=f"“{long}” C said.")
    q1, q2, q3 = (
        quote_add_by_editor(article=a, user=editor, start=1, end=a.body.index("”"))
        for a in (a1, a2, a3)
    )

    assert member(q1).family_id == member(q2).family_id == member(q3).family_id
    assert QuoteFamily.objects.get().size == 3


def test_families_carry_applies_the_verdict_as_a_new_review(speech, editor, other_editor):
    whole, part, _ = speech
    quote_review_submit(
        quote=whole,
        user=other_editor,
        to_status="verified",
        expected_version=1,
        note="Checked against the town hall recording.",
        evidence=["https://harbour-herald.example/recording"],
    )

    review = quote_verdict_carry(quote=part, source=whole, user=editor, expected_version=1)

    part.refresh_from_db()
    assert (part.status, part.version) == ("verified", 2)
    assert review.reviewer == editor
    assert review.note == (
        f"Carried from quote #{whole.pk}: Checked against the town hall recording."
    )
    assert review.evidence == ["https://harbour-herald.example/recording"]


def test_families_carry_of_a_dispute_keeps_its_reason(speech, editor, other_editor):
    whole, part, _ = speech
    quote_review_submit(
        quote=whole,
        user=other_editor,
        to_status="disputed",
        expected_version=1,
        note="The recording has other words.",
        dispute_reason="wrong_words",
    )

    review = quote_verdict_carry(quote=part, source=whole, user=editor, expected_version=1)

    part.refresh_from_db()
    assert (part.status, part.dispute_reason) == ("disputed", "wrong_words")
    assert review.dispute_reason == "wrong_words"


def test_families_carry_never_replaces_a_decision(speech, editor):
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

    with pytest.raises(ValidationError) as refused:
        quote_verdict_carry(quote=altered, source=whole, user=editor, expected_version=2)

    assert refused.value.code == "already_decided"
    altered.refresh_from_db()
    assert (altered.status, altered.reviews.count()) == ("disputed", 1)


def test_families_carry_needs_a_verdict_in_the_same_family(speech, editor, reporter):
    whole, part, _ = speech
    stranger = ArticleFactory(body="“Nothing to do with bridges at all today,” he said.")
    other = quote_add_by_editor(
        article=stranger, user=editor, start=1, end=stranger.body.index("”")
    )

    with pytest.raises(ValidationError) as no_verdict:
        quote_verdict_carry(quote=part, source=whole, user=editor, expected_version=1)
    quote_review_submit(quote=other, user=editor, to_status="verified", expected_version=1)
    with pytest.raises(ValidationError) as other_family:
        quote_verdict_carry(quote=part, source=other, user=editor, expected_version=1)
    quote_review_submit(quote=whole, user=editor, to_status="verified", expected_version=1)
    with pytest.raises(PermissionDeniedError):
        quote_verdict_carry(quote=part, source=whole, user=reporter, expected_version=1)

    assert no_verdict.value.code == "carry_no_verdict"
    assert other_family.value.code == "carry_other_family"
    assert part.reviews.count() == 0


def test_families_a_batch_repeating_a_sentence_links_every_copy_to_the_first(
    db, django_capture_on_commit_callbacks
):
    # One speech quoted over and over (here 60 times in one article, plus a partial copy): each
    # copy is identical to the first, all in one family, and a partial copy is part of it.
    sentence = "We will rebuild every bridge the floods took from this valley before spring"
    body = "\n\n".join(f"“{sentence},” the minister said in speech {n}." for n in range(60))
    body += "\n\n“rebuild every bridge the floods took from this valley,” the mayor added."
    with django_capture_on_commit_callbacks(execute=False):
        article = ArticleFactory(body=body)
        prehighlight_one(article_id=article.pk, revision=article.revision)

    members = list(
        QuoteFamilyMember.objects.filter(quote__article=article).order_by("quote__start")
    )
    assert len(members) == 61
    assert len({m.family_id for m in members}) == 1
    first = members[0]
    assert first.kind == QuoteFamilyMember.Kind.FIRST
    assert {(m.kind, m.linked_to_id) for m in members[1:60]} == {("identical", first.quote_id)}
    assert members[60].kind == QuoteFamilyMember.Kind.PART_OF
    assert QuoteFamily.objects.get(pk=first.family_id).size == 61


def _decide_in_thread(quote_id, username, to_status, *, hold=None, held=None, errors):
    """Decide in a transaction of this thread; with `hold`, keep it open until `hold` is set."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from annotations.models import Quote

    try:
        with transaction.atomic():
            quote = Quote.objects.get(pk=quote_id)
            quote_review_submit(
                quote=quote,
                user=User.objects.get(username=username),
                to_status=to_status,
                expected_version=quote.version,
                note="Checked against the recording." if to_status == "disputed" else "",
                dispute_reason="wrong_words" if to_status == "disputed" else "",
            )
            if held is not None:
                held.set()
                hold.wait(10)
    except Exception as error:
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_families_concurrent_opposite_verdicts_raise_the_conflict(
    django_capture_on_commit_callbacks,
):
    import threading
    import time

    from tests.factories import UserFactory

    UserFactory(username="ana", role="editor")
    UserFactory(username="ben", role="editor")
    with django_capture_on_commit_callbacks(execute=False):
        whole, part, _ = create_speech_articles()
    errors = []
    held, hold = threading.Event(), threading.Event()
    first = threading.Thread(
        target=_decide_in_thread,
        args=(whole.pk, "ana", "verified"),
        kwargs={"hold": hold, "held": held, "errors": errors},
    )
    second = threading.Thread(
        target=_decide_in_thread, args=(part.pk, "ben", "disputed"), kwargs={"errors": errors}
    )
    first.start()
    assert held.wait(10)
    # Ana's verdict is written, not committed; Ben disputes another copy meanwhile.
    second.start()
    time.sleep(0.5)
    hold.set()
    first.join(10)
    second.join(10)

    assert errors == []
    family = QuoteFamily.objects.get()
    assert member(whole).family_id == member(part).family_id == family.pk
    assert family.conflict is True
