"""Benchmark of quote families: link p95 at 100k and 1M quotes, pipeline with and without.

    .venv/bin/python -m newsdesk.devservices exec --as admin -- .venv/bin/python bench/families.py \
        [--sizes 100000,1000000] [--samples 300] [--articles 300] [--keep]

For every size it (re)builds its own database `newsdesk_bench_families` (dropped at the end
unless --keep), migrated with the real migrations, and bulk-loads an archive shaped like
bench/search.py's (same vocabulary, speakers, sentence lengths, outlets, publication times) with
realistic repetition: 30% of the quotes repeat an earlier one, of those 45% whole (with
typographic variation: curly apostrophes, case, spacing), 30% cut to a contiguous part of at
least 6 words and 25% with one or two words changed; a hot set of 1% of the sources draws half
of the repeats, so families range from one quote to hundreds. The archive's families and
memberships are written by the generator (which knows them), by COPY with triggers off, and
the GIN index is built after the load, like bench/search.py does for its search vectors.

Then, on that archive:
- link: `quote_families_link` for one new quote (30% repeats, 70% new words), each in its own
  transaction that is rolled back, so the archive size stays; p50/p95/p99, and the EXPLAIN
  ANALYZE of the candidate query for one repeated quote.
- pipeline: `article_extract_quotes_batch` (claim, extract, store, link: the worker's service,
  without Celery) over fresh articles of 5 quotes each with the same repetition, in batches
  of 50, alternately with linking switched off (the store's call replaced by a no-op) and on;
  articles/s of each and their ratio (median of the rounds).

Targets: link p95 at the largest size <= 3x the p95 at the smallest; pipeline with linking >=
0.8 of without.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from bisect import bisect
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402  (after the path is set)
    ARTICLE_COLUMNS,
    EPOCH,
    OUTLETS,
    QUOTE_COLUMNS,
    SPAN_SECONDS,
    article_row,
    check_columns,
    copy_rows,
    make_speakers,
    percentile,
    quote_row,
    sentence,
    sentence_from,
    sentence_length,
    vocabulary,
    word_pool,
)

BENCH_DB = "newsdesk_bench_families"
REPEAT_SHARE = 0.3
KINDS = (("identical", 0.45), ("part_of", 0.30), ("wording_differs", 0.25))
HOT_SHARE = 0.5
RESERVOIR = 200_000


class Generator:
    """Quote texts with realistic repetition; remembers which family each text belongs to.

    A new quote's words are drawn one by one from the Zipf vocabulary. bench/search.py slices
    its texts from one shared pool of two million draws (fast, and harmless for search), but
    two slices of overlapping stretches of the pool share a run of words: with `slices`, as
    this bench did until the round of bench/families.py figures in docs/families.md, 74% of the
    never-repeated quotes of the 100k archive shared a 5-word run with a quote of another
    family (2.1 on average), a share that grows with the archive: the "new" quotes were mostly
    partial repeats of one another.
    """

    def __init__(self, rng: random.Random, *, slices: bool = False) -> None:
        self.rng = rng
        words, cum = vocabulary(rng)
        self.words = words
        self.cum = cum
        self.pool = word_pool(rng, words, cum) if slices else None
        self.speakers = make_speakers(rng)
        self.sources: list[tuple[int, str, int | None]] = []  # quote id, text, speaker
        self.hot: list[int] = []
        self.kind_cum = [0.45, 0.75, 1.0]

    def speaker(self) -> int | None:
        cum = self.speakers.speaker_cum
        if self.rng.random() < 0.08:
            return None
        return bisect(cum, self.rng.random() * cum[-1]) + 1

    def repeat_of(self) -> tuple[int, str, int | None] | None:
        if not self.sources or self.rng.random() >= REPEAT_SHARE:
            return None
        if self.hot and self.rng.random() < HOT_SHARE:
            return self.sources[self.rng.choice(self.hot)]
        return self.rng.choice(self.sources)

    def variant(self, text: str) -> tuple[str, str]:
        words = text.rstrip(".").split()
        kind = KINDS[bisect(self.kind_cum, self.rng.random())][0]
        if kind == "part_of" and len(words) >= 8:
            length = self.rng.randint(6, len(words) - 2)
            at = self.rng.randrange(len(words) - length + 1)
            return " ".join(words[at : at + length]), kind
        if kind == "wording_differs" and len(words) >= 10:
            for _ in range(self.rng.randint(1, 2)):
                words[self.rng.randrange(len(words))] = self.rng.choice(self.words[:3000])
            return " ".join(words) + ".", kind
        # Whole, as another outlet typesets it.
        variant = text.replace("'", "’") if self.rng.random() < 0.5 else text
        if self.rng.random() < 0.3:
            variant = variant.replace(" ", "  ", 1)
        return variant, "identical"

    def remember(self, quote_id: int, text: str, speaker: int | None) -> None:
        index = len(self.sources)
        if index < RESERVOIR:
            self.sources.append((quote_id, text, speaker))
        else:
            index = self.rng.randrange(RESERVOIR)
            self.sources[index] = (quote_id, text, speaker)
        if self.rng.random() < 0.01:
            self.hot.append(index)

    def quote(self) -> tuple[str, int | None, tuple[int, str] | None]:
        """(text, speaker, (source quote id, kind) or None)."""
        source = self.repeat_of()
        if source is None:
            if self.pool is not None:
                return sentence(self.rng, self.pool), self.speaker(), None
            drawn = self.rng.choices(self.words, cum_weights=self.cum, k=sentence_length(self.rng))
            return sentence_from(self.rng, drawn), self.speaker(), None
        source_id, source_text, source_speaker = source
        text, kind = self.variant(source_text)
        speaker = source_speaker if self.rng.random() < 0.9 else self.speaker()
        return text, speaker, (source_id, kind)


def article_body(quotes: list[tuple[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """Paragraphs `“text,” Name said.`; the quote spans."""
    paragraphs, spans, offset = [], [], 0
    for text, mention in quotes:
        paragraph = f"“{text}” {mention} said."
        spans.append((offset + 1, offset + 1 + len(text)))
        paragraphs.append(paragraph)
        offset += len(paragraph) + 2
    return "\n\n".join(paragraphs), spans


def load_archive(n_quotes: int, gen: Generator) -> dict[str, float]:
    from django.db import connection

    from annotations.models import normalize_alias
    from annotations.services.families import (
        FAMILY_COLUMNS,
        MEMBER_COLUMNS,
        quote_shingles,
        quote_text_normalize,
        quote_words,
    )

    rng = gen.rng
    names = {sid: name for sid, name, _ in gen.speakers.speakers}
    timings: dict[str, float] = {}
    started = time.perf_counter()
    family_of: dict[int, int] = {}
    families: dict[int, list[Any]] = {}  # id -> size, first id, first time, wording, speakers
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "TRUNCATE annotations_quotefamilymember, annotations_quotefamily, annotations_review, "
            "annotations_quote, annotations_article, annotations_speakeralias, "
            "annotations_speaker RESTART IDENTITY CASCADE"
        )
        cursor.execute("DROP INDEX IF EXISTS family_member_shingles_gin")
        check_columns(cursor, "annotations_article", ARTICLE_COLUMNS)
        check_columns(cursor, "annotations_quote", QUOTE_COLUMNS)
        check_columns(cursor, "annotations_quotefamilymember", MEMBER_COLUMNS)
        now = datetime.now(UTC)
        copy_rows(
            cursor,
            "annotations_speaker",
            ["id", "name", "kind", "title", "organisation", "created_at", "updated_at"],
            (
                (sid, name, "person", title, "", now, now)
                for sid, name, title in gen.speakers.speakers
            ),
        )
        copy_rows(
            cursor,
            "annotations_speakeralias",
            ["id", "speaker_id", "alias", "normalized"],
            ((a, s, alias, normalize_alias(alias)) for a, s, alias in gen.speakers.aliases),
        )
        article_id = quote_id = 0
        while quote_id < n_quotes:
            articles: list[tuple[Any, ...]] = []
            quotes: list[tuple[Any, ...]] = []
            members: list[tuple[Any, ...]] = []
            while quote_id < n_quotes and len(quotes) < 20_000:
                article_id += 1
                count = min(rng.randint(1, 12), n_quotes - quote_id)
                published = EPOCH + timedelta(seconds=rng.randrange(SPAN_SECONDS))
                drawn = [gen.quote() for _ in range(count)]
                body, spans = article_body(
                    [(text, names[s] if s else "an official") for text, s, _ in drawn]
                )
                for (start, end), (text, speaker, source) in zip(spans, drawn, strict=True):
                    quote_id += 1
                    normalized = quote_text_normalize(text)
                    if source is None:
                        family_of[quote_id] = quote_id
                        families[quote_id] = [1, quote_id, published, False, {speaker}]
                        kind, linked = "first", None
                    else:
                        family_id = family_of[source[0]]
                        family_of[quote_id] = family_id
                        family = families[family_id]
                        family[0] += 1
                        if published < family[2]:
                            family[1], family[2] = quote_id, published
                        family[3] = family[3] or source[1] == "wording_differs"
                        family[4].add(speaker)
                        kind, linked = source[1], source[0]
                    gen.remember(quote_id, text, speaker)
                    quotes.append(
                        quote_row(
                            quote_id,
                            article_id=article_id,
                            body=body,
                            start=start,
                            end=end,
                            speaker_id=speaker,
                            mention=names[speaker] if speaker else "an official",
                            confidence=0.9,
                            status="candidate",
                            now=now,
                        )
                    )
                    members.append(
                        (
                            quote_id, family_of[quote_id], kind, linked, 1.0, normalized,
                            quote_shingles(quote_words(normalized)), now,
                        )
                    )  # fmt: skip
                articles.append(
                    article_row(
                        article_id,
                        title=f"Article {article_id}",
                        body=body,
                        url=f"https://bench.example/{article_id}",
                        outlet=rng.choice(OUTLETS),
                        published=published,
                        now=now,
                    )
                )
            copy_rows(cursor, "annotations_article", ARTICLE_COLUMNS, articles)
            copy_rows(cursor, "annotations_quote", QUOTE_COLUMNS, quotes)
            copy_rows(cursor, "annotations_quotefamilymember", MEMBER_COLUMNS, members)
        # Families after the members (no FK checks with triggers off); then the sequences.
        copy_rows(
            cursor,
            "annotations_quotefamily",
            FAMILY_COLUMNS,
            (
                (fid, f[0], f[1], f[2], f[3], len(f[4] - {None}) > 1, False, now, now)
                for fid, f in families.items()
            ),
        )
        for table in ("article", "quote", "quotefamily", "speaker", "speakeralias"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('annotations_{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM annotations_{table}))"
            )
        timings["copy"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "CREATE INDEX family_member_shingles_gin ON annotations_quotefamilymember "
            "USING gin (shingles) WITH (fastupdate = off)"
        )
        timings["GIN index"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("SET session_replication_role = origin")
    with connection.cursor() as django_cursor:
        for table in ("quotefamilymember", "quotefamily", "quote", "article"):
            django_cursor.execute(f"ANALYZE annotations_{table}")
    timings["analyze"] = time.perf_counter() - started
    sizes = [f[0] for f in families.values()]
    print(
        f"  families: {len(families):,}, of 2+: {sum(s > 1 for s in sizes):,}, "
        f"largest: {max(sizes)}, quotes in families of 2+: {sum(s for s in sizes if s > 1):,}"
    )
    return timings


class _Rollback(Exception):
    pass


def new_article(gen: Generator, count: int, tag: str) -> tuple[Any, list[tuple[int, int]]]:
    from annotations.models import Article

    names = {sid: name for sid, name, _ in gen.speakers.speakers}
    drawn = [gen.quote() for _ in range(count)]
    body, spans = article_body([(t, names[s] if s else "an official") for t, s, _ in drawn])
    article = Article(
        title=f"New {tag}",
        body=body,
        url=f"https://bench.example/new/{tag}",
        outlet=gen.rng.choice(OUTLETS),
        published_at=datetime.now(UTC),
    )
    return article, spans


def measure_link(gen: Generator, samples: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from annotations.models import Quote
    from annotations.services import families

    times: list[float] = []
    explained = ""
    for n in range(samples):
        article, spans = new_article(gen, 1, f"link-{n}-{secrets.token_hex(4)}")
        try:
            with transaction.atomic():
                article.save()
                start, end = spans[0]
                quote = Quote.objects.create(
                    article=article, start=start, end=end, text=article.body[start:end]
                )
                began = time.perf_counter()
                families.quote_families_link(quote_ids=[quote.pk])
                times.append(time.perf_counter() - began)
                member = quote.family_member if hasattr(quote, "family_member") else None
                if not explained and member is not None and member.kind != "first":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "EXPLAIN (ANALYZE, BUFFERS) " + families._CANDIDATES_SQL,
                            {
                                "idx": [0],
                                "norm": [member.normalized],
                                "sh": [",".join(map(str, member.shingles))],
                                "limit": families.MAX_CANDIDATES,
                            },
                        )
                        explained = "\n".join(row[0] for row in cursor.fetchall())
                raise _Rollback
        except _Rollback:
            pass
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "explain": explained,
    }


@contextmanager
def linking(enabled: bool):
    from annotations.services import families, prehighlight

    real = prehighlight.quote_families_link
    if not enabled:
        prehighlight.quote_families_link = lambda **kwargs: families.LinkResult(linked=0)  # type: ignore[assignment]
    try:
        yield
    finally:
        prehighlight.quote_families_link = real


def measure_pipeline(gen: Generator, n_articles: int, rounds: int) -> dict[str, Any]:
    from annotations.models import Article, body_fingerprint, body_hash
    from annotations.services.prehighlight import article_extract_quotes_batch

    rates: dict[bool, list[float]] = {False: [], True: []}
    for round_no in range(rounds):
        for enabled in (False, True):
            made = []
            for n in range(n_articles):
                article, _ = new_article(gen, 5, f"pipe-{round_no}-{enabled}-{n}")
                article.body_hash = body_hash(article.body)
                article.body_fingerprint = body_fingerprint(article.body)
                made.append(article)
            created = Article.objects.bulk_create(made)
            pairs = [(a.pk, 1) for a in created]
            with linking(enabled):
                began = time.perf_counter()
                for at in range(0, len(pairs), 50):
                    result = article_extract_quotes_batch(pairs=pairs[at : at + 50])
                    assert not result.failed, result.failed
                elapsed = time.perf_counter() - began
            rates[enabled].append(n_articles / elapsed)
            print(f"  pipeline round {round_no + 1} linking={'on ' if enabled else 'off'} "
                  f"{n_articles / elapsed:7.1f} articles/s", flush=True)  # fmt: skip
    without, with_ = statistics.median(rates[False]), statistics.median(rates[True])
    return {"without": without, "with": with_, "ratio": with_ / without}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--samples", type=int, default=300, help="new quotes linked per size")
    parser.add_argument("--articles", type=int, default=300, help="articles per pipeline round")
    parser.add_argument("--rounds", type=int, default=3, help="pipeline rounds (off, on) per size")
    parser.add_argument("--seed", type=int, default=20220124)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--slices",
        action="store_true",
        help="the old corpus: new quotes sliced from one shared word pool (they overlap)",
    )
    parser.add_argument("--database", default=BENCH_DB, help="the bench database to (re)create")
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    bench_db = args.database

    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk"))
    admin_url = urlunsplit(base._replace(path="/postgres"))
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{bench_db}"))
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ["DJANGO_CONN_MAX_AGE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {bench_db}")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    results: dict[int, dict[str, Any]] = {}
    try:
        call_command("migrate", verbosity=0)
        for size in sizes:
            print(f"\n=== {size:,} quotes ===", flush=True)
            gen = Generator(random.Random(args.seed), slices=args.slices)
            for step, seconds in load_archive(size, gen).items():
                print(f"  load: {step:<12} {seconds:7.1f} s", flush=True)
            link = measure_link(gen, args.samples)
            print(
                f"  link one quote: p50 {link['p50'] * 1000:.2f} ms, p95 "
                f"{link['p95'] * 1000:.2f} ms, p99 {link['p99'] * 1000:.2f} ms",
                flush=True,
            )
            print("  EXPLAIN ANALYZE of the candidate query (a repeated quote):")
            print("\n".join("    " + line for line in link["explain"].splitlines()))
            pipe = measure_pipeline(gen, args.articles, args.rounds)
            print(
                f"  pipeline: {pipe['without']:.1f} articles/s without linking, "
                f"{pipe['with']:.1f} with: ratio {pipe['ratio']:.2f} (target >= 0.8)",
                flush=True,
            )
            results[size] = {**link, **pipe}
        print("\n=== summary ===")
        for size, r in results.items():
            print(
                f"  {size:>9,} quotes: link p95 {r['p95'] * 1000:6.2f} ms, "
                f"pipeline ratio {r['ratio']:.2f}"
            )
        if len(results) > 1:
            small, large = results[min(results)], results[max(results)]
            print(
                f"  link p95 {max(results):,} / {min(results):,}: "
                f"{large['p95'] / small['p95']:.2f}x (target <= 3x)"
            )
    finally:
        connection.close()
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)")


if __name__ == "__main__":
    main()
