"""`make run` / `make test`: configured services, embedded fallbacks, roles, supervision."""

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.db import connection

from newsdesk import devservices
from tests.db_logins import APP_LOGIN, OWNER_LOGIN, app_connection, database_url, owner_connection

ROOT = Path(__file__).resolve().parents[2]


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_probe_reports_unreachable_services():
    assert not devservices._postgres_answers(f"postgres://postgres@127.0.0.1:{_closed_port()}/x")
    assert not devservices._redis_answers(f"redis://127.0.0.1:{_closed_port()}/0")


@pytest.fixture
def embedded_dir():
    """A directory for embedded servers outside pytest's: the embedded PostgreSQL runs as an
    unprivileged user when we are root, and every pytest session that starts on this machine
    makes /tmp/pytest-of-<user> private again (0700), which would cut it off mid-run."""
    path = Path(tempfile.mkdtemp(prefix="nd-embedded-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _env(tmp_path, **values):
    """The test's environment without the service variables, plus `values`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "NEWSDESK_EMBEDDED")
    }
    return {**env, "NEWSDESK_DATA_DIR": str(tmp_path / "data"), **values}


def _env_with_our_database(tmp_path, **values):
    """As _env, with the suite's own database logins (the app's and the owner's)."""
    return _env(
        tmp_path,
        DATABASE_URL=os.environ["DATABASE_URL"],
        DATABASE_OWNER_URL=os.environ["DATABASE_OWNER_URL"],
        **values,
    )


def _devservices(env, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "newsdesk.devservices", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("args", [["run", "--port", "0"], ["exec", "--", "true"]])
def test_devservices_configured_database_that_does_not_answer_is_an_error(tmp_path, args):
    port = _closed_port()
    dead = f"postgres://postgres:secret@127.0.0.1:{port}/newsdesk"
    env = _env(tmp_path, DATABASE_URL=dead, REDIS_URL=os.environ["REDIS_URL"])

    result = _devservices(env, *args)

    assert result.returncode == 1
    assert (
        f"DATABASE_URL=postgres://postgres:***@127.0.0.1:{port}/newsdesk does not answer"
        in result.stderr
    )
    assert "secret" not in result.stderr
    assert "starting an embedded" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("args", [["run", "--port", "0"], ["exec", "--", "true"]])
def test_devservices_configured_redis_that_does_not_answer_is_an_error(tmp_path, args):
    port = _closed_port()
    env = _env_with_our_database(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0")

    result = _devservices(env, *args)

    assert result.returncode == 1
    assert f"REDIS_URL=redis://127.0.0.1:{port}/0 does not answer" in result.stderr
    assert "starting an embedded" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_make_test_with_a_configured_redis_that_does_not_answer_fails(tmp_path):
    port = _closed_port()
    env = _env_with_our_database(
        tmp_path,
        REDIS_URL=f"redis://127.0.0.1:{port}/1",
        # Only collects, should the services be started after all.
        PYTEST_ARGS="--collect-only -q tests/newsdesk/test_compose.py",
    )

    result = subprocess.run(
        ["make", "-s", "test"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert f"REDIS_URL=redis://127.0.0.1:{port}/1 does not answer" in result.stderr
    assert "test_compose.py" not in result.stdout


def test_devservices_app_login_without_owner_url_is_an_error(tmp_path):
    env = _env(tmp_path, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"])

    result = _devservices(env, "exec", "--", "true")

    assert result.returncode == 1
    assert "set DATABASE_OWNER_URL" in result.stderr


def test_devservices_unconfigured_and_nothing_on_localhost_starts_embedded_servers_with_roles(
    embedded_dir, monkeypatch
):
    for name in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "NEWSDESK_EMBEDDED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(embedded_dir / "data"))
    monkeypatch.setattr(
        devservices, "DEFAULT_DATABASE_URL", f"postgres://postgres@127.0.0.1:{_closed_port()}/nd"
    )
    monkeypatch.setattr(devservices, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")

    with devservices.running_services(redis_database=3) as services:
        with devservices._connect(services.database_url) as conn:
            app = conn.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
        with devservices._connect(services.owner_url) as conn:
            owner = conn.execute(
                "SELECT current_user, pg_get_userbyid(datdba) FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
        kinds = (services.kind("postgresql"), services.kind("redis"))
        redis_url = services.redis_url

    assert kinds == ("embedded", "embedded")
    assert app == ("newsdesk_app", False)
    assert owner == ("newsdesk_owner", "newsdesk_owner")
    assert redis_url.endswith("/3")


def _spawn(command, env):
    """`make run` or the like, in its own process group, its output in one text stream."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _interrupt(process):
    """Ctrl-C, as a terminal sends it to the process group; SIGKILL if it does not stop."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def _login_and_get_home(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "username": "editor",
            "password": "newsdesk-editor",
            "csrfmiddlewaretoken": token,
            "next": "/",
        }
    ).encode()
    request = urllib.request.Request(
        base + "accounts/login/", data=form, headers={"Referer": base + "accounts/login/"}
    )
    response = opener.open(request, timeout=10)
    return response.status, response.geturl(), response.read().decode()


def test_make_run_with_embedded_services(embedded_dir):
    port = _closed_port()
    env = _env(embedded_dir, NEWSDESK_EMBEDDED="all", PORT=str(port))
    process = _spawn(["make", "run"], env)
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            output.append(line)
            if "press Ctrl-C" in line:
                break
        text = "".join(output)
        assert f"Newsdesk is running at http://127.0.0.1:{port}/" in text, text
        assert "starting an embedded one" in text
        assert "database: embedded, redis: embedded" in text
        assert "editor / newsdesk-editor" in text
        status, url, body = _login_and_get_home(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert url.endswith(f":{port}/")
        assert "NATO chief announces alliance will not deploy combat troops" in body
    finally:
        _interrupt(process)
    # Ctrl-C reaches make too, which reports the interrupt; what matters is that the web
    # server, the worker and the embedded servers are all gone.
    assert process.returncode in (0, 2, -signal.SIGINT)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    # make itself exits at once on Ctrl-C; `devservices run` goes on stopping the worker (a
    # Celery warm shutdown) and the embedded servers, and must be done within its own 15 s
    # grace per child.
    deadline = time.monotonic() + 45
    while True:
        leftovers = [
            proc
            for proc in psutil.process_iter(["cmdline"])
            if str(embedded_dir) in " ".join(proc.info["cmdline"] or [])
        ]
        if not leftovers or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for proc in leftovers:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    assert [proc.info["cmdline"] for proc in leftovers] == []


@pytest.fixture
def scratch_database(django_db_setup):
    """A database of its own on the test server, owned by the owner role: (app, owner) URLs."""
    name = connection.settings_dict["NAME"] + "_run"
    with owner_connection(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url(APP_LOGIN, name), database_url(OWNER_LOGIN, name)
    with owner_connection(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Output:
    """A child's output lines, read in the background so the test can wait for one."""

    def __init__(self, stream):
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            time.sleep(0.2)
        raise AssertionError(f"no {text!r} within {timeout}s:\n{''.join(self.lines)}")


def _worker_main(parent_pid):
    return [
        child
        for child in psutil.Process(parent_pid).children()
        if "celery" in " ".join(child.cmdline()) and "worker" in child.cmdline()
    ]


def _poll(url, results, stop):
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                results.append(response.status)
        except OSError as exc:
            results.append(repr(exc))
        time.sleep(0.2)


def test_make_run_restarts_a_killed_worker_and_keeps_serving(tmp_path, scratch_database):
    app_url, owner_url = scratch_database
    port = _closed_port()
    env = _env(
        tmp_path,
        DATABASE_URL=app_url,
        DATABASE_OWNER_URL=owner_url,
        REDIS_URL=os.environ["REDIS_URL"],
        DJANGO_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "newsdesk.devservices", "run", "--port", str(port)]
    process = _spawn(command, env)
    output = Output(process.stdout)
    polls, stop_polling = [], threading.Event()
    poller = threading.Thread(
        target=_poll, args=(f"http://127.0.0.1:{port}/healthz", polls, stop_polling)
    )
    try:
        output.wait_for("press Ctrl-C", timeout=240)
        (worker,) = _worker_main(process.pid)
        poller.start()
        time.sleep(2)

        worker.send_signal(signal.SIGKILL)
        output.wait_for("the worker exited (killed by SIGKILL)", timeout=10)
        output.wait_for("the worker is running again", timeout=15)
        (restarted,) = _worker_main(process.pid)
        # The new worker does the work: an article saved now is pre-highlighted.
        created = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from annotations.services.articles import article_create; "
                "print(article_create(title='After', body='“We stay,” said Ana Reyes.').pk)",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        article_id = int(created.stdout.split()[-1])
        deadline = time.monotonic() + 60
        status = None
        while status != "done" and time.monotonic() < deadline:
            time.sleep(0.5)
            with app_connection(dbname=app_url.rsplit("/", 1)[1]) as conn:
                (status,) = conn.execute(
                    "SELECT prehighlight_status FROM annotations_article WHERE id = %s",
                    [article_id],
                ).fetchone()
    finally:
        stop_polling.set()
        if poller.is_alive():
            poller.join()
        _interrupt(process)

    assert restarted.pid != worker.pid
    assert status == "done"
    # The web server answered every poll, before, during and after the worker's death.
    assert len(polls) > 20
    assert set(polls) == {200}
    assert process.returncode == 0
