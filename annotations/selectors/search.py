"""Quote search: the one core shared by the HTML search page, its exports and the REST API.

The document (Quote.search_vector) is maintained by triggers, see migration 0004_search and
docs/search.md for the query language and the ranking plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from annotations import roles
from annotations.invisible import reveal_invisible
from annotations.models import Quote, Speaker, SpeakerAlias, SpeakerRole, normalize_alias
from annotations.selectors.speakers import role_at_time_expression

SEARCH_CONFIG = "english"
SORT_RELEVANCE = "relevance"
SORT_DATE = "date"
SORTS = (SORT_RELEVANCE, SORT_DATE)
# Rank weights for the document's parts, in PostgreSQL's {D, C, B, A} order: the quote's own
# words (A) count fifty times the headline and outlet (C), so an article whose headline matches
# does not rank all its quotes beside the ones that say the words; the speaker (B) sits between.
RANK_WEIGHTS = [0.01, 0.02, 0.3, 1.0]
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("", "0", "false", "off", "no")

# word_similarity() of a typed name against a speaker name or alias. "Psacki" scores 0.44
# against "Psaki" and "Stoltenburg" 0.67 against "Stoltenberg"; unrelated names stay below 0.3.
SPEAKER_SIMILARITY_THRESHOLD = 0.4
# Fuzzy matches this far below the best one are dropped, so a typo does not pull in every
# speaker that shares a few letters.
SPEAKER_SIMILARITY_BAND = 0.1

# ts_headline marks matches with these sentinels; headline_html turns them into <mark> around
# escaped text. Its parser also takes "<img src=x>" for an HTML tag and replaces it with a space,
# which dropped words from the snippet (issue 12, item 7), so "<" goes in as _LESS_THAN and is
# put back. A quote holding one of these control characters is shown whole, unmarked.
_MARK_START = "\x02"
_MARK_STOP = "\x03"
_LESS_THAN = "\x01"
_MARKED_RE = re.compile(f"{_MARK_START}([^{_MARK_START}{_MARK_STOP}]*){_MARK_STOP}")

_TOKEN_RE = {
    key: re.compile(rf'(?<!\S){key}:(?:"([^"]*)"?|(\S*))', re.IGNORECASE)
    for key in ("speaker", "role")
}
# More roles than this matching a role: filter is a sign the words are too vague to mean an
# office ("a", "of"); each matching role is one arm of the query.
MAX_MATCHING_ROLES = 500


@dataclass(frozen=True)
class QuoteSearchParams:
    q: str = ""
    speaker: str = ""  # a speaker id, or a name/alias matched fuzzily
    role: str = ""  # words of a role's title or organisation, held on each quote's date
    status: tuple[str, ...] = ()
    outlet: str = ""
    article: int | None = None
    published_from: datetime | None = None  # inclusive
    published_to: datetime | None = None  # exclusive
    sort: str = SORT_RELEVANCE  # or "date"
    quote_only: bool = False  # q must match the quote's own words, not its speaker or headline
    # Quote families (docs/families.md): one row per family (its newest match), and the two
    # alarms as filters. The search page switches `same_once` on by default; the API does not.
    same_once: bool = False
    wording_differs: bool = False
    speakers_differ: bool = False

    @property
    def is_empty(self) -> bool:
        return self == QuoteSearchParams(
            sort=self.sort, quote_only=self.quote_only, same_once=self.same_once
        )


def _scalar(data: Mapping[str, str | list[str]], key: str) -> str:
    value = data.get(key, "")
    if isinstance(value, list | tuple):
        # Like QueryDict.get: the last value wins.
        value = value[-1] if value else ""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({key: "Must be text."})
    return value


def _many(data: Mapping[str, str | list[str]], key: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    raw = getlist(key) if getlist is not None else data.get(key, [])
    if isinstance(raw, str):
        raw = [raw]
    values: list[str] = []
    for item in raw or []:
        if not isinstance(item, str):
            raise ValidationError({key: "Must be text."})
        # "status=verified,disputed" and repeated "status=" both work.
        values.extend(part.strip() for part in item.split(",") if part.strip())
    return values


def _text_problem(value: str, *, limit: int, label: str) -> str | None:
    if "\x00" in value:
        return f"{label} contains a NUL character; remove it and try again."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{label} contains invalid Unicode (a lone surrogate); retype it and try again."
    if len(value) > limit:
        return f"{label} is limited to {limit:,} characters; yours has {len(value):,}."
    return None


def _parse_datetime(value: str, *, label: str) -> datetime:
    try:
        parsed = parse_datetime(value)
        if parsed is None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            parsed = parse_datetime(f"{value}T00:00")
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(
            f"{label}: “{value[:40]}” is not a date and time; use YYYY-MM-DDTHH:MM."
        )
    if timezone.is_naive(parsed):
        # datetime-local inputs carry no offset: they are read in the newsroom's time zone.
        parsed = timezone.make_aware(parsed)
    return parsed


def split_token(q: str, key: str) -> tuple[str, str | None]:
    """Take `key:kirby` / `key:"jen psaki"` out of the query text.

    Returns the remaining text and the token's value (None when there is no token, "" when the
    token has no value). More than one token of the same key is an error.
    """
    matches = list(_TOKEN_RE[key].finditer(q))
    if not matches:
        return q, None
    if len(matches) > 1:
        raise ValidationError({"q": f"Use {key}: once per search."})
    match = matches[0]
    value = (match.group(1) if match.group(1) is not None else match.group(2)) or ""
    rest = (q[: match.start()] + " " + q[match.end() :]).strip()
    return " ".join(rest.split(" ")).strip(), value.strip()


def split_speaker_token(q: str) -> tuple[str, str | None]:
    return split_token(q, "speaker")


def split_tokens(q: str) -> tuple[str, str | None, str | None]:
    """The query text without its `role:` and `speaker:` tokens, and their values."""
    q, role = split_token(q, "role")
    q, speaker = split_token(q, "speaker")
    return q, speaker, role


def _tsquery_has_lexemes(q: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [SEARCH_CONFIG, q]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def quote_search_params_from_query(
    data: Mapping[str, str | list[str]], *, max_query_chars: int
) -> QuoteSearchParams:
    """Parse and validate search parameters (GET query or API input).

    Raises ValidationError with one clear message per offending field.
    """
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    fields: dict[str, str] = {}
    text_fields = (
        ("q", "The search"),
        ("speaker", "Speaker"),
        ("role", "Role"),
        ("outlet", "Outlet"),
    )
    for key, label in text_fields:
        try:
            value = _scalar(data, key)
        except ValidationError as exc:
            fail(key, exc.message_dict[key][0])
            continue
        problem = _text_problem(value, limit=max_query_chars, label=label)
        if problem:
            fail(key, problem)
            continue
        fields[key] = " ".join(value.split())

    q = fields.get("q", "")
    tokens = (
        ("speaker", "name", 'speaker:kirby or speaker:"jen psaki"'),
        ("role", "title", 'role:"press secretary"'),
    )
    if "q" not in errors:
        for key, noun, example in tokens:
            try:
                q, token = split_token(q, key)
            except ValidationError as exc:
                fail("q", exc.message_dict["q"][0])
                continue
            given = fields.get(key, "")
            if token == "":
                fail("q", f"{key}: needs a {noun}, e.g. {example}.")
            elif token is not None:
                if given and given.casefold() != token.casefold():
                    fail(
                        key,
                        f"The query names {key} “{token}” and the {key} field “{given}”; "
                        "give one of them.",
                    )
                fields[key] = token
        if q and not errors.get("q") and not _tsquery_has_lexemes(q):
            fail(
                "q",
                "The search has no searchable words: very common words such as “the” or "
                "“and” and punctuation are not indexed. Add a more specific word.",
            )

    status: list[str] = []
    try:
        for value in _many(data, "status"):
            if value not in Quote.Status.values:
                fail(
                    "status",
                    f"Unknown status “{value[:40]}”; choose from {', '.join(Quote.Status.values)}.",
                )
            elif value not in status:
                status.append(value)
    except ValidationError as exc:
        fail("status", exc.message_dict["status"][0])

    article: int | None = None
    try:
        raw_article = _scalar(data, "article").strip()
        if raw_article:
            if not re.fullmatch(r"[0-9]{1,18}", raw_article) or int(raw_article) < 1:
                fail("article", "The article must be given by its number (a positive integer).")
            else:
                article = int(raw_article)
    except ValidationError as exc:
        fail("article", exc.message_dict["article"][0])

    dates: dict[str, datetime | None] = {"published_from": None, "published_to": None}
    labels = {"published_from": "Published from", "published_to": "Published before"}
    for key in dates:
        try:
            raw = _scalar(data, key).strip()
            if len(raw) > 64:
                raise ValidationError(f"{labels[key]}: use YYYY-MM-DDTHH:MM.")
            if raw:
                dates[key] = _parse_datetime(raw, label=labels[key])
        except ValidationError as exc:
            fail(key, exc.messages[0])
    start, end = dates["published_from"], dates["published_to"]
    if start is not None and end is not None and end <= start:
        fail("published_to", "“Published before” must be later than “Published from”.")

    sort = SORT_RELEVANCE
    try:
        sort = _scalar(data, "sort").strip() or SORT_RELEVANCE
        if sort not in SORTS:
            fail("sort", f"Sort by {' or '.join(SORTS)}.")
    except ValidationError as exc:
        fail("sort", exc.message_dict["sort"][0])

    if fields.get("role") and "role" not in errors:
        try:
            role_match(text=fields["role"])  # refuses words too vague to name an office
        except ValidationError as exc:
            fail("role", exc.message_dict["role"][0])
    quote_only = False
    try:
        raw_only = _scalar(data, "quote_only").strip().lower()
        if raw_only not in _TRUE + _FALSE:
            fail("quote_only", "“In the quote text only” is on (1, true) or off (0, false).")
        quote_only = raw_only in _TRUE
    except ValidationError as exc:
        fail("quote_only", exc.message_dict["quote_only"][0])
    flags: dict[str, bool] = {}
    for key in ("once", "wording_differs", "speakers_differ"):
        try:
            values = _many(data, key)
        except ValidationError as exc:
            fail(key, exc.message_dict[key][0])
            continue
        unknown = [v for v in values if v not in ("0", "1")]
        if unknown:
            fail(key, f"“{unknown[0][:20]}” is not a switch value; use 1 (on) or 0 (off).")
        # A checkbox after a hidden "0": ["0", "1"] when ticked, ["0"] when not.
        flags[key] = "1" in values

    if errors:
        raise ValidationError(errors)
    return QuoteSearchParams(
        quote_only=quote_only,
        q=q,
        speaker=fields.get("speaker", ""),
        role=fields.get("role", ""),
        status=tuple(status),
        outlet=fields.get("outlet", ""),
        article=article,
        published_from=start,
        published_to=end,
        sort=sort,
        same_once=flags.get("once", False),
        wording_differs=flags.get("wording_differs", False),
        speakers_differ=flags.get("speakers_differ", False),
    )


def speaker_match(*, text: str) -> list[Speaker]:
    """Speakers a typed name refers to: by id, by whole-word name/alias match, else fuzzily.

    Whole-word matches (word_similarity 1, "kirby" in "John Kirby") win over fuzzy ones, so
    `speaker:jen` means Jen Psaki and not also Jens Stoltenberg.
    """
    text = " ".join(text.split())
    if not text:
        return []
    if text.isascii() and text.isdigit():  # "²" is a digit to isdigit() but not to int()
        return list(Speaker.objects.filter(pk=int(text))) if len(text) <= 18 else []
    needle = normalize_alias(text)
    with transaction.atomic():
        # The % / %> operators use this threshold, which lets the trigram GIN indexes answer.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(SPEAKER_SIMILARITY_THRESHOLD)],
            )
        scores: dict[int, float] = {}
        by_name = (
            Speaker.objects.filter(name__trigram_word_similar=needle)
            .annotate(score=TrigramWordSimilarity(needle, "name"))
            .values_list("pk", "score")
        )
        by_alias = (
            SpeakerAlias.objects.filter(normalized__trigram_word_similar=needle)
            .annotate(score=TrigramWordSimilarity(needle, "normalized"))
            .values_list("speaker_id", "score")
        )
        for pk, score in [*by_name, *by_alias]:
            scores[pk] = max(scores.get(pk, 0.0), float(score))
    if not scores:
        return []
    best = max(scores.values())
    floor = best if best >= 0.999 else best - SPEAKER_SIMILARITY_BAND
    chosen = [pk for pk, score in scores.items() if score >= floor]
    return list(Speaker.objects.filter(pk__in=chosen).order_by("name"))


def role_match(*, text: str) -> list[SpeakerRole]:
    """Roles whose title, or whose organisation, holds every word (case-insensitive).

    "press secretary" finds the White House and the Pentagon press secretaries. Raises
    ValidationError when the words match so many roles that they cannot mean an office.
    """
    words = normalize_alias(text).split()
    if not words:
        return []
    in_title, in_organisation = Q(), Q()
    for word in words:
        in_title &= Q(title__icontains=word)
        in_organisation &= Q(organisation__icontains=word)
    found = list(SpeakerRole.objects.filter(in_title | in_organisation)[: MAX_MATCHING_ROLES + 1])
    if len(found) > MAX_MATCHING_ROLES:
        raise ValidationError(
            {
                "role": f"“{text[:40]}” matches more than {MAX_MATCHING_ROLES} roles; "
                "name the office more precisely."
            }
        )
    return found


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# Quotes by one of the speakers, published within that speaker's role: the roles come as three
# parallel arrays (speaker, first instant, instant after the last day or NULL), so the statement
# is the same size, and compiles and plans as fast, for 3 roles as for 300. It reads the quote's
# own copy of the publication time (migration 0015), so each role is one range of the
# (speaker, published_at) index, and a page in date order can walk (published_at, id) and stop.
_ROLE_HELD = """annotations_quote.speaker_id = ANY (%s::bigint[]) AND EXISTS (
  SELECT 1 FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS r(sid, since, until)
   WHERE r.sid = annotations_quote.speaker_id
     AND annotations_quote.published_at >= r.since
     AND annotations_quote.published_at < COALESCE(r.until, 'infinity'))"""


def role_held_filter(quotes: QuerySet[Quote], *, roles: list[SpeakerRole]) -> QuerySet[Quote]:
    """Quotes by whoever held one of these roles on the quote's date (boundary days included,
    in the newsroom's time zone); no role, no quote. Undated articles have no role at the time."""
    if not roles:
        return quotes.none()
    held = RawSQL(  # noqa: S611 - constant SQL; the roles are parameters
        _ROLE_HELD,
        (
            sorted({role.speaker_id for role in roles}),
            [role.speaker_id for role in roles],
            [_day_start(role.start_date) for role in roles],
            [
                _day_start(role.end_date + timedelta(days=1)) if role.end_date else None
                for role in roles
            ],
        ),
        output_field=BooleanField(),
    )
    return quotes.filter(held)


# Settings for the candidate query, each restored afterwards rather than left for the rest of
# an outer transaction:
# - no parallel workers: it is a LIMIT query built to stop early; bench/search.py measured
#   their start-up dominating it at 1M quotes (a no-match search took 22 ms instead of 1 ms, a
#   common word 94 ms instead of 32 ms);
# - room for exact bitmaps: a word ANDed with a broad role's speakers is two bitmaps of 40k
#   and 220k rows at 1M quotes; in the default 4 MB they go lossy and every row of every page
#   they touch is read and rechecked, twice the pages (bench/search.py, `role + words`).
_CANDIDATE_SETTINGS = """SELECT current_setting('max_parallel_workers_per_gather'),
       current_setting('work_mem'),
       set_config('max_parallel_workers_per_gather', '0', true),
       set_config('work_mem', '32MB', true)"""
_RESTORE_SETTINGS = """SELECT set_config('max_parallel_workers_per_gather', %s, true),
       set_config('work_mem', %s, true)"""


@contextmanager
def _candidate_query_settings() -> Iterator[None]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CANDIDATE_SETTINGS)  # one round trip: the settings in force, and ours
        row = cursor.fetchone()
        try:
            yield
        finally:
            cursor.execute(_RESTORE_SETTINGS, list(row[:2]) if row else ["2", "4MB"])


def _date_order() -> list[OrderBy]:
    # id breaks ties so pages never overlap or skip rows with equal dates or ranks.
    # The quote's copy of the article's publication time (migration 0015): the order comes from
    # one index on the quote, with no join to walk first.
    return [F("published_at").desc(nulls_last=True), F("id").desc()]


def _once_per_family(matches: QuerySet[Quote]) -> QuerySet[Quote]:
    """Of each family's matching quotes, only the newest; quotes said once are kept as they are."""
    newest_of_family = (
        matches.filter(family_member__family_id=OuterRef("family_member__family_id"))
        .order_by(*_date_order())
        .values("pk")[:1]
    )
    return matches.filter(
        Q(family_member__isnull=True)
        | Q(family_member__family__size=1)
        | Q(pk=Subquery(newest_of_family))
    )


def _first_of_each_family(walked: Iterable[tuple[int, int | None]]) -> list[int]:
    seen: set[int] = set()
    kept = []
    for pk, family_id in walked:
        if family_id is None or family_id not in seen:
            kept.append(pk)
            if family_id is not None:
                seen.add(family_id)
    return kept


def quote_search(
    *,
    user: roles.AnyUser,
    params: QuoteSearchParams,
    speakers: list[Speaker] | None = None,
    matched_roles: list[SpeakerRole] | None = None,
) -> QuerySet[Quote]:
    """Matching quotes, annotated with `rank` and `headline`, in a stable order.

    `headline` is ts_headline over the quote text with sentinel marks (render it with
    headline_html). PostgreSQL evaluates it after ORDER BY/LIMIT (its cost puts it above the
    sort), so it is only computed for the rows of the page that is fetched.

    `speakers`: the result of `speaker_match` for `params.speaker`, when the caller has
    already looked it up (the search page shows it), so it is not queried twice; likewise
    `matched_roles` for `role_match` of `params.role`.
    """
    roles.require_reader(user)

    q, token_speaker, token_role = split_tokens(params.q)
    speaker_text = params.speaker or token_speaker or ""
    role_text = params.role or token_role or ""

    matches = Quote.objects.all()
    if params.status:
        matches = matches.filter(status__in=params.status)
    if params.article is not None:
        matches = matches.filter(article_id=params.article)
    if params.outlet:
        matches = matches.filter(article__outlet__iexact=params.outlet)
    if params.published_from is not None:
        matches = matches.filter(published_at__gte=params.published_from)
    if params.published_to is not None:
        matches = matches.filter(published_at__lt=params.published_to)
    if speaker_text:
        if speakers is None or not params.speaker:
            speakers = speaker_match(text=speaker_text)
        matches = matches.filter(speaker_id__in=[s.pk for s in speakers])
    if role_text:
        if matched_roles is None or not params.role:
            matched_roles = role_match(text=role_text)
        matches = role_held_filter(matches, roles=matched_roles)

    if params.wording_differs:
        matches = matches.filter(family_member__family__wording_differs=True)
    if params.speakers_differ:
        matches = matches.filter(family_member__family__speakers_differ=True)

    related = ("speaker", "article", "family_member__family")
    # Article bodies can be half a megabyte and the vector is internal: never load either.
    unneeded = ("article__body", "search_vector", "family_member__shingles")
    if not q.strip():
        if params.same_once:
            matches = _once_per_family(matches)
        return (
            matches.select_related(*related)
            .defer(*unneeded)
            .annotate(
                rank=Value(0.0, output_field=FloatField()),
                headline=F("text"),
                role_at_time=role_at_time_expression(),
            )
            .order_by(*_date_order())
        )

    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    matches = matches.filter(search_vector=query)
    if params.quote_only:
        # The GIN index finds the candidates above; ts_filter keeps only the quote-text lexemes
        # (weight A) of each one's document and matches the query again against those.
        matches = matches.annotate(
            quote_text_vector=Func(
                F("search_vector"),
                template="""ts_filter(%(expressions)s, '{a}'::"char"[])""",
                output_field=SearchVectorField(),
            )
        ).filter(quote_text_vector=query)
    # Cover density rewards the query words appearing close together (a phrase beats the same
    # words scattered); normalization 1 divides by log(document length).
    rank = SearchRank(
        F("search_vector"),
        query,
        weights=RANK_WEIGHTS,
        cover_density=True,
        normalization=Value(1),
    )
    headline = SearchHeadline(
        Replace(F("text"), Value("<"), Value(_LESS_THAN)),
        query,
        config=SEARCH_CONFIG,
        start_sel=_MARK_START,
        stop_sel=_MARK_STOP,
        max_words=60,
        min_words=30,
    )
    if params.sort == SORT_DATE:
        results = _once_per_family(matches) if params.same_once else matches
        ordering = _date_order()
    else:
        # Phase 1: the newest matches, found by walking the publication index (or the GIN
        # bitmap when the word is rare), fetched as ids once. As a literal id list the page
        # and count queries become primary-key lookups; left as a subquery the planner may
        # hash-join it against a scan of the whole quote table.
        with _candidate_query_settings():
            walked = list(
                matches.order_by(*_date_order()).values_list("id", "family_member__family_id")[
                    : settings.NEWSDESK_SEARCH_RANK_CANDIDATES
                ]
            )
        # Walked newest first, a family's first match is its newest: "same quote once" keeps
        # it and drops the rest here, in one pass, rather than asking for every match whether
        # a newer one of its family matches too (a correlated query per match, which re-ran
        # the whole search for each member of a family quoted in hundreds of articles).
        newest = _first_of_each_family(walked) if params.same_once else [pk for pk, _ in walked]
        # Phase 2: rank only those.
        results = Quote.objects.filter(id__in=newest)
        ordering = [F("rank").desc(), *_date_order()]
    return (
        results.select_related(*related)
        .defer(*unneeded)
        .annotate(rank=rank, headline=headline, role_at_time=role_at_time_expression())
        .order_by(*ordering)
    )


def quote_search_count(*, results: QuerySet[Quote], cap: int) -> int:
    """How many results, counting at most `cap` (so a common word never counts a million)."""
    return results.order_by().values("id")[:cap].count()


def _headline_pieces(headline: str) -> list[tuple[str, bool]]:
    """(text, matched) pieces of a ts_headline result, with "<" put back; stray sentinels go."""
    parts = _MARKED_RE.split(headline)
    pieces = [
        (part.replace(_MARK_START, "").replace(_MARK_STOP, ""), index % 2 == 1)
        for index, part in enumerate(parts)
    ]
    return [(text.replace(_LESS_THAN, "<"), matched) for text, matched in pieces if text]


def headline_html(*, headline: str, text: str) -> SafeString:
    """The snippet: the quote's exact characters, escaped, with <mark> around the matches.

    ts_headline's output is only trusted to say where the matches are: the snippet shown must
    be a piece of the quote text, character for character, or the whole text is shown instead.
    Invisible characters are shown as markers (annotations/invisible.py).
    """
    pieces = _headline_pieces(headline)
    snippet = "".join(piece for piece, _ in pieces)
    stand_ins = (_LESS_THAN, _MARK_START, _MARK_STOP)
    if not snippet.strip() or snippet not in text or any(c in text for c in stand_ins):
        pieces, snippet = [(text, False)], text
    at = text.find(snippet)
    prefix = "… " if text[:at].strip() else ""
    suffix = " …" if text[at + len(snippet) :].strip() else ""
    marked = "".join(
        f"<mark>{reveal_invisible(piece)}</mark>" if matched else reveal_invisible(piece)
        for piece, matched in pieces
    )
    return mark_safe(f"{prefix}{marked}{suffix}")  # noqa: S308 - pieces escaped by reveal_invisible


def speaker_suggestions(*, prefix: str, limit: int = 10) -> list[Speaker]:
    prefix = " ".join(prefix.split())
    if not prefix:
        return list(Speaker.objects.order_by("name")[:limit])
    return speaker_match(text=prefix)[:limit]
