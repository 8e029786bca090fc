"""Pre-highlighting: persist the extractor's candidate quotes for an article.

The work for one (article, revision) is claimed with a conditional UPDATE, the extractor runs
outside any transaction, and the result is written in ONE transaction under the article's row
lock. Only untouched machine candidates are ever replaced or deleted; everything an editor has
touched stays as it is and blocks machine candidates from landing on top of it. See
docs/pipeline.md.
"""

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations.extraction import QuoteCandidate, SpeakerRecord, extract_quotes
from annotations.models import Article, Quote, Speaker, SpeakerAlias, normalize_alias
from annotations.services.anchoring import CONTEXT_CHARS, quotes_for_update

logger = logging.getLogger(__name__)

Status = Article.PrehighlightStatus
MAX_ERROR_CHARS = 5000
_CUE_MAX = Quote._meta.get_field("cue").max_length or 100
_MENTION_MAX = Quote._meta.get_field("speaker_mention").max_length or 300
_QUOTE_FIELDS = [
    "text",
    "prefix",
    "suffix",
    "speaker",
    "speaker_mention",
    "speaker_mention_start",
    "speaker_mention_end",
    "cue",
    "confidence",
    "article_revision",
    "updated_at",
]


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


def _stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.NEWSDESK_PREHIGHLIGHT_STALE_SECONDS)


def article_prehighlight_claim(*, article_id: int, revision: int, reclaim: bool = False) -> bool:
    """Mark the article running for this revision; False when someone else has the work.

    A running claim older than the stale threshold is assumed dead (its worker was killed);
    `reclaim` lets a retry of the same task take over its own claim at once.
    """
    now = timezone.now()
    running = Q(prehighlight_status=Status.RUNNING)
    if not reclaim:
        running &= Q(prehighlight_started_at__lt=_stale_before(now)) | Q(
            prehighlight_started_at__isnull=True
        )
    claimable = (
        Q(prehighlight_status=Status.QUEUED)
        | running
        | (Q(prehighlight_status=Status.DONE) & ~Q(prehighlight_revision=revision))
    )
    claimed = Article.objects.filter(claimable, pk=article_id, revision=revision).update(
        prehighlight_status=Status.RUNNING,
        prehighlight_started_at=now,
        prehighlight_finished_at=None,
        prehighlight_error="",
    )
    return claimed == 1


def article_prehighlight_fail(*, article_id: int, revision: int, error: str) -> None:
    # prehighlight_revision is set too, so the sweep does not retry a deterministic failure
    # forever; `manage.py prehighlight` re-queues it explicitly.
    Article.objects.filter(
        pk=article_id, revision=revision, prehighlight_status=Status.RUNNING
    ).update(
        prehighlight_status=Status.FAILED,
        prehighlight_error=error[:MAX_ERROR_CHARS],
        prehighlight_revision=revision,
        prehighlight_finished_at=timezone.now(),
    )


def _speaker_records() -> list[SpeakerRecord]:
    """The registry as the extractor takes it, in one flat query (it runs once per article)."""
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
    wanted = {normalize_alias(name) for name in names if name.strip()}
    if not wanted:
        return {}
    by_alias: dict[str, dict[int, str]] = {}
    for normalized, speaker_id, speaker_name in SpeakerAlias.objects.filter(
        normalized__in=wanted
    ).values_list("normalized", "speaker_id", "speaker__name"):
        by_alias.setdefault(normalized, {})[speaker_id] = speaker_name
    resolved: dict[str, int] = {}
    for normalized, speakers in by_alias.items():
        if len(speakers) == 1:
            resolved[normalized] = next(iter(speakers))
            continue
        # Several speakers share the alias: only a canonical-name match is unambiguous.
        exact = [sid for sid, name in speakers.items() if normalize_alias(name) == normalized]
        if len(exact) == 1:
            resolved[normalized] = exact[0]
    return resolved


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


def article_extract_quotes(
    *, article_id: int, revision: int, reclaim: bool = False
) -> PrehighlightResult | None:
    """Run the extractor on one article revision and upsert its candidates.

    Returns None when there is nothing to do: the article is gone, a newer revision exists,
    or another worker holds the claim.
    """
    if not article_prehighlight_claim(article_id=article_id, revision=revision, reclaim=reclaim):
        return None
    body = (
        Article.objects.filter(pk=article_id, revision=revision)
        .values_list("body", flat=True)
        .first()
    )
    if body is None:
        return None
    candidates = extract_quotes(body, _speaker_records())
    return article_store_candidates(article_id=article_id, revision=revision, candidates=candidates)


@transaction.atomic
def article_store_candidates(
    *, article_id: int, revision: int, candidates: Sequence[QuoteCandidate]
) -> PrehighlightResult | None:
    """Upsert candidates by span; the whole write is one transaction under the article lock."""
    article = (
        Article.objects.select_for_update(of=("self",))
        .only("id", "body", "revision")
        .filter(pk=article_id)
        .first()
    )
    if article is None or article.revision != revision:
        # The body changed while the extractor ran; the task queued for the new revision wins.
        return None
    body = article.body
    now = timezone.now()

    existing = list(quotes_for_update(article_id=article_id))
    # `untouched` is annotated by quotes_for_update.
    untouched = {q.pk for q in existing if q.untouched}  # type: ignore[attr-defined]
    replaceable = {(q.start, q.end): q for q in existing if q.pk in untouched}
    protected = [q for q in existing if q.pk not in untouched]
    protected_exact = {(q.start, q.end) for q in protected}
    protected_spans = [(q.start, q.end) for q in protected if q.anchor != Quote.Anchor.ORPHANED]

    valid = sorted(
        (c for c in candidates if _valid(body, c)), key=lambda c: (c.start, c.end, -c.confidence)
    )
    speaker_ids = speaker_ids_for_names(names=[c.speaker for c in valid if c.speaker])

    to_create: list[Quote] = []
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
        speaker_id = speaker_ids.get(normalize_alias(name)) if name else None
        if name and speaker_id is None:
            proposals.setdefault(normalize_alias(name), name)
        has_mention = c.speaker_start is not None and c.speaker_end is not None
        values = {
            "text": c.text,
            "prefix": body[max(0, c.start - CONTEXT_CHARS) : c.start],
            "suffix": body[c.end : c.end + CONTEXT_CHARS],
            "speaker_id": speaker_id,
            # The name the text gives; the offsets point at the mention as written, which may
            # be a pronoun. An unresolved name is what the review UI offers to create.
            "speaker_mention": name[:_MENTION_MAX],
            "speaker_mention_start": c.speaker_start if has_mention else None,
            "speaker_mention_end": c.speaker_end if has_mention else None,
            "cue": (c.cue or "")[:_CUE_MAX],
            "confidence": min(1.0, max(0.0, float(c.confidence))),
            "article_revision": revision,
        }
        current = replaceable.pop(span, None)
        if current is None:
            to_create.append(
                Quote(
                    article_id=article_id,
                    start=c.start,
                    end=c.end,
                    origin=Quote.Origin.MACHINE,
                    status=Quote.Status.CANDIDATE,
                    anchor=Quote.Anchor.ANCHORED,
                    **values,
                )
            )
        elif any(getattr(current, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(current, field, value)
            current.updated_at = now
            to_update.append(current)
        else:
            unchanged += 1

    stale_ids = [q.pk for q in replaceable.values()]
    if stale_ids:
        Quote.objects.filter(pk__in=stale_ids).delete()
    if to_update:
        Quote.objects.bulk_update(to_update, _QUOTE_FIELDS, batch_size=500)
    if to_create:
        Quote.objects.bulk_create(to_create, batch_size=500)

    delay = settings.NEWSDESK_PREHIGHLIGHT_TEST_DELAY
    if delay:
        # Test-only hook (docs/pipeline.md): holds the open write transaction so a test can
        # kill the worker mid-write and check nothing half-written survives.
        time.sleep(delay)

    Article.objects.filter(pk=article_id).update(
        prehighlight_status=Status.DONE,
        prehighlight_revision=revision,
        prehighlight_error="",
        prehighlight_finished_at=timezone.now(),
    )
    return PrehighlightResult(
        article_id=article_id,
        revision=revision,
        candidates=len(candidates),
        created=len(to_create),
        updated=len(to_update),
        unchanged=unchanged,
        deleted=len(stale_ids),
        blocked=blocked,
        proposals=tuple(proposals.values()),
    )


def _publish(pairs: Sequence[tuple[int, int]]) -> int:
    """Send one task per (article, revision); stop at the first broker failure.

    Everything not sent stays `queued` and the sweep retries it, so a Redis outage costs one
    connect timeout instead of one per article.
    """
    from annotations.tasks import article_prehighlight_task

    sent = 0
    for article_id, revision in pairs:
        try:
            article_prehighlight_task.delay(article_id, revision)
        except Exception:  # any broker failure leaves the rest for the sweep
            logger.warning(
                "could not queue pre-highlighting (%s of %s sent); the sweep will retry",
                sent,
                len(pairs),
                exc_info=True,
            )
            break
        sent += 1
    return sent


@dataclass(frozen=True)
class RequeueResult:
    queued: int
    published: int
    busy: int


def _requeue(*, due: Q, article_ids: Sequence[int] | None, limit: int | None) -> RequeueResult:
    now = timezone.now()
    candidates = Article.objects.filter(due)
    if article_ids is not None:
        candidates = candidates.filter(pk__in=article_ids)
    ids = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
    busy = 0 if article_ids is None else len(set(article_ids) - set(ids))
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
    published: list[int] = []
    # After commit, so a worker never sees the article before it is marked queued; in
    # autocommit (commands, beat) this runs at once and the count is known on return.
    transaction.on_commit(lambda: published.append(_publish(pairs)))
    return RequeueResult(queued=len(pairs), published=sum(published), busy=busy)


def _not_running_q(now: dt.datetime) -> Q:
    return (
        ~Q(prehighlight_status=Status.RUNNING)
        | Q(prehighlight_started_at__lt=_stale_before(now))
        | Q(prehighlight_started_at__isnull=True)
    )


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
        | (
            Q(prehighlight_status=Status.RUNNING)
            & (
                Q(prehighlight_started_at__lt=_stale_before(now))
                | Q(prehighlight_started_at__isnull=True)
            )
        )
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
    )


def article_prehighlight_requeue(*, article_ids: Sequence[int]) -> RequeueResult:
    """Force a fresh run (e.g. after the speaker registry grew); live runs are left alone."""
    return _requeue(due=_not_running_q(timezone.now()), article_ids=article_ids, limit=None)
