"""Pre-highlighting: persist the extractor's candidate quotes for a batch of articles.

One call handles a batch of (article, revision) pairs; a single article is a batch of one.
The batch is claimed with ONE conditional UPDATE ... RETURNING, the extractor runs outside any
transaction, and all results are written in ONE transaction under the articles' row locks with
bulk statements. A claim carries a token and a heartbeat that the worker refreshes while it
works: a claim whose heartbeat stopped is taken over, and only the claim's holder may store.
Only untouched machine candidates are ever replaced or deleted; everything an editor has
touched stays as it is and blocks machine candidates from landing on top of it. See
docs/pipeline.md.
"""

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Field, Q
from django.utils import timezone

from annotations.extraction import QuoteCandidate, SpeakerRecord, extract_quotes
from annotations.models import Article, Quote, Speaker, SpeakerAlias, SpeakerRole, normalize_alias
from annotations.models.speakers import article_day, namesake_choose
from annotations.services.anchoring import CONTEXT_CHARS, untouched_machine_q
from annotations.services.families import quote_families_link, quote_family_ids

logger = logging.getLogger(__name__)

Status = Article.PrehighlightStatus
MAX_ERROR_CHARS = 5000
# Articles per batch task. Small enough that a batch stays far inside the soft time limit (50
# long articles take seconds) and one bad article costs little re-work, large enough that
# per-task and per-commit costs (Celery, claim, registry, locks, COMMIT) are shared: 25 -> 50
# took the pipeline from 0.39 to 0.43 of the extractor alone (docs/pipeline.md).
PREHIGHLIGHT_BATCH_SIZE = 50
_CUE_MAX = Quote._meta.get_field("cue").max_length or 100
_MENTION_MAX = Quote._meta.get_field("speaker_mention").max_length or 300
_TITLE_MAX = Quote._meta.get_field("speaker_title").max_length or 300
_QUOTE_FIELDS = [
    "text",
    "prefix",
    "suffix",
    "speaker",
    "speaker_mention",
    "speaker_mention_start",
    "speaker_mention_end",
    "speaker_title",
    "speaker_candidates",
    "cue",
    "confidence",
    "article_revision",
    "updated_at",
]
# Errors the task retries as a whole batch; anything else is pinned to the article it hit.
_TRANSIENT = (OperationalError, InterfaceError, SoftTimeLimitExceeded)

Pair = tuple[int, int]


@dataclass(frozen=True)
class PrehighlightResult:
    article_id: int
    revision: int
    candidates: int
    created: int
    updated: int
    unchanged: int
    deleted: int
    # Candidates not written because an editor-touched quote already covers those words.
    blocked: int
    proposals: tuple[str, ...]


@dataclass(frozen=True)
class BatchResult:
    done: tuple[PrehighlightResult, ...]
    # (article id, error) for articles marked `failed`.
    failed: tuple[tuple[int, str], ...]
    # Not claimed or not stored: gone, a newer revision exists, already done, or running
    # elsewhere. Nothing to do for them.
    skipped: tuple[int, ...]


def _stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.NEWSDESK_PREHIGHLIGHT_STALE_SECONDS)


def _alive_q(now: dt.datetime) -> Q:
    """A running claim whose worker showed it was alive lately (claims made before heartbeats
    existed count from their start)."""
    recent = _stale_before(now)
    return Q(prehighlight_heartbeat_at__gte=recent) | Q(
        prehighlight_heartbeat_at__isnull=True, prehighlight_started_at__gte=recent
    )


# Raw SQL because the ORM has no UPDATE ... RETURNING: the claim hands back the bodies, so the
# batch costs one statement however many articles it has. The subquery locks in id order, so
# two overlapping claims cannot deadlock; it waits (rather than SKIP LOCKED) for a row another
# transaction holds, then re-checks the condition on the committed row: an article locked by a
# metadata edit is still claimed now instead of being left to the sweep. A running claim is
# taken over when it is our own (a retry or a redelivery of the same task) or when its
# heartbeat stopped (its worker died).
_CLAIM_SQL = """
UPDATE {table} AS a
   SET prehighlight_status = %(running)s,
       prehighlight_claim_token = %(token)s,
       prehighlight_started_at = %(now)s,
       prehighlight_heartbeat_at = %(now)s,
       prehighlight_finished_at = NULL,
       prehighlight_error = ''
 WHERE a.id IN (
        SELECT c.id
          FROM {table} AS c
          JOIN unnest(%(ids)s::bigint[], %(revisions)s::bigint[]) AS w(id, revision)
            ON c.id = w.id AND c.revision = w.revision
         WHERE c.prehighlight_status = %(queued)s
            OR (c.prehighlight_status = %(running)s
                AND (c.prehighlight_claim_token = %(token)s
                     OR coalesce(c.prehighlight_heartbeat_at, c.prehighlight_started_at)
                        IS NULL
                     OR coalesce(c.prehighlight_heartbeat_at, c.prehighlight_started_at)
                        < %(stale_before)s))
            OR (c.prehighlight_status = %(done)s
                AND c.prehighlight_revision IS DISTINCT FROM c.revision)
         ORDER BY c.id
           FOR UPDATE OF c)
RETURNING a.id, a.revision, a.body
"""

# SKIP LOCKED: a row that an editor's transaction (or our own store) holds just misses this
# beat, instead of making the worker wait or risking a deadlock with an id-ordered locker.
_HEARTBEAT_SQL = """
UPDATE {table} AS a
   SET prehighlight_heartbeat_at = %(now)s
 WHERE a.id IN (
        SELECT c.id FROM {table} AS c
         WHERE c.id = ANY(%(ids)s::bigint[])
           AND c.prehighlight_status = %(running)s AND c.prehighlight_claim_token = %(token)s
         ORDER BY c.id
           FOR NO KEY UPDATE SKIP LOCKED)
"""


def claim_token_new() -> str:
    return uuid.uuid4().hex


def article_prehighlight_claim_many(
    *, pairs: Sequence[Pair], token: str
) -> dict[int, tuple[int, str]]:
    """Mark every claimable (article, revision) running for `token`; id -> (revision, body).

    Claimable means queued, done for another revision, running for `token` already, or
    running with a heartbeat older than the stale threshold (its worker died). A pair for an
    old revision never matches.
    """
    if not pairs:
        return {}
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_SQL.format(table=connection.ops.quote_name(Article._meta.db_table)),
            {
                "ids": [article_id for article_id, _ in pairs],
                "revisions": [revision for _, revision in pairs],
                "running": Status.RUNNING,
                "queued": Status.QUEUED,
                "done": Status.DONE,
                "token": token,
                "now": now,
                "stale_before": _stale_before(now),
            },
        )
        return {article_id: (revision, body) for article_id, revision, body in cursor.fetchall()}


class ClaimHeartbeat:
    """Keeps a batch's claims alive while it works: one small UPDATE at most every
    NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS, however often `beat()` is called."""

    def __init__(self, *, article_ids: Iterable[int], token: str) -> None:
        self.article_ids = sorted(article_ids)
        self.token = token
        self.last = time.monotonic()

    def beat(self) -> None:
        if time.monotonic() - self.last < settings.NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                _HEARTBEAT_SQL.format(table=connection.ops.quote_name(Article._meta.db_table)),
                {
                    "ids": self.article_ids,
                    "running": Status.RUNNING,
                    "token": self.token,
                    "now": timezone.now(),
                },
            )
        self.last = time.monotonic()


def article_prehighlight_fail_many(*, pairs: Sequence[Pair], token: str, error: str) -> None:
    # Only our own running claims: an article already stored in this batch stays done, and
    # one another worker took over is theirs now.
    # prehighlight_revision is set too, so the sweep does not retry a deterministic failure
    # forever; `manage.py prehighlight` re-queues it explicitly.
    if not pairs:
        return
    which = Q()
    for article_id, revision in pairs:
        which |= Q(pk=article_id, revision=revision)
    Article.objects.filter(
        which, prehighlight_status=Status.RUNNING, prehighlight_claim_token=token
    ).update(
        prehighlight_status=Status.FAILED,
        prehighlight_error=error[:MAX_ERROR_CHARS],
        prehighlight_revision=F("revision"),
        prehighlight_finished_at=timezone.now(),
    )


def _speaker_records() -> list[SpeakerRecord]:
    """The registry as the extractor takes it, in one flat query (it runs once per batch)."""
    aliases: dict[tuple[str, str], list[str]] = {}
    for name, kind, alias in Speaker.objects.order_by("name", "aliases__id").values_list(
        "name", "kind", "aliases__alias"
    ):
        entry = aliases.setdefault((name, kind), [])
        if alias is not None:
            entry.append(alias)
    return [
        SpeakerRecord(name=name, kind=kind, aliases=tuple(names))
        for (name, kind), names in aliases.items()
    ]


def speaker_ids_for_names(*, names: Iterable[str]) -> dict[str, int]:
    """Normalized name -> speaker id, in one query; ambiguous aliases resolve to nobody."""
    return _speaker_lookup(names=names)[0]


def _speaker_lookup(*, names: Iterable[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """(normalized name -> the one speaker, normalized name -> the namesakes), in one query."""
    wanted = {normalize_alias(name) for name in names if name.strip()}
    if not wanted:
        return {}, {}
    by_alias: dict[str, dict[int, str]] = {}
    for normalized, speaker_id, speaker_name in SpeakerAlias.objects.filter(
        normalized__in=wanted
    ).values_list("normalized", "speaker_id", "speaker__name"):
        by_alias.setdefault(normalized, {})[speaker_id] = speaker_name
    resolved: dict[str, int] = {}
    ambiguous: dict[str, list[int]] = {}
    for normalized, speakers in by_alias.items():
        if len(speakers) == 1:
            resolved[normalized] = next(iter(speakers))
            continue
        # Several speakers share the alias: only a canonical-name match is unambiguous.
        exact = [sid for sid, name in speakers.items() if normalize_alias(name) == normalized]
        if len(exact) == 1:
            resolved[normalized] = exact[0]
        else:
            # Namesakes (issue 16): the article's date and title may tell them apart.
            ambiguous[normalized] = sorted(exact or speakers)
    return resolved, ambiguous


@dataclass(frozen=True)
class _Speakers:
    """Who a name in the batch means: one speaker, or namesakes and their roles."""

    resolved: dict[str, int]
    ambiguous: dict[str, list[int]]
    roles: dict[int, list[SpeakerRole]]

    def resolve(
        self, name: str, *, published_at: dt.datetime | None, title: str | None
    ) -> tuple[int | None, list[int] | None]:
        """(speaker id or None, the namesakes the editor must choose from or None)."""
        normalized = normalize_alias(name)
        if normalized in self.resolved:
            return self.resolved[normalized], None
        candidates = self.ambiguous.get(normalized)
        if not candidates:
            return None, None
        chosen = namesake_choose(
            candidates={sid: self.roles.get(sid, []) for sid in candidates},
            day=article_day(published_at),
            title=title,
        )
        return (chosen, None) if chosen is not None else (None, candidates)


def _speakers_for(names: Iterable[str]) -> _Speakers:
    resolved, ambiguous = _speaker_lookup(names=names)
    roles: dict[int, list[SpeakerRole]] = {}
    if ambiguous:  # one more query, only when namesakes are mentioned
        ids = {sid for sids in ambiguous.values() for sid in sids}
        for role in SpeakerRole.objects.filter(speaker_id__in=ids):
            roles.setdefault(role.speaker_id, []).append(role)
    return _Speakers(resolved=resolved, ambiguous=ambiguous, roles=roles)


def _valid(body: str, candidate: QuoteCandidate) -> bool:
    ok = (
        0 <= candidate.start < candidate.end <= len(body)
        and body[candidate.start : candidate.end] == candidate.text
        and bool(candidate.text)
    )
    if not ok:
        logger.warning(
            "extractor returned a candidate that does not match the body: [%s, %s)",
            candidate.start,
            candidate.end,
        )
    return ok


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


@dataclass(frozen=True)
class _Extracted:
    article_id: int
    revision: int
    body: str
    candidates: tuple[QuoteCandidate, ...]


@dataclass
class _Plan:
    result: PrehighlightResult
    # New rows as attname -> value; written with COPY (see _copy_quotes).
    to_create: list[dict[str, object]] = field(default_factory=list)
    to_update: list[Quote] = field(default_factory=list)
    to_delete: list[int] = field(default_factory=list)


def article_extract_quotes_batch(*, pairs: Sequence[Pair], token: str | None = None) -> BatchResult:
    """Pre-highlight a batch of (article, revision) pairs; claim, extract, store in bulk.

    `token` names the claim's holder: the Celery task's id, so that a retry or a redelivery of
    the same task takes its own claims back at once (default: a new one). A failure pinned to
    one article (the extractor raised, or its rows were refused by the database) marks only
    that article failed. Transient database errors and the soft time limit propagate so the
    task can retry or fail the whole batch.
    """
    token = token or claim_token_new()
    wanted = list(dict.fromkeys((int(a), int(r)) for a, r in pairs))
    claimed = article_prehighlight_claim_many(pairs=wanted, token=token)
    skipped = [article_id for article_id, _ in wanted if article_id not in claimed]
    if not claimed:
        return BatchResult(done=(), failed=(), skipped=tuple(skipped))
    heartbeat = ClaimHeartbeat(article_ids=claimed, token=token)
    registry = _speaker_records()
    extracted: list[_Extracted] = []
    failed: list[tuple[int, str]] = []
    for article_id, (revision, body) in sorted(claimed.items()):
        try:
            candidates = tuple(extract_quotes(body, registry))
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # an extractor bug on one text must not sink the batch
            logger.exception("extractor failed on article %s rev %s", article_id, revision)
            failed.append((article_id, f"{type(exc).__name__}: {exc}"))
            continue
        extracted.append(_Extracted(article_id, revision, body, candidates))
        heartbeat.beat()

    done: list[PrehighlightResult] = []
    if extracted:
        stored, store_failed = _store_isolating_failures(extracted, token)
        done.extend(stored)
        failed.extend(store_failed)
        stored_ids = {r.article_id for r in stored} | {a for a, _ in store_failed}
        skipped.extend(e.article_id for e in extracted if e.article_id not in stored_ids)
    for article_id, error in failed:
        article_prehighlight_fail_many(
            pairs=[(article_id, claimed[article_id][0])], token=token, error=error
        )
    return BatchResult(done=tuple(done), failed=tuple(failed), skipped=tuple(skipped))


def _store_isolating_failures(
    extracted: Sequence[_Extracted], token: str
) -> tuple[list[PrehighlightResult], list[tuple[int, str]]]:
    try:
        return _store(extracted, token), []
    except _TRANSIENT:
        raise
    except Exception as exc:  # one article's rows refused (e.g. a deferred trigger at COMMIT)
        if len(extracted) == 1:
            logger.exception("storing candidates failed for article %s", extracted[0].article_id)
            return [], [(extracted[0].article_id, f"{type(exc).__name__}: {exc}")]
        logger.warning(
            "bulk store of %s articles failed; storing them one by one",
            len(extracted),
            exc_info=True,
        )
    done: list[PrehighlightResult] = []
    failed: list[tuple[int, str]] = []
    for item in extracted:
        stored, item_failed = _store_isolating_failures([item], token)
        done.extend(stored)
        failed.extend(item_failed)
    return done, failed


@transaction.atomic
def _store(extracted: Sequence[_Extracted], token: str) -> list[PrehighlightResult]:
    """Upsert every article's candidates by span in one transaction under the article locks."""
    ids = [e.article_id for e in extracted]
    # Locked in id order, like the claim, so overlapping batches cannot deadlock.
    locked = list(
        Article.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "revision", "published_at")
    )
    current = {pk: revision for pk, revision, _ in locked}
    published = {pk: when for pk, _, when in locked}
    # Still ours? A claim whose heartbeat stopped for too long was re-queued or taken over
    # (this worker was stuck, or thought dead); its new holder stores, not us.
    ours = set(
        Article.objects.filter(
            pk__in=ids, prehighlight_status=Status.RUNNING, prehighlight_claim_token=token
        ).values_list("pk", flat=True)
    )
    # The body may have changed while the extractor ran; the task queued for the new revision
    # wins, so such articles are left alone.
    fresh = [
        e for e in extracted if current.get(e.article_id) == e.revision and e.article_id in ours
    ]
    if not fresh:
        return []
    existing: dict[int, list[Quote]] = {e.article_id: [] for e in fresh}
    for quote in (
        Quote.objects.select_for_update(of=("self",))
        .filter(article_id__in=list(existing))
        .annotate(untouched=untouched_machine_q())
        .order_by("id")
    ):
        existing[quote.article_id].append(quote)
    valid = {
        e.article_id: sorted(
            (c for c in e.candidates if _valid(e.body, c)),
            key=lambda c: (c.start, c.end, -c.confidence),
        )
        for e in fresh
    }
    # One alias lookup for every mention in the batch.
    speakers = _speakers_for([c.speaker for cs in valid.values() for c in cs if c.speaker])
    now = timezone.now()
    plans = [
        _plan(e, valid[e.article_id], existing[e.article_id], speakers, published, now)
        for e in fresh
    ]

    stale_ids = [pk for p in plans for pk in p.to_delete]
    to_update = [q for p in plans for q in p.to_update]
    to_create = [q for p in plans for q in p.to_create]
    # Families that lose a member or whose member changed (speaker, words) are recomputed.
    touched_families = (
        quote_family_ids(quote_ids=[*stale_ids, *(q.pk for q in to_update)])
        if stale_ids or to_update
        else set()
    )
    if stale_ids:
        Quote.objects.filter(pk__in=stale_ids).delete()
    if to_update:
        Quote.objects.bulk_update(to_update, _QUOTE_FIELDS, batch_size=500)
    if to_create:
        _copy_quotes(to_create, now)
    # Same transaction, same locks: a stored candidate is never visible without its family.
    quote_families_link(
        article_ids=[e.article_id for e in fresh], refresh_family_ids=touched_families
    )

    # Revisions were checked under the lock, so F("revision") is the revision processed.
    Article.objects.filter(pk__in=[e.article_id for e in fresh]).update(
        prehighlight_status=Status.DONE,
        prehighlight_revision=F("revision"),
        prehighlight_error="",
        prehighlight_finished_at=timezone.now(),
    )
    return [p.result for p in plans]


def _copy_quotes(rows: Sequence[dict[str, object]], now: dt.datetime) -> None:
    """Insert new quotes with COPY; every row trigger and constraint still fires per row.

    Why not bulk_create: for a batch of a few hundred quotes, building model instances,
    compiling a multi-thousand-parameter INSERT and having psycopg parse it cost more than the
    extractor itself (bench/pipeline.py --profile). Columns not given take the field default,
    and auto_now(_add) columns `now`, as the ORM would.
    """
    columns = [
        f
        for f in Quote._meta.concrete_fields
        if not f.primary_key and f.attname != "search_vector"  # search_vector: trigger-made
    ]
    fixed: dict[str, object] = {}
    per_row: dict[str, Field[Any, Any]] = {}
    for f in columns:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed[f.attname] = now
        elif callable(f.default):
            per_row[f.attname] = f
        else:
            fixed[f.attname] = f.get_default()
    names = [f.attname for f in columns]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(Quote._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in columns),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    row[name]
                    if name in row
                    else (per_row[name].get_default() if name in per_row else fixed[name])
                    for name in names
                ]
            )


def _plan(
    item: _Extracted,
    valid: Sequence[QuoteCandidate],
    existing: Sequence[Quote],
    speakers: _Speakers,
    published: dict[int, dt.datetime | None],
    now: dt.datetime,
) -> _Plan:
    """What to create, update and delete for one article; pure, no queries."""
    article_id, revision, body = item.article_id, item.revision, item.body
    # `untouched` is annotated by the locking query in _store.
    untouched = {q.pk for q in existing if q.untouched}  # type: ignore[attr-defined]
    replaceable = {(q.start, q.end): q for q in existing if q.pk in untouched}
    protected = [q for q in existing if q.pk not in untouched]
    protected_exact = {(q.start, q.end) for q in protected}
    protected_spans = [(q.start, q.end) for q in protected if q.anchor != Quote.Anchor.ORPHANED]

    to_create: list[dict[str, object]] = []
    to_update: list[Quote] = []
    seen: set[tuple[int, int]] = set()
    blocked = unchanged = 0
    proposals: dict[str, str] = {}
    for c in valid:
        span = (c.start, c.end)
        if span in seen:
            continue
        seen.add(span)
        if span in protected_exact or _overlaps(span, protected_spans):
            blocked += 1
            continue
        name = (c.speaker or "").strip()
        speaker_id, namesakes = (
            speakers.resolve(name, published_at=published[article_id], title=c.speaker_title)
            if name
            else (None, None)
        )
        if name and speaker_id is None and namesakes is None:
            proposals.setdefault(normalize_alias(name), name)
        has_mention = c.speaker_start is not None and c.speaker_end is not None
        values = {
            "text": c.text,
            "prefix": body[max(0, c.start - CONTEXT_CHARS) : c.start],
            "suffix": body[c.end : c.end + CONTEXT_CHARS],
            "speaker_id": speaker_id,
            "speaker_candidates": namesakes,
            # The name the text gives; the offsets point at the mention as written, which may
            # be a pronoun. An unresolved name is what the review UI offers to create.
            "speaker_mention": name[:_MENTION_MAX],
            "speaker_mention_start": c.speaker_start if has_mention else None,
            "speaker_mention_end": c.speaker_end if has_mention else None,
            # The title read beside the name: a proposal for the speaker's roles (issue 16).
            "speaker_title": " ".join((c.speaker_title or "").split())[:_TITLE_MAX],
            "cue": (c.cue or "")[:_CUE_MAX],
            "confidence": min(1.0, max(0.0, float(c.confidence))),
            "article_revision": revision,
        }
        current = replaceable.pop(span, None)
        if current is None:
            to_create.append(
                {
                    "article_id": article_id,
                    "start": c.start,
                    "end": c.end,
                    "origin": Quote.Origin.MACHINE.value,
                    "status": Quote.Status.CANDIDATE.value,
                    "anchor": Quote.Anchor.ANCHORED.value,
                    **values,
                }
            )
        elif any(getattr(current, attr) != value for attr, value in values.items()):
            for attr, value in values.items():
                setattr(current, attr, value)
            current.updated_at = now
            to_update.append(current)
        else:
            unchanged += 1

    stale_ids = [q.pk for q in replaceable.values()]
    return _Plan(
        result=PrehighlightResult(
            article_id=article_id,
            revision=revision,
            candidates=len(item.candidates),
            created=len(to_create),
            updated=len(to_update),
            unchanged=unchanged,
            deleted=len(stale_ids),
            blocked=blocked,
            proposals=tuple(proposals.values()),
        ),
        to_create=to_create,
        to_update=to_update,
        to_delete=stale_ids,
    )


class PrehighlightPublisher:
    """Sends batch tasks after commit; after the first broker failure it stops trying.

    Everything not sent stays `queued` and the sweep re-queues it, so a Redis outage costs one
    connect timeout for a whole run (an ingest of many chunks, a sweep) instead of one per task.
    """

    def __init__(self, *, batch_size: int | None = None) -> None:
        self.batch_size = max(1, batch_size or PREHIGHLIGHT_BATCH_SIZE)
        self.broker_down = False
        self.published = 0
        self.unpublished = 0

    def publish(self, pairs: Sequence[Pair]) -> int:
        """Publish the pairs in batch tasks; returns how many articles were sent."""
        from annotations.tasks import article_prehighlight_batch_task

        sent = 0
        for offset in range(0, len(pairs), self.batch_size):
            chunk = pairs[offset : offset + self.batch_size]
            if self.broker_down:
                break
            try:
                article_prehighlight_batch_task.delay([[a, r] for a, r in chunk])
            except Exception:  # any broker failure leaves the rest for the sweep
                self.broker_down = True
                logger.warning(
                    "could not queue pre-highlighting (%s of %s sent in this call); no more "
                    "publishing in this run, the sweep will re-queue the rest",
                    sent,
                    len(pairs),
                    exc_info=True,
                )
                break
            sent += len(chunk)
        self.published += sent
        self.unpublished += len(pairs) - sent
        return sent

    def publish_on_commit(self, pairs: Sequence[Pair]) -> None:
        # After commit, so a worker never sees an article before it is committed as queued.
        pairs = list(pairs)
        transaction.on_commit(lambda: self.publish(pairs))


def prehighlight_enqueue(
    *, pairs: Sequence[Pair], publisher: PrehighlightPublisher | None = None
) -> None:
    """Queue pre-highlighting of (article, revision) pairs once the transaction commits.

    The one way work reaches the worker: saved articles, bulk ingests, the sweep and
    `manage.py prehighlight` all come through here. If the broker is down the articles stay
    `queued` and the sweep re-queues them: saving an article never fails because Redis is down.
    Pass one `publisher` for all calls of a run so a broker outage is hit only once.
    """
    (publisher or PrehighlightPublisher()).publish_on_commit(pairs)


@dataclass(frozen=True)
class RequeueResult:
    queued: int
    published: int
    busy: int


def _requeue(
    *,
    due: Q,
    article_ids: Sequence[int] | None,
    limit: int | None,
    publisher: PrehighlightPublisher | None,
) -> RequeueResult:
    now = timezone.now()
    publisher = publisher or PrehighlightPublisher()
    candidates = Article.objects.filter(due)
    if article_ids is not None:
        candidates = candidates.filter(pk__in=article_ids)
    ids = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
    busy = 0 if article_ids is None else len(set(article_ids) - set(ids))
    before = publisher.published
    with transaction.atomic():
        Article.objects.filter(due, pk__in=ids).update(
            prehighlight_status=Status.QUEUED, prehighlight_queued_at=now
        )
        pairs = list(
            Article.objects.filter(
                pk__in=ids, prehighlight_status=Status.QUEUED, prehighlight_queued_at=now
            )
            .order_by("pk")
            .values_list("pk", "revision")
        )
        prehighlight_enqueue(pairs=pairs, publisher=publisher)
    # In autocommit (commands, beat) the publish ran on leaving the block, so the count is
    # known here; inside an outer transaction it is 0 until that commits.
    return RequeueResult(queued=len(pairs), published=publisher.published - before, busy=busy)


def _not_running_q(now: dt.datetime) -> Q:
    return ~Q(prehighlight_status=Status.RUNNING) | ~_alive_q(now)


def article_prehighlight_sweep(
    *, requeue_after: int | None = None, limit: int | None = None
) -> RequeueResult:
    """Re-queue work that was lost: never published, killed mid-run, or for an old revision."""
    now = timezone.now()
    grace = settings.NEWSDESK_PREHIGHLIGHT_REQUEUE_AFTER if requeue_after is None else requeue_after
    not_recent = Q(prehighlight_queued_at__isnull=True) | Q(
        prehighlight_queued_at__lt=now - dt.timedelta(seconds=grace)
    )
    due = (
        (Q(prehighlight_status=Status.QUEUED) & not_recent)
        | (Q(prehighlight_status=Status.RUNNING) & ~_alive_q(now))
        | (
            Q(prehighlight_status__in=[Status.DONE, Status.FAILED])
            & (Q(prehighlight_revision__isnull=True) | ~Q(prehighlight_revision=F("revision")))
            & not_recent
        )
    )
    return _requeue(
        due=due,
        article_ids=None,
        limit=settings.NEWSDESK_PREHIGHLIGHT_SWEEP_LIMIT if limit is None else limit,
        publisher=None,
    )


def article_prehighlight_requeue(
    *, article_ids: Sequence[int], publisher: PrehighlightPublisher | None = None
) -> RequeueResult:
    """Force a fresh run (e.g. after the speaker registry grew); live runs are left alone.

    Pass one `publisher` for all calls of a run so a broker outage is hit only once.
    """
    return _requeue(
        due=_not_running_q(timezone.now()),
        article_ids=article_ids,
        limit=None,
        publisher=publisher,
    )
