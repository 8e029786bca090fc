"""The app connects as a role with only the rights it needs (migration 0008, docs/database.md).

The suite's own connection is the app's login (DATABASE_URL) once the owner has set the test
database up (tests/conftest.py); `app_connection()` opens another one as the same login.
"""

import pytest
from django.db import connection
from django.urls import reverse
from psycopg import errors
from rest_framework.test import APIClient

from annotations import tasks
from annotations.models import (
    ApiClient,
    ChangeEvent,
    Quote,
    Review,
    WebhookDelivery,
    WebhookEndpoint,
)
from annotations.services.prehighlight import article_extract_quotes_batch
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import bearer, make_key
from tests.db_logins import app_connection, owner_connection
from tests.factories import ReviewFactory, UserFactory

APP_ROLE = "newsdesk_app"
BODY = (
    "“We will build the new bridge before the winter,” Ana Reyes said on Monday.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)
HISTORY = """
    SELECT md5(string_agg(concat_ws('|', id, quote_id, reviewer_id, created_at, from_status,
                                    to_status, note, quote_version), ',' ORDER BY id)),
           count(*)
      FROM annotations_review
"""
# What an attacker with the app's credentials (SQL injection, a stolen .env) would try.
TAMPERING = [
    "TRUNCATE annotations_review",
    "TRUNCATE annotations_review CASCADE",
    "TRUNCATE annotations_quote CASCADE",
    "ALTER TABLE annotations_review DISABLE TRIGGER annotations_review_append_only",
    "ALTER TABLE annotations_review DISABLE TRIGGER ALL",
    "DROP TRIGGER annotations_review_append_only ON annotations_review",
    "SET session_replication_role = replica",
    "UPDATE annotations_review SET note = 'rewritten'",
    "DELETE FROM annotations_review",
    "CREATE OR REPLACE FUNCTION annotations_review_append_only() RETURNS trigger "
    "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
    "CREATE TABLE annotations_review_copy (id bigint)",
    "SET ROLE newsdesk_owner",
]


def _history():
    with connection.cursor() as cursor:
        cursor.execute(HISTORY)
        return cursor.fetchone()


def test_database_roles_suite_connects_as_the_app_role_with_no_power(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
                   pg_has_role(current_user, %s, 'MEMBER'),
                   (SELECT count(*) FROM pg_class c
                     WHERE c.relnamespace = 'public'::regnamespace
                       AND pg_has_role(current_user, c.relowner, 'MEMBER')),
                   pg_has_role(current_user, (SELECT datdba FROM pg_database
                                              WHERE datname = current_database()), 'MEMBER')
              FROM pg_roles WHERE rolname = current_user
            """,
            [APP_ROLE],
        )
        attributes = cursor.fetchone()

    # not superuser, createdb, createrole, replication, bypassrls; a member of the app role;
    # owns no table, sequence or index and not the database.
    assert attributes == (False, False, False, False, False, True, 0, False), (
        "the suite must connect as the app's role: run it through `make test`"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("statement", TAMPERING)
def test_database_roles_app_role_cannot_tamper_with_the_review_history(statement):
    for _ in range(3):
        ReviewFactory()
    before = _history()

    with (
        app_connection(autocommit=True) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(statement)

    assert _history() == before
    assert before[1] == 3


@pytest.mark.django_db(transaction=True)
def test_database_roles_owner_truncates_the_history_only_when_it_asks_for_it():
    ReviewFactory()
    before = _history()

    with owner_connection(autocommit=True) as conn:
        for statement in ("TRUNCATE annotations_review", "TRUNCATE annotations_quote CASCADE"):
            with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
        # The 0002 row trigger holds for the owner as well.
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            conn.execute("UPDATE annotations_review SET note = 'rewritten'")
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL newsdesk.allow_truncate_history = 'on'")
            conn.execute("TRUNCATE annotations_review")
            assert conn.execute("SELECT count(*) FROM annotations_review").fetchone() == (0,)
    # The app's role may not, maintenance setting or not.
    with app_connection() as conn:
        conn.execute("SET LOCAL newsdesk.allow_truncate_history = 'on'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("TRUNCATE annotations_review")

    assert _history() == before


def test_database_roles_app_role_has_exactly_the_rights_it_needs(db):
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, p.privilege
              FROM pg_class c CROSS JOIN unnest(%s::text[]) AS p(privilege)
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
               AND has_table_privilege(c.oid, p.privilege)
            """,
            [list(privileges)],
        )
        granted = {}
        for table, privilege in cursor.fetchall():
            granted.setdefault(table, set()).add(privilege)
        cursor.execute(
            """
            SELECT c.relname,
                   -- CASE: the planner might test the privilege before the relkind otherwise.
                   CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'USAGE') END
              FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
            """
        )
        sequence_usage = dict(cursor.fetchall())

    read_write = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    expected = dict.fromkeys(granted, read_write)
    expected["annotations_review"] = {"SELECT", "INSERT"}
    expected["django_migrations"] = {"SELECT"}
    assert granted == expected
    assert {"annotations_changeevent", "annotations_quote", "auth_user"} <= set(granted)
    assert "annotations_changeevent_seq_seq" in sequence_usage
    assert set(sequence_usage.values()) == {True}


def test_database_roles_new_tables_of_the_owner_get_the_app_grants(django_db_setup):
    with owner_connection() as conn, conn.transaction(force_rollback=True):
        conn.execute("CREATE TABLE annotations_probe (id bigint GENERATED BY DEFAULT AS IDENTITY)")
        rights = conn.execute(
            """
            SELECT has_table_privilege(%(app)s, 'annotations_probe', 'SELECT, INSERT, UPDATE'),
                   has_table_privilege(%(app)s, 'annotations_probe', 'DELETE'),
                   has_table_privilege(%(app)s, 'annotations_probe', 'TRUNCATE'),
                   has_sequence_privilege(
                       %(app)s, pg_get_serial_sequence('annotations_probe', 'id'), 'USAGE')
            """,
            {"app": APP_ROLE},
        ).fetchone()

    assert rights == (True, True, False, True)


@pytest.mark.django_db(transaction=True)
def test_database_roles_app_role_does_the_apps_real_work(monkeypatch):
    # Every write runs as the app's role and commits, so deferred triggers (anchor checks, the
    # change feed's seal) run too. The Celery tasks are run here instead of being queued.
    sent = []
    monkeypatch.setattr(tasks.article_prehighlight_batch_task, "delay", lambda *a: sent.append(a))
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda *a: sent.append(a))
    editor = UserFactory(username="ed", role="editor")
    WebhookEndpoint.objects.create(url="https://cms.example/hook", events=["quote.verified"])
    api = APIClient()
    key = make_key(editor, ApiClient.Scope.REVIEW)

    created = api.post(
        reverse("api:article-list"),
        {"title": "Council", "body": BODY, "url": "https://example.org/council"},
        format="json",
        headers={**bearer(key), "Idempotency-Key": "push-1"},
    )
    assert created.status_code == 201, created.content
    article_id = created.json()["id"]
    batch = article_extract_quotes_batch(pairs=[(article_id, 1)])  # claim, COPY, triggers
    quote = Quote.objects.filter(article_id=article_id).order_by("start").first()
    reviewed = api.post(
        reverse("api:quote-review", kwargs={"pk": quote.pk}),
        {
            "status": "disputed",
            "dispute_reason": "wrong_words",
            "note": "Not what she said.",
            "version": 1,
        },
        format="json",
        headers=bearer(key),
    )
    quote_review_submit(
        quote=Quote.objects.get(pk=quote.pk), user=editor, to_status="verified", expected_version=2
    )
    edited = api.patch(
        reverse("api:article-detail", kwargs={"pk": article_id}),
        {"body": BODY.replace("books are open", "books are closed")},
        format="json",
        headers=bearer(key),
    )
    feed = api.get(reverse("api:changes"), {"limit": 100}, headers=bearer(key))
    search = api.get(reverse("api:quote-list"), {"q": "bridge"}, headers=bearer(key))

    assert [r.created for r in batch.done] == [2]
    assert reviewed.status_code == 201, reviewed.content
    assert edited.status_code == 200, edited.content
    assert Review.objects.filter(quote=quote).count() == 2
    assert WebhookDelivery.objects.filter(event_type="quote.verified").count() == 1
    assert feed.status_code == 200
    types = [event["type"] for event in feed.json()["events"]]
    assert types.count("review.created") == 2
    assert "quote.created" in types and "article.updated" in types
    assert ChangeEvent.objects.filter(seq__isnull=True).count() == 0  # every event sealed
    assert [q["id"] for q in search.json()["results"]] == [quote.pk]
    assert len(sent) == 3  # two pre-highlight runs queued, one webhook delivery
