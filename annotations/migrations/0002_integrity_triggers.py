"""Database-level guarantees that no application bug can bypass.

- A quote that is anchored in its article must point inside the body and its text must be
  exactly the slice it points at (0 <= start < end <= len(body)). The checks are deferred
  constraint triggers so that a body edit and the re-anchoring of its quotes can happen in one
  transaction; they run at COMMIT (or at once after SET CONSTRAINTS ALL IMMEDIATE) and judge
  the quotes as they are then.
- The review history is append-only: UPDATE and DELETE on it are refused.

How the quote-side check stays cheap for bulk writers (the pipeline COPYs hundreds of quotes
per transaction): a deferred constraint trigger can only be per row, and a per-quote check
re-read the quote and de-TOASTed the article body once per quote. Instead, statement-level
triggers with transition tables note, in one INSERT per statement, each (transaction, article)
whose anchored quotes were inserted or had their article/span/text/anchor changed, in
annotations_quote_anchor_pending. The deferred constraint trigger sits on that table, so it
fires once per article per transaction: it reads the body once and checks every anchored quote
of that article in one query, then removes the note. An UPDATE that leaves those columns alone
(a review, a search-vector refresh) queues nothing: it cannot break the anchor, and a body
edit is checked by the article-side trigger. The pending table is empty outside open
transactions.
"""

from django.db import migrations

FORWARD = r"""
-- One row per (writing transaction, article) whose quotes await the deferred anchor check.
CREATE TABLE annotations_quote_anchor_pending (
    xid bigint NOT NULL,
    article_id bigint NOT NULL,
    PRIMARY KEY (xid, article_id)
);

CREATE FUNCTION annotations_quote_queue_anchor_check() RETURNS trigger AS $$
BEGIN
    -- ON CONFLICT: the article's check is already queued in this transaction, and it judges
    -- the quotes as they are at COMMIT.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO annotations_quote_anchor_pending (xid, article_id)
        SELECT DISTINCT pg_current_xact_id()::text::bigint, n.article_id
          FROM new_rows n
         WHERE n.anchor <> 'orphaned'
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO annotations_quote_anchor_pending (xid, article_id)
        SELECT DISTINCT pg_current_xact_id()::text::bigint, n.article_id
          FROM new_rows n
         WHERE n.anchor <> 'orphaned'
           AND NOT EXISTS (
                SELECT 1 FROM old_rows o
                 WHERE o.id = n.id AND o.article_id = n.article_id AND o.start = n.start
                   AND o."end" = n."end" AND o.text = n.text AND o.anchor = n.anchor)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION annotations_quote_check_anchor() RETURNS trigger AS $$
DECLARE
    body text;
    body_len integer;
    q record;
BEGIN
    DELETE FROM annotations_quote_anchor_pending
     WHERE xid = NEW.xid AND article_id = NEW.article_id;
    -- `|| ''` de-TOASTs the body once here instead of once per quote in the query below.
    SELECT a.body || '' INTO body FROM annotations_article a WHERE a.id = NEW.article_id;
    IF NOT FOUND THEN
        RETURN NULL;  -- the article is gone, and its quotes with it (foreign key)
    END IF;
    body_len := char_length(body);
    -- No ORDER BY/LIMIT: they tempt the planner into walking the primary key of the whole
    -- table; SELECT INTO stops at the first offending row anyway.
    SELECT qq.id, qq.start, qq."end" INTO q
      FROM annotations_quote qq
     WHERE qq.article_id = NEW.article_id AND qq.anchor <> 'orphaned'
       AND (qq."end" > body_len
            OR substr(body, qq.start + 1, qq."end" - qq.start) IS DISTINCT FROM qq.text);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF q."end" > body_len THEN
        RAISE EXCEPTION 'quote % ends at % beyond the article body (% characters)',
            q.id, q."end", body_len USING ERRCODE = 'check_violation';
    END IF;
    RAISE EXCEPTION 'quote % text does not match the article body at [%, %)',
        q.id, q.start, q."end" USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER annotations_quote_anchor_check
    AFTER INSERT ON annotations_quote_anchor_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION annotations_quote_check_anchor();

-- Transition tables allow one event per trigger, hence two.
CREATE TRIGGER annotations_quote_anchor_queue_insert
    AFTER INSERT ON annotations_quote
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_quote_queue_anchor_check();
CREATE TRIGGER annotations_quote_anchor_queue_update
    AFTER UPDATE ON annotations_quote
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_quote_queue_anchor_check();

CREATE FUNCTION annotations_article_check_quotes() RETURNS trigger AS $$
DECLARE
    body text;
    body_len integer;
    bad_id bigint;
BEGIN
    -- The body as it is now (a deferred trigger's NEW is the row when the event was queued),
    -- de-TOASTed once rather than once per quote.
    SELECT a.body || '' INTO body FROM annotations_article a WHERE a.id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    body_len := char_length(body);
    SELECT q.id INTO bad_id
      FROM annotations_quote q
     WHERE q.article_id = NEW.id AND q.anchor <> 'orphaned'
       AND (q."end" > body_len
            OR substr(body, q.start + 1, q."end" - q.start) IS DISTINCT FROM q.text);
    IF bad_id IS NOT NULL THEN
        RAISE EXCEPTION 'article % body edit leaves quote % pointing at the wrong text',
            NEW.id, bad_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- WHEN: a save that rewrites the same body (a full save()) cannot move any quote.
CREATE CONSTRAINT TRIGGER annotations_article_quotes_check
    AFTER UPDATE OF body ON annotations_article
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (OLD.body IS DISTINCT FROM NEW.body)
    EXECUTE FUNCTION annotations_article_check_quotes();

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
DROP TRIGGER IF EXISTS annotations_quote_anchor_queue_update ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_quote_anchor_queue_insert ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_quote_anchor_check ON annotations_quote_anchor_pending;
DROP FUNCTION IF EXISTS annotations_quote_queue_anchor_check();
DROP FUNCTION IF EXISTS annotations_quote_check_anchor();
DROP TABLE IF EXISTS annotations_quote_anchor_pending;
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
