"""Full-text and fuzzy-name search over quotes (see docs/search.md).

- Quote.search_vector is a weighted English document: quote text 'A', the speaker's name and
  all aliases 'B', the article title and outlet 'C'. It is a pure function of database state,
  so triggers own it: a BEFORE trigger on the quote computes it, and statement-level AFTER
  triggers on speaker / speaker alias / article refresh the affected quotes in one UPDATE each.
  Any write of a different vector (e.g. a Django full save() carrying a stale or NULL value)
  is overridden by a recomputation, so the column can never drift.
- Cost, because the pipeline COPYs hundreds of quotes per transaction: the row trigger looks up
  the speaker and article text with inline queries whose plans plpgsql keeps for the session
  (calling the SQL helper per row re-planned it every time, and was slower than the three
  to_tsvector calls); the statement-level refreshes first collect the affected speaker /
  article ids and skip the quote UPDATE when there are none (a status or body update of
  articles used to scan the whole quote table).
- GIN index on the vector; pg_trgm GIN indexes for typo-tolerant speaker lookup; an index on
  article publication order so date-ordered searches walk an index and stop early.
The schema objects are RunSQL only (no model state): models.py already declares the column and
Django never needs to know about these indexes, so makemigrations stays quiet.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FUNCTIONS = r"""
CREATE FUNCTION annotations_speaker_search_text(p_speaker_id bigint) RETURNS text AS $$
    SELECT s.name || ' ' || coalesce(
        (SELECT string_agg(a.alias, ' ' ORDER BY a.id)
           FROM annotations_speakeralias a WHERE a.speaker_id = s.id), '')
      FROM annotations_speaker s WHERE s.id = p_speaker_id
$$ LANGUAGE sql STABLE;

CREATE FUNCTION annotations_quote_search_document(
    p_text text, p_speaker_text text, p_article_text text
) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(p_text, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(p_speaker_text, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(p_article_text, '')), 'C')
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION annotations_quote_search_vector() RETURNS trigger AS $$
DECLARE
    speaker_text text;
    article_text text;
BEGIN
    -- The same document as annotations_quote_search_document(text,
    -- annotations_speaker_search_text(speaker_id), title || ' ' || outlet), with the lookups
    -- written inline: plpgsql keeps their plans for the session, whereas a call of the SQL
    -- function annotations_speaker_search_text is parsed and planned anew on every row, which
    -- cost more than the three to_tsvector calls (bench/pipeline.py --profile).
    IF NEW.speaker_id IS NOT NULL THEN
        SELECT s.name || ' ' || coalesce(
                 (SELECT string_agg(a.alias, ' ' ORDER BY a.id)
                    FROM annotations_speakeralias a WHERE a.speaker_id = s.id), '')
          INTO speaker_text
          FROM annotations_speaker s WHERE s.id = NEW.speaker_id;
    END IF;
    SELECT ar.title || ' ' || ar.outlet INTO article_text
      FROM annotations_article ar WHERE ar.id = NEW.article_id;
    NEW.search_vector := annotations_quote_search_document(NEW.text, speaker_text, article_text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Statement-level refreshes: one set-based UPDATE per statement, however many rows changed.
-- Setting the vector to NULL makes the quote's BEFORE UPDATE trigger recompute it, so the
-- document is built in exactly one place. The affected ids are collected first: most article
-- updates (status, body) and many alias writes change no quote's document, and an UPDATE
-- ... WHERE id IN (SELECT ... FROM <transition table>) is planned without knowing the list is
-- empty, so it scanned the whole quote table on every such statement; `= ANY (array)` uses the
-- article / speaker index, and an empty list costs nothing.
CREATE FUNCTION annotations_speaker_refresh_search() RETURNS trigger AS $$
DECLARE
    changed bigint[];
BEGIN
    SELECT array_agg(n.id) INTO changed
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE o.name IS DISTINCT FROM n.name;
    IF changed IS NOT NULL THEN
        UPDATE annotations_quote q SET search_vector = NULL WHERE q.speaker_id = ANY (changed);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION annotations_speakeralias_refresh_search() RETURNS trigger AS $$
DECLARE
    changed bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.speaker_id) INTO changed FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.speaker_id) INTO changed FROM old_rows o;
    ELSE
        SELECT array_agg(DISTINCT s.speaker_id) INTO changed
          FROM (SELECT n.speaker_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                 WHERE o.alias IS DISTINCT FROM n.alias
                    OR o.speaker_id IS DISTINCT FROM n.speaker_id
                UNION
                SELECT o.speaker_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                 WHERE o.alias IS DISTINCT FROM n.alias
                    OR o.speaker_id IS DISTINCT FROM n.speaker_id) s;
    END IF;
    IF changed IS NOT NULL THEN
        UPDATE annotations_quote q SET search_vector = NULL WHERE q.speaker_id = ANY (changed);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION annotations_article_refresh_search() RETURNS trigger AS $$
DECLARE
    changed bigint[];
BEGIN
    SELECT array_agg(n.id) INTO changed
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE o.title IS DISTINCT FROM n.title OR o.outlet IS DISTINCT FROM n.outlet;
    IF changed IS NOT NULL THEN
        UPDATE annotations_quote q SET search_vector = NULL WHERE q.article_id = ANY (changed);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# Set-based backfill of existing rows, before the triggers exist (so it runs once per row).
BACKFILL = r"""
UPDATE annotations_quote q
   SET search_vector = annotations_quote_search_document(q.text, sp.doc, ar.title || ' ' || ar.outlet)
  FROM annotations_article ar, annotations_quote q2
  LEFT JOIN (
        SELECT s.id, s.name || ' ' || coalesce(string_agg(a.alias, ' ' ORDER BY a.id), '') AS doc
          FROM annotations_speaker s LEFT JOIN annotations_speakeralias a ON a.speaker_id = s.id
         GROUP BY s.id
  ) sp ON sp.id = q2.speaker_id
 WHERE q2.id = q.id AND ar.id = q.article_id;
"""

TRIGGERS = r"""
CREATE TRIGGER annotations_quote_search_insert
    BEFORE INSERT ON annotations_quote
    FOR EACH ROW EXECUTE FUNCTION annotations_quote_search_vector();

CREATE TRIGGER annotations_quote_search_update
    BEFORE UPDATE ON annotations_quote
    FOR EACH ROW
    WHEN (OLD.text IS DISTINCT FROM NEW.text
          OR OLD.speaker_id IS DISTINCT FROM NEW.speaker_id
          OR OLD.article_id IS DISTINCT FROM NEW.article_id
          OR OLD.search_vector IS DISTINCT FROM NEW.search_vector)
    EXECUTE FUNCTION annotations_quote_search_vector();

CREATE TRIGGER annotations_speaker_search_refresh
    AFTER UPDATE ON annotations_speaker
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_speaker_refresh_search();

-- Transition tables allow one event per trigger, hence three alias triggers.
CREATE TRIGGER annotations_speakeralias_search_insert
    AFTER INSERT ON annotations_speakeralias
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_speakeralias_refresh_search();
CREATE TRIGGER annotations_speakeralias_search_update
    AFTER UPDATE ON annotations_speakeralias
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_speakeralias_refresh_search();
CREATE TRIGGER annotations_speakeralias_search_delete
    AFTER DELETE ON annotations_speakeralias
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_speakeralias_refresh_search();

CREATE TRIGGER annotations_article_search_refresh
    AFTER UPDATE ON annotations_article
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_article_refresh_search();
"""

INDEXES = r"""
CREATE INDEX annotations_quote_search_gin ON annotations_quote USING gin (search_vector);
CREATE INDEX annotations_speaker_name_trgm ON annotations_speaker USING gin (name gin_trgm_ops);
CREATE INDEX annotations_speakeralias_normalized_trgm
    ON annotations_speakeralias USING gin (normalized gin_trgm_ops);
-- Date-ordered searches walk articles newest first and stop after one page.
CREATE INDEX annotations_article_published_idx
    ON annotations_article (published_at DESC NULLS LAST, id DESC);
"""

BACKWARD = r"""
DROP INDEX IF EXISTS annotations_article_published_idx;
DROP INDEX IF EXISTS annotations_speakeralias_normalized_trgm;
DROP INDEX IF EXISTS annotations_speaker_name_trgm;
DROP INDEX IF EXISTS annotations_quote_search_gin;
DROP TRIGGER IF EXISTS annotations_article_search_refresh ON annotations_article;
DROP TRIGGER IF EXISTS annotations_speakeralias_search_delete ON annotations_speakeralias;
DROP TRIGGER IF EXISTS annotations_speakeralias_search_update ON annotations_speakeralias;
DROP TRIGGER IF EXISTS annotations_speakeralias_search_insert ON annotations_speakeralias;
DROP TRIGGER IF EXISTS annotations_speaker_search_refresh ON annotations_speaker;
DROP TRIGGER IF EXISTS annotations_quote_search_update ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_quote_search_insert ON annotations_quote;
DROP FUNCTION IF EXISTS annotations_article_refresh_search();
DROP FUNCTION IF EXISTS annotations_speakeralias_refresh_search();
DROP FUNCTION IF EXISTS annotations_speaker_refresh_search();
DROP FUNCTION IF EXISTS annotations_quote_search_vector();
DROP FUNCTION IF EXISTS annotations_quote_search_document(text, text, text);
DROP FUNCTION IF EXISTS annotations_speaker_search_text(bigint);
UPDATE annotations_quote SET search_vector = NULL;
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0003_roles")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            sql=[FUNCTIONS, BACKFILL, TRIGGERS, INDEXES],
            reverse_sql=BACKWARD,
        ),
    ]
