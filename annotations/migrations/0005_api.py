"""Schema for the REST API: machine clients, idempotency records, the change feed, webhooks.

The change feed is filled by row triggers on the article, quote and review tables, so every
write path (services, pipeline, admin, raw SQL) is captured. Each event gets its feed position
(`seq`) only at COMMIT time, from a deferred constraint trigger that takes a transaction-scoped
advisory lock: numbering is therefore serialised with commit, `seq` follows commit order, and a
reader can never see event N+1 while event N is still uncommitted. A poller that remembers the
last `seq` it saw never misses or double-counts an event, even when two edits commit in the same
millisecond. The cost is that committing writers to these three tables queue on that lock for
the (short) time between sealing their events and finishing COMMIT.
"""

import uuid

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import annotations.models_api
import annotations.validators

# Any constant works; it only has to be the same for every writer.
SEAL_LOCK_KEY = 7_433_400_501

FORWARD = r"""
CREATE SEQUENCE annotations_changeevent_seq_seq OWNED BY annotations_changeevent.seq;

CREATE FUNCTION annotations_changeevent_capture() RETURNS trigger AS $$
DECLARE
    entity text := TG_ARGV[0];
    cur jsonb;
    prev jsonb;
    ev_type text;
    snapshot jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        cur := to_jsonb(OLD);
        ev_type := entity || '.deleted';
    ELSIF TG_OP = 'INSERT' THEN
        cur := to_jsonb(NEW);
        ev_type := entity || '.created';
    ELSE
        cur := to_jsonb(NEW);
        prev := to_jsonb(OLD);
        -- A write that changes nothing a client can see (only the timestamp or the derived
        -- search document) is no news for the CMS.
        IF (cur - 'updated_at' - 'search_vector') = (prev - 'updated_at' - 'search_vector') THEN
            RETURN NULL;
        END IF;
        IF entity = 'quote' AND cur->>'status' IS DISTINCT FROM prev->>'status' THEN
            ev_type := 'quote.status_changed';
        ELSE
            ev_type := entity || '.updated';
        END IF;
    END IF;
    snapshot := CASE entity
        WHEN 'article' THEN jsonb_build_object(
            'revision', cur->'revision', 'url', cur->'url', 'title', cur->'title',
            'prehighlight_status', cur->'prehighlight_status', 'updated_at', cur->'updated_at')
        WHEN 'quote' THEN jsonb_build_object(
            'article_id', cur->'article_id', 'status', cur->'status', 'version', cur->'version',
            'anchor', cur->'anchor', 'speaker_id', cur->'speaker_id',
            'updated_at', cur->'updated_at')
        ELSE jsonb_build_object(
            'quote_id', cur->'quote_id', 'from_status', cur->'from_status',
            'to_status', cur->'to_status', 'quote_version', cur->'quote_version',
            'created_at', cur->'created_at')
    END;
    IF ev_type = 'quote.status_changed' THEN
        snapshot := snapshot || jsonb_build_object('previous_status', prev->'status');
    END IF;
    INSERT INTO annotations_changeevent (xid, entity, object_id, type, data, occurred_at)
    VALUES (pg_current_xact_id()::text::bigint, entity, (cur->>'id')::bigint, ev_type, snapshot,
            clock_timestamp());
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION annotations_changeevent_seal() RETURNS trigger AS $$
DECLARE
    me bigint := pg_current_xact_id()::text::bigint;
    ev record;
BEGIN
    -- One transaction queues one of these per event; the first one numbers them all.
    IF NOT EXISTS (SELECT 1 FROM annotations_changeevent WHERE xid = me AND seq IS NULL) THEN
        RETURN NULL;
    END IF;
    -- Held until this transaction has committed (or rolled back): whoever numbers next can only
    -- do so after our events are visible, so feed positions follow commit order without gaps
    -- that could fill in later.
    PERFORM pg_advisory_xact_lock(%(lock)s);
    FOR ev IN
        SELECT id FROM annotations_changeevent WHERE xid = me AND seq IS NULL ORDER BY id
    LOOP
        UPDATE annotations_changeevent SET seq = nextval('annotations_changeevent_seq_seq')
         WHERE id = ev.id;
    END LOOP;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER annotations_changeevent_seal
    AFTER INSERT ON annotations_changeevent
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION annotations_changeevent_seal();

CREATE TRIGGER annotations_article_changeevent
    AFTER INSERT OR UPDATE OR DELETE ON annotations_article
    FOR EACH ROW EXECUTE FUNCTION annotations_changeevent_capture('article');
CREATE TRIGGER annotations_quote_changeevent
    AFTER INSERT OR UPDATE OR DELETE ON annotations_quote
    FOR EACH ROW EXECUTE FUNCTION annotations_changeevent_capture('quote');
CREATE TRIGGER annotations_review_changeevent
    AFTER INSERT ON annotations_review
    FOR EACH ROW EXECUTE FUNCTION annotations_changeevent_capture('review');
""" % {"lock": SEAL_LOCK_KEY}

BACKWARD = r"""
DROP TRIGGER IF EXISTS annotations_review_changeevent ON annotations_review;
DROP TRIGGER IF EXISTS annotations_quote_changeevent ON annotations_quote;
DROP TRIGGER IF EXISTS annotations_article_changeevent ON annotations_article;
DROP TRIGGER IF EXISTS annotations_changeevent_seal ON annotations_changeevent;
DROP FUNCTION IF EXISTS annotations_changeevent_seal();
DROP FUNCTION IF EXISTS annotations_changeevent_capture();
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
                ('secret', models.CharField(default=annotations.models_api.webhook_secret_generate, max_length=100)),
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
