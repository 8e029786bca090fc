"""docker-compose.yml cannot run here (no Docker engine), so keep it honest against the code."""

import re
from pathlib import Path

import yaml

from newsdesk.devservices import web_command, worker_command

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
    for key in ("build", "image", "environment", "depends_on"):
        assert web[key] == worker[key], key


def test_compose_env_names_are_the_ones_settings_read():
    names = set(COMPOSE["services"]["web"]["environment"])
    assert REQUIRED_ENV <= names
    assert names <= _settings_env_names()
    assert REQUIRED_ENV <= _settings_env_names()


def test_compose_urls_point_at_compose_services():
    env = COMPOSE["services"]["web"]["environment"]
    db = COMPOSE["services"]["db"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
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
