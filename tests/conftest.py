import os

import pytest
from django.db import connections
from django.db.backends.postgresql.operations import DatabaseOperations
from playwright.sync_api import sync_playwright

from tests.db_logins import APP_LOGIN, OWNER_LOGIN, owner_connection
from tests.factories import ArticleFactory, QuoteFactory, UserFactory


def _log_in_as(login):
    connection = connections["default"]
    connection.close()
    connection.settings_dict.update(login)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created, migrated and snapshotted by the schema owner, as `make
    run` and docker-compose migrate; the app's role could not (it may not create anything)."""
    _log_in_as(OWNER_LOGIN)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Then the tests, and the servers and workers they start, connect as the app's role.

    So a grant the app lacks fails here as it would in production. The flush after each
    transactional test TRUNCATEs every table, which only the owner may do, and on the review
    history only when it says so (migration 0008): that flush runs on an owner connection.
    """
    _log_in_as(APP_LOGIN)
    original = DatabaseOperations.execute_sql_flush
    DatabaseOperations.execute_sql_flush = _execute_sql_flush_as_owner
    try:
        yield
    finally:
        DatabaseOperations.execute_sql_flush = original
        _log_in_as(OWNER_LOGIN)  # the owner drops the test database


def _execute_sql_flush_as_owner(self, sql_list):
    with owner_connection() as conn:  # one transaction, committed on leaving the block
        conn.execute("SET LOCAL newsdesk.allow_truncate_history = 'on'")
        for statement in sql_list:
            conn.execute(statement)


@pytest.fixture
def editor(db):
    return UserFactory(username="alice", role="editor")


@pytest.fixture
def other_editor(db):
    return UserFactory(username="bob", role="editor")


@pytest.fixture
def reporter(db):
    return UserFactory(username="charlie", role="reporter")


@pytest.fixture
def outsider(db):
    """Logged in, but with no newsroom role."""
    return UserFactory(username="mallory")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def quote(article):
    return QuoteFactory(article=article)


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Debian's Chromium driven by Playwright (its own browser download cannot work here)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are
    # safe. Scoped to the browser tests so it never leaks into subprocesses of other tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    snapshots = _serialized_snapshots()
    with sync_playwright() as playwright:
        _carry_serialized_snapshots(snapshots)
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()
        connections.close_all()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _serialized_snapshots():
    """The database contents Django serialized at setup for `serialized_rollback`, per alias."""
    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


def _carry_serialized_snapshots(snapshots):
    """Hand the serialized snapshots to the connections the browser tests will use.

    Django keeps database connections thread-local while no event loop runs in the thread and
    per async context once one does; Playwright's loop makes this thread count as async, so the
    browser tests get fresh connection objects without the snapshot. Without it their
    `serialized_rollback` silently did nothing: the flush after each test recreated content
    types under new ids, and the next serialized test collided with them.
    """
    for alias, contents in snapshots.items():
        connections[alias]._test_serialized_contents = contents


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the data migrations created (groups, content types).

    A transactional test's teardown flushes the database; without serialized rollback the
    flush's post_migrate recreates content types with new ids, and the next test that restores
    the serialized snapshot then collides with them (order-dependent failures). This covers the
    `transaction=True` marker and the `transactional_db` fixture asked for directly alike.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            if "transactional_db" in item.fixturenames:
                item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
            continue
        if marker.kwargs.get("transaction") and "serialized_rollback" not in marker.kwargs:
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
