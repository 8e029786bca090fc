"""Throughput of the REST API's quote list and change feed against a trivial endpoint.

    .venv/bin/python bench/api.py [--quotes 5000] [--seconds 10] [--rounds 5] [--threads 8]
                                  [--workers 4]

Creates (or recreates) the database `newsdesk_bench_api`, seeds it, starts gunicorn on
127.0.0.1:8581 with the same settings for every endpoint, and drives it with a threaded Python
client for a bounded time per endpoint. Reports requests/second, p50/p95 latency, the ratio to
/api/v1/ping/ (same auth, permission, throttle and ETag stack, no queries beyond auth) measured
in the same run, and SQL queries per request. Target: the quote list at >= 50% of ping.

The endpoints take turns: `--rounds` rounds of `--seconds / --rounds` per endpoint, so a burst of
load from elsewhere on these shared machines hits every endpoint alike. The ratio is taken per
round; the median and range of the rounds are reported (req/s and latencies pool all rounds).
"""

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "newsdesk_bench_api"
PG = "postgres://postgres@127.0.0.1:5432"
PORT = 8581
os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ["NEWSDESK_API_RATE"] = "100000000/min"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")


def recreate_database() -> None:
    for command in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)


def seed(n_quotes: int) -> str:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from annotations.models import ApiClient, Article, Quote, Speaker, body_hash
    from annotations.services.api_clients import api_client_create
    from tests.factories import UserFactory

    per_article = 10
    sentences = [
        f"“Statement number {i} about the budget,” said speaker {i % 50}."
        for i in range(per_article)
    ]
    body = " ".join(sentences)
    speakers = Speaker.objects.bulk_create([Speaker(name=f"Speaker {i}") for i in range(50)])
    articles = Article.objects.bulk_create(
        [
            Article(
                title=f"Article {a}",
                body=body,
                url=f"https://bench.example.org/{a}",
                outlet=f"Outlet {a % 7}",
                body_hash=body_hash(body),
            )
            for a in range(n_quotes // per_article)
        ]
    )
    quotes = []
    for article in articles:
        for i, sentence in enumerate(sentences):
            start = body.index(sentence) + 1
            end = body.index("”", start)
            quotes.append(
                Quote(
                    article=article,
                    start=start,
                    end=end,
                    text=body[start:end],
                    prefix=body[max(0, start - 32) : start],
                    suffix=body[end : end + 32],
                    speaker=speakers[i % 50],
                    confidence=0.9,
                )
            )
    Quote.objects.bulk_create(quotes, batch_size=1000)
    user = UserFactory(username="bench-reader", role="reporter")
    _client, key = api_client_create(name="bench", owner=user, scope=ApiClient.Scope.READ)
    return key


def queries_per_request(key: str, paths: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for name, path in paths.items():
        client.get(path, headers={"Authorization": f"Bearer {key}"})  # warm: last_used_at
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(captured.captured_queries)
    return counts


def in_process_ms(key: str, paths: dict[str, str], n: int = 60) -> dict[str, float]:
    """Server-side cost alone (Django test client, no HTTP, no load client on the same CPUs)."""
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    timings = {}
    for name, path in paths.items():
        for _ in range(5):
            client.get(path, headers=headers)
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            for _ in range(n):
                client.get(path, headers=headers)
            runs.append((time.perf_counter() - started) / n * 1000)
        timings[name] = min(runs)
    return timings


def start_server(workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsdesk.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{PORT}/api/v1/ping/", timeout=10)
            return server
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def load(path: str, key: str, seconds: float, threads: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = session.get(f"http://127.0.0.1:{PORT}{path}", timeout=30)
            mine.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    began = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - began
    return {
        "rps": len(latencies) / elapsed,
        "elapsed": elapsed,
        "latencies": latencies,
        "errors": errors[0],
    }


def pooled(runs: list[dict[str, Any]]) -> dict[str, float]:
    """One endpoint's rounds together: total requests over total time, pooled latencies."""
    latencies = sorted(x for run in runs for x in run["latencies"])
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": sum(run["errors"] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quotes", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    recreate_database()
    key = seed(args.quotes)
    paths = {
        "ping (baseline)": "/api/v1/ping/",
        "quote list, page 50": "/api/v1/quotes/?page_size=50",
        "change feed, 50 events": "/api/v1/changes/?limit=50",
    }
    queries = queries_per_request(key, paths)
    server_ms = in_process_ms(key, paths)
    server = start_server(args.workers)
    try:
        for path in paths.values():  # warm every worker's connection and caches
            load(path, key, 1, args.threads)
        rounds: list[dict[str, dict[str, Any]]] = []
        for _ in range(args.rounds):
            rounds.append(
                {
                    name: load(path, key, args.seconds / args.rounds, args.threads)
                    for name, path in paths.items()
                }
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    results = {name: pooled([r[name] for r in rounds]) for name in paths}
    ratios = {
        name: sorted(r[name]["rps"] / r["ping (baseline)"]["rps"] for r in rounds) for name in paths
    }
    print(
        f"{args.quotes} quotes, gunicorn {args.workers} workers, {args.threads} client "
        f"threads, {args.seconds:.0f}s per endpoint in {args.rounds} interleaved rounds"
    )
    print(
        f"{'endpoint':26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs ping':>8} "
        f"{'rounds':>11} {'SQL/req':>8} {'errors':>7}"
    )
    for name, result in results.items():
        spread = f"{ratios[name][0]:.0%}-{ratios[name][-1]:.0%}"
        print(
            f"{name:26} {result['rps']:8.0f} {result['p50_ms']:8.1f} {result['p95_ms']:8.1f} "
            f"{statistics.median(ratios[name]):8.0%} {spread:>11} {queries[name]:8d} "
            f"{result['errors']:7.0f}"
        )
    print("in-process server time per request (min of 3 x 60 requests):")
    for name, ms in server_ms.items():
        share = server_ms["ping (baseline)"] / ms
        print(f"  {name:24} {ms:6.1f} ms   ({share:.0%} of ping's rate)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    ratio = statistics.median(ratios["quote list, page 50"])
    print(
        f"quote list at {ratio:.0%} of the trivial endpoint, median of {args.rounds} rounds "
        f"(target >= 50%): {'MET' if ratio >= 0.5 else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
