import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-" + "q" * 20


def _manage(*args, **env):
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_refuse_production_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DJANGO_DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_refuse_production_with_short_secret_key():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_check_deploy_is_clean_in_production():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=GOOD_KEY
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_settings_debug_is_off_unless_asked_for():
    # A deployment that forgets DJANGO_DEBUG must get production settings, not the debug page.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    env["DJANGO_SECRET_KEY"] = GOOD_KEY
    env["DJANGO_SETTINGS_MODULE"] = "newsdesk.settings"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_settings_prepare_statements_the_app_repeats(db):
    from django.db import connection

    from annotations.models import Quote

    for _ in range(6):
        list(Quote.objects.filter(pk=0).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "annotations_quote"."id" AS "pk" FROM "annotations_quote" WHERE%'],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1


def test_settings_prepared_statements_can_be_turned_off():
    # Behind PgBouncer in transaction mode a prepared statement may meet another connection.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsdesk.settings"}
    script = (
        "import django; django.setup(); from django.db import connection; "
        "print(connection.settings_dict['OPTIONS'].get('server_side_binding', False))"
    )
    answers = []
    for value in ("1", "0"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**env, "DJANGO_DB_PREPARED_STATEMENTS": value},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        answers.append(result.stdout.strip())
    assert answers == ["True", "False"]
