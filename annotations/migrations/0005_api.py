"""Schema for the REST API: machine clients, idempotency records, the change feed, webhooks.

The change feed is filled by triggers on the article, quote and review tables, so every write
path (services, pipeline, admin, raw SQL) is captured. They are statement-level with transition
tables: one INSERT ... SELECT per statement writes one event per changed row (in row id order),
so a COPY of hundreds of quotes costs one statement, not hundreds of plpgsql calls. An UPDATE
that changes nothing a client can see (only updated_at or the search document) writes no event.

Each event gets its feed position (`seq`) only at COMMIT time: the first statement of a
transaction that adds events notes the transaction in annotations_changeevent_unsealed, and a
deferred constraint trigger on that table (so it fires once per transaction, not once per
event) takes a transaction-scoped advisory lock and numbers all of the transaction's events in
id order in one UPDATE. Numbering is therefore serialised with commit, `seq` follows commit
order, and a reader can never see event N+1 while event N is still uncommitted. A poller that
remembers the last `seq` it saw never misses or double-counts an event, even when two edits
commit in the same millisecond. The cost is that committing writers to these three tables queue
on that lock for the (short) time between sealing their events and finishing COMMIT.
"""

import uuid

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import annotations.models.webhooks
import annotations.validators

# Any constant works; it only has to be the same for every writer.
SEAL_LOCK_KEY = 7_433_400_501


# What each event carries (`data`), per entity: table and the columns copied into the snapshot.
SNAPSHOT_COLUMNS = {
    "article": ("annotations_article", ["revision", "url", "title", "prehighlight_status"]),
    "quote": ("annotations_quote", ["article_id", "status", "version", "anchor", "speaker_id"]),
    "review": (
        "annotations_review",
        ["quote_id", "from_status", "to_status", "quote_version", "created_at"],
    ),
}
TIMESTAMP_COLUMN = {"article": "updated_at", "quote": "updated_at", "review": None}


def _data(entity: str, row: str) -> str:
    """The event's `data` built from row alias `row`'s columns (never the whole row: a
    whole-row value of an article would de-TOAST and copy its body)."""
    _table, columns = SNAPSHOT_COLUMNS[entity]
    stamp = TIMESTAMP_COLUMN[entity]
    pairs = ", ".join(f"'{c}', {row}.{c}" for c in columns + ([stamp] if stamp else []))
    return f"jsonb_build_object({pairs})"


def _capture_branch(entity: str) -> str:
    xid = "pg_current_xact_id()::text::bigint"
    status_changed = (
        "o.id IS NOT NULL AND n.status IS DISTINCT FROM o.status" if entity == "quote" else "false"
    )
    return f"""
        IF TG_OP = 'INSERT' THEN
            INSERT INTO annotations_changeevent (xid, entity, object_id, type, data, occurred_at)
            SELECT {xid}, entity, n.id, entity || '.created',
                   {_data(entity, "n")}, clock_timestamp()
              FROM new_rows n ORDER BY n.id;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO annotations_changeevent (xid, entity, object_id, type, data, occurred_at)
            SELECT {xid}, entity, o.id, entity || '.deleted',
                   {_data(entity, "o")}, clock_timestamp()
              FROM old_rows o ORDER BY o.id;
        ELSE
            INSERT INTO annotations_changeevent (xid, entity, object_id, type, data, occurred_at)
            SELECT {xid}, entity, n.id,
                   CASE WHEN {status_changed} THEN 'quote.status_changed'
                        ELSE entity || '.updated' END,
                   CASE WHEN {status_changed}
                        THEN d.cur || jsonb_build_object('previous_status', d.prev->'status')
                        ELSE d.cur END,
                   clock_timestamp()
              FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
             -- OFFSET 0: each snapshot is built once per row, not once per use.
             CROSS JOIN LATERAL (
                   SELECT {_data(entity, "n")} AS cur,
                          CASE WHEN o.id IS NOT NULL THEN {_data(entity, "o")} END AS prev
                   OFFSET 0) d
             -- A write that changes nothing a client can see (only the timestamp or the
             -- derived search document) is no news for the CMS. Comparing the snapshots
             -- settles most rows; only rows whose snapshot is unchanged pay for converting
             -- the whole rows.
             WHERE d.prev IS NULL
                OR (d.cur - 'updated_at') <> (d.prev - 'updated_at')
                OR (to_jsonb(n) - 'updated_at' - 'search_vector')
                   <> (to_jsonb(o) - 'updated_at' - 'search_vector')
             ORDER BY n.id;
        END IF;"""


# Statement-level with transition tables: one INSERT ... SELECT per statement, however many
# rows it wrote (the pipeline COPYs hundreds of quotes at once), in row id order. The events and
# their `data` are the same as a row trigger's would be; the per-entity branches exist so the
# snapshot reads columns instead of converting whole rows (bodies, search vectors) to JSON.
CAPTURE = """
CREATE FUNCTION annotations_changeevent_capture() RETURNS trigger AS $$
DECLARE
    entity text := TG_ARGV[0];
BEGIN
    IF entity = 'article' THEN%s
    ELSIF entity = 'quote' THEN%s
    ELSIF entity = 'review' THEN%s
    ELSE
        RAISE EXCEPTION 'annotations_changeevent_capture: unknown entity %%', entity;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" % tuple(_capture_branch(entity) for entity in SNAPSHOT_COLUMNS)

FORWARD = r"""
CREATE SEQUENCE annotations_changeevent_seq_seq OWNED BY annotations_changeevent.seq;

-- One row per writing transaction whose events still await their feed position; the deferred
-- seal trigger sits on this table so that it fires once per transaction, not once per event.
CREATE TABLE annotations_changeevent_unsealed (xid bigint PRIMARY KEY);

%(capture)s
-- Any statement that adds events notes its transaction once, whoever inserted them.
CREATE FUNCTION annotations_changeevent_note_unsealed() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        INSERT INTO annotations_changeevent_unsealed (xid)
        VALUES (pg_current_xact_id()::text::bigint)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION annotations_changeevent_seal() RETURNS trigger AS $$
BEGIN
    DELETE FROM annotations_changeevent_unsealed WHERE xid = NEW.xid;
    IF NOT EXISTS (SELECT 1 FROM annotations_changeevent WHERE xid = NEW.xid AND seq IS NULL) THEN
        RETURN NULL;
    END IF;
    -- Held until this transaction has committed (or rolled back): whoever numbers next can only
    -- do so after our events are visible, so feed positions follow commit order without gaps
    -- that could fill in later.
    PERFORM pg_advisory_xact_lock(%(lock)s);
    -- All of the transaction's events in one statement, numbered in id (write) order: the
    -- materialized CTE evaluates nextval exactly once per event, after the sort.
    WITH numbered AS MATERIALIZED (
        SELECT pending.id, nextval('annotations_changeevent_seq_seq') AS seq
          FROM (SELECT id FROM annotations_changeevent
                 WHERE xid = NEW.xid AND seq IS NULL ORDER BY id) pending
    )
    UPDATE annotations_changeevent e SET seq = numbered.seq
      FROM numbered WHERE e.id = numbered.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER annotations_changeevent_seal
    AFTER INSERT ON annotations_changeevent_unsealed
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION annotations_changeevent_seal();

CREATE TRIGGER annotations_changeevent_note_unsealed
    AFTER INSERT ON annotations_changeevent
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_note_unsealed();

-- Transition tables allow one event per trigger, hence one trigger per operation.
CREATE TRIGGER annotations_article_changeevent_insert
    AFTER INSERT ON annotations_article REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('article');
CREATE TRIGGER annotations_article_changeevent_update
    AFTER UPDATE ON annotations_article REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('article');
CREATE TRIGGER annotations_article_changeevent_delete
    AFTER DELETE ON annotations_article REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('article');
CREATE TRIGGER annotations_quote_changeevent_insert
    AFTER INSERT ON annotations_quote REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('quote');
CREATE TRIGGER annotations_quote_changeevent_update
    AFTER UPDATE ON annotations_quote REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('quote');
CREATE TRIGGER annotations_quote_changeevent_delete
    AFTER DELETE ON annotations_quote REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('quote');
CREATE TRIGGER annotations_review_changeevent
    AFTER INSERT ON annotations_review REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_changeevent_capture('review');
""" % {"lock": SEAL_LOCK_KEY, "capture": CAPTURE}

BACKWARD = r"""
DROP TRIGGER IF EXISTS annotations_review_changeevent ON annotations_review;
DROP TRIGGER IF EXISTS annotations_quote_changeevent_delete ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_quote_changeevent_update ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_quote_changeevent_insert ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_article_changeevent_delete ON annotations_article;
DROP TRIGGER IF EXISTS annotations_article_changeevent_update ON annotations_article;
DROP TRIGGER IF EXISTS annotations_article_changeevent_insert ON annotations_article;
DROP TRIGGER IF EXISTS annotations_changeevent_note_unsealed ON annotations_changeevent;
DROP TRIGGER IF EXISTS annotations_changeevent_seal ON annotations_changeevent_unsealed;
DROP FUNCTION IF EXISTS annotations_changeevent_seal();
DROP FUNCTION IF EXISTS annotations_changeevent_note_unsealed();
DROP FUNCTION IF EXISTS annotations_changeevent_capture();
DROP TABLE IF EXISTS annotations_changeevent_unsealed;
DROP SEQUENCE IF EXISTS annotations_changeevent_seq_seq;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0004_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChangeEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(editable=False, null=True, unique=True)),
                ('xid', models.BigIntegerField(editable=False, help_text="Writer's top-level transaction id.")),
                ('entity', models.CharField(max_length=16)),
                ('object_id', models.BigIntegerField()),
                ('type', models.CharField(max_length=40)),
                ('data', models.JSONField(default=dict)),
                ('occurred_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['seq'],
                'indexes': [models.Index(condition=models.Q(('seq__isnull', True)), fields=['xid'], name='changeevent_unsealed_idx'), models.Index(fields=['entity', 'object_id'], name='changeevent_object_idx')],
            },
        ),
        migrations.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('principal', models.CharField(help_text='client:<id> or user:<id>', max_length=64)),
                ('key', models.CharField(max_length=255)),
                ('method', models.CharField(max_length=8)),
                ('path', models.CharField(max_length=500)),
                ('request_hash', models.CharField(max_length=64)),
                ('response_status', models.PositiveSmallIntegerField()),
                ('response_body', models.JSONField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['created_at'], name='idempotency_created_idx')],
                'constraints': [models.UniqueConstraint(fields=('principal', 'key'), name='idempotency_unique_principal_key')],
            },
        ),
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=2000, validators=[annotations.validators.validate_http_url])),
                ('description', models.CharField(blank=True, max_length=300)),
                ('secret', models.CharField(default=annotations.models.webhooks.webhook_secret_generate, max_length=100)),
                ('events', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('quote.verified', 'Quote verified'), ('quote.disputed', 'Quote disputed'), ('quote.reverted', 'Verdict withdrawn (back to candidate / not a quote)'), ('quote.deleted', 'Quote with a verdict deleted')], max_length=40), default=list, help_text='Events sent to this endpoint.', size=None)),
                ('active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='webhook_endpoints', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('delivery_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('event_id', models.CharField(max_length=100)),
                ('event_type', models.CharField(choices=[('quote.verified', 'Quote verified'), ('quote.disputed', 'Quote disputed'), ('quote.reverted', 'Verdict withdrawn (back to candidate / not a quote)'), ('quote.deleted', 'Quote with a verdict deleted')], max_length=40)),
                ('payload', models.JSONField()),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('delivering', 'Delivering'), ('succeeded', 'Succeeded'), ('failed', 'Failed (gave up)')], default='pending', max_length=16)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('last_status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('replay_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='replays', to='annotations.webhookdelivery')),
                ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='annotations.webhookendpoint')),
            ],
            options={
                'verbose_name_plural': 'webhook deliveries',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ApiClient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('scope', models.CharField(choices=[('read', 'Read only'), ('review', 'Read, review and write')], default='read', max_length=16)),
                ('key_prefix', models.CharField(editable=False, max_length=16)),
                ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_clients', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='apiclient_name_not_empty'), models.CheckConstraint(condition=models.Q(('scope__in', ['read', 'review'])), name='apiclient_scope_valid'), models.CheckConstraint(condition=models.Q(('key_hash__regex', '^[0-9a-f]{64}$')), name='apiclient_key_hash_sha256')],
            },
        ),
        migrations.CreateModel(
            name='WebhookDeliveryAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('started_at', models.DateTimeField()),
                ('duration_ms', models.PositiveIntegerField()),
                ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('error', models.TextField(blank=True)),
                ('succeeded', models.BooleanField(default=False)),
                ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='annotations.webhookdelivery')),
            ],
            options={
                'ordering': ['delivery_id', 'number', 'id'],
                'constraints': [models.UniqueConstraint(fields=('delivery', 'number'), name='webhookattempt_unique_number')],
            },
        ),
        migrations.AddConstraint(
            model_name='webhookendpoint',
            constraint=models.CheckConstraint(condition=models.Q(('url__regex', '^https?://')), name='webhookendpoint_url_http'),
        ),
        migrations.AddConstraint(
            model_name='webhookendpoint',
            constraint=models.CheckConstraint(condition=models.Q(('events__contained_by', ['quote.verified', 'quote.disputed', 'quote.reverted', 'quote.deleted'])), name='webhookendpoint_events_known'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(fields=['status', 'next_attempt_at'], name='webhookdelivery_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(condition=models.Q(('replay_of__isnull', True)), fields=('endpoint', 'event_id'), name='webhookdelivery_unique_event_per_endpoint'),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
