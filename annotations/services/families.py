"""Quote families: link every saved quote to the earlier quotes with the same words.

    quote saved (pre-highlight store, an editor's add or span fix, a re-anchoring body edit)
        -> quote_families_link(...)      one batch, a handful of statements however many quotes
            -> candidates: members sharing a word 5-gram (GIN index on `shingles`, `&&`)
            -> verdict per candidate: identical > part of > wording differs (pg_trgm similarity)
            -> join the best match's family, merging families the quote bridges
            -> quote_family_refresh(...)  size, first appearance, alarms, conflicts

Why word 5-grams and not a trigram index on the text: "part of" is a contiguous run of at least
five words, so every such pair shares a 5-gram whichever of the two was saved first, and a
5-gram's posting list holds only the quotes with that run of words, so a lookup costs the same
at 1M quotes as at 100k. A trigram GIN index finds a short new quote inside an earlier long one
(`<%`) but not an earlier short quote inside a new long one, and its posting lists grow with
the archive (docs/families.md).
"""

import datetime as dt
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations.models import Quote, QuoteFamily, QuoteFamilyMember
from annotations.services import events

Kind = QuoteFamilyMember.Kind

# pg_trgm similarity of the normalised texts from which two quotes that are neither identical
# nor one part of the other count as the same quote with its wording changed. Chosen on the
# pairs in docs/families.md: real re-wordings scored 0.63-0.96, different sentences sharing an
# opener or a slogan 0.20-0.47; 0.55 sits in the gap with room on both sides.
WORDING_THRESHOLD = 0.55
PART_MIN_WORDS = 5
SHINGLE_WORDS = 5
# Candidates looked at per quote. A slogan shared by thousands of quotes must not make one
# link cost thousands of similarity computations; a real relative shares many 5-grams and
# so is among the first rows the index returns for any of them.
MAX_CANDIDATES = 30
# Members of one family whose similarity is computed when none is identical or contained: the
# first few the index returns stand for the family.
SIMILARITY_PER_FAMILY = 3
# Linking takes this transaction-scoped advisory lock, so two workers storing the same words
# at once cannot each start a family of their own.
LINK_LOCK_KEY = 7_433_400_517

_FOLD = str.maketrans(
    {
        **dict.fromkeys("“”„‟«»‹›「」『』″", '"'),
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+(?:'\w+)*")
# British and American typesetting disagree on whether the closing comma or full stop is inside
# the quote marks; it is not part of what was said.
_TRAILING = " ,.;:"


def quote_text_normalize(text: str) -> str:
    """Case, quote marks, apostrophes, dashes and spacing folded; what "identical" compares."""
    folded = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return _SPACE.sub(" ", folded).strip().strip('"').rstrip(_TRAILING).strip()


def quote_words(normalized: str) -> list[str]:
    return _WORD.findall(normalized)


def _hash(value: str) -> int:
    # crc32 as a signed 32-bit integer: a collision only costs one candidate to verify.
    h = zlib.crc32(value.encode("utf-8"))
    return h - (1 << 32) if h >= 1 << 31 else h


# Closed-class English words. A run of five of them ("and we will not be") is in thousands of
# unrelated quotes: its posting list would grow with the archive, and a GIN bitmap scan reads a
# posting list whole before any LIMIT, while the run says nothing about which quote this is.
_FUNCTION_WORDS = frozenset(
    """a about above after against all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each either few for from had has
    have having he her here hers him his how i if in into is it it's its itself just let me more
    most must my no nor not now of off on once only or other our ours out over own same shall she
    should so some such than that that's the their theirs them then there these they this those
    through to too under until up upon very was we were what when where whether which while who
    whom whose why will with within without would yet you your yours""".split()  # noqa: SIM905
)


def quote_shingles(words: Sequence[str]) -> list[int]:
    """Hashes of every run of five words that is not made only of function words; a quote
    shorter than five words, or of function-word runs only, is one hash of all its words."""
    runs = {
        _hash(" ".join(run))
        for i in range(len(words) - SHINGLE_WORDS + 1)
        if not _FUNCTION_WORDS.issuperset(run := words[i : i + SHINGLE_WORDS])
    }
    if not runs:
        return [_hash(" ".join(words))] if words else []
    return sorted(runs)


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    if n < PART_MIN_WORDS or n >= len(longer):
        return False
    first = shorter[0]
    return any(
        longer[i] == first and list(longer[i : i + n]) == list(shorter)
        for i in range(len(longer) - n + 1)
    )


def structural_kind(
    *, normalized: str, words: Sequence[str], other: str, other_words: Sequence[str]
) -> str | None:
    """Identical or "part of", decided on the words; None leaves it to the similarity."""
    if normalized == other or (words and list(words) == list(other_words)):
        return Kind.IDENTICAL
    if _contains(other_words, words) or _contains(words, other_words):
        return Kind.PART_OF
    return None


_RANK = {Kind.IDENTICAL: 0, Kind.PART_OF: 1, Kind.WORDING_DIFFERS: 2}


_DECIDED = (Quote.Status.VERIFIED, Quote.Status.DISPUTED)

FlagRow = tuple[int, bool, bool, bool]  # family id, conflict, wording differs, speakers differ


@dataclass(frozen=True)
class FamilyChange:
    """A family whose alarm or conflict flag went up in this transaction."""

    family_id: int
    conflict: bool
    wording_differs: bool
    speakers_differ: bool


@dataclass(frozen=True)
class LinkResult:
    linked: int
    # quote id -> family id, for the quotes linked by this call.
    families: dict[int, int] = field(default_factory=dict)
    raised: tuple[FamilyChange, ...] = ()


@dataclass
class _Todo:
    quote_id: int
    normalized: str
    words: list[str]
    shingles: list[int]
    published_at: dt.datetime | None
    created_at: dt.datetime
    speaker_id: int | None
    status: str  # a span fix links a decided (verified or disputed) quote again
    family: int = 0  # set once the batch is decided
    kind: str = Kind.FIRST
    linked_to: int | None = None
    similarity: float = 1.0


_CANDIDATES_SQL = """
SELECT w.i, c.quote_id, c.family_id, c.normalized
  FROM unnest(%(idx)s::int[], %(sh)s::text[]) AS w(i, sh)
 CROSS JOIN LATERAL (
        SELECT m.quote_id, m.family_id, m.normalized
          FROM annotations_quotefamilymember m
         WHERE m.shingles && string_to_array(w.sh, ',')::int[]
         LIMIT %(limit)s) AS c
"""

_PAIR_SIMILARITY_SQL = """
SELECT similarity(a, b) FROM unnest(%(a)s::text[], %(b)s::text[]) WITH ORDINALITY AS p(a, b, n)
 ORDER BY n
"""

Node = tuple[str, int]


def _similarities(pairs: Sequence[tuple[str, str]]) -> list[float]:
    if not pairs:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _PAIR_SIMILARITY_SQL, {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}
        )
        return [float(row[0]) for row in cursor.fetchall()]


def _candidates(todo: Sequence[_Todo]) -> dict[int, dict[Node, list[tuple[int, str]]]]:
    """Per quote to link: the earlier quotes sharing a 5-gram, grouped by family: existing
    families ("f", id) from the index, and quotes earlier in this batch ("n", index).

    A quote whose words an earlier quote of the batch already has is identical to that one and
    links through it, so each distinct text is looked up once: a batch that repeats a sentence
    n times (one speech in many articles) costs n, not n² comparisons. Quotes of the batch that
    only share 5-grams are capped at MAX_CANDIDATES per quote, like the index lookup.
    """
    found: dict[int, dict[Node, list[tuple[int, str]]]] = {i: {} for i in range(len(todo))}
    first_of: dict[str, int] = {}
    distinct: list[int] = []
    for i, t in enumerate(todo):
        j = first_of.setdefault(t.normalized, i)
        if j == i:
            distinct.append(i)
        else:
            found[i][("n", j)] = [(todo[j].quote_id, todo[j].normalized)]
    with connection.cursor() as cursor:
        cursor.execute(
            _CANDIDATES_SQL,
            {
                "idx": distinct,
                "sh": [",".join(map(str, todo[i].shingles)) for i in distinct],
                "limit": MAX_CANDIDATES,
            },
        )
        for i, quote_id, family_id, normalized in cursor.fetchall():
            found[i].setdefault(("f", family_id), []).append((quote_id, normalized))
    by_shingle: dict[int, list[int]] = {}
    for i in distinct:
        in_batch = 0
        for h in todo[i].shingles:
            for j in by_shingle.get(h, ()):
                if in_batch >= MAX_CANDIDATES:
                    break
                group = found[i].setdefault(("n", j), [])
                if not group:
                    group.append((todo[j].quote_id, todo[j].normalized))
                    in_batch += 1
            by_shingle.setdefault(h, []).append(i)
    return found


def _matches(todo: Sequence[_Todo]) -> list[list[tuple[int, float, int, Node]]]:
    """Per quote: (rank, -similarity, quote id, family node) of every family it belongs with.

    Identical and "part of" are decided on the words, so a family with such a member costs no
    similarity; pg_trgm similarity is computed, in one statement for the whole batch, only for
    up to SIMILARITY_PER_FAMILY members of the other families.
    """
    matches: list[list[tuple[int, float, int, Node]]] = [[] for _ in todo]
    pending: list[tuple[int, int, Node, str]] = []
    words_of: dict[str, list[str]] = {}
    for i, groups in _candidates(todo).items():
        t = todo[i]
        for node, members in groups.items():
            best: tuple[int, int] | None = None
            for quote_id, normalized in members:
                words = words_of.setdefault(normalized, quote_words(normalized))
                kind = structural_kind(
                    normalized=t.normalized, words=t.words, other=normalized, other_words=words
                )
                if kind == Kind.IDENTICAL:
                    best = (_RANK[Kind.IDENTICAL], quote_id)
                    break
                if kind == Kind.PART_OF and best is None:
                    best = (_RANK[Kind.PART_OF], quote_id)
            if best is not None:
                matches[i].append((best[0], -1.0, best[1], node))
            else:
                pending.extend(
                    (i, quote_id, node, normalized)
                    for quote_id, normalized in members[:SIMILARITY_PER_FAMILY]
                )
    sims = _similarities([(todo[i].normalized, normalized) for i, _, _, normalized in pending])
    for (i, quote_id, node, _), sim in zip(pending, sims, strict=True):
        if sim >= WORDING_THRESHOLD:
            matches[i].append((_RANK[Kind.WORDING_DIFFERS], -sim, quote_id, node))
    return matches


# No savepoint: every caller is inside its write's transaction already (the pre-highlight store,
# the editor's services), and a savepoint is two more statements per batch.
@transaction.atomic(savepoint=False)
def quote_families_link(
    *,
    quote_ids: Iterable[int] = (),
    article_ids: Iterable[int] = (),
    refresh_family_ids: Iterable[int] = (),
) -> LinkResult:
    """Link the given quotes (and every quote of the given articles) that are not linked yet or
    whose words changed since; idempotent, so a second call with the same scope does nothing.

    `refresh_family_ids`: families to recompute anyway (a member was deleted or changed speaker).
    """
    quote_ids, article_ids = list(quote_ids), list(article_ids)
    refresh = set(refresh_family_ids)
    rows = Quote.objects.filter(Q(pk__in=quote_ids) | Q(article_id__in=article_ids))
    todo: list[_Todo] = []
    stale: list[int] = []
    for (
        pk,
        text,
        status,
        speaker_id,
        created_at,
        published_at,
        known,
        family_id,
    ) in rows.order_by("pk").values_list(
        "pk",
        "text",
        "status",
        "speaker_id",
        "created_at",
        "article__published_at",
        "family_member__normalized",
        "family_member__family_id",
    ):
        normalized = quote_text_normalize(text)
        if known is not None and known == normalized:
            continue
        if family_id is not None:
            stale.append(pk)
            refresh.add(family_id)
        words = quote_words(normalized)
        todo.append(
            _Todo(
                pk,
                normalized,
                words,
                quote_shingles(words),
                published_at,
                created_at,
                speaker_id,
                status,
            )
        )
    if not todo:
        return LinkResult(linked=0, raised=quote_family_refresh(family_ids=refresh))

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LINK_LOCK_KEY])
    if stale:
        QuoteFamilyMember.objects.filter(quote_id__in=stale).delete()

    # Union-find over families: existing ones ("f", id) and ones to create ("n", todo index).
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    node_of: list[Node] = []
    for i, (t, found) in enumerate(zip(todo, _matches(todo), strict=True)):
        node = find(("n", i))
        node_of.append(node)
        if not found:
            continue
        found.sort(key=lambda m: (m[0], m[1], m[2]))
        rank, neg_sim, linked_to, _ = found[0]
        t.kind = next(k for k, r in _RANK.items() if r == rank)
        t.linked_to, t.similarity = linked_to, -neg_sim
        # The quote bridges every family it matches: they become one.
        for m in found:
            other_root = find(m[3] if m[3][0] == "f" else node_of[m[3][1]])
            if other_root != node:
                parent[other_root] = node

    groups: dict[Node, list[Node]] = {}
    for node in list(parent):
        groups.setdefault(find(node), []).append(node)
    # Each group keeps its oldest existing family, or gets a new one; the others merge into it.
    target: dict[Node, int] = {}
    to_create: list[Node] = []
    merges: dict[int, int] = {}
    for group_root, nodes in groups.items():
        existing = sorted(pk for kind, pk in nodes if kind == "f")
        if existing:
            target[group_root] = existing[0]
            merges.update((pk, existing[0]) for pk in existing[1:])
        else:
            to_create.append(group_root)
    target.update(zip(to_create, _family_ids(len(to_create)), strict=True))
    for i, t in enumerate(todo):
        t.family = target[find(node_of[i])]
    # A new family is made of quotes of this batch only: it is written complete, from what was
    # read of them, and not recomputed (most quotes are said once: a family of one).
    flags = _create_families(
        [(target[node], [todo[i] for _, i in groups[node]]) for node in to_create]
    )
    # Existing families that only gained undecided quotes are updated from the new members
    # alone; the others (merged ones, ones that lost a member, ones gaining a decided quote)
    # are recomputed from all their members.
    new = set(to_create)
    grown = {target[node] for node in groups if node not in new}
    refresh |= {t.family for t in todo if t.status in _DECIDED} & grown
    if merges:
        with connection.cursor() as cursor:
            cursor.execute(_MERGE_SQL, [list(merges), list(merges.values()), list(merges)])
        refresh = (refresh | set(merges.values())) - set(merges)

    _copy_members(todo)
    grow = grown - refresh - set(merges)
    flags += _refresh_rows(family_ids=refresh) + _grow_rows(
        family_ids=grow, quote_ids=[t.quote_id for t in todo if t.family in grow]
    )
    return LinkResult(
        linked=len(todo),
        families={t.quote_id: t.family for t in todo},
        raised=_raised(flags),
    )


def _family_ids(count: int) -> list[int]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [QuoteFamily._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


FAMILY_COLUMNS = (
    "id",
    "size",
    "first_quote_id",
    "first_published_at",
    "wording_differs",
    "speakers_differ",
    "conflict",
    "created_at",
    "updated_at",
)


def _create_families(families: Sequence[tuple[int, Sequence[_Todo]]]) -> list[FlagRow]:
    """Write new families complete (the refresh's rules, on the members in hand) with COPY;
    the flags they are born with, to announce like any flag that rises."""
    if not families:
        return []
    now = timezone.now()
    raised: list[FlagRow] = []
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(QuoteFamily._meta.db_table), ", ".join(FAMILY_COLUMNS)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for family_id, members in families:
            first = min(
                members,
                key=lambda t: (
                    t.published_at is None,
                    t.published_at or now,
                    t.created_at,
                    t.quote_id,
                ),
            )
            statuses = {t.status for t in members}
            conflict = Quote.Status.VERIFIED in statuses and Quote.Status.DISPUTED in statuses
            wording = any(t.kind == Kind.WORDING_DIFFERS for t in members)
            speakers = len({t.speaker_id for t in members} - {None}) > 1
            copy.write_row(
                (
                    family_id,
                    len(members),
                    first.quote_id,
                    first.published_at,
                    wording,
                    speakers,
                    conflict,
                    now,
                    now,
                )
            )
            raised.append((family_id, conflict, wording, speakers))
    return raised


# The members move, then the emptied families go; the members' foreign key is checked at commit.
_MERGE_SQL = """
WITH moved AS (
    UPDATE annotations_quotefamilymember m SET family_id = g.into_id
      FROM unnest(%s::bigint[], %s::bigint[]) AS g(source_id, into_id)
     WHERE m.family_id = g.source_id
)
DELETE FROM annotations_quotefamily f WHERE f.id = ANY(%s::bigint[])
"""

MEMBER_COLUMNS = (
    "quote_id",
    "family_id",
    "kind",
    "linked_to_id",
    "similarity",
    "normalized",
    "shingles",
    "created_at",
)


def _copy_members(todo: Sequence[_Todo]) -> None:
    # COPY, like the pre-highlight store's quotes: building a few hundred model instances and a
    # multi-thousand-parameter INSERT cost more than the database's work (bench/families.py).
    now = timezone.now()
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(QuoteFamilyMember._meta.db_table), ", ".join(MEMBER_COLUMNS)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for t in todo:
            copy.write_row(
                (
                    t.quote_id,
                    t.family,
                    t.kind,
                    t.linked_to,
                    t.similarity,
                    t.normalized,
                    # As an array literal: psycopg's list dumper cost more than the COPY.
                    "{" + ",".join(map(str, t.shingles)) + "}",
                    now,
                )
            )


# The families to recompute, as an array the planner treats as a parameter (an InitPlan): each
# use below is an index scan on the member's family, where a join against a CTE of unknown size
# was planned as a hash join over every membership (a sequential scan of a million rows).
_REFRESH_IDS = """ARRAY(
        SELECT m.family_id FROM annotations_quotefamilymember m
         WHERE m.quote_id = ANY(%(quote_ids)s::bigint[])
        UNION
        SELECT unnest(%(family_ids)s::bigint[]))"""

_REFRESH_SQL = """
WITH agg AS (
    SELECT m.family_id,
           count(*) AS size,
           bool_or(m.kind = %(wording)s) AS wording_differs,
           count(DISTINCT q.speaker_id) > 1 AS speakers_differ,
           bool_or(q.status = %(verified)s) AND bool_or(q.status = %(disputed)s) AS conflict
      FROM annotations_quotefamilymember m
      JOIN annotations_quote q ON q.id = m.quote_id
     WHERE m.family_id = ANY({ids})
     GROUP BY m.family_id
), first AS (
    SELECT DISTINCT ON (m.family_id) m.family_id, q.id AS quote_id, a.published_at
      FROM annotations_quotefamilymember m
      JOIN annotations_quote q ON q.id = m.quote_id
      JOIN annotations_article a ON a.id = q.article_id
     WHERE m.family_id = ANY({ids})
     ORDER BY m.family_id, a.published_at ASC NULLS LAST, q.created_at, q.id
), old AS (
    -- Only the families whose derived columns change are locked and written: most decisions
    -- change none, and a lock on a family's row would queue every decision on its members
    -- behind one another. A row another writer changed meanwhile is checked again once its
    -- lock is ours (READ COMMITTED re-evaluates the condition on the newest version).
    SELECT f.id, f.conflict, f.wording_differs, f.speakers_differ
      FROM annotations_quotefamily f
      JOIN agg ON agg.family_id = f.id
      JOIN first ON first.family_id = f.id
     WHERE f.id = ANY({ids})
       AND (f.size, f.wording_differs, f.speakers_differ, f.conflict, f.first_quote_id,
            f.first_published_at)
           IS DISTINCT FROM
           (agg.size, agg.wording_differs, agg.speakers_differ, agg.conflict, first.quote_id,
            first.published_at)
     ORDER BY f.id
       FOR UPDATE OF f
), gone AS (
    -- A family given by id that was left without members (its quotes deleted or moved).
    DELETE FROM annotations_quotefamily f
     WHERE f.id = ANY(%(family_ids)s::bigint[])
       AND NOT EXISTS (SELECT 1 FROM annotations_quotefamilymember m WHERE m.family_id = f.id)
)
UPDATE annotations_quotefamily f
   SET size = agg.size,
       wording_differs = agg.wording_differs,
       speakers_differ = agg.speakers_differ,
       conflict = agg.conflict,
       first_quote_id = first.quote_id,
       first_published_at = first.published_at,
       updated_at = now()
  FROM agg JOIN first USING (family_id) JOIN old ON old.id = agg.family_id
 WHERE f.id = agg.family_id
RETURNING f.id, f.conflict AND NOT old.conflict,
          f.wording_differs AND NOT old.wording_differs,
          f.speakers_differ AND NOT old.speakers_differ
""".replace("{ids}", _REFRESH_IDS)


_GROW_SQL = """
WITH added AS (
    SELECT m.family_id,
           count(*) AS n,
           bool_or(m.kind = %(wording)s) AS wording_differs,
           array_agg(DISTINCT q.speaker_id) FILTER (WHERE q.speaker_id IS NOT NULL) AS speakers
      FROM annotations_quotefamilymember m
      JOIN annotations_quote q ON q.id = m.quote_id
     WHERE m.quote_id = ANY(%(quote_ids)s::bigint[]) AND m.family_id = ANY(%(family_ids)s::bigint[])
     GROUP BY m.family_id
), earliest AS (
    SELECT DISTINCT ON (m.family_id) m.family_id, q.id AS quote_id, a.published_at
      FROM annotations_quotefamilymember m
      JOIN annotations_quote q ON q.id = m.quote_id
      JOIN annotations_article a ON a.id = q.article_id
     WHERE m.quote_id = ANY(%(quote_ids)s::bigint[]) AND m.family_id = ANY(%(family_ids)s::bigint[])
     ORDER BY m.family_id, a.published_at ASC NULLS LAST, q.created_at, q.id
), old AS (
    SELECT f.id, f.size, f.first_quote_id, f.first_published_at, f.wording_differs,
           f.speakers_differ, f.conflict
      FROM annotations_quotefamily f
     WHERE f.id = ANY(%(family_ids)s::bigint[])
     ORDER BY f.id
       FOR UPDATE
)
UPDATE annotations_quotefamily f
   SET size = old.size + added.n,
       wording_differs = old.wording_differs OR added.wording_differs,
       speakers_differ = CASE
           WHEN old.speakers_differ OR coalesce(cardinality(added.speakers), 0) > 1 THEN true
           WHEN coalesce(cardinality(added.speakers), 0) = 0 THEN false
           -- One new speaker: does an earlier member name another one? They all name the
           -- same one (speakers_differ is false), so the first credited member says: a
           -- popular quote's family has hundreds of members, nearly all with one speaker,
           -- and looking for a different one read them all.
           ELSE coalesce((
               SELECT q.speaker_id <> added.speakers[1]
                 FROM annotations_quotefamilymember m
                 JOIN annotations_quote q ON q.id = m.quote_id
                WHERE m.family_id = f.id AND q.speaker_id IS NOT NULL
                  AND NOT m.quote_id = ANY(%(quote_ids)s::bigint[])
                LIMIT 1), false)
       END,
       first_quote_id = CASE
           WHEN old.first_quote_id IS NULL
             OR (earliest.published_at IS NOT NULL
                 AND (old.first_published_at IS NULL
                      OR earliest.published_at < old.first_published_at))
           THEN earliest.quote_id ELSE old.first_quote_id END,
       first_published_at = CASE
           WHEN old.first_quote_id IS NULL
             OR (earliest.published_at IS NOT NULL
                 AND (old.first_published_at IS NULL
                      OR earliest.published_at < old.first_published_at))
           THEN earliest.published_at ELSE old.first_published_at END,
       updated_at = now()
  FROM added JOIN earliest USING (family_id) JOIN old ON old.id = added.family_id
 WHERE f.id = added.family_id
RETURNING f.id, false, f.wording_differs AND NOT old.wording_differs,
          f.speakers_differ AND NOT old.speakers_differ
"""


def _grow_rows(*, family_ids: set[int], quote_ids: Sequence[int]) -> list[FlagRow]:
    """Families that gained undecided quotes and nothing else: their size, alarms and first
    appearance follow from the new members, without reading the old ones (a popular quote's
    family has hundreds). A new candidate cannot raise a conflict."""
    if not family_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _GROW_SQL,
            {
                "family_ids": sorted(family_ids),
                "quote_ids": list(quote_ids),
                "wording": Kind.WORDING_DIFFERS.value,
            },
        )
        return cursor.fetchall()


def _raised(rows: Sequence[FlagRow]) -> tuple[FamilyChange, ...]:
    """The flags that rose, announced in one go."""
    raised = tuple(
        FamilyChange(family_id=pk, conflict=c, wording_differs=w, speakers_differ=s)
        for pk, c, w, s in sorted(rows)
        if c or w or s
    )
    if raised:
        _announce(raised)
    return raised


_LOCK_SQL = """
SELECT f.id
  FROM annotations_quotefamily f
 WHERE f.id = ANY(%(family_ids)s::bigint[])
    OR f.id IN (SELECT m.family_id FROM annotations_quotefamilymember m
                 WHERE m.quote_id = ANY(%(quote_ids)s::bigint[]))
 ORDER BY f.id
   FOR UPDATE OF f
"""


def quote_family_refresh(
    *, family_ids: Iterable[int] = (), quote_ids: Iterable[int] = (), locked: bool = False
) -> tuple[FamilyChange, ...]:
    """Recompute the derived columns of these families and of the families of these quotes;
    returns the families whose alarm or conflict flag rose.

    The families' rows are locked first (`locked`: the caller holds them already), and the
    columns computed by the next statement: it sees every change committed by a writer that
    held the lock before, and a writer that wants it waits. Computed in the statement that
    takes the lock, they would come from a snapshot taken before the wait, and a verdict
    committed meanwhile on another member would be missed (and overwritten).

    A family given by id that was left without members is deleted.
    """
    family_ids, quote_ids = sorted(set(family_ids)), sorted(set(quote_ids))
    if not locked and (family_ids or quote_ids):
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, {"family_ids": family_ids, "quote_ids": quote_ids})
    return _raised(_refresh_rows(family_ids=family_ids, quote_ids=quote_ids))


def _refresh_rows(
    *, family_ids: Iterable[int] = (), quote_ids: Iterable[int] = ()
) -> list[FlagRow]:
    """The families whose derived columns changed, with the flags that rose."""
    family_ids, quote_ids = sorted(set(family_ids)), sorted(set(quote_ids))
    if not family_ids and not quote_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _REFRESH_SQL,
            {
                "family_ids": family_ids,
                "quote_ids": quote_ids,
                "wording": Kind.WORDING_DIFFERS.value,
                "verified": Quote.Status.VERIFIED.value,
                "disputed": Quote.Status.DISPUTED.value,
            },
        )
        return cursor.fetchall()


def _announce(raised: Sequence[FamilyChange]) -> None:
    families = QuoteFamily.objects.in_bulk([change.family_id for change in raised])
    events.publish_family(
        [
            (kind, families[change.family_id])
            for change in raised
            for flag, kind in (
                (change.conflict, events.EventKind.FAMILY_CONFLICT),
                (change.wording_differs, events.EventKind.FAMILY_WORDING_DIFFERS),
                (change.speakers_differ, events.EventKind.FAMILY_SPEAKERS_DIFFER),
            )
            if flag
        ]
    )


def quote_family_ids(*, quote_ids: Iterable[int]) -> set[int]:
    return set(
        QuoteFamilyMember.objects.filter(quote_id__in=list(quote_ids)).values_list(
            "family_id", flat=True
        )
    )


@dataclass(frozen=True)
class BackfillBatch:
    linked: int
    remaining: int  # quotes still without a family after this batch


def quote_families_backfill_batch(*, batch_size: int) -> BackfillBatch:
    """Link the next `batch_size` quotes that have no family yet, oldest publication first, in
    one transaction. Resumable through state: a stopped backfill starts again where it was,
    and quotes saved meanwhile are linked by their own save."""
    pending = Quote.objects.filter(family_member__isnull=True)
    ids = list(
        pending.order_by(
            F("article__published_at").asc(nulls_last=True), "created_at", "pk"
        ).values_list("pk", flat=True)[:batch_size]
    )
    if ids:
        with transaction.atomic():
            result = quote_families_link(quote_ids=ids)
        linked = result.linked
    else:
        linked = 0
    return BackfillBatch(linked=linked, remaining=pending.count())
