"""Re-anchoring quotes when an article body changes.

Every quote is re-found in the new body the way a W3C TextQuoteSelector is re-attached
(Hypothesis): at its old position shifted past the edit, then by its exact text with the
occurrence whose prefix/suffix context fits best near the expected position, then by a bounded
fuzzy match in a window around that position. Editor decisions are never dropped: a quote whose
words changed is moved, flagged `changed` and sent back to review; one that cannot be found is
kept as `orphaned`. Untouched machine candidates are simply deleted when they do not re-anchor
exactly, because the next extraction run recreates them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from annotations.models import Article, Quote, Review
from annotations.services import events

CONTEXT_CHARS = Quote.PREFIX_SUFFIX_CHARS
# An exact-text occurrence elsewhere in the body is trusted when this much of its old
# context still surrounds it, or when it is the only occurrence of a reasonably long quote.
MIN_CONTEXT_MATCH = 8
MIN_UNIQUE_TEXT = 12
MAX_OCCURRENCES = 500
# Fuzzy matching: the new words must be at least this similar to the old ones, and the search
# stays bounded (SequenceMatcher is quadratic in the worst case).
FUZZY_MIN_RATIO = 0.6
FUZZY_MAX_TEXT = 4000
FUZZY_MAX_WINDOW = 20000
NOTE_SNIPPET = 160
# Temporary spans used while quotes swap places, far beyond any article body.
_PARKING_START = 2_000_000_000

_UPDATE_FIELDS = [
    "start",
    "end",
    "text",
    "prefix",
    "suffix",
    "anchor",
    "anchor_note",
    "status",
    "dispute_reason",
    "version",
    "article_revision",
    "speaker_mention_start",
    "speaker_mention_end",
    "updated_by",
    "updated_at",
]


def untouched_machine_q() -> Q:
    """Quotes re-extraction may replace: machine candidates no editor has acted on."""
    return Q(
        Q(origin=Quote.Origin.MACHINE, status=Quote.Status.CANDIDATE, version=1)
        & Q(anchor=Quote.Anchor.ANCHORED)
        & ~Exists(Review.objects.filter(quote=OuterRef("pk")))
    )


def quotes_for_update(*, article_id: int) -> QuerySet[Quote]:
    """The article's quotes, locked, each annotated with `untouched`."""
    return (
        Quote.objects.select_for_update(of=("self",))
        .filter(article_id=article_id)
        .annotate(untouched=untouched_machine_q())
        .order_by("id")
    )


@dataclass(frozen=True)
class BodyDiff:
    """The single edited region between two bodies: shared head and tail lengths."""

    old_len: int
    new_len: int
    head: int
    tail: int

    def map(self, pos: int) -> int | None:
        """Where an old offset is in the new body, or None when it lies inside the edit."""
        if pos <= self.head:
            return pos
        if pos >= self.old_len - self.tail:
            return pos + self.new_len - self.old_len
        return None

    def guess(self, pos: int) -> int:
        mapped = self.map(pos)
        return self.head if mapped is None else mapped


def body_diff(old: str, new: str) -> BodyDiff:
    # Binary search over slice comparisons: O(n log n) in C instead of a Python loop per char.
    limit = min(len(old), len(new))
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    head = lo
    lo, hi = 0, limit - head
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid :] == new[len(new) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return BodyDiff(old_len=len(old), new_len=len(new), head=head, tail=lo)


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _context_score(body: str, start: int, end: int, prefix: str, suffix: str) -> int:
    before = body[max(0, start - len(prefix)) : start]
    after = body[end : end + len(suffix)]
    return _common_prefix_len(before[::-1], prefix[::-1]) + _common_prefix_len(after, suffix)


def locate_exact(
    *, body: str, text: str, prefix: str, suffix: str, start: int, end: int, diff: BodyDiff
) -> tuple[int, int] | None:
    """Exact position shifted past the edit, then the exact text where its context fits best."""
    new_start, new_end = diff.map(start), diff.map(end)
    if new_start is not None and new_end is not None and body[new_start:new_end] == text:
        return new_start, new_end
    # The old offsets inside the edited region prove nothing: the same words may now stand
    # elsewhere, so they compete with every other occurrence on context.

    expected = diff.guess(start)
    occurrences: list[int] = []
    pos = body.find(text)
    while pos >= 0 and len(occurrences) < MAX_OCCURRENCES:
        occurrences.append(pos)
        pos = body.find(text, pos + 1)
    if not occurrences:
        return None
    best = max(
        occurrences,
        key=lambda p: (
            _context_score(body, p, p + len(text), prefix, suffix),
            -abs(p - expected),
        ),
    )
    score = _context_score(body, best, best + len(text), prefix, suffix)
    needed = min(MIN_CONTEXT_MATCH, len(prefix) + len(suffix))
    if score >= needed or (len(occurrences) == 1 and len(text) >= MIN_UNIQUE_TEXT):
        return best, best + len(text)
    return None


def _needle_to_window_start(blocks: list[tuple[int, int, int]], index: int) -> int | None:
    prev_end = 0
    for a, b, size in blocks:
        if b <= index < b + size:
            return a + (index - b)
        if b > index:
            # The first quoted characters were replaced: extend back over the replacement.
            return max(a - (b - index), prev_end)
        prev_end = a + size
    return None


def _needle_to_window_end(blocks: list[tuple[int, int, int]], index: int) -> int | None:
    result: int | None = None
    for i, (a, b, size) in enumerate(blocks):
        if b < index <= b + size:
            return a + (index - b)
        if b + size <= index:
            next_start = blocks[i + 1][0] if i + 1 < len(blocks) else a + size
            result = min(a + size + (index - b - size), next_start)
        else:
            break
    return result


def locate_fuzzy(
    *, body: str, text: str, prefix: str, suffix: str, start: int, diff: BodyDiff
) -> tuple[int, int] | None:
    """The span whose words are most like the old quote, searched near where it should be."""
    if len(text) > FUZZY_MAX_TEXT:
        return None
    expected = diff.guess(start)
    growth = max(0, diff.new_len - diff.old_len)
    slack = len(text) // 2 + CONTEXT_CHARS + 64
    lo = max(0, expected - len(prefix) - slack)
    hi = min(len(body), expected + len(text) + len(suffix) + slack + growth, lo + FUZZY_MAX_WINDOW)
    window = body[lo:hi]
    needle = prefix + text + suffix
    matcher = SequenceMatcher(None, window, needle, autojunk=False)
    blocks = [(a, b, size) for a, b, size in matcher.get_matching_blocks() if size]
    new_start = _needle_to_window_start(blocks, len(prefix))
    new_end = _needle_to_window_end(blocks, len(prefix) + len(text))
    if new_start is None or new_end is None or new_start >= new_end:
        return None
    candidate = window[new_start:new_end]
    if not candidate.strip():
        return None
    if SequenceMatcher(None, text, candidate, autojunk=False).ratio() < FUZZY_MIN_RATIO:
        return None
    return lo + new_start, lo + new_end


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NOTE_SNIPPET else text[: NOTE_SNIPPET - 1] + "…"


_OUTCOMES = ("unchanged", "moved", "changed", "orphaned", "deleted", "found_again")


@dataclass(frozen=True)
class ReanchorResult:
    unchanged: int
    moved: int
    changed: int
    orphaned: int
    deleted: int
    found_again: int


@dataclass
class _Plan:
    quote: Quote
    untouched: bool
    old_span: tuple[int, int]
    outcome: str = "unchanged"
    dirty: bool = False


def _set_context(quote: Quote, body: str) -> None:
    quote.prefix = body[max(0, quote.start - CONTEXT_CHARS) : quote.start]
    quote.suffix = body[quote.end : quote.end + CONTEXT_CHARS]


def _move_mention(quote: Quote, old_body: str, body: str, diff: BodyDiff) -> None:
    ms, me = quote.speaker_mention_start, quote.speaker_mention_end
    if ms is None or me is None:
        return
    new_ms, new_me = diff.map(ms), diff.map(me)
    if new_ms is None or new_me is None or body[new_ms:new_me] != old_body[ms:me]:
        new_ms = new_me = None
    quote.speaker_mention_start, quote.speaker_mention_end = new_ms, new_me


def _orphan(quote: Quote, revision: int, reason: str) -> None:
    quote.anchor = Quote.Anchor.ORPHANED
    quote.anchor_note = reason
    # Stale review forms must not apply a verdict to a quote that just lost its text.
    quote.version += 1
    quote.speaker_mention_start = quote.speaker_mention_end = None


@transaction.atomic
def article_reanchor_quotes(*, article: Article, old_body: str) -> ReanchorResult:
    """Re-find every quote of the article in its new body; never drop an editor's decision.

    Called by `article_update` in the same transaction as the body change; the deferred
    anchor triggers check the result at COMMIT.
    """
    body, revision = article.body, article.revision
    diff = body_diff(old_body, body)
    now = timezone.now()
    plans = [
        _Plan(quote=q, untouched=q.untouched, old_span=(q.start, q.end))  # type: ignore[attr-defined]
        for q in quotes_for_update(article_id=article.pk)
    ]
    reviews: list[Review] = []

    for plan in plans:
        q = plan.quote
        was_orphaned = q.anchor == Quote.Anchor.ORPHANED
        exact = locate_exact(
            body=body,
            text=q.text,
            prefix=q.prefix,
            suffix=q.suffix,
            start=q.start,
            end=q.end,
            diff=diff,
        )
        if was_orphaned:
            if exact is not None:
                q.start, q.end = exact
                q.anchor, q.anchor_note = Quote.Anchor.ANCHORED, ""
                plan.outcome = "found_again"
                plan.dirty = True
            else:
                plan.outcome = "orphaned"
            continue
        if exact is not None:
            plan.outcome = "unchanged" if exact == plan.old_span else "moved"
            _move_mention(q, old_body, body, diff)
            q.start, q.end = exact
            plan.dirty = True
            continue
        if plan.untouched:
            plan.outcome = "deleted"
            continue
        fuzzy = locate_fuzzy(
            body=body, text=q.text, prefix=q.prefix, suffix=q.suffix, start=q.start, diff=diff
        )
        plan.dirty = True
        if fuzzy is None:
            _orphan(
                q,
                revision,
                f"The quoted text “{_snippet(q.text)}” could not be found in revision "
                f"{revision}; the quote is kept for the record.",
            )
            plan.outcome = "orphaned"
            continue
        old_text, new_text = q.text, body[fuzzy[0] : fuzzy[1]]
        _move_mention(q, old_body, body, diff)
        q.start, q.end, q.text = fuzzy[0], fuzzy[1], new_text
        q.anchor = Quote.Anchor.CHANGED
        q.anchor_note = (
            f"Quoted text changed from “{_snippet(old_text)}” to “{_snippet(new_text)}” "
            f"in revision {revision}; please re-check."
        )
        q.version += 1
        if q.status in (Quote.Status.VERIFIED, Quote.Status.DISPUTED):
            # Straight Review row instead of quote_review_submit: this is the system, not an
            # editor, and the history must still show why the verdict was withdrawn.
            reviews.append(
                Review(
                    quote=q,
                    reviewer=None,
                    from_status=q.status,
                    to_status=Quote.Status.CANDIDATE,
                    note=q.anchor_note,
                    quote_version=q.version,
                )
            )
            q.status = Quote.Status.CANDIDATE
            q.dispute_reason = ""
            q.updated_by = None
        plan.outcome = "changed"

    _resolve_span_collisions(plans, revision)

    keep = [p for p in plans if p.outcome != "deleted"]
    delete_ids = [p.quote.pk for p in plans if p.outcome == "deleted"]
    for plan in keep:
        q = plan.quote
        if q.anchor != Quote.Anchor.ORPHANED:
            _set_context(q, body)
            q.article_revision = revision
            plan.dirty = True
        q.updated_at = now

    if delete_ids:
        Quote.objects.filter(pk__in=delete_ids).delete()
    dirty = [p for p in keep if p.dirty]
    _write_spans(dirty, other_spans={p.old_span for p in keep if not p.dirty})
    if reviews:
        Review.objects.bulk_create(reviews)
        # A withdrawn verdict is news for the CMS, whoever withdrew it.
        for review in reviews:
            events.publish(
                events.EventKind.QUOTE_REVERTED, quote=review.quote, actor=None, review=review
            )
    outcomes = [p.outcome for p in plans]
    return ReanchorResult(**{name: outcomes.count(name) for name in _OUTCOMES})


def _resolve_span_collisions(plans: list[_Plan], revision: int) -> None:
    """Two quotes may land on one span (unique per article): earlier decisions win."""
    plans = [p for p in plans if p.outcome != "deleted"]
    taken: set[tuple[int, int]] = set()
    anchored = [p for p in plans if p.quote.anchor != Quote.Anchor.ORPHANED]
    anchored.sort(key=lambda p: (p.untouched, p.quote.anchor != Quote.Anchor.ANCHORED, p.quote.pk))
    for plan in anchored:
        q = plan.quote
        span = (q.start, q.end)
        if span not in taken:
            taken.add(span)
            continue
        if plan.untouched:
            plan.outcome = "deleted"
            continue
        q.start, q.end = plan.old_span
        _orphan(q, revision, f"Another quote now covers the same words in revision {revision}.")
        plan.outcome = "orphaned"
        plan.dirty = True
    # Orphans keep their last offsets for the record; nudge them off any span in use.
    for plan in plans:
        q = plan.quote
        if q.anchor != Quote.Anchor.ORPHANED:
            continue
        while (q.start, q.end) in taken:
            q.end += 1
            plan.dirty = True
        taken.add((q.start, q.end))


def _write_spans(plans: Iterable[_Plan], *, other_spans: set[tuple[int, int]]) -> None:
    plans = list(plans)
    if not plans:
        return
    old_spans = {p.old_span for p in plans} | other_spans
    moving = [p for p in plans if (p.quote.start, p.quote.end) != p.old_span]
    if any((p.quote.start, p.quote.end) in old_spans for p in moving):
        # The unique (article, start, end) index is checked row by row, so quotes trading
        # places would collide mid-statement: park them first. Parked rows are marked orphaned
        # so that the deferred anchor trigger, which sees every row version, accepts them.
        parked = []
        for i, p in enumerate(moving):
            parked.append(
                Quote(
                    pk=p.quote.pk,
                    start=_PARKING_START + 2 * i,
                    end=_PARKING_START + 2 * i + 1,
                    anchor=Quote.Anchor.ORPHANED,
                )
            )
        Quote.objects.bulk_update(parked, ["start", "end", "anchor"], batch_size=500)
    Quote.objects.bulk_update([p.quote for p in plans], _UPDATE_FIELDS, batch_size=500)
