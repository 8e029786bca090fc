"""Benchmark of the review desk, in-process through Django's full request stack.

Measures, on one process and database, with the requests of every kind taking turns so that
load from elsewhere on the machine hits them alike:

- `/healthz` (one `SELECT 1`): the baseline of the verify action;
- a plain list: a view registered only here that reads the same 200 quotes through the same
  selectors as the article page (same ORM queries) and renders their text, speaker and status
  with a minimal template. It is the baseline of the article page, so the ratio says what the
  desk's markup costs over showing the same data at all;
- the article page with 200 quotes;
- a verify action (htmx POST) on that article.

It counts the SQL queries per request for 20 and 200 quotes, and prints each target of issue 13
with PASS or FAIL (exit status 1 if one fails).

Usage:  .venv/bin/python bench/review.py [--requests 180]   (or `make bench-review`)
It runs Django with DEBUG off, as deployed (`manage.py collectstatic` first, as bench/load.py).
It creates and drops its own database, `<database of DATABASE_URL>_bench_review`, so that
engineers sharing a PostgreSQL server do not drop each other's.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Targets of issue 13 ("The desk must be fast where editors feel it").
MAX_VERIFY_QUERIES = 8
MAX_VERIFY_RATIO = 15.0  # verify median / healthz median
MAX_PAGE_RATIO = 3.0  # article page median / plain list median
ROUND = 10
FORM = "application/x-www-form-urlencoded"

PLAIN_LIST = (
    "<!doctype html><title>{{ article.title }}</title><ol>"
    "{% for quote in quotes %}"
    "<li>{{ quote.text }} — {{ quote.speaker.name }} — {{ quote.get_status_display }}</li>"
    "{% endfor %}</ol>"
)


def bench_database_url() -> tuple[str, str]:
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk"))
    name = f"{base.path.lstrip('/') or 'newsdesk'}_bench_review"
    return urlunsplit(base._replace(path=f"/{name}")), name


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(url)
    conninfo = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(statement)


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=180, help="requests per measurement")
    args = parser.parse_args()
    # One verify per quote of the 200-quote article (the last one is counted, not timed), and
    # whole rounds.
    n = max(ROUND, min(args.requests, 190) // ROUND * ROUND)

    url, name = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    # Measured as deployed, like bench/load.py: DEBUG off (no query log, no template debug
    # information, hashed static names), over plain HTTP in-process.
    os.environ.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        check=True,
    )
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(url, f'CREATE DATABASE "{name}"')
    try:
        return run(n, name)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(url, f'DROP DATABASE IF EXISTS "{name}"')


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


def install_plain_list() -> None:
    """Serve the plain list at /bench/plain/<pk>/ next to every URL of the project."""
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.urls import include, path
    from django.views.decorators.http import require_GET

    from annotations.selectors import articles as article_selectors
    from annotations.selectors import review as review_selectors
    from annotations.views.review import login_required_htmx

    template = engines["django"].from_string(PLAIN_LIST)

    @require_GET
    @login_required_htmx
    def plain_list(request: HttpRequest, pk: int) -> HttpResponse:
        # The article page's own reads: the same selectors, so the same SQL.
        article = article_selectors.article_get_for_user(user=request.user, pk=pk)
        quotes = review_selectors.quote_list_for_review(user=request.user, article=article)
        return HttpResponse(template.render({"article": article, "quotes": quotes}, request))

    urlconf = types.ModuleType("bench_review_urls")
    urlconf.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/plain/<int:pk>/", plain_list, name="bench_plain_list"),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[urlconf.__name__] = urlconf
    settings.ROOT_URLCONF = urlconf.__name__


def run(n: int, database: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, reverse

    from annotations.models import Quote, Speaker
    from tests.factories import UserFactory

    install_plain_list()
    clear_url_caches()
    call_command("migrate", verbosity=0)
    editor = UserFactory(username="bench-editor", role="editor")
    speaker = Speaker.objects.create(name="Bench Minister")
    small, large = make_article(20, speaker), make_article(200, speaker)
    client = Client()
    client.force_login(editor)
    htmx = {"HX-Request": "true"}

    def request(path: str, method: str = "get", **data: object) -> None:
        if method == "post":
            # As htmx sends a form: urlencoded (the test client would encode multipart).
            response = client.post(path, urlencode(data), content_type=FORM, headers=htmx)
        else:
            response = client.get(path, data)
        assert response.status_code in (200, 302), (path, response.status_code)

    def queries(path: str, method: str = "get", **data: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            request(path, method, **data)
        return len(captured.captured_queries)

    def page_path(article: object) -> str:
        return reverse("annotations:article_detail", args=[article.pk])  # type: ignore[attr-defined]

    baseline_path = reverse("annotations:healthz")
    plain_path = reverse("bench_plain_list", args=[large.pk])
    for path in (baseline_path, plain_path, page_path(small), page_path(large)):
        request(path)  # warm caches, templates and connections

    small_quotes = list(Quote.objects.filter(article=small).order_by("start"))
    large_quotes = list(Quote.objects.filter(article=large).order_by("start"))

    def verify(quote: Quote) -> None:
        path = reverse("annotations:quote_review", args=[quote.pk])
        request(path, "post", action="verified", version=quote.version)

    query_counts = {
        "healthz": queries(baseline_path),
        "plain list, 200 quotes": queries(plain_path),
        "page, 20 quotes": queries(page_path(small)),
        "page, 200 quotes": queries(page_path(large)),
    }
    with CaptureQueriesContext(connection) as captured:
        verify(small_quotes[0])
    query_counts["verify, 20-quote article"] = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        verify(large_quotes[-1])
    verify_sql = [query["sql"] for query in captured.captured_queries]
    query_counts["verify, 200-quote article"] = len(verify_sql)

    # The kinds take turns in rounds of ROUND requests, so a busy moment of the shared machine
    # slows all of them alike. Each round of a kind starts with one unmeasured request: a small
    # request right after a CPU-heavy one waits longer for the scheduler (measured: /healthz
    # 0.8 ms alone, 3-6 ms straight after a page), which is the previous request's cost.
    kinds: dict[str, Callable[[int], None]] = {
        "baseline /healthz": lambda _i: request(baseline_path),
        "baseline plain list, 200 quotes": lambda _i: request(plain_path),
        "article page, 200 quotes": lambda _i: request(page_path(large)),
        "verify (htmx), 200-quote article": lambda i: verify(large_quotes[i]),
    }
    warm_ups = dict(
        kinds, **{"verify (htmx), 200-quote article": lambda r: verify(small_quotes[r + 1])}
    )
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_number in range(n // ROUND):
        for kind, call in kinds.items():
            warm_ups[kind](round_number)
            for i in range(round_number * ROUND, (round_number + 1) * ROUND):
                started, started_cpu = time.perf_counter(), time.process_time()
                call(i)
                samples[kind].append((time.perf_counter() - started) * 1000)
                cpu[kind].append((time.process_time() - started_cpu) * 1000)
    assert Quote.objects.filter(article=large, status="verified").count() == n + 1

    medians = {kind: summary(values)[0] for kind, values in samples.items()}
    print(f"requests per measurement: {n}  (in-process Django test client, PostgreSQL {database})")
    # CPU: this process's own time (Python, the test client, the driver), without PostgreSQL's.
    # It moves less with the load of a shared machine than the wall time the targets use.
    print(f"{'request':<36}{'median ms':>10}{'p95 ms':>10}{'CPU ms':>10}")
    for kind, values in samples.items():
        median, p95 = summary(values)
        print(f"{kind:<36}{median:>10.2f}{p95:>10.2f}{summary(cpu[kind])[0]:>10.2f}")
    print()
    print("SQL queries per request:")
    for label, count in query_counts.items():
        print(f"  {label:<30}{count:>4}")
    print("verify, 200-quote article:")
    for sql in verify_sql:
        print(f"    {sql[:100]}")

    verify_ratio = medians["verify (htmx), 200-quote article"] / medians["baseline /healthz"]
    page_ratio = medians["article page, 200 quotes"] / medians["baseline plain list, 200 quotes"]
    cpu_medians = {kind: summary(values)[0] for kind, values in cpu.items()}
    cpu_verify = cpu_medians["verify (htmx), 200-quote article"] / cpu_medians["baseline /healthz"]
    cpu_page = (
        cpu_medians["article page, 200 quotes"] / cpu_medians["baseline plain list, 200 quotes"]
    )
    print(
        f"CPU ratios (information): verify / healthz {cpu_verify:.1f}x, "
        f"page / plain list {cpu_page:.2f}x"
    )
    verify_queries = max(
        query_counts["verify, 20-quote article"], query_counts["verify, 200-quote article"]
    )
    targets = [
        (
            f"verify SQL queries <= {MAX_VERIFY_QUERIES}",
            f"{verify_queries}",
            verify_queries <= MAX_VERIFY_QUERIES,
        ),
        (
            f"verify <= {MAX_VERIFY_RATIO:g}x /healthz",
            f"{verify_ratio:.1f}x",
            verify_ratio <= MAX_VERIFY_RATIO,
        ),
        (
            f"200-quote page <= {MAX_PAGE_RATIO:g}x plain list",
            f"{page_ratio:.2f}x",
            page_ratio <= MAX_PAGE_RATIO,
        ),
        (
            "page queries constant (20 vs 200 quotes)",
            f"{query_counts['page, 20 quotes']} vs {query_counts['page, 200 quotes']}",
            query_counts["page, 20 quotes"] == query_counts["page, 200 quotes"],
        ),
        (
            "verify queries constant (20 vs 200 quotes)",
            f"{query_counts['verify, 20-quote article']} vs {verify_queries}",
            query_counts["verify, 20-quote article"] == query_counts["verify, 200-quote article"],
        ),
    ]
    print()
    print("targets (issue 13):")
    for label, figure, passed in targets:
        print(f"  {label:<44}{figure:>10}  {'PASS' if passed else 'FAIL'}")
    return 0 if all(passed for _, _, passed in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
