"""The app's database role, a review history that not even TRUNCATE empties, claim heartbeats.

The app (web server, worker) connects as a role with only the rights it needs; the schema
belongs to another role, the one that runs migrations (docs/database.md). This migration grants
the group role `newsdesk_app`, which the app's login is or belongs to:
- USAGE on the schema; SELECT, INSERT, UPDATE and DELETE on every table; USAGE and SELECT on
  every sequence (the change feed's seal calls nextval). The trigger functions run as the user
  who writes, so these rights also cover what the triggers write (change events, pending anchor
  checks, search vectors). Default privileges give the same rights on every table and sequence
  the migrating role creates later, so a new table needs no grant of its own;
- on the review history only SELECT and INSERT; on django_migrations only SELECT;
- never TRUNCATE, REFERENCES or TRIGGER, and no ownership: ALTER TABLE ... DISABLE TRIGGER and
  DROP TRIGGER need the owner, and session_replication_role a superuser.
The role is created (NOLOGIN) when missing and the migrating role may create roles; otherwise
it must exist beforehand (newsdesk/devservices.py and the compose database create it).

0002 already refuses UPDATE and DELETE on the history row by row; TRUNCATE fires no row
triggers, so a BEFORE TRUNCATE trigger refuses it too, also when it arrives by CASCADE from the
quote or article table. Only the table's owner (or a superuser) ever holds TRUNCATE on it, and
even the owner must ask for it in the same transaction with
`SET LOCAL newsdesk.allow_truncate_history = 'on'`: the test suite's flush between
transactional tests does, nothing else should. A custom setting can be set by anyone, hence the
ownership check in the trigger as well.

A pre-highlight claim carries a token (who holds it) and a heartbeat (when its worker last
showed it was alive), so that a dead worker's articles are taken over within seconds and a late
worker cannot store over a claim taken over from it (annotations/services/prehighlight.py). A
heartbeat is no news for the CMS: the change feed's capture (0005) ignores an article update
that changes only the heartbeat, as it ignores one of only updated_at.
"""

import importlib

from django.db import migrations, models

APP_ROLE = "newsdesk_app"

ROLE = r"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%(app)s') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'role %(app)s does not exist and %% may not create it', current_user
                USING HINT = 'Create it first: newsdesk/devservices.py and docker-compose do.';
        END IF;
        BEGIN
            CREATE ROLE %(app)s NOLOGIN;
        EXCEPTION WHEN duplicate_object THEN
            NULL;  -- a concurrent migration of another database created it
        END;
    END IF;
END
$$;
""" % {"app": APP_ROLE}

GRANTS = r"""
GRANT USAGE ON SCHEMA public TO %(app)s;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %(app)s;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %(app)s;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %(app)s;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %(app)s;

REVOKE ALL ON annotations_review FROM PUBLIC, %(app)s;
GRANT SELECT, INSERT ON annotations_review TO %(app)s;
REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM %(app)s;
""" % {"app": APP_ROLE}

REVOKE_GRANTS = r"""
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %(app)s;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %(app)s;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %(app)s;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %(app)s;
REVOKE USAGE ON SCHEMA public FROM %(app)s;
""" % {"app": APP_ROLE}

TRUNCATE_GUARD = r"""
CREATE FUNCTION annotations_review_truncate_guard() RETURNS trigger AS $$
BEGIN
    IF current_setting('newsdesk.allow_truncate_history', true) = 'on'
       AND pg_has_role(current_user,
                       (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the review history is append-only: TRUNCATE of % is refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER annotations_review_no_truncate
    BEFORE TRUNCATE ON annotations_review
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_review_truncate_guard();
"""

_api = importlib.import_module("annotations.migrations.0005_api")
_IGNORED = "- 'updated_at' - 'search_vector')"
CAPTURE_0005 = _api.CAPTURE.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
assert CAPTURE_0005.count(_IGNORED) == 6  # old and new row of each entity's UPDATE branch
CAPTURE = CAPTURE_0005.replace(
    _IGNORED, "- 'updated_at' - 'search_vector' - 'prehighlight_heartbeat_at')"
)

DROP_TRUNCATE_GUARD = r"""
DROP TRIGGER IF EXISTS annotations_review_no_truncate ON annotations_review;
DROP FUNCTION IF EXISTS annotations_review_truncate_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0009_ingest")]

    operations = [
        migrations.RunSQL(ROLE, migrations.RunSQL.noop),
        migrations.RunSQL(GRANTS, REVOKE_GRANTS),
        migrations.RunSQL(TRUNCATE_GUARD, DROP_TRUNCATE_GUARD),
        migrations.AddField(
            model_name="article",
            name="prehighlight_claim_token",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="article",
            name="prehighlight_heartbeat_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(CAPTURE, CAPTURE_0005),
    ]
