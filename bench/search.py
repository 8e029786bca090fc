"""Benchmark of the reporter search at 100k and 1M quotes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/search.py \
        [--sizes 100000,1000000] [--repeats 25] [--keep] [--reuse] [--only role]

For every size it (re)builds its own database `newsdesk_bench_search` (dropped at the end
unless --keep), migrated with the real migrations, and bulk-loads a synthetic corpus shaped like
real quotes: a few hundred speakers with aliases (popularity Zipf-distributed), 1-12 quotes per
article, quote lengths from 6 to ~120 words drawn from a Zipf-like vocabulary (real English
function and news words at the head, synthetic words in the tail), article titles, outlets and
publication times spread over seven years.

Loading: COPY (psycopg 3 `cursor.copy`) into an unlogged staging table, then ONE set-based
INSERT ... SELECT computes every search vector with the same SQL function the triggers use
(per-speaker and per-article parts computed once each), with the quote triggers disabled for the
load and the GIN index built afterwards. That is much faster than firing the row trigger a
million times; the result is identical (checked on a sample against the trigger's function).
The same INSERT copies each article's publication time onto its quotes, as the trigger of
migration 0015 would (checked on every row).

Then a fixed mix of queries runs through the Django search core exactly as the search page
calls it (parse params, quote_search, first page with headlines, capped count when needed), and
the SQL it issued (captured with connection.execute_wrapper) is replayed raw through a cursor.
Reported: p50/p95/p99 per size and per query, app/raw ratio, 1M/100k ratio, EXPLAIN summaries.
While iterating on a plan, --reuse keeps one database per size (`<BENCH_DB>_<size>`) and loads it
only when it is missing, holds another seed, or lacks a migration (then it is rebuilt); --only
runs just the queries whose name starts with the given word ("role"). Figures for the record come
from a full run without them.
Targets: app p95 <= 1.5x raw p95; p95 at the largest size <= 3x p95 at the smallest, for the
whole mix and for the role queries alone (search by office, issue 16: every speaker has 0-3
roles over the seven years, the famous ones their real roles).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import statistics
import sys
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# BENCH_DB overrides it, so two people can benchmark on one server at once.
BENCH_DB = os.environ.get("BENCH_DB", "newsdesk_bench_search")

# --- corpus shape --------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _words(
    "the of and to a in that is it for we on with as be this will not are have they at by "
    "from but i our you has was all would an there their what can more so been or do if about "
    "which one were no us very any them who now its also should must could these those than "
    "only when into out some just over after because what"
)
NEWS_WORDS = _words(
    "government people security minister president country troops support war peace "
    "sanctions russia ukraine nato alliance forces military border talks diplomacy agreement "
    "economy energy gas prices inflation market election vote parliament law court police "
    "health vaccine pandemic climate emissions crisis refugees humanitarian aid allies "
    "defence defense weapons missiles attack invasion ceasefire negotiations council europe "
    "united states china policy budget taxes jobs workers union strike reform deal trade "
    "tariffs summit meeting statement decision leaders region eastern western flank deploy "
    "deployed deploying deployment readiness exercise threat response pressure diplomatic "
    "intelligence report information evidence investigation justice rights freedom democracy "
    "sovereignty integrity territory civilians casualties damage infrastructure cyber "
    "spokesperson secretary general press briefing officials administration commitment"
)
SYLLABLES = _words(
    "ka ri to mu ne sa lo vi de po ra ti me su no fa ge lu ba zo ki pe da mi ro te na bu se "
    "la co ve ni ha ju wo ye qu ex ar or en an in on un al el il ol ul"
)
OUTLETS = (
    "Example Times",
    "Daily Planet",
    "The Courier",
    "Morning Ledger",
    "Evening Standard",
    "Global Wire",
    "Northern Post",
    "Capital Herald",
    "Harbour Gazette",
    "Metro Observer",
    "Continental Review",
    "Atlantic Dispatch",
    "Valley Tribune",
    "City Chronicle",
    "Wire Desk",
)
FIRST = _words(
    "Anna Ben Carla David Elena Farid Greta Hugo Ines Jonas Karin Luca Maria Nikolai Olga "
    "Pablo Quinn Rosa Samir Tanja Umar Vera Walter Xenia Yusuf Zofia Amir Bianca Cyril Dana"
)
LAST = _words(
    "Andersen Bauer Costa Dubois Eriksen Fischer Garcia Hansen Ivanova Jensen Kowalski Larsen "
    "Moreau Novak Olsen Petrov Quintero Rossi Schmidt Tanaka Ueda Varga Weber Xu Young Zielinski "
    "Alvarez Brandt Castro Duarte Engel Ferrari Gomez Horvat Ito Kovac Lindqvist Marin Nagy"
)
FAMOUS = (
    (
        "Jens Stoltenberg",
        "NATO Secretary General",
        ("Stoltenberg", "NATO chief", "NATO Secretary General Jens Stoltenberg"),
    ),
    ("Joe Biden", "President of the United States", ("Biden", "President Biden")),
    ("Jen Psaki", "White House press secretary", ("Psaki", "Jennifer Psaki")),
    ("John Kirby", "Pentagon spokesperson", ("Kirby", "Pentagon spokesperson John Kirby")),
    ("Antony Blinken", "Secretary of State", ("Blinken", "Tony Blinken")),
    ("Volodymyr Zelensky", "President of Ukraine", ("Zelensky", "Zelenskyy")),
    ("Vladimir Putin", "President of Russia", ("Putin", "Russian President Vladimir Putin")),
)
N_SPEAKERS = 400
PHRASE = "eastern flank"
PHRASE_RATE = 0.003
EPOCH = datetime(2018, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 7 * 365 * 24 * 3600


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    words = list(dict.fromkeys(FUNCTION_WORDS + NEWS_WORDS))
    seen = set(words)
    while len(words) < 30_000:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    # Function words first, then news words, then the synthetic tail: a Zipf-like rank curve.
    weights = [1.0 / (rank**1.07) for rank in range(1, len(words) + 1)]
    return words, list(accumulate(weights))


ROLE_TITLES = (
    "Press secretary",
    "Deputy press secretary",
    "Minister of Defence",
    "Foreign minister",
    "Spokesperson",
    "Ambassador",
    "Analyst",
    "Chief of staff",
    "Senator",
    "Governor",
)
ROLE_ORGANISATIONS = ("Government", "Ministry of Defence", "Parliament", "Embassy", "Institute")
# Roles of the famous speakers, as in annotations/demo/speakers.json (dates sourced there);
# the rest get random consecutive roles over the corpus's seven years.
FAMOUS_ROLES: dict[str, tuple[tuple[str, str, str, str | None], ...]] = {
    "Jens Stoltenberg": (("NATO Secretary General", "NATO", "2014-10-01", "2024-09-30"),),
    "Joe Biden": (("President of the United States", "White House", "2021-01-20", "2025-01-20"),),
    "Jen Psaki": (("White House press secretary", "White House", "2021-01-20", "2022-05-13"),),
    "John Kirby": (("Pentagon press secretary", "US Department of Defense", "2021-01-20", None),),
    "Antony Blinken": (("Secretary of State", "US State Department", "2021-01-26", None),),
}


@dataclass
class Corpus:
    speakers: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, title
    # id, speaker, title, organisation, start, end (None: open-ended)
    roles: list[tuple[int, int, str, str, date, date | None]] = field(default_factory=list)
    aliases: list[tuple[int, int, str]] = field(default_factory=list)  # id, speaker, alias
    speaker_cum: list[float] = field(default_factory=list)


def make_speakers(rng: random.Random) -> Corpus:
    corpus = Corpus()
    alias_id = 0
    names = {name for name, _, _ in FAMOUS}
    entries = list(FAMOUS)
    while len(entries) < N_SPEAKERS:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in names:
            names.add(name)
            entries.append((name, rng.choice(("Minister", "Spokesperson", "Analyst", "")), ()))
    for speaker_id, (name, title, aliases) in enumerate(entries, start=1):
        corpus.speakers.append((speaker_id, name, title))
        for alias in (name, *aliases, name.split()[-1]):
            if alias not in {a for _, s, a in corpus.aliases if s == speaker_id}:
                alias_id += 1
                corpus.aliases.append((alias_id, speaker_id, alias))
    corpus.speaker_cum = list(accumulate(1.0 / (r**0.9) for r in range(1, len(entries) + 1)))
    make_roles(rng, corpus)
    return corpus


def make_roles(rng: random.Random, corpus: Corpus) -> None:
    first, last = EPOCH.date(), (EPOCH + timedelta(seconds=SPAN_SECONDS)).date()
    for speaker_id, name, _title in corpus.speakers:
        if name in FAMOUS_ROLES:
            for title, organisation, start, end in FAMOUS_ROLES[name]:
                corpus.roles.append(
                    (
                        len(corpus.roles) + 1,
                        speaker_id,
                        title,
                        organisation,
                        date.fromisoformat(start),
                        date.fromisoformat(end) if end else None,
                    )
                )
            continue
        # 0-3 consecutive roles; the last one may still be held.
        n = rng.choice((0, 1, 1, 2, 2, 3))
        cuts = sorted(rng.sample(range(1, (last - first).days), n * 2 - 1)) if n else []
        bounds = [0, *cuts, (last - first).days]
        for index in range(n):
            start = first + timedelta(days=bounds[index * 2])
            end = first + timedelta(days=bounds[index * 2 + 1])
            open_ended = index == n - 1 and rng.random() < 0.5
            corpus.roles.append(
                (
                    len(corpus.roles) + 1,
                    speaker_id,
                    rng.choice(ROLE_TITLES),
                    rng.choice(ROLE_ORGANISATIONS),
                    start,
                    None if open_ended else end,
                )
            )


def word_pool(rng: random.Random, words: list[str], cum: list[float]) -> list[str]:
    """Two million Zipf-distributed draws; texts are random slices of it (fast to generate)."""
    return rng.choices(words, cum_weights=cum, k=2_000_000)


def sentence(rng: random.Random, pool: list[str]) -> str:
    length = sentence_length(rng)
    at = rng.randrange(len(pool) - length)
    return sentence_from(rng, pool[at : at + length])


def sentence_length(rng: random.Random) -> int:
    return max(6, min(120, int(rng.lognormvariate(3.1, 0.55))))


def sentence_from(rng: random.Random, chosen: list[str]) -> str:
    """The drawn words as a sentence, now and then with the bench's search phrase in it."""
    if rng.random() < PHRASE_RATE:
        at = rng.randrange(len(chosen))
        chosen[at : at + 1] = PHRASE.split()
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def copy_rows(cursor: Any, table: str, columns: list[str], rows: Any) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def required_columns(cursor: Any, table: str) -> set[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    )
    return {row[0] for row in cursor.fetchall()}


def check_columns(cursor: Any, table: str, columns: list[str]) -> None:
    missing = required_columns(cursor, table) - set(columns) - {"id"}
    if missing:
        raise SystemExit(f"{table} has new NOT NULL columns the bench does not fill: {missing}")


ARTICLE_COLUMNS = [
    "id",
    "title",
    "body",
    "url",
    "outlet",
    "byline",
    "published_at",
    "language",
    "body_hash",
    "revision",
    "created_at",
    "updated_at",
    "prehighlight_status",
    "prehighlight_revision",
    "prehighlight_error",
    "body_fingerprint",
    "prehighlight_claim_token",
]
QUOTE_COLUMNS = [
    "id",
    "article_id",
    "start",
    "end",
    "text",
    "prefix",
    "suffix",
    "speaker_id",
    "speaker_mention",
    "speaker_mention_start",
    "speaker_mention_end",
    "cue",
    "origin",
    "confidence",
    "status",
    "dispute_reason",
    "anchor",
    "anchor_note",
    "version",
    "article_revision",
    "created_at",
    "updated_at",
]


def article_row(
    article_id: int,
    *,
    title: str,
    body: str,
    url: str,
    outlet: str,
    published: datetime | None,
    now: datetime,
) -> tuple[Any, ...]:
    """An ARTICLE_COLUMNS row of a pre-highlighted article (bench/families.py loads them too)."""
    from annotations.models import body_fingerprint

    return (
        article_id, title, body, url, outlet, "", published, "en",
        hashlib.sha256(body.encode()).hexdigest(), 1, now, now, "done", 1, "",
        body_fingerprint(body), "",
    )  # fmt: skip


def quote_row(
    quote_id: int,
    *,
    article_id: int,
    body: str,
    start: int,
    end: int,
    speaker_id: int | None,
    mention: str,
    confidence: float,
    status: str,
    now: datetime,
) -> tuple[Any, ...]:
    """A QUOTE_COLUMNS row of a machine quote `“text” Mention said.` at body[start:end]."""
    mention_start = end + 2
    return (
        quote_id, article_id, start, end, body[start:end],
        body[max(0, start - 32) : start], body[end : end + 32],
        speaker_id, mention, mention_start, mention_start + len(mention),
        "said", "machine", confidence, status,
        "cannot_confirm" if status == "disputed" else "", "anchored", "", 1, 1, now, now,
    )  # fmt: skip


STATUSES = (("candidate", 0.6), ("verified", 0.25), ("disputed", 0.1), ("not_a_quote", 0.05))


def load_corpus(n_quotes: int, *, seed: int) -> dict[str, float]:
    from django.db import connection

    rng = random.Random(seed)
    words, cum = vocabulary(rng)
    pool = word_pool(rng, words, cum)
    corpus = make_speakers(rng)
    status_cum = list(accumulate(w for _, w in STATUSES))
    timings: dict[str, float] = {}
    started = time.perf_counter()

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg 3 cursor, for COPY
        # The review history refuses TRUNCATE (migration 0010) unless its owner asks for it.
        cursor.execute("SELECT set_config('newsdesk.allow_truncate_history', 'on', false)")
        cursor.execute(
            "TRUNCATE annotations_review, annotations_quote, annotations_article, "
            "annotations_speakeralias, annotations_speaker RESTART IDENTITY CASCADE"
        )
        check_columns(cursor, "annotations_article", ARTICLE_COLUMNS)
        check_columns(cursor, "annotations_quote", QUOTE_COLUMNS)
        now = datetime.now(UTC)
        copy_rows(
            cursor,
            "annotations_speaker",
            ["id", "name", "kind", "title", "organisation", "created_at", "updated_at"],
            ((sid, name, "person", title, "", now, now) for sid, name, title in corpus.speakers),
        )
        copy_rows(
            cursor,
            "annotations_speakerrole",
            [
                "id",
                "speaker_id",
                "title",
                "organisation",
                "start_date",
                "end_date",
                "source_url",
                "created_at",
            ],
            ((*role, "", now) for role in corpus.roles),
        )
        from annotations.models import normalize_alias

        copy_rows(
            cursor,
            "annotations_speakeralias",
            ["id", "speaker_id", "alias", "normalized"],
            ((aid, sid, alias, normalize_alias(alias)) for aid, sid, alias in corpus.aliases),
        )

        cursor.execute("DROP TABLE IF EXISTS bench_quote_stage")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_quote_stage "
            "(LIKE annotations_quote INCLUDING DEFAULTS EXCLUDING CONSTRAINTS)"
        )
        names = {sid: name for sid, name, _ in corpus.speakers}
        total_speaker = corpus.speaker_cum[-1]
        article_id = quote_id = 0
        # One connection can run one COPY at a time: generate a chunk, then COPY its articles
        # and its quotes, so memory stays bounded.
        while quote_id < n_quotes:
            articles: list[tuple[Any, ...]] = []
            quotes: list[tuple[Any, ...]] = []
            while quote_id < n_quotes and len(quotes) < 20_000:
                article_id += 1
                count = min(rng.randint(1, 12), n_quotes - quote_id)
                published = (
                    None
                    if rng.random() < 0.03
                    else EPOCH + timedelta(seconds=rng.randrange(SPAN_SECONDS))
                )
                paragraphs: list[str] = []
                spans: list[tuple[int, int, int | None, str]] = []
                offset = 0
                for _ in range(count):
                    text = sentence(rng, pool)
                    speaker_id = (
                        None
                        if rng.random() < 0.08
                        else bisect(corpus.speaker_cum, rng.random() * total_speaker) + 1
                    )
                    mention = names[speaker_id] if speaker_id else "an official"
                    paragraph = f"“{text}” {mention} said."
                    spans.append((offset + 1, offset + 1 + len(text), speaker_id, mention))
                    paragraphs.append(paragraph)
                    offset += len(paragraph) + 2
                body = "\n\n".join(paragraphs)
                for start, end, speaker_id, mention in spans:
                    quote_id += 1
                    status = STATUSES[bisect(status_cum, rng.random() * status_cum[-1])][0]
                    quotes.append(
                        quote_row(
                            quote_id,
                            article_id=article_id,
                            body=body,
                            start=start,
                            end=end,
                            speaker_id=speaker_id,
                            mention=mention,
                            confidence=round(rng.uniform(0.5, 1.0), 3),
                            status=status,
                            now=now,
                        )
                    )
                at = rng.randrange(len(pool) - 10)
                title = " ".join(pool[at : at + rng.randint(5, 10)]).capitalize()
                articles.append(
                    article_row(
                        article_id,
                        title=title,
                        body=body,
                        url=f"https://bench.example.org/{article_id}",
                        outlet=rng.choice(OUTLETS),
                        published=published,
                        now=now,
                    )
                )
            copy_rows(cursor, "annotations_article", ARTICLE_COLUMNS, articles)
            copy_rows(cursor, "bench_quote_stage", QUOTE_COLUMNS, quotes)
        timings["generate+copy"] = time.perf_counter() - started

        step = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'annotations_quote_search_gin'"
        )
        gin_def = cursor.fetchone()[0]
        cursor.execute("DROP INDEX annotations_quote_search_gin")
        cursor.execute("ALTER TABLE annotations_quote DISABLE TRIGGER USER")
        cols = ", ".join(f's."{c}"' for c in QUOTE_COLUMNS)
        # Same document as the trigger: annotations_quote_search_document(text, speaker, article)
        # = A(text) || B(speaker text) || C(title outlet); the B and C parts are computed once
        # per speaker / article and concatenated per quote (|| shifts positions identically).
        cursor.execute(
            f"""
            INSERT INTO annotations_quote ({", ".join(f'"{c}"' for c in QUOTE_COLUMNS)},
                                           search_vector, published_at)
            SELECT {cols},
                   setweight(to_tsvector('english'::regconfig, s.text), 'A')
                   || coalesce(sp.vec, setweight(to_tsvector('english'::regconfig, ''), 'B'))
                   || ar.vec,
                   ar.published_at
              FROM bench_quote_stage s
              JOIN (SELECT id, published_at, setweight(to_tsvector('english'::regconfig,
                                  title || ' ' || outlet), 'C') AS vec
                      FROM annotations_article) ar ON ar.id = s.article_id
              LEFT JOIN (SELECT id, setweight(to_tsvector('english'::regconfig,
                                  annotations_speaker_search_text(id)), 'B') AS vec
                           FROM annotations_speaker) sp ON sp.id = s.speaker_id
            """
        )
        cursor.execute("ALTER TABLE annotations_quote ENABLE TRIGGER USER")
        cursor.execute("DROP TABLE bench_quote_stage")
        timings["vectors (set-based INSERT)"] = time.perf_counter() - step
        step = time.perf_counter()
        cursor.execute(gin_def)
        timings["GIN index build"] = time.perf_counter() - step
        for table in (
            "annotations_article",
            "annotations_quote",
            "annotations_speaker",
            "annotations_speakeralias",
            "annotations_speakerrole",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # The bulk path must produce exactly what the trigger would.
        cursor.execute(
            """
            SELECT count(*) FROM (SELECT * FROM annotations_quote ORDER BY id LIMIT 2000) q
              JOIN annotations_article a ON a.id = q.article_id
             WHERE q.search_vector IS DISTINCT FROM annotations_quote_search_document(
                   q.text, annotations_speaker_search_text(q.speaker_id),
                   a.title || ' ' || a.outlet)
            """
        )
        mismatches = cursor.fetchone()[0]
        if mismatches:
            raise SystemExit(f"{mismatches} bulk-computed vectors differ from the trigger's")
        # And the quote's copy of the publication time (migration 0015) is the article's.
        cursor.execute(
            "SELECT count(*) FROM annotations_quote q JOIN annotations_article a "
            "ON a.id = q.article_id WHERE q.published_at IS DISTINCT FROM a.published_at"
        )
        mismatches = cursor.fetchone()[0]
        if mismatches:
            raise SystemExit(f"{mismatches} quotes' publication times differ from the article's")
    connection.commit() if not connection.get_autocommit() else None
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE annotations_article")
        cursor.execute("VACUUM ANALYZE annotations_quote")
        cursor.execute("VACUUM ANALYZE annotations_speaker")
        cursor.execute("VACUUM ANALYZE annotations_speakeralias")
        cursor.execute("VACUUM ANALYZE annotations_speakerrole")
    timings["vacuum analyze"] = time.perf_counter() - step
    timings["total load"] = time.perf_counter() - started
    return timings


# --- measurement ---------------------------------------------------------------------------

QUERY_MIX: list[tuple[str, dict[str, str]]] = [
    ("common word", {"q": "government"}),
    ("common word, by date", {"q": "government", "sort": "date"}),
    ("two words", {"q": "security council"}),
    ("phrase", {"q": f'"{PHRASE}"'}),
    ("speaker filter", {"q": "speaker:kirby security"}),
    (
        "date range",
        {"q": "minister", "published_from": "2021-03-01T00:00", "published_to": "2021-04-01T00:00"},
    ),
    ("fuzzy speaker", {"speaker": "Stoltenburg"}),
    ("no match", {"q": "xylophonequartz"}),
    # Search by office (issue 16): whoever held a matching role on each quote's date.
    ("role", {"q": 'role:"press secretary"'}),
    ("role + words", {"q": 'security role:"press secretary"'}),
    ("role, by date", {"role": "minister", "sort": "date"}),
    (
        "role + speaker + dates",
        {
            "role": "pentagon press secretary",
            "speaker": "kirby",
            "published_from": "2022-01-01T00:00",
            "published_to": "2022-03-01T00:00",
            "status": "verified",
        },
    ),
]
ROLE_QUERIES = {name for name, _ in QUERY_MIX if name.startswith("role")}
PAGE_SIZE = 20


def _rank_candidates() -> int:
    from django.conf import settings

    return int(settings.NEWSDESK_SEARCH_RANK_CANDIDATES)


def app_search(user: Any, data: dict[str, str]) -> int:
    """What the search view does for one request, minus template rendering."""
    from annotations.selectors.search import (
        headline_html,
        quote_search,
        quote_search_count,
        quote_search_params_from_query,
    )

    params = quote_search_params_from_query(data, max_query_chars=500)
    results = quote_search(user=user, params=params)
    rows = list(results[: PAGE_SIZE + 1])
    for row in rows[:PAGE_SIZE]:
        headline_html(headline=row.headline, text=row.text)
        _ = (row.speaker.name if row.speaker else "", row.article.title, row.article.outlet)
        _ = row.role_at_time  # type: ignore[attr-defined]
    if len(rows) > PAGE_SIZE:
        quote_search_count(results=results, cap=_rank_candidates())
    return len(rows)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


BLOCKING = {"Sort", "Hash", "Aggregate", "HashAggregate", "SetOp", "WindowAgg", "Materialize"}


def plan_summary(plan: dict[str, Any]) -> tuple[str, bool]:
    """A one-line outline of a JSON plan, and whether the quote table is scanned in full.

    A Seq Scan under a Limit stops early (a capped count of a common word finds its rows in the
    first pages), so only a Seq Scan with no Limit above it counts as a full scan.
    """
    full_scan = False

    def walk(node: dict[str, Any], limited: bool) -> str:
        nonlocal full_scan
        label = node["Node Type"]
        if node.get("Index Name"):
            label += f"[{node['Index Name']}]"
        elif node.get("Relation Name"):
            label += f"[{node['Relation Name']}]"
        # A Limit stops the scans below it, unless a node that reads all its input is between.
        limited = node["Node Type"] == "Limit" or (limited and node["Node Type"] not in BLOCKING)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "annotations_quote":
            full_scan = full_scan or not limited
            label += "(stops at LIMIT)" if limited else ""
        children = [walk(child, limited) for child in node.get("Plans", [])]
        return label + (f"({', '.join(children)})" if children else "")

    return walk(plan["Plan"], False), full_scan


def statement_kind(sql: str) -> str:
    if "COUNT(" in sql.upper():
        return "count"
    if "ts_headline" in sql or sql.count("%s") > 50:
        return "page (ranked, headlines)"
    if sql.lstrip().startswith('SELECT "annotations_quote"."id" AS "id"'):
        return "candidates (phase 1)"
    return "page"


def measure(user: Any, *, repeats: int, only: str = "") -> dict[str, Any]:
    from django.db import connection, transaction

    per_query: dict[str, dict[str, Any]] = {}
    for name, data in QUERY_MIX:
        if not name.startswith(only):
            continue
        captured: list[tuple[str, Any]] = []

        def capture(
            execute: Any, sql: str, params: Any, many: bool, context: Any, captured: Any = captured
        ) -> Any:
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            rows = app_search(user, data)  # warm-up, and the SQL to replay
        statements = list(captured)
        app_times: list[float] = []
        raw_times: list[float] = []
        for _ in range(repeats):
            start = time.perf_counter()
            app_search(user, data)
            app_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            # Same transaction shape as the app (the speaker lookup sets a local threshold).
            with transaction.atomic(), connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()
            raw_times.append(time.perf_counter() - start)
        explains = []
        # In order and in one transaction, so session settings the app sets apply as they did.
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in statements:
                if "annotations_quote" not in sql:
                    cursor.execute(sql, params)
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                outline, seq_scan = plan_summary(plan)
                top = plan["Plan"]
                explains.append(
                    {
                        "what": statement_kind(sql),
                        "ms": plan.get("Execution Time", 0.0),
                        "buffers": top.get("Shared Hit Blocks", 0)
                        + top.get("Shared Read Blocks", 0),
                        "outline": outline,
                        "seq_scan": seq_scan,
                    }
                )
        per_query[name] = {
            "rows": rows,
            "statements": len(statements),
            "app": app_times,
            "raw": raw_times,
            "explains": explains,
            "seq_scan": any(e["seq_scan"] for e in explains),
        }
    return per_query


def match_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for word in ("government", "security & council", "minister", "xylophonequartz"):
            cursor.execute(
                "SELECT count(*) FROM annotations_quote WHERE search_vector @@ "
                "to_tsquery('english', %s)",
                [word],
            )
            counts[word] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM annotations_quote WHERE search_vector @@ "
            "phraseto_tsquery('english', %s)",
            [PHRASE],
        )
        counts[f'"{PHRASE}"'] = cursor.fetchone()[0]
    return counts


def ms(value: float) -> str:
    return f"{value * 1000:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="quote counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=25, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=20220124)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep one database per size and reuse it when it matches (for iterating)",
    )
    parser.add_argument("--only", default="", help="run only the queries whose name starts so")
    parser.add_argument(
        "--rank-candidates", type=int, default=None, help="override RANK_CANDIDATES (default: app)"
    )
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]

    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsdesk"))
    admin_url = urlunsplit(base._replace(path="/postgres"))
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{BENCH_DB}"))
    # DEBUG off: Django must not keep a log of every query during the timing loop.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ["DJANGO_CONN_MAX_AGE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

    import psycopg

    def database_for(size: int) -> str:
        return f"{BENCH_DB}_{size}" if args.reuse else BENCH_DB

    def recreate(name: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")

    def exists(name: str) -> bool:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return found.fetchone() is not None

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def use(name: str) -> None:
        connection.close()
        connection.settings_dict["NAME"] = name

    def reusable(size: int) -> bool:
        """The kept database holds this size and seed, loaded on today's migrations."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT size, seed FROM bench_meta")
            if cursor.fetchone() != (size, args.seed):
                return False
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())

    if args.rank_candidates:
        settings.NEWSDESK_SEARCH_RANK_CANDIDATES = args.rank_candidates
    print(f"relevance ranks the newest {settings.NEWSDESK_SEARCH_RANK_CANDIDATES:,} matches")
    results: dict[int, dict[str, Any]] = {}
    try:
        for size in sizes:
            print(f"\n=== {size:,} quotes ===", flush=True)
            name = database_for(size)
            loaded = False
            if args.reuse and exists(name):
                use(name)
                loaded = reusable(size)
            if not loaded and (args.reuse or size == sizes[0]):
                use("postgres")
                recreate(name)
                use(name)
                call_command("migrate", verbosity=0)
            user, _ = get_user_model().objects.get_or_create(username="bench-reporter")
            user.groups.add(Group.objects.get(name="reporter"))
            if loaded:
                print(f"  reusing the loaded database {name}")
            else:
                timings = load_corpus(size, seed=args.seed)
                for step, seconds in timings.items():
                    print(f"  load: {step:<28} {seconds:7.1f} s")
                with connection.cursor() as cursor:
                    cursor.execute("DROP TABLE IF EXISTS bench_meta")
                    cursor.execute("CREATE TABLE bench_meta (size int, seed int)")
                    cursor.execute("INSERT INTO bench_meta VALUES (%s, %s)", [size, args.seed])
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM annotations_article")
                print(f"  articles: {cursor.fetchone()[0]:,}")
            for word, count in match_counts().items():
                print(f"  matches for {word!r}: {count:,}")
            results[size] = measure(user, repeats=args.repeats, only=args.only)
            report_size(size, results[size])
        report_summary(results)
    finally:
        connection.close()
        if not (args.keep or args.reuse):
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def report_size(size: int, per_query: dict[str, Any]) -> None:
    print(
        f"\n  {'query':<22} {'rows':>4} {'app p50':>9} {'app p95':>9} {'raw p50':>9} "
        f"{'raw p95':>9}  (ms)"
    )
    for name, data in per_query.items():
        print(
            f"  {name:<22} {data['rows']:>4} {ms(percentile(data['app'], 50))} "
            f"{ms(percentile(data['app'], 95))} {ms(percentile(data['raw'], 50))} "
            f"{ms(percentile(data['raw'], 95))}"
        )
    print("\n  EXPLAIN (ANALYZE, BUFFERS) of each statement on the quote table:")
    for name, data in per_query.items():
        print(f"  - {name}:")
        for explain in data["explains"]:
            flag = "  FULL SCAN OF QUOTES!" if explain["seq_scan"] else ""
            print(
                f"      {explain['what']}: {explain['ms']:.2f} ms, {explain['buffers']} buffers"
                f"{flag}\n        {explain['outline']}"
            )


def report_summary(results: dict[int, dict[str, Any]]) -> None:
    report_targets("the whole query mix", results)
    report_targets(
        "the role queries",
        {
            size: {name: d for name, d in per_query.items() if name in ROLE_QUERIES}
            for size, per_query in results.items()
        },
    )
    seq = [name for per_query in results.values() for name, d in per_query.items() if d["seq_scan"]]
    print(f"  full sequential scans of the quote table: {seq or 'none'}")


def report_targets(what: str, results: dict[int, dict[str, Any]]) -> None:
    print(f"\n=== summary: {what} (ms) ===")
    print(
        f"  {'quotes':>10} {'app p50':>9} {'app p95':>9} {'app p99':>9} {'raw p50':>9} "
        f"{'raw p95':>9} {'raw p99':>9} {'app/raw p95':>12}"
    )
    p95: dict[int, float] = {}
    ok = True
    for size, per_query in results.items():
        app = [t for data in per_query.values() for t in data["app"]]
        raw = [t for data in per_query.values() for t in data["raw"]]
        ratio = percentile(app, 95) / percentile(raw, 95)
        p95[size] = percentile(app, 95)
        ok &= ratio <= 1.5
        print(
            f"  {size:>10,} {ms(percentile(app, 50))} {ms(percentile(app, 95))} "
            f"{ms(percentile(app, 99))} {ms(percentile(raw, 50))} {ms(percentile(raw, 95))} "
            f"{ms(percentile(raw, 99))} {ratio:12.2f}"
        )
    print(f"  target app p95 <= 1.5x raw p95: {'PASS' if ok else 'FAIL'}")
    if len(p95) > 1:
        small, large = min(p95), max(p95)
        growth = p95[large] / p95[small]
        verdict = "PASS" if growth <= 3 else "FAIL"
        print(f"  p95 at {large:,} / p95 at {small:,}: {growth:.2f}x (target <= 3x): {verdict}")
    _ = statistics  # percentiles are computed explicitly above


if __name__ == "__main__":
    main()
