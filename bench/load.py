"""Mixed load on the whole stack, then an audit that nothing was lost or written twice.

    .venv/bin/python bench/load.py [--seconds 300] [--htmx-editors 3] [--api-editors 2]
                                   [--reporters 2] [--articles 20] [--hot-articles 2]

Recreates the database `<database of DATABASE_URL>_bench_load` on the server of DATABASE_URL,
seeds it with the demo (speakers, seed article, demo logins) plus `--articles` generated
articles, starts gunicorn on a free port of 127.0.0.1 (2 workers x 4 threads, DEBUG off), one
Celery worker, and a webhook receiver on another free port subscribed to every event. Every
server is on loopback, every loop is bounded by `--seconds`, and everything started here is
stopped at the end.

Actors, all at once:
- htmx editors (session login through the login form): read a quote's row, then decide it with
  the review desk's htmx POST, on the quotes of `--hot-articles` articles, so they collide;
- API editors (review-scope keys): GET the quote, then POST the API review with If-Match;
- reporters: the search page and the review queue;
- the CMS: polls the change feed (cursor loop) and pushes new articles with Idempotency-Key,
  replaying every fifth push with the same key.

409 (htmx / `version` field) and 412 (If-Match) are the expected outcome of two editors deciding
the same version; they are counted as conflicts, not errors. Anything else that is not the
action's success status is an error (target 0).

After the run it drains (pre-highlighting, webhook sweep, the change feed) and audits:
every decision answered 2xx is in the review table exactly once (quote, version, status,
reviewer) and in the change feed exactly once; no extra reviews were written; no two reviews of
a quote share a version; each quote's version is 1 + its accepted decisions and its status is
that of its last one; the feed never repeats a position; every verdict produced exactly one
webhook delivery, all delivered, each seen by the receiver; every pushed article exists once and
was pre-highlighted. Exit status 1 if the audit fails or errors > 0.
"""

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
_base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk"))
# Named after DATABASE_URL's database, so engineers sharing a server do not drop each other's.
DB_NAME = f"{_base.path.lstrip('/') or 'newsdesk'}_bench_load"
PG_URL = urlunsplit((_base.scheme, _base.netloc, "", "", ""))
os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ["NEWSDESK_API_RATE"] = "100000000/min"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Free ports, so that two runs on one machine do not meet.
PORT = free_port()
HOOK_PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
# Target of issue 13: the htmx decision's p95 at most this times the change-feed poll's p95.
MAX_DECISION_TO_FEED_P95 = 1.5
SPEAKERS = ["Jens Stoltenberg", "Joe Biden", "Jen Psaki", "John Kirby", "Antony Blinken"]
TOPICS = ["budget", "bridge", "alliance", "election", "harbour", "taxes", "schools", "energy"]
HTMX_ACTIONS = ["verified", "disputed", "not_a_quote", "reopen"]
API_STATUSES = ["verified", "disputed", "not_a_quote", "candidate"]
VERSION_RE = re.compile(r'data-version="(\d+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def article_body(n: int) -> str:
    rng = random.Random(n)
    parts = []
    for i in range(6):
        topic = rng.choice(TOPICS)
        speaker = SPEAKERS[(n + i) % len(SPEAKERS)]
        parts.append(
            f"“The {topic} plan number {n}-{i} will be ready before the winter,” "
            f"{speaker} said on Monday."
        )
        parts.append(f"Officials discussed the {topic} for an hour in edition {n}.")
    return "\n\n".join(parts)


# --- setup ------------------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(PG_URL)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [DB_NAME]
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB_NAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def drop_database() -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(PG_URL)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [DB_NAME]
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB_NAME)))


@dataclass
class Seed:
    editors: list[tuple[str, str]]
    reporters: list[tuple[str, str]]
    api_keys: list[str]
    cms_key: str
    hot_quotes: list[int]
    endpoint_id: int


def seed(args: argparse.Namespace) -> Seed:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from annotations import roles
    from annotations.models import ApiClient, WebhookEndpoint
    from annotations.services.api_clients import api_client_create
    from annotations.services.articles import article_create
    from annotations.services.demo import demo_load

    demo_load(with_users=True)
    user_model = get_user_model()
    editors_group = Group.objects.get(name=roles.EDITOR)
    reporters_group = Group.objects.get(name=roles.REPORTER)

    def make_user(name: str, group: Group) -> tuple[str, str]:
        password = secrets.token_urlsafe(12)
        user = user_model.objects.create_user(username=name, password=password)
        user.groups.add(group)
        return name, password

    editors = [make_user(f"load-editor-{i}", editors_group) for i in range(args.htmx_editors)]
    reporters = [make_user(f"load-reporter-{i}", reporters_group) for i in range(args.reporters)]
    api_keys = []
    for i in range(args.api_editors):
        owner = user_model.objects.create_user(username=f"load-api-editor-{i}")
        owner.groups.add(editors_group)
        api_keys.append(
            api_client_create(name=f"editor {i}", owner=owner, scope=ApiClient.Scope.REVIEW)[1]
        )
    cms_owner = user_model.objects.create_user(username="load-cms")
    cms_owner.groups.add(editors_group)
    cms_key = api_client_create(name="cms", owner=cms_owner, scope=ApiClient.Scope.REVIEW)[1]
    endpoint = WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{HOOK_PORT}/hook",
        events=[choice for choice, _ in WebhookEndpoint.Event.choices],
    )
    for n in range(args.articles):
        article_create(
            title=f"Load article {n}", body=article_body(n), url=f"https://load.example/seed/{n}"
        )
    return Seed(editors, reporters, api_keys, cms_key, [], endpoint.pk)


def hot_quotes(n_articles: int) -> list[int]:
    from annotations.models import Article, Quote

    articles = list(Article.objects.order_by("id").values_list("pk", flat=True)[:n_articles])
    return list(Quote.objects.filter(article_id__in=articles).values_list("pk", flat=True))


def wait_prehighlighted(timeout: float) -> int:
    from annotations.models import Article

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = Article.objects.exclude(prehighlight_status="done").count()
        if left == 0:
            return 0
        time.sleep(0.5)
    return Article.objects.exclude(prehighlight_status="done").count()


def start_processes(log_dir: Path) -> list[subprocess.Popen[bytes]]:
    from newsdesk.devservices import lone_worker_command

    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    # DEBUG off serves hashed static names from the manifest (staticfiles/ is git-ignored).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsdesk.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=(log_dir / "load-web.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        lone_worker_command(f"bench-load-{uuid.uuid4().hex[:6]}", "-c", "1", "-l", "WARNING"),
        cwd=ROOT,
        env=env,
        stdout=(log_dir / "load-worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{BASE}/healthz", timeout=5).status_code == 200:
                return [web, worker]
        except requests.RequestException:
            time.sleep(0.3)
    for process in (web, worker):
        process.kill()
    raise SystemExit("gunicorn did not start (see test-artifacts/load-web.log)")


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- webhook receiver -------------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.deliveries[self.headers.get("Newsdesk-Delivery", "")] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    # (quote id, version after the decision) -> (status, username) for every 2xx decision
    accepted: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    duplicate_accepts: list[tuple[int, int]] = field(default_factory=list)
    api_review_ids: list[int] = field(default_factory=list)
    created_articles: dict[str, int] = field(default_factory=dict)  # idempotency key -> id
    replay_mismatches: int = 0
    feed: list[dict] = field(default_factory=list)

    def time(self, action: str, seconds: float) -> None:
        with self.lock:
            self.latencies[action].append(seconds)

    def error(self, action: str, detail: str) -> None:
        with self.lock:
            self.errors[action] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{action}: {detail[:300]}")

    def accept(self, quote: int, version: int, status: str, user: str) -> None:
        with self.lock:
            if (quote, version) in self.accepted:
                self.duplicate_accepts.append((quote, version))
            self.accepted[(quote, version)] = (status, user)


def timed(stats: Stats, action: str, call, *args, **kwargs) -> requests.Response | None:
    started = time.perf_counter()
    try:
        response = call(*args, timeout=60, **kwargs)
    except requests.RequestException as exc:
        stats.error(action, repr(exc))
        return None
    stats.time(action, time.perf_counter() - started)
    return response


def session_login(username: str, password: str) -> requests.Session:
    # DEBUG is off, so the cookies are Secure; over plain loopback HTTP they are sent by hand.
    session = requests.Session()
    page = session.get(f"{BASE}/accounts/login/", timeout=30)
    token = CSRF_RE.search(page.text)
    assert token, f"no CSRF token on the login page ({page.status_code})"
    csrf_cookie = page.cookies["csrftoken"]
    response = session.post(
        f"{BASE}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Cookie": f"csrftoken={csrf_cookie}", "Referer": f"{BASE}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
    cookies = {
        "csrftoken": response.cookies.get("csrftoken", csrf_cookie),
        "sessionid": response.cookies["sessionid"],
    }
    session.cookies.clear()
    session.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    session.headers["X-CSRFToken"] = cookies["csrftoken"]
    return session


def htmx_editor(stats: Stats, name: str, password: str, quotes: list[int], stop: float) -> None:
    session = session_login(name, password)
    session.headers["HX-Request"] = "true"
    rng = random.Random(name)
    while time.monotonic() < stop:
        pk = rng.choice(quotes)
        row = timed(stats, "htmx read row", session.get, f"{BASE}/quotes/{pk}/")
        if row is None:
            continue
        if row.status_code != 200 or not VERSION_RE.search(row.text):
            stats.error("htmx read row", f"{row.status_code} {row.text[:200]}")
            continue
        version = int(VERSION_RE.search(row.text).group(1))
        action = rng.choice(HTMX_ACTIONS)
        response = timed(
            stats,
            "htmx decide",
            session.post,
            f"{BASE}/quotes/{pk}/review/",
            data={
                "version": version,
                "action": action,
                "note": f"load check by {name}",
                "dispute_reason": "cannot_confirm" if action == "disputed" else "",
            },
        )
        if response is None:
            continue
        if response.status_code == 200:
            status = "candidate" if action == "reopen" else action
            stats.accept(pk, version + 1, status, name)
        elif response.status_code == 409:
            with stats.lock:
                stats.conflicts["htmx decide 409"] += 1
        else:
            stats.error("htmx decide", f"{response.status_code} {response.text[:200]}")


def api_editor(stats: Stats, index: int, key: str, quotes: list[int], stop: float) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    rng = random.Random(f"api-{index}")
    name = f"load-api-editor-{index}"
    while time.monotonic() < stop:
        pk = rng.choice(quotes)
        read = timed(stats, "api read quote", session.get, f"{BASE}/api/v1/quotes/{pk}/")
        if read is None:
            continue
        if read.status_code != 200:
            stats.error("api read quote", f"{read.status_code} {read.text[:200]}")
            continue
        version = read.json()["version"]
        status = rng.choice(API_STATUSES)
        # Half the decisions use If-Match (stale → 412), half the `version` field (stale → 409).
        use_if_match = rng.random() < 0.5
        payload: dict = {"status": status, "note": f"load check by {name}"}
        if status == "disputed":
            payload["dispute_reason"] = "cannot_confirm"
        headers = {}
        if use_if_match:
            headers["If-Match"] = f'"{version}"'
        else:
            payload["version"] = version
        response = timed(
            stats,
            "api decide",
            session.post,
            f"{BASE}/api/v1/quotes/{pk}/review/",
            json=payload,
            headers=headers,
        )
        if response is None:
            continue
        if response.status_code == 201:
            review = response.json()["review"]
            stats.accept(pk, version + 1, status, name)
            with stats.lock:
                stats.api_review_ids.append(review["id"])
        elif response.status_code in (409, 412):
            with stats.lock:
                stats.conflicts[f"api decide {response.status_code}"] += 1
        else:
            stats.error("api decide", f"{response.status_code} {response.text[:200]}")


def reporter(stats: Stats, name: str, password: str, stop: float) -> None:
    session = session_login(name, password)
    rng = random.Random(name)
    while time.monotonic() < stop:
        if rng.random() < 0.8:
            query = rng.choice([*TOPICS, "winter", "Stoltenberg", "NATO", "plan ready"])
            response = timed(stats, "search", session.get, f"{BASE}/search/", params={"q": query})
            action = "search"
        else:
            response = timed(stats, "review queue", session.get, f"{BASE}/")
            action = "review queue"
        if response is not None and response.status_code != 200:
            stats.error(action, f"{response.status_code} {response.text[:200]}")


def cms_feed(stats: Stats, key: str, stop: float, drain: threading.Event) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        response = timed(
            stats, "change feed", session.get, f"{BASE}/api/v1/changes/", params=params
        )
        if response is None:
            time.sleep(1)
            continue
        if response.status_code != 200:
            stats.error("change feed", f"{response.status_code} {response.text[:200]}")
            time.sleep(1)
            continue
        page = response.json()
        with stats.lock:
            stats.feed.extend(page["events"])
        cursor = page["next_cursor"] or cursor
        if page["has_more"]:
            continue
        if drain.is_set():
            return
        time.sleep(1 if time.monotonic() < stop else 0.2)


def cms_push(stats: Stats, key: str, stop: float) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    n = 0
    while time.monotonic() < stop:
        n += 1
        idem = f"load-push-{n}"
        payload = {
            "title": f"Pushed {n}",
            "body": article_body(10_000 + n),
            "url": f"https://load.example/pushed/{n}",
            "outlet": "Load Times",
        }
        response = timed(
            stats,
            "article create",
            session.post,
            f"{BASE}/api/v1/articles/",
            json=payload,
            headers={"Idempotency-Key": idem},
        )
        if response is None:
            continue
        if response.status_code != 201:
            stats.error("article create", f"{response.status_code} {response.text[:200]}")
            continue
        article_id = response.json()["id"]
        with stats.lock:
            stats.created_articles[idem] = article_id
        if n % 5 == 0:
            # A CMS retry after a lost answer: same key, same body → the stored answer.
            again = timed(
                stats,
                "article create (replay)",
                session.post,
                f"{BASE}/api/v1/articles/",
                json=payload,
                headers={"Idempotency-Key": idem},
            )
            if again is None:
                continue
            if (
                again.status_code != 201
                or again.headers.get("Idempotent-Replayed") != "true"
                or again.json()["id"] != article_id
            ):
                stats.error("article create (replay)", f"{again.status_code} {again.text[:200]}")
        time.sleep(1.0)


# --- audit ------------------------------------------------------------------------------------


def audit(stats: Stats, seed_info: Seed, receiver: Receiver) -> list[str]:
    from django.db.models import Count

    from annotations.models import Article, Quote, Review, WebhookDelivery
    from annotations.services import events

    problems: list[str] = []
    load_users = {name for name, _ in seed_info.editors} | {
        f"load-api-editor-{i}" for i in range(len(seed_info.api_keys))
    }
    reviews = list(
        Review.objects.filter(reviewer__username__in=load_users).select_related("reviewer")
    )
    by_key = defaultdict(list)
    for review in reviews:
        by_key[(review.quote_id, review.quote_version)].append(review)

    if stats.duplicate_accepts:
        problems.append(
            f"two 2xx answers for the same quote version: {stats.duplicate_accepts[:5]}"
        )
    for key, (status, user) in stats.accepted.items():
        found = by_key.get(key, [])
        if len(found) != 1:
            problems.append(f"accepted decision {key} is in the review table {len(found)} times")
        elif (found[0].to_status, found[0].reviewer.username) != (status, user):
            problems.append(
                f"accepted decision {key} stored as {found[0].to_status} by "
                f"{found[0].reviewer.username}, answered {status} by {user}"
            )
    extra = set(by_key) - set(stats.accepted)
    if extra:
        problems.append(
            f"{len(extra)} reviews written that no 2xx answered, e.g. {sorted(extra)[:5]}"
        )
    shared = (
        Review.objects.values("quote_id", "quote_version")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    if shared:
        problems.append(f"{shared} quote versions carry more than one review")

    per_quote = Counter(quote for quote, _ in stats.accepted)
    last = {}
    for (quote, version), (status, _user) in stats.accepted.items():
        if version > last.get(quote, (0, ""))[0]:
            last[quote] = (version, status)
    for quote in Quote.objects.filter(pk__in=seed_info.hot_quotes):
        if quote.version != 1 + per_quote[quote.pk]:
            problems.append(
                f"quote {quote.pk}: version {quote.version}, "
                f"1 + {per_quote[quote.pk]} decisions expected"
            )
        if quote.pk in last and quote.status != last[quote.pk][1]:
            problems.append(
                f"quote {quote.pk}: status {quote.status}, last decision {last[quote.pk][1]}"
            )

    seqs = [event["id"] for event in stats.feed]
    if len(seqs) != len(set(seqs)):
        problems.append("the change feed repeated a position")
    if seqs != sorted(seqs):
        problems.append("the change feed went backwards")
    feed_reviews = Counter(
        event["object_id"] for event in stats.feed if event["type"] == "review.created"
    )
    for review in reviews:
        if feed_reviews[review.pk] != 1:
            problems.append(
                f"review {review.pk} is in the change feed {feed_reviews[review.pk]} times"
            )

    # Verdicts (and their withdrawal) reach the CMS; candidate -> not a quote does not.
    expected_events = {
        f"review-{r.pk}"
        for r in reviews
        if events.decision_event_kind(from_status=r.from_status, to_status=r.to_status)
        != events.EventKind.QUOTE_CHANGED
    }
    deliveries = list(WebhookDelivery.objects.filter(event_id__startswith="review-"))
    delivered_events = Counter(d.event_id for d in deliveries)
    loaded = {d.event_id for d in deliveries if d.event_id in expected_events}
    if loaded != expected_events or any(delivered_events[e] != 1 for e in expected_events):
        problems.append(
            f"webhook deliveries: {len(expected_events)} verdict events, "
            f"{len(loaded)} with a delivery, duplicates "
            f"{sum(1 for e in expected_events if delivered_events[e] > 1)}"
        )
    unsent = [d for d in deliveries if d.status != WebhookDelivery.Status.SUCCEEDED]
    if unsent:
        problems.append(
            f"{len(unsent)} webhook deliveries not delivered ({Counter(d.status for d in unsent)})"
        )
    missing = [d for d in deliveries if receiver.deliveries[str(d.delivery_id)] < 1]
    if missing:
        problems.append(f"{len(missing)} deliveries never reached the receiver")

    pushed = set(stats.created_articles.values())
    urls = Counter(
        Article.objects.filter(url__startswith="https://load.example/pushed/").values_list(
            "url", flat=True
        )
    )
    if len(pushed) != len(stats.created_articles) or any(n != 1 for n in urls.values()):
        problems.append("a pushed article was created twice")
    if set(Article.objects.filter(pk__in=pushed).values_list("pk", flat=True)) != pushed:
        problems.append("a pushed article is missing")
    not_done = Article.objects.exclude(prehighlight_status="done").count()
    if not_done:
        problems.append(f"{not_done} articles not pre-highlighted after the drain")
    return problems


def drain_webhooks(timeout: float) -> None:
    from django.core.management import call_command

    from annotations.models import WebhookDelivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.SUCCEEDED).exists():
            return
        call_command("webhooks_sweep", verbosity=0)
        time.sleep(2)


# --- main -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--htmx-editors", type=int, default=3)
    parser.add_argument("--api-editors", type=int, default=2)
    parser.add_argument("--reporters", type=int, default=2)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--hot-articles", type=int, default=2)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    from newsdesk.celery_app import app as celery_app

    call_command("migrate", verbosity=0)
    celery_app.control.purge()
    log_dir = ROOT / "test-artifacts"
    processes: list[subprocess.Popen[bytes]] = []
    stats = Stats()
    try:
        with Receiver() as receiver:
            processes = start_processes(log_dir)
            seed_info = seed(args)
            left = wait_prehighlighted(180)
            if left:
                raise SystemExit(f"{left} seed articles were not pre-highlighted in 180 s")
            seed_info.hot_quotes = hot_quotes(args.hot_articles)
            print(
                f"seeded: {args.articles + 1} articles, {len(seed_info.hot_quotes)} contested "
                f"quotes; load for {args.seconds:.0f} s",
                flush=True,
            )

            began = time.monotonic()
            stop = began + args.seconds
            drain = threading.Event()
            threads = [
                *(
                    threading.Thread(
                        target=htmx_editor, args=(stats, n, p, seed_info.hot_quotes, stop)
                    )
                    for n, p in seed_info.editors
                ),
                *(
                    threading.Thread(
                        target=api_editor, args=(stats, i, k, seed_info.hot_quotes, stop)
                    )
                    for i, k in enumerate(seed_info.api_keys)
                ),
                *(
                    threading.Thread(target=reporter, args=(stats, n, p, stop))
                    for n, p in seed_info.reporters
                ),
                threading.Thread(target=cms_push, args=(stats, seed_info.cms_key, stop)),
            ]
            feed = threading.Thread(
                target=cms_feed, args=(stats, seed_info.cms_key, stop, drain), daemon=True
            )
            feed.start()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began

            print("load finished; draining pre-highlighting, webhooks and the feed", flush=True)
            wait_prehighlighted(180)
            drain_webhooks(120)
            drain.set()
            feed.join(timeout=120)
            problems = audit(stats, seed_info, receiver)
    finally:
        stop_processes(processes)
        if not args.keep_database:
            from django.db import connections

            connections.close_all()
            drop_database()

    total = sum(len(v) for v in stats.latencies.values())
    print(f"\n{elapsed:.0f} s, {total} requests, {total / elapsed:.1f} req/s overall")
    print(f"{'action':<26}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for action in sorted(stats.latencies):
        values = stats.latencies[action]
        print(
            f"{action:<26}{len(values):>8}{len(values) / elapsed:>8.1f}"
            f"{statistics.median(values) * 1000:>9.1f}{percentile(values, 0.95) * 1000:>9.1f}"
            f"{stats.errors[action]:>8}"
        )
    print(
        f"accepted decisions: {len(stats.accepted)} "
        f"(htmx {len(stats.accepted) - len(stats.api_review_ids)}, "
        f"api {len(stats.api_review_ids)})"
    )
    print(f"version conflicts (expected, not errors): {dict(stats.conflicts)}")
    print(f"errors: {sum(stats.errors.values())} {dict(stats.errors)}")
    for sample in stats.error_samples:
        print(f"  {sample}")
    print(
        f"change feed events read: {len(stats.feed)}; articles pushed: "
        f"{len(stats.created_articles)}; webhook deliveries seen by the receiver: "
        f"{len(receiver.deliveries)} ids, {sum(receiver.deliveries.values())} requests"
    )
    print("audit: " + ("OK" if not problems else "FAILED"))
    for problem in problems[:50]:
        print(f"  {problem}")
    decision = percentile(stats.latencies["htmx decide"], 0.95)
    feed = percentile(stats.latencies["change feed"], 0.95)
    ratio = decision / feed
    passed = ratio <= MAX_DECISION_TO_FEED_P95
    print(
        f"target (issue 13): htmx decision p95 <= {MAX_DECISION_TO_FEED_P95:g}x change-feed p95: "
        f"{decision * 1000:.1f} / {feed * 1000:.1f} ms = {ratio:.2f}x",
        "PASS" if passed else "FAIL",
    )
    return 0 if not problems and not stats.errors and passed else 1


if __name__ == "__main__":
    sys.exit(main())
