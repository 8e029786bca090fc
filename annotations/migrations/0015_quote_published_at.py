"""The article's publication time on each quote, kept by the database, for search by office.

Search by office (issue 16) finds the quotes a speaker gave while holding a role: a speaker and
a range of publication times. With the time only on the article, no index covers both, and at
1M quotes PostgreSQL read every quote of a broad role's holders, or hashed every article, to
find a page (bench/search.py: the role queries' p95 grew 3.5x from 100k to 1M quotes). A copy
on the quote lets one index, (speaker, published_at, id), answer each role as a range, and
another, (published_at, id), give search its date order without joining the article first.

The copy is the database's to keep, never the application's:
- a BEFORE trigger on the quote sets it from the article on INSERT (COPY included), and again
  whenever an UPDATE moves the quote to another article or writes the column itself, so a stale
  value from a model instance can never be stored;
- an AFTER trigger on the article passes a changed publication time on to its quotes.
The change feed (0005, 0010) treats the copy like the search document: a quote update that only
refreshes it is no news (the article's own event says its date changed).
"""

import importlib

from django.db import migrations, models

_heartbeat = importlib.import_module("annotations.migrations.0010_app_role_and_claim_heartbeat")
_QUOTE_BRANCH = "ELSIF entity = 'quote' THEN"
_REVIEW_BRANCH = "ELSIF entity = 'review' THEN"
_IGNORED = "- 'prehighlight_heartbeat_at')"


def _capture_ignoring_quote_published_at() -> str:
    before, rest = _heartbeat.CAPTURE.split(_QUOTE_BRANCH)
    quote, after = rest.split(_REVIEW_BRANCH)
    assert quote.count(_IGNORED) == 2  # the old and the new row of the quote's UPDATE branch
    quote = quote.replace(_IGNORED, "- 'prehighlight_heartbeat_at' - 'published_at')")
    return before + _QUOTE_BRANCH + quote + _REVIEW_BRANCH + after


CAPTURE = _capture_ignoring_quote_published_at()
CAPTURE_0010 = _heartbeat.CAPTURE

# Set-based, before the triggers exist; the capture above already ignores it.
BACKFILL = r"""
UPDATE annotations_quote q
   SET published_at = a.published_at
  FROM annotations_article a
 WHERE a.id = q.article_id AND a.published_at IS NOT NULL;
"""

TRIGGERS = r"""
CREATE FUNCTION annotations_quote_published_at() RETURNS trigger AS $$
BEGIN
    SELECT a.published_at INTO NEW.published_at
      FROM annotations_article a WHERE a.id = NEW.article_id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER annotations_quote_published_at_insert
    BEFORE INSERT ON annotations_quote
    FOR EACH ROW EXECUTE FUNCTION annotations_quote_published_at();

CREATE TRIGGER annotations_quote_published_at_update
    BEFORE UPDATE OF article_id, published_at ON annotations_quote
    FOR EACH ROW EXECUTE FUNCTION annotations_quote_published_at();

-- Row level, only for the articles whose time changed: one indexed UPDATE of their quotes.
CREATE FUNCTION annotations_article_published_at_refresh() RETURNS trigger AS $$
BEGIN
    UPDATE annotations_quote q SET published_at = NEW.published_at
     WHERE q.article_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER annotations_article_published_at_refresh
    AFTER UPDATE OF published_at ON annotations_article
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION annotations_article_published_at_refresh();
"""

DROP_TRIGGERS = r"""
DROP TRIGGER IF EXISTS annotations_article_published_at_refresh ON annotations_article;
DROP FUNCTION IF EXISTS annotations_article_published_at_refresh();
DROP TRIGGER IF EXISTS annotations_quote_published_at_update ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_quote_published_at_insert ON annotations_quote;
DROP FUNCTION IF EXISTS annotations_quote_published_at();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0014_quote_families"),
    ]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="The article's publication time, kept by database triggers.",
                null=True,
            ),
        ),
        migrations.RunSQL(CAPTURE, CAPTURE_0010),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                models.F("published_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="quote_published_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                models.F("speaker"),
                models.F("published_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="quote_speaker_published_idx",
            ),
        ),
    ]
