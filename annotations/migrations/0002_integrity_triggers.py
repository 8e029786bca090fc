"""Database-level guarantees that no application bug can bypass.

- A quote that is anchored in its article must point inside the body and its text must be
  exactly the slice it points at (0 <= start < end <= len(body)). The checks are deferred
  constraint triggers so that a body edit and the re-anchoring of its quotes can happen in one
  transaction; they run at COMMIT (or at once after SET CONSTRAINTS ALL IMMEDIATE).
- The review history is append-only: UPDATE and DELETE on it are refused.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION annotations_quote_check_anchor() RETURNS trigger AS $$
DECLARE
    q record;
    body_len integer;
    slice text;
BEGIN
    -- A deferred trigger sees the row as it was when the event was queued; check the row as it
    -- is now, so that a quote inserted and then re-anchored in one transaction is judged by
    -- its final offsets.
    SELECT id, article_id, start, "end", text, anchor INTO q
      FROM annotations_quote WHERE id = NEW.id;
    IF NOT FOUND OR q.anchor = 'orphaned' THEN
        RETURN NULL;
    END IF;
    SELECT char_length(a.body), substr(a.body, q.start + 1, q."end" - q.start)
      INTO body_len, slice
      FROM annotations_article a WHERE a.id = q.article_id;
    IF q."end" > body_len THEN
        RAISE EXCEPTION 'quote % ends at % beyond the article body (% characters)',
            q.id, q."end", body_len USING ERRCODE = 'check_violation';
    END IF;
    IF slice IS DISTINCT FROM q.text THEN
        RAISE EXCEPTION 'quote % text does not match the article body at [%, %)',
            q.id, q.start, q."end" USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER annotations_quote_anchor_check
    AFTER INSERT OR UPDATE ON annotations_quote
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION annotations_quote_check_anchor();

CREATE FUNCTION annotations_article_check_quotes() RETURNS trigger AS $$
DECLARE
    bad_id bigint;
BEGIN
    SELECT q.id INTO bad_id
      FROM annotations_quote q JOIN annotations_article a ON a.id = q.article_id
     WHERE a.id = NEW.id AND q.anchor <> 'orphaned'
       AND (q."end" > char_length(a.body)
            OR substr(a.body, q.start + 1, q."end" - q.start) IS DISTINCT FROM q.text)
     LIMIT 1;
    IF bad_id IS NOT NULL THEN
        RAISE EXCEPTION 'article % body edit leaves quote % pointing at the wrong text',
            NEW.id, bad_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER annotations_article_quotes_check
    AFTER UPDATE OF body ON annotations_article
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION annotations_article_check_quotes();

CREATE FUNCTION annotations_review_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the review history is append-only: % on annotations_review is refused',
        TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER annotations_review_append_only
    BEFORE UPDATE OR DELETE ON annotations_review
    FOR EACH ROW EXECUTE FUNCTION annotations_review_append_only();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS annotations_review_append_only ON annotations_review;
DROP FUNCTION IF EXISTS annotations_review_append_only();
DROP TRIGGER IF EXISTS annotations_article_quotes_check ON annotations_article;
DROP FUNCTION IF EXISTS annotations_article_check_quotes();
DROP TRIGGER IF EXISTS annotations_quote_anchor_check ON annotations_quote;
DROP FUNCTION IF EXISTS annotations_quote_check_anchor();
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
