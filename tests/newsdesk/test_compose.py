"""docker-compose.yml cannot run here (no Docker engine), so keep it honest against the code."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import errors

from newsdesk.devservices import (
    ADOPT_SQL,
    APP_ROLE,
    APP_ROLE_OPTIONS,
    OWNER_ROLE,
    OWNER_ROLE_OPTIONS,
    web_command,
    worker_command,
)

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "newsdesk" / "settings.py").read_text()
REQUIRED_ENV = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
}


def _settings_env_names():
    return set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))


def _command(service):
    command = COMPOSE["services"][service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_has_the_four_services_with_healthchecks():
    assert set(COMPOSE["services"]) == {"db", "redis", "web", "worker"}
    for name, service in COMPOSE["services"].items():
        assert "healthcheck" in service, name


def test_compose_worker_reuses_web_config():
    web, worker = COMPOSE["services"]["web"], COMPOSE["services"]["worker"]
    for key in ("build", "image", "depends_on"):
        assert web[key] == worker[key], key
    # Only the web service, which migrates, knows the owner's URL.
    assert "DATABASE_OWNER_URL" not in worker["environment"]
    assert {k: v for k, v in web["environment"].items() if k != "DATABASE_OWNER_URL"} == (
        worker["environment"]
    )


def test_compose_env_names_are_the_ones_settings_read():
    names = set(COMPOSE["services"]["web"]["environment"])
    assert REQUIRED_ENV <= names
    assert names <= _settings_env_names()
    assert REQUIRED_ENV <= _settings_env_names()


def test_compose_urls_point_at_compose_services():
    env = COMPOSE["services"]["web"]["environment"]
    db = COMPOSE["services"]["db"]["environment"]
    # The app and the owner log in as the roles the db's init script creates, never as the
    # superuser.
    assert env["DATABASE_URL"] == (
        f"postgres://{APP_ROLE}:{db['NEWSDESK_DB_APP_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
    assert env["DATABASE_OWNER_URL"] == (
        f"postgres://{OWNER_ROLE}:{db['NEWSDESK_DB_OWNER_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
    assert db["POSTGRES_USER"] not in (APP_ROLE, OWNER_ROLE)
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert env["DJANGO_DEBUG"] == "0"


def test_compose_commands_match_make_run():
    assert "gunicorn newsdesk.wsgi:application" in _command("web")
    assert "migrate" in _command("web")
    assert _command("worker").startswith("celery -A newsdesk worker --beat")
    # make run (newsdesk/devservices.py) starts the same two programs.
    web = web_command(host="127.0.0.1", port="8000", workers=2)
    assert web[1:4] == ["-m", "gunicorn", "newsdesk.wsgi:application"]
    worker = worker_command()
    assert worker[1:3] == ["-m", "celery"]
    assert " ".join(worker[2:7]) == "celery -A newsdesk worker --beat"
    assert _command("worker").startswith(" ".join(worker[2:7]))


def test_env_example_lists_only_settings_names():
    names = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert REQUIRED_ENV <= names
    assert names <= _settings_env_names()


def test_ci_script_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", script, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert "exit 1; fi" in makefile and "-eq 5" in makefile


def test_compose_web_migrates_as_the_owner_and_serves_as_the_app(tmp_path):
    # Run web's shell command with stand-ins for python and gunicorn that record how they were
    # started: migrate must get the owner's URL, gunicorn the app's and not the owner's.
    for program in ("python", "gunicorn"):
        stub = tmp_path / program
        stub.write_text(
            f'#!/bin/sh\necho "{program} $* DATABASE_URL=$DATABASE_URL '
            f'OWNER=${{DATABASE_OWNER_URL-unset}}" >> "{tmp_path}/calls"\n'
        )
        stub.chmod(0o755)
    environment = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "DATABASE_URL": "postgres://app@db/newsdesk",
        "DATABASE_OWNER_URL": "postgres://owner@db/newsdesk",
    }
    # Compose turns $$ into $ before the shell sees the command.
    command = _command("web").replace("$$", "$")
    assert command.startswith("sh -c '") and command.endswith("'")

    subprocess.run(["sh", "-c", command[7:-1]], env=environment, check=True, timeout=30)

    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == [
        "python manage.py migrate --no-input DATABASE_URL=postgres://owner@db/newsdesk "
        "OWNER=postgres://owner@db/newsdesk",
        "gunicorn newsdesk.wsgi:application --bind 0.0.0.0:8000 --workers 3 --threads 4 "
        "DATABASE_URL=postgres://app@db/newsdesk OWNER=unset",
    ]


def _psql():
    import pgserver

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
    return str(bundled) if bundled.exists() else shutil.which("psql")


def test_compose_db_init_script_sets_up_the_roles_the_app_runs_as():
    """The db service's init script on a volume of before the roles, then web's migrate as the
    owner and the app's work as the app; on a private server."""
    from tests.fault.support import PrivatePostgres, manage

    script = ROOT / "docker" / "db-init" / "10-roles.sh"
    text = script.read_text()
    assert f"newsdesk_app WITH {APP_ROLE_OPTIONS}" in text
    # The one difference to devservices: in production the owner creates no databases.
    assert f"newsdesk_owner WITH {OWNER_ROLE_OPTIONS.replace(' CREATEDB', ' NOCREATEDB')}" in text
    assert ADOPT_SQL.strip() in text
    assert "./docker/db-init:/docker-entrypoint-initdb.d:ro" in COMPOSE["services"]["db"]["volumes"]
    pg = PrivatePostgres()
    try:
        base = f"127.0.0.1:{pg.port}/{pg.name}"
        app_env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{APP_ROLE}:app-secret@{base}",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
        app_env.pop("DATABASE_OWNER_URL", None)
        owner_env = {**app_env, "DATABASE_URL": f"postgres://{OWNER_ROLE}:owner-secret@{base}"}
        # A volume of before this change: migrated by the superuser, without roles.
        manage({**app_env, "DATABASE_URL": pg.url}, "migrate", "annotations", "0007", timeout=300)
        entrypoint_env = {
            **os.environ,
            "PATH": f"{Path(_psql()).parent}:{os.environ['PATH']}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(pg.port),
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": pg.name,
            "NEWSDESK_DB_OWNER_PASSWORD": "owner-secret",
            "NEWSDESK_DB_APP_PASSWORD": "app-secret",
        }
        for _ in range(2):  # idempotent: it may be run again by hand
            subprocess.run(["sh", str(script)], env=entrypoint_env, check=True, timeout=60)
        manage(owner_env, "migrate", "--no-input", timeout=300)
        manage(app_env, "load_demo")

        with psycopg.connect(
            host="127.0.0.1", port=pg.port, dbname=pg.name, user=APP_ROLE, autocommit=True
        ) as conn:
            owners = conn.execute(
                "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace"
            ).fetchall()
            quotes = conn.execute("SELECT count(*) FROM annotations_quote").fetchone()[0]
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("TRUNCATE annotations_review")
    finally:
        pg.close()

    assert owners == [(OWNER_ROLE,)]
    assert quotes > 0  # the demo was pre-highlighted by the app's role
