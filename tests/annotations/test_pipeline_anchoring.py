"""Re-anchoring quotes when an article body is edited (article_update → article_reanchor_quotes).

Each test ends with SET CONSTRAINTS ALL IMMEDIATE so the deferred database triggers check that
every anchored quote's text is exactly body[start:end]."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.models import Article, Quote, Review
from annotations.services.anchoring import body_diff, locate_fuzzy
from annotations.services.articles import article_create, article_update
from annotations.services.reviews import quote_review_submit
from tests.annotations.pipeline_support import prehighlight_one

BODY = (
    "The council met on Tuesday.\n\n"
    "“We will build the new bridge before the winter,” Ana Reyes said on Monday.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer.\n\n"
    "The vote is next week."
)
BRIDGE = "We will build the new bridge before the winter,"
BUDGET = "The budget is balanced and the books are open,"


def immediate_constraints():
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def article(db):
    article = article_create(title="Council", body=BODY)
    prehighlight_one(article_id=article.pk, revision=1)
    return Article.objects.get(pk=article.pk)


def quote_with(article, text):
    return Quote.objects.get(article=article, text=text)


def verify(quote, user):
    quote_review_submit(quote=quote, user=user, to_status="verified", expected_version=1)
    quote.refresh_from_db()
    return quote


def edit(article, body):
    return article_update(article=article, data={"body": body})


def assert_anchored_exactly(quote, body):
    assert quote.anchor == "anchored"
    assert body[quote.start : quote.end] == quote.text
    assert quote.prefix == body[max(0, quote.start - 32) : quote.start]
    assert quote.suffix == body[quote.end : quote.end + 32]


def test_reanchor_insertion_before_quote_shifts_it(article, editor):
    bridge = verify(quote_with(article, BRIDGE), editor)
    inserted = "Breaking: the mayor spoke first.\n\n"

    edit(article, inserted + BODY)

    immediate_constraints()
    moved = Quote.objects.get(pk=bridge.pk)
    assert (moved.start, moved.end) == (bridge.start + len(inserted), bridge.end + len(inserted))
    assert_anchored_exactly(moved, inserted + BODY)
    assert (moved.status, moved.version, moved.article_revision) == ("verified", 2, 2)
    assert moved.speaker_mention_start == bridge.speaker_mention_start + len(inserted)


def test_reanchor_deletion_before_quote_shifts_it(article, editor):
    budget = verify(quote_with(article, BUDGET), editor)
    new_body = BODY.replace("The council met on Tuesday.\n\n", "")

    edit(article, new_body)

    immediate_constraints()
    moved = Quote.objects.get(pk=budget.pk)
    assert_anchored_exactly(moved, new_body)
    assert moved.start == budget.start - len("The council met on Tuesday.\n\n")
    assert moved.status == "verified"


def test_reanchor_edit_inside_verified_quote_flags_changed_and_reopens_review(article, editor):
    bridge = verify(quote_with(article, BRIDGE), editor)
    new_body = BODY.replace("before the winter", "before the spring")

    edit(article, new_body)

    immediate_constraints()
    changed = Quote.objects.get(pk=bridge.pk)
    assert changed.text == "We will build the new bridge before the spring,"
    assert new_body[changed.start : changed.end] == changed.text
    assert (changed.anchor, changed.status, changed.version) == ("changed", "candidate", 3)
    assert "before the winter" in changed.anchor_note
    assert "before the spring" in changed.anchor_note
    assert "revision 2" in changed.anchor_note
    review = Review.objects.filter(quote=changed).order_by("-quote_version").first()
    assert (review.reviewer, review.from_status, review.to_status, review.quote_version) == (
        None,
        "verified",
        "candidate",
        3,
    )
    assert review.note == changed.anchor_note


def test_reanchor_changed_quote_can_be_decided_again(article, editor):
    bridge = verify(quote_with(article, BRIDGE), editor)
    edit(article, BODY.replace("before the winter", "before the spring"))
    changed = Quote.objects.get(pk=bridge.pk)

    quote_review_submit(quote=changed, user=editor, to_status="verified", expected_version=3)

    changed.refresh_from_db()
    assert (changed.anchor, changed.status, changed.version) == ("anchored", "verified", 4)
    immediate_constraints()


def test_reanchor_quote_deleted_from_body_is_orphaned_not_dropped(article, editor):
    budget = verify(quote_with(article, BUDGET), editor)
    paragraph = (
        "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer.\n\n"
    )
    new_body = BODY.replace(paragraph, "")

    edit(article, new_body)

    immediate_constraints()
    orphan = Quote.objects.get(pk=budget.pk)
    assert (orphan.anchor, orphan.status, orphan.text) == ("orphaned", "verified", BUDGET)
    assert "could not be found in revision 2" in orphan.anchor_note
    assert Review.objects.filter(quote=orphan).count() == 1


def test_reanchor_orphan_is_found_again_when_text_returns(article, editor):
    budget = verify(quote_with(article, BUDGET), editor)
    paragraph = (
        "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer.\n\n"
    )
    edit(article, BODY.replace(paragraph, ""))

    edit(Article.objects.get(pk=article.pk), BODY)

    immediate_constraints()
    back = Quote.objects.get(pk=budget.pk)
    assert_anchored_exactly(back, BODY)
    assert (back.start, back.anchor_note) == (budget.start, "")


def test_reanchor_untouched_candidate_in_edited_words_is_deleted(article):
    bridge = quote_with(article, BRIDGE)

    edit(article, BODY.replace("before the winter", "before the spring"))

    immediate_constraints()
    assert not Quote.objects.filter(pk=bridge.pk).exists()
    assert Quote.objects.filter(article=article, text=BUDGET).exists()


def test_reanchor_untouched_candidate_moves_when_words_are_unchanged(article):
    budget = quote_with(article, BUDGET)
    new_body = BODY.replace("before the winter", "before the cold winter")

    edit(article, new_body)

    immediate_constraints()
    moved = Quote.objects.get(pk=budget.pk)
    assert_anchored_exactly(moved, new_body)
    assert moved.start == budget.start + len("cold ")


def test_reanchor_duplicate_text_uses_context_to_pick_occurrence(db, editor):
    body = "Ana said “yes, we will” at noon.\n\nTom said “yes, we will” at night."
    article = article_create(title="Twice", body=body)
    start = body.rindex("yes, we will")
    tom = Quote.objects.create(
        article=article,
        start=start,
        end=start + 12,
        text="yes, we will",
        origin="editor",
        prefix=body[start - 32 : start],
        suffix=body[start + 12 : start + 44],
    )
    # The first sentence is rewritten so the position mapping cannot be used for Tom's quote.
    new_body = "Tom said “yes, we will” at night. Ana said “yes, we will” at noon."
    edit(article, new_body)

    immediate_constraints()
    tom.refresh_from_db()
    assert tom.start == new_body.index("yes, we will")
    assert new_body[tom.start - 10 : tom.start] == "Tom said “"


def test_reanchor_quotes_trading_places_do_not_collide(db, editor):
    body = "He said “aaaa” and then “bbbb” twice."
    article = article_create(title="Swap", body=body)
    first = Quote.objects.create(article=article, start=9, end=13, text="aaaa", origin="editor")
    second = Quote.objects.create(article=article, start=25, end=29, text="bbbb", origin="editor")
    # After the edit "aaaa" sits exactly where "bbbb" was: the unique span index must not trip.
    new_body = "He said “bbbb” and then “aaaa” twice."
    assert new_body.index("aaaa") == 25

    edit(article, new_body)

    immediate_constraints()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.start, first.end, second.start, second.end) == (25, 29, 9, 13)
    assert first.anchor == second.anchor == "anchored"


def test_reanchor_keeps_quote_rows_and_decisions_for_many_edits(article, editor):
    bridge = verify(quote_with(article, BRIDGE), editor)
    body = BODY
    for n in range(5):
        body = f"Update {n}.\n\n" + body + f"\n\nAddendum {n}."
        edit(Article.objects.get(pk=article.pk), body)

    immediate_constraints()
    bridge = Quote.objects.get(pk=bridge.pk)
    assert_anchored_exactly(bridge, body)
    assert (bridge.status, bridge.article_revision) == ("verified", 6)


def test_locate_fuzzy_finds_reworded_quote_in_window():
    old = "Intro text here. “We will never give up the fight,” she said. Outro."
    new = "Intro text here. “We shall never give up this fight,” she said. Outro."
    start = old.index("We will")
    text = "We will never give up the fight,"

    span = locate_fuzzy(
        body=new,
        text=text,
        prefix=old[start - 32 : start] if start >= 32 else old[:start],
        suffix=old[start + len(text) : start + len(text) + 32],
        start=start,
        diff=body_diff(old, new),
    )

    assert new[span[0] : span[1]] == "We shall never give up this fight,"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.text(alphabet="abc .\n", max_size=40),
    after=st.text(alphabet="abc .\n", max_size=40),
    cut=st.integers(min_value=0, max_value=60),
)
@pytest.mark.django_db
def test_reanchor_edits_outside_the_quote_always_keep_it_exact(before, after, cut, editor):
    body = BODY
    article = article_create(title="Prop", body=body)
    start = body.index(BUDGET)
    quote = Quote.objects.create(
        article=article,
        start=start,
        end=start + len(BUDGET),
        text=BUDGET,
        origin="editor",
        prefix=body[start - 32 : start],
        suffix=body[start + len(BUDGET) :][:32],
    )
    head = body[: start - 1]
    new_body = head[: len(head) - min(cut, len(head))] + before + body[start - 1 :] + after

    edit(article, new_body)

    immediate_constraints()
    # Hypothesis runs every example in the same test transaction: defer again for the next one.
    connection.cursor().execute("SET CONSTRAINTS ALL DEFERRED")
    quote.refresh_from_db()
    assert_anchored_exactly(quote, new_body)
