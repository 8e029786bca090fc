"""Benchmark of the pre-highlight pipeline, end to end through Redis and one Celery worker.

Writes the corpus as a JSONL file and ingests it with `manage.py ingest` (bulk inserts in
chunks, batch tasks published after each chunk commits) while one worker subprocess
(`celery -A newsdesk worker -c 1`) pre-highlights, and waits until every article is `done`.
Beside it, in this process, runs the extractor alone (`extract_quotes` in a loop) on the same
texts with the same speaker registry. Reports articles/s and characters/s for both and their
ratio; the target is a ratio of at least 0.5.

With --profile it then re-runs the store in this process on the same articles, batch by
batch: once plainly, once under cProfile (top functions printed), and once with every trigger
disabled (`session_replication_role = replica`, a measurement only: the triggers of the
search and API areas stay in the schema) to show what the triggers cost.

Usage:
    .venv/bin/python bench/pipeline.py [--corpus FILE.jsonl] [--repeat N] [--limit N]
        [--rounds N] [--batch-size N] [--chunk-size N] [--concurrency N] [--timeline]
        [--profile] [--without-triggers] [--without-trigger TABLE.TRIGGER ...]
        [--worker-log-level LEVEL]

--timeline prints, per round, when each batch was queued, claimed and committed (seconds from
the round's start) and how long the worker sat between batches. --concurrency sets the worker's
prefork processes (default 1, the same single core as the extractor baseline).

The corpus is JSON lines with `text` (and optionally `title`; otherwise the first line of the
text). It creates and drops its own database `newsdesk_bench_pipeline` on the server of
DATABASE_URL and purges the Celery queue of REDIS_URL, so point REDIS_URL at a Redis database
of your own.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
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
            records.append((" ".join(title.split()), text))
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
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--batch-size", type=int, default=None, help="Articles per task.")
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="Records per article_bulk_create call."
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="Prefork processes of the one worker (1: the extractor baseline's single core; "
        "docker-compose runs 2).",
    )
    parser.add_argument("--worker-log-level", default="WARNING")
    parser.add_argument(
        "--without-trigger",
        action="append",
        default=[],
        metavar="TABLE.TRIGGER",
        help="Measurement only: disable this trigger in the bench's own database (repeatable), "
        "e.g. annotations_quote.annotations_quote_search_insert.",
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="Print, per round, when each batch was queued, claimed and committed.",
    )
    parser.add_argument(
        "--without-triggers",
        action="store_true",
        help="Measurement only: run every connection (this process and the worker) with "
        "session_replication_role=replica, so no trigger fires, to show what they cost.",
    )
    args = parser.parse_args()
    if args.without_triggers:
        # libpq reads PGOPTIONS; the worker subprocess inherits it.
        os.environ["PGOPTIONS"] = "-c session_replication_role=replica"
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
        if args.without_trigger:
            from django.db import connection

            with connection.cursor() as cursor:
                for spec in args.without_trigger:
                    quote = connection.ops.quote_name
                    table, trigger = (quote(part) for part in spec.split(".", 1))
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        from django.db.models import Max

        from annotations.extraction import extract_quotes
        from annotations.management.commands import ingest
        from annotations.models import Article, Quote
        from annotations.services import prehighlight
        from annotations.services.demo import DEMO_DIR
        from annotations.services.speakers import speaker_upsert
        from newsdesk.celery_app import app as celery_app
        from newsdesk.devservices import lone_worker_command

        if args.chunk_size:
            ingest.CHUNK_SIZE = args.chunk_size
        if args.batch_size:
            prehighlight.PREHIGHLIGHT_BATCH_SIZE = args.batch_size
        batch_size = prehighlight.PREHIGHLIGHT_BATCH_SIZE
        for record in json.loads((DEMO_DIR / "speakers.json").read_text("utf-8")):
            speaker_upsert(name=record["name"], kind=record["kind"], aliases=record["aliases"])
        articles = load_corpus(args.corpus, args.repeat, args.limit)
        n = len(articles)
        chars = sum(len(text) for _, text in articles)
        jsonl = Path(tempfile.mkdtemp()) / "corpus.jsonl"
        jsonl.write_text(
            "\n".join(json.dumps({"title": t, "body": b}) for t, b in articles), "utf-8"
        )

        speakers = prehighlight._speaker_records()
        celery_app.control.purge()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        log = open(ROOT / "test-artifacts" / "pipeline-worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            lone_worker_command(
                f"bench-{os.getpid()}",
                "-c",
                str(args.concurrency),
                "-l",
                args.worker_log_level,
            ),
            cwd=ROOT,
            env={**os.environ, "DJANGO_CONN_MAX_AGE": "60"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                sys.exit("the worker did not start; see test-artifacts/pipeline-worker.log")

        # The machine is shared, so the load changes from second to second: each round
        # measures the baseline right before the pipeline and the ratio is taken per round.
        rounds = []
        for _ in range(args.rounds):
            Article.objects.all().delete()
            started = time.perf_counter()
            extracted = sum(len(extract_quotes(text, speakers)) for _, text in articles)
            extractor_seconds = time.perf_counter() - started

            # End to end: `manage.py ingest` on the JSONL file while the worker runs.
            started_wall = time.time()
            started = time.perf_counter()
            call_command("ingest", str(jsonl), stdout=io.StringIO(), stderr=io.StringIO())
            ingest_seconds = time.perf_counter() - started
            deadline = time.monotonic() + args.timeout
            while Article.objects.exclude(prehighlight_status="done").exists():
                if time.monotonic() > deadline:
                    sys.exit("timed out waiting for the worker")
                if Article.objects.filter(prehighlight_status="failed").exists():
                    sys.exit("article(s) failed; see test-artifacts/pipeline-worker.log")
                time.sleep(0.05)
            pipeline_seconds = time.perf_counter() - started
            assert Article.objects.count() == n, "ingest did not import every article"
            # Time inside the service (claim to commit, per batch: one claim timestamp each).
            batches = Article.objects.values("prehighlight_started_at").annotate(
                finished=Max("prehighlight_finished_at")
            )
            in_service = sum(
                (b["finished"] - b["prehighlight_started_at"]).total_seconds() for b in batches
            )
            rounds.append((extractor_seconds, pipeline_seconds, ingest_seconds, in_service))
            if args.timeline:
                print_timeline(started_wall, ingest_seconds)
        worker.terminate()
        worker.wait(timeout=30)
        worker = None
        stored = Quote.objects.count()

        print(
            f"articles: {n}  characters: {chars:,}  candidates: {extracted} (stored {stored})  "
            f"batch size: {batch_size}  ingest chunk: {ingest.CHUNK_SIZE}"
            + ("  (ALL TRIGGERS OFF: measurement only)" if args.without_triggers else "")
            + (
                f"  (OFF, measurement only: {', '.join(args.without_trigger)})"
                if args.without_trigger
                else ""
            )
        )
        for i, (ext, pipe, ing, busy) in enumerate(rounds, start=1):
            print(
                f"round {i}: extractor {n / ext:6.1f} art/s {chars / ext:11,.0f} chars/s | "
                f"end to end {n / pipe:6.1f} art/s {chars / pipe:11,.0f} chars/s "
                f"({pipe:.2f} s: ingest command {ing:.2f} s, worker in the service "
                f"{busy:.2f} s = {busy / n * 1000:.1f} ms/article) | ratio {ext / pipe:.2f}"
            )
        ext = statistics.median(r[0] for r in rounds)
        pipe = statistics.median(r[1] for r in rounds)
        print(
            f"median  : extractor {n / ext:6.1f} art/s {chars / ext:11,.0f} chars/s | "
            f"end to end {n / pipe:6.1f} art/s {chars / pipe:11,.0f} chars/s | "
            f"median per-round ratio {statistics.median(r[0] / r[1] for r in rounds):.2f}"
        )
        print("target: ratio >= 0.50")
        if args.profile:
            profile(n, batch_size)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_sql(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def print_timeline(started_wall: float, ingest_seconds: float) -> None:
    """Per batch, seconds from the round's start: queued, claimed, committed (and the gap)."""
    from django.db.models import Count, Max, Min

    from annotations.models import Article

    batches = (
        Article.objects.values("prehighlight_started_at")
        .annotate(
            queued=Max("prehighlight_queued_at"),
            finished=Max("prehighlight_finished_at"),
            first=Min("pk"),
            articles=Count("pk"),
        )
        .order_by("prehighlight_started_at")
    )
    previous = None
    print(f"  ingest command finished at {ingest_seconds:.3f} s")
    for b in batches:
        claimed = b["prehighlight_started_at"].timestamp() - started_wall
        finished = b["finished"].timestamp() - started_wall
        queued = b["queued"].timestamp() - started_wall if b["queued"] else float("nan")
        gap = claimed - previous if previous is not None else claimed
        print(
            f"  batch from #{b['first']:<6} {b['articles']:3d} articles: queued {queued:6.3f} "
            f"claimed {claimed:6.3f} committed {finished:6.3f} "
            f"(in service {finished - claimed:5.3f} s, idle before {gap:5.3f} s)"
        )
        previous = finished


# (label, [(table, trigger), ...]) disabled in the bench's own database, a measurement only.
TRIGGER_MODES = [
    ("all triggers on", []),
    (
        "without quote search vector (0004)",
        [("annotations_quote", "annotations_quote_search_insert")],
    ),
    (
        "without quote change events (0005)",
        [("annotations_quote", "annotations_quote_changeevent_insert")],
    ),
    (
        "without article change events (0005)",
        [
            ("annotations_article", "annotations_article_changeevent_insert"),
            ("annotations_article", "annotations_article_changeevent_update"),
        ],
    ),
    (
        "without change-event seal (0005)",
        [("annotations_changeevent", "annotations_changeevent_note_unsealed")],
    ),
    (
        "without quote anchor check (0002)",
        [("annotations_quote", "annotations_quote_anchor_queue_insert")],
    ),
    (
        "all triggers off",
        [
            ("annotations_quote", "ALL"),
            ("annotations_article", "ALL"),
            ("annotations_changeevent", "ALL"),
        ],
    ),
]


def profile(n: int, batch_size: int) -> None:
    """Where the worker's time goes: the service in this process, batch by batch."""
    from django.db import connection

    from annotations.extraction import extract_quotes
    from annotations.models import Article, Quote
    from annotations.services.prehighlight import _speaker_records, article_extract_quotes_batch

    pairs = list(Article.objects.order_by("pk").values_list("pk", "revision"))
    batches = [pairs[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
    bodies = list(Article.objects.values_list("body", flat=True))

    def reset() -> None:
        Quote.objects.all().delete()
        Article.objects.update(prehighlight_status="queued")

    def run() -> float:
        reset()
        started = time.perf_counter()
        for batch in batches:
            article_extract_quotes_batch(pairs=batch)
        return time.perf_counter() - started

    def toggle(triggers: list[tuple[str, str]], action: str) -> None:
        with connection.cursor() as cursor:
            for table, trigger in triggers:
                cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")

    # Interleaved repetitions, minimum of each: the machine's load changes all the time.
    timings: dict[str, list[float]] = {}
    for _ in range(3):
        speakers = _speaker_records()
        started = time.perf_counter()
        for body in bodies:
            extract_quotes(body, speakers)
        timings.setdefault("extractor alone", []).append(time.perf_counter() - started)
        for label, triggers in TRIGGER_MODES:
            toggle(triggers, "DISABLE")
            try:
                timings.setdefault(label, []).append(run())
            finally:
                toggle(triggers, "ENABLE")
    print(f"service in-process, {len(batches)} batches of {batch_size} (min of 3):")
    for label, seconds in timings.items():
        print(f"  {label:40s} {min(seconds) / n * 1000:6.2f} ms/article")

    reset()
    profiler = cProfile.Profile()
    profiler.enable()
    for batch in batches:
        article_extract_quotes_batch(pairs=batch)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    print("cProfile of the service, all triggers on (cumulative):")
    print("\n".join(out.getvalue().splitlines()[:45]))


if __name__ == "__main__":
    main()
