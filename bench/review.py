"""Benchmark of the review desk, in-process through Django's full request stack.

Measures the server time of a verify action (htmx) and of the article page with 200 quotes,
against a trivial view (`/healthz`, one `SELECT 1`) on the same process and database, and counts
the SQL queries per request for 20 and 200 quotes (they must be equal).

Usage:  .venv/bin/python bench/review.py [--requests 200]
It creates and drops its own database `newsdesk_bench_review` on the server of DATABASE_URL.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "newsdesk_bench_review"


def bench_database_url() -> str:
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk"))
    return urlunsplit(base._replace(path=f"/{BENCH_DB}"))


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(url)
    conninfo = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(statement)


def timed(function: Callable[[int], object], n: int) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        function(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    args = parser.parse_args()
    n = min(args.requests, 200)  # one verify per quote of the 200-quote article

    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    admin_sql(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
    admin_sql(url, f'CREATE DATABASE "{BENCH_DB}"')
    try:
        run(n)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}"')


def make_article(quotes: int, speaker: object) -> object:
    from annotations.models import Article, Quote

    body = "\n\n".join(
        f"“Statement {i} is exactly what we said,” the minister said on day {i}."
        for i in range(quotes)
    )
    article = Article(
        title=f"Bench {quotes}", body=body, outlet="Bench", prehighlight_status="done"
    )
    article.save()
    rows, position = [], 0
    for _ in range(quotes):
        start = body.index("“", position) + 1
        end = body.index("”", start)
        rows.append(
            Quote(
                article=article,
                start=start,
                end=end,
                text=body[start:end],
                prefix=body[max(0, start - 32) : start],
                suffix=body[end : end + 32],
                speaker=speaker,
                confidence=0.9,
            )
        )
        position = end
    Quote.objects.bulk_create(rows)
    return article


def run(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotations.models import Quote, Speaker
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    editor = UserFactory(username="bench-editor", role="editor")
    speaker = Speaker.objects.create(name="Bench Minister")
    small, large = make_article(20, speaker), make_article(200, speaker)
    client = Client()
    client.force_login(editor)
    htmx = {"HX-Request": "true"}

    def queries(path: str, method: str = "get", **data: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, data, headers=htmx if method == "post" else {})
        assert response.status_code in (200, 302), (path, response.status_code)
        return len(captured.captured_queries)

    page_small = reverse("annotations:article_detail", args=[small.pk])
    page_large = reverse("annotations:article_detail", args=[large.pk])
    baseline_path = reverse("annotations:healthz")
    for path in (baseline_path, page_small, page_large):  # warm caches and connections
        client.get(path)

    small_quotes = list(Quote.objects.filter(article=small).order_by("start"))
    large_quotes = list(Quote.objects.filter(article=large).order_by("start"))

    def verify(quote: Quote) -> int:
        return queries(
            reverse("annotations:quote_review", args=[quote.pk]),
            "post",
            action="verified",
            version=quote.version,
        )

    query_counts = {
        "healthz": queries(baseline_path),
        "page, 20 quotes": queries(page_small),
        "page, 200 quotes": queries(page_large),
        "verify, 20-quote article": verify(small_quotes[0]),
        "verify, 200-quote article": verify(large_quotes[-1]),
    }

    baseline = timed(lambda _i: client.get(baseline_path), n)
    page = timed(lambda _i: client.get(page_large), n)
    verifies = timed(
        lambda i: client.post(
            reverse("annotations:quote_review", args=[large_quotes[i].pk]),
            {"action": "verified", "version": 1},
            headers=htmx,
        ),
        min(n, len(large_quotes) - 1),
    )
    assert Quote.objects.filter(article=large, status="verified").count() == len(verifies) + 1

    base_median, _ = summary(baseline)
    print(f"requests per measurement: {n}  (in-process Django test client, PostgreSQL {BENCH_DB})")
    print(f"{'request':<34}{'median ms':>10}{'p95 ms':>10}{'× baseline':>12}")
    for label, samples in (
        ("baseline /healthz", baseline),
        ("article page, 200 quotes", page),
        ("verify (htmx), 200-quote article", verifies),
    ):
        median, p95 = summary(samples)
        print(f"{label:<34}{median:>10.2f}{p95:>10.2f}{median / base_median:>12.1f}")
    print()
    print("SQL queries per request:")
    for label, count in query_counts.items():
        print(f"  {label:<28}{count:>4}")
    constant = (
        query_counts["page, 20 quotes"] == query_counts["page, 200 quotes"]
        and query_counts["verify, 20-quote article"] == query_counts["verify, 200-quote article"]
    )
    print(f"  constant in the number of quotes: {'yes' if constant else 'NO'}")


if __name__ == "__main__":
    main()
