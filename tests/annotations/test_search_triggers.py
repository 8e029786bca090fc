"""The search document is kept current by database triggers (migration 0004_search)."""

import importlib
import re

from django.db import connection

from annotations.models import Article, Quote, Speaker, SpeakerAlias
from annotations.selectors.search import QuoteSearchParams, quote_search
from tests.annotations.test_search_support import make_quote, make_speaker
from tests.factories import SpeakerAliasFactory


def found(user, q):
    return [quote.pk for quote in quote_search(user=user, params=QuoteSearchParams(q=q))]


def positions(quote):
    """{lexeme: "1A,4A"}: positions with their weight letter (A text, B speaker, C article)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM annotations_quote WHERE id = %s", [quote.pk]
        )
        return dict(re.findall(r"'([^']+)':(\S+)", cursor.fetchone()[0]))


def test_quote_insert_builds_a_weighted_document(db):
    speaker = make_speaker("Jens Stoltenberg", "NATO chief")

    quote = make_quote("Troops deploy.", speaker=speaker, title="Madrid summit", outlet="Reuters")

    lexemes = positions(quote)
    assert lexemes["troop"] == "1A"
    assert lexemes["deploy"] == "2A"
    assert lexemes["stoltenberg"].endswith("B")
    assert lexemes["chief"].endswith("B")
    assert lexemes["madrid"].endswith("C")
    assert lexemes["reuter"].endswith("C")


def test_alias_insert_update_and_delete_refresh_the_speakers_quotes(reporter):
    speaker = make_speaker("Jens Stoltenberg")
    quote = make_quote("We are ready.", speaker=speaker)
    assert found(reporter, "secretary") == []

    alias = SpeakerAliasFactory(speaker=speaker, alias="Secretary General")
    assert found(reporter, "secretary") == [quote.pk]

    SpeakerAlias.objects.filter(pk=alias.pk).update(alias="Alliance chief")
    assert found(reporter, "secretary") == []
    assert found(reporter, "alliance chief") == [quote.pk]

    alias.delete()
    assert found(reporter, "alliance chief") == []


def test_alias_bulk_insert_refreshes_in_one_statement(reporter):
    first, second = make_speaker("John Kirby"), make_speaker("Jen Psaki")
    quotes = [make_quote("One.", speaker=first), make_quote("Two.", speaker=second)]

    SpeakerAlias.objects.bulk_create(
        [
            SpeakerAlias(speaker=first, alias="Spokes", normalized="spokes"),
            SpeakerAlias(speaker=second, alias="Spokes", normalized="spokes"),
        ]
    )

    assert sorted(found(reporter, "spokes")) == sorted(q.pk for q in quotes)


def test_speaker_rename_refreshes_quotes(reporter):
    speaker = make_speaker("Jen Psaki")
    quote = make_quote("No comment.", speaker=speaker)

    Speaker.objects.filter(pk=speaker.pk).update(name="Jennifer Rene Psaki")

    assert found(reporter, "jennifer") == [quote.pk]


def test_article_title_and_outlet_changes_refresh_quotes(reporter):
    quote = make_quote("No comment.", title="Budget day", outlet="Example Times")

    article = Article.objects.get(pk=quote.article_id)
    article.title = "Pipeline day"
    article.outlet = "Daily Planet"
    article.save(update_fields=["title", "outlet"])

    assert found(reporter, "budget") == []
    assert found(reporter, "pipeline") == [quote.pk]
    assert found(reporter, "planet") == [quote.pk]


def test_quote_speaker_and_text_changes_refresh_the_document(reporter):
    quote = make_quote("No comment.", speaker=make_speaker("Jen Psaki"))

    Quote.objects.filter(pk=quote.pk).update(
        speaker=make_speaker("John Kirby"), text="Fresh words.", anchor=Quote.Anchor.ORPHANED
    )

    assert found(reporter, "psaki") == []
    assert found(reporter, "kirby fresh") == [quote.pk]


def test_a_stale_vector_written_by_a_full_save_is_recomputed(reporter):
    quote = make_quote("We stand ready.")
    # The in-memory instance never saw the trigger's vector: a full save writes NULL for it.
    assert quote.search_vector is None

    quote.confidence = 0.5
    quote.save()

    assert found(reporter, "ready") == [quote.pk]


def test_migration_backfill_builds_the_same_document_as_the_trigger(db):
    migration = importlib.import_module("annotations.migrations.0004_search")
    quote = make_quote("Troops deploy.", speaker=make_speaker("Jens Stoltenberg", "NATO chief"))
    from_trigger = positions(quote)

    with connection.cursor() as cursor:
        # The backfill runs before the triggers exist, so only it may write the vector here.
        # Switching triggers off takes the owner or a superuser, and the tests connect as the
        # app's role: it runs on a temporary copy of the quotes instead, without triggers,
        # which its unqualified table names (and positions()) find first.
        cursor.execute(
            "CREATE TEMP TABLE annotations_quote AS SELECT * FROM public.annotations_quote"
        )
        cursor.execute("UPDATE annotations_quote SET search_vector = NULL")
        cursor.execute(migration.BACKFILL)
    from_backfill = positions(quote)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE pg_temp.annotations_quote")

    assert from_backfill == from_trigger
    assert "stoltenberg" in from_trigger
