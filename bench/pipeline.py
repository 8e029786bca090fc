"""Benchmark of the pre-highlight pipeline, end to end through Redis and one Celery worker.

Saves N articles through `article_create` (each is queued on commit), lets one worker
subprocess (`celery -A newsdesk worker -c 1`) pre-highlight them, and waits until every article
is `done`. Beside it, in this process, runs the extractor alone (`extract_quotes` in a loop) on
the same texts with the same speaker registry. Reports articles/s and characters/s for both and
their ratio; the target is a ratio of at least 0.5.

Usage:
    .venv/bin/python bench/pipeline.py [--corpus FILE.jsonl] [--repeat N] [--limit N]

The corpus is JSON lines with `text` (and optionally `title`; otherwise the first line of the
text). It creates and drops its own database `newsdesk_bench_pipeline` on the server of
DATABASE_URL and purges the Celery queue of REDIS_URL, so point REDIS_URL at a Redis database
of your own.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "newsdesk_bench_pipeline"
DEFAULT_CORPUS = Path("/work/shared/corpora/polnear-direct-dev.jsonl")


def bench_database_url() -> str:
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk"))
    return urlunsplit(base._replace(path=f"/{BENCH_DB}"))


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(statement)


def load_corpus(path: Path, repeat: int, limit: int | None) -> list[tuple[str, str]]:
    records = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            text = record["text"].strip("\n")
            title = record.get("title") or text.partition("\n")[0][:400] or "Untitled"
            records.append((title, text))
    records = records[:limit] if limit else records
    # Repeats get unique titles and a unique final line so URL/body de-duplication never
    # collapses them and each is a real, distinct article.
    return [
        (f"{title} [{n}]", f"{text}\n\n(bench copy {n})")
        for n in range(repeat)
        for title, text in records
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus} (pass --corpus FILE.jsonl)")

    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    admin_sql(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin_sql(url, f"CREATE DATABASE {BENCH_DB}")
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from annotations.extraction import extract_quotes
        from annotations.models import Article, Quote
        from annotations.services.articles import article_create
        from annotations.services.demo import DEMO_DIR
        from annotations.services.prehighlight import _speaker_records
        from annotations.services.speakers import speaker_upsert
        from newsdesk.celery_app import app as celery_app

        for record in json.loads((DEMO_DIR / "speakers.json").read_text("utf-8")):
            speaker_upsert(name=record["name"], kind=record["kind"], aliases=record["aliases"])
        articles = load_corpus(args.corpus, args.repeat, args.limit)
        chars = sum(len(text) for _, text in articles)

        # Baseline: the extractor alone, same texts, same registry, this process.
        speakers = _speaker_records()
        started = time.perf_counter()
        extracted = sum(len(extract_quotes(text, speakers)) for _, text in articles)
        extractor_seconds = time.perf_counter() - started

        celery_app.control.purge()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        log = open(ROOT / "test-artifacts" / "pipeline-worker.log", "wb")  # noqa: SIM115

        def start_worker() -> subprocess.Popen[bytes]:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "newsdesk",
                    "worker",
                    "-c",
                    "1",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "WARNING",
                    "-n",
                    f"bench-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env={**os.environ, "DJANGO_CONN_MAX_AGE": "60"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 60
            while not celery_app.control.ping(timeout=0.5):
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit("the worker did not start; see test-artifacts/pipeline-worker.log")
            return process

        def wait_all_done() -> None:
            deadline = time.monotonic() + args.timeout
            while Article.objects.exclude(prehighlight_status="done").exists():
                if time.monotonic() > deadline:
                    sys.exit("timed out waiting for the worker")
                failed = Article.objects.filter(prehighlight_status="failed").count()
                if failed:
                    sys.exit(f"{failed} article(s) failed; see test-artifacts/pipeline-worker.log")
                time.sleep(0.05)

        # End to end: the worker runs while the articles are saved one by one.
        half = len(articles) // 2
        worker = start_worker()
        started = time.perf_counter()
        for title, text in articles[:half]:
            article_create(title=title, body=text)
        created_seconds = time.perf_counter() - started
        wait_all_done()
        pipeline_seconds = time.perf_counter() - started
        worker.terminate()
        worker.wait(timeout=30)
        worker = None

        # Worker alone: the other half is saved first, then one worker drains the queue.
        save_started = time.perf_counter()
        for title, text in articles[half:]:
            article_create(title=title, body=text)
        drain_save_seconds = time.perf_counter() - save_started
        worker = start_worker()
        started = time.perf_counter()
        wait_all_done()
        drain_seconds = time.perf_counter() - started
        stored = Quote.objects.count()

        n = len(articles)
        e2e_n, drain_n = half, n - half
        e2e_chars = sum(len(text) for _, text in articles[:half])
        drain_chars = chars - e2e_chars
        ext_rate = n / extractor_seconds
        ext_chars = chars / extractor_seconds
        print(f"articles: {n}  characters: {chars:,}  candidates: {extracted} (stored {stored})")
        print(f"extractor alone          : {ext_rate:8.1f} articles/s {ext_chars:12,.0f} chars/s")
        e2e_rate = e2e_n / pipeline_seconds
        print(
            f"end to end (save+worker) : {e2e_rate:8.1f} articles/s "
            f"{e2e_chars / pipeline_seconds:12,.0f} chars/s  ({e2e_n} articles, "
            f"{pipeline_seconds:.2f} s; saving {created_seconds:.2f} s of it)  "
            f"ratio {e2e_rate / ext_rate:.2f}"
        )
        drain_rate = drain_n / drain_seconds
        print(
            f"worker drain (1 worker)  : {drain_rate:8.1f} articles/s "
            f"{drain_chars / drain_seconds:12,.0f} chars/s  ({drain_n} articles, "
            f"{drain_seconds:.2f} s; saving them first took {drain_save_seconds:.2f} s)  "
            f"ratio {drain_rate / ext_rate:.2f}"
        )
        print("target: ratio >= 0.50")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_sql(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
