"""REST API for the CMS: articles in; quotes, verdicts, change feed and fact-check markup out.

Reads are DRF generics; writes validate with an input serializer, call one service and answer
with an output serializer. Every response goes through NewsdeskAPIMixin: key or session auth,
role/scope permission, per-client throttle, ETag/If-None-Match on GETs.
"""

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from annotations.api import filters
from annotations.api.auth import ApiKeyAuthentication, NewsdeskApiPermission, request_api_client
from annotations.api.errors import (
    ApiErrorWithBody,
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    UnprocessableEntity,
)
from annotations.api.markup import claim_review, quote_verdict_build, web_annotation
from annotations.api.pagination import (
    KeysetCursorPagination,
    cursor_decode,
    cursor_encode,
)
from annotations.api.schema import NewsdeskAutoSchema, header
from annotations.api.serializers import (
    QUOTE_LIST_EXPRESSIONS,
    QUOTE_LIST_KEYSET_ROW_KEYS,
    QUOTE_LIST_VALUES,
    ArticleCreateOutputSerializer,
    ArticleDetailOutputSerializer,
    ArticleInputSerializer,
    ArticleOutputSerializer,
    ChangeFeedSerializer,
    ClaimReviewSerializer,
    ConflictErrorSerializer,
    ErrorSerializer,
    PingSerializer,
    PrehighlightSerializer,
    QuoteFamilyOutputSerializer,
    QuoteOutputSerializer,
    QuoteReviewInputSerializer,
    QuoteReviewOutputSerializer,
    QuoteSearchResultSerializer,
    ReviewOutputSerializer,
    SpeakerInputSerializer,
    SpeakerOutputSerializer,
    SpeakerUpdateInputSerializer,
    WebAnnotationSerializer,
)
from annotations.api.throttling import ClientRateThrottle
from annotations.errors import QuoteVersionConflict
from annotations.models import Article, Quote, QuoteFamily, Review, Speaker
from annotations.roles import signed_in_user
from annotations.selectors.api import (
    article_list_for_api,
    review_list_for_api,
    speaker_list_for_api,
)
from annotations.selectors.articles import article_get_for_user
from annotations.selectors.changes import change_events_after, change_feed_head
from annotations.selectors.families import quote_family_get_for_user
from annotations.selectors.quotes import quote_get_for_user
from annotations.selectors.search import quote_search, quote_search_params_from_query
from annotations.services.articles import article_update
from annotations.services.idempotency import (
    MAX_KEY_CHARS,
    IdempotencyKeyReused,
    article_get_or_create_by_url,
    idempotent_execute,
    request_fingerprint,
)
from annotations.services.reviews import quote_review_submit
from annotations.services.speakers import RoleInput, speaker_save, speaker_update

MAX_FEED_LIMIT = 1000
DEFAULT_FEED_LIMIT = 200
_IDEMPOTENCY_KEY_RE = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_CHARS}}}")


class LDJSONRenderer(JSONRenderer):
    media_type = "application/ld+json"


def etag_for(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _etag_tokens(header: str) -> list[str]:
    return [token.strip().removeprefix("W/") for token in header.split(",") if token.strip()]


def representation_etag(data: Any) -> str:
    return etag_for(JSONRenderer().render(data))


class NewsdeskAPIMixin:
    authentication_classes: Sequence[type[BaseAuthentication]] = [
        ApiKeyAuthentication,
        SessionAuthentication,
    ]
    permission_classes: Sequence[Any] = [NewsdeskApiPermission]
    throttle_classes: Sequence[type[BaseThrottle]] = [ClientRateThrottle]
    schema: ViewInspector | None = NewsdeskAutoSchema()
    # Generic views: the rows they read, always through a permission-scoped selector.
    model: type[Model]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.model._default_manager.none()
        return self.scoped_queryset()

    def scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if not isinstance(response, Response):
            return response
        response.render()
        etag = etag_for(response.content)
        response["ETag"] = etag
        response["Vary"] = "Accept, Authorization, Cookie"
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and (if_none_match.strip() == "*" or etag in _etag_tokens(if_none_match)):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            not_modified["Vary"] = response["Vary"]
            return not_modified
        return response


def _parse_datetime_param(request: Request, name: str) -> Any:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise serializers.ValidationError(
            {name: ["Use an ISO 8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z."]}
        )
    return _utc(value)


def _utc(value: Any) -> Any:
    # PostgreSQL refuses offsets beyond ±15:59 that Python happily parses.
    return value.astimezone(dt.UTC) if value is not None else None


@csrf_exempt  # nothing is written; a CSRF failure page would hide the real answer (404)
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"detail": f"No API endpoint at {request.path}.", "code": "not_found"}, status=404
    )


# --- Ping (a trivial endpoint: the baseline of bench/api.py) ---


class PingView(NewsdeskAPIMixin, APIView):
    @extend_schema(
        summary="Check credentials",
        responses={200: PingSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response({"ok": True})


# --- Articles ---

ARTICLE_CREATE_HEADERS = [
    header(
        "Idempotency-Key",
        "Makes a retried POST safe: the same key and body return the stored response; the "
        "same key with another body is refused (422). 1 to 255 printable ASCII characters.",
    ),
    header("Location", "The article's URL.", response=[200, 201], required=True),
    header(
        "Idempotent-Replayed",
        "true: this is the stored response of an earlier request with the same "
        "Idempotency-Key; nothing was written.",
        response=[200, 201],
        enum=["true"],
    ),
]


@extend_schema_view(get=extend_schema(summary="List articles"))
class ArticleListCreateView(NewsdeskAPIMixin, generics.ListAPIView):
    model = Article
    serializer_class = ArticleOutputSerializer
    pagination_class = KeysetCursorPagination
    filterset_class = filters.ArticleFilter

    def scoped_queryset(self) -> QuerySet[Article]:
        return article_list_for_api(user=self.request.user)

    def get_keyset_ordering(self) -> tuple[str, ...]:
        return ("-updated_at", "-id")

    @extend_schema(
        summary="Create an article (idempotent by URL or Idempotency-Key)",
        request=ArticleInputSerializer,
        parameters=ARTICLE_CREATE_HEADERS,
        responses={
            201: ArticleCreateOutputSerializer,
            200: OpenApiResponse(
                ArticleCreateOutputSerializer,
                description="An article with this URL already existed (nothing written), or "
                "a replay of an earlier request with the same Idempotency-Key.",
            ),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ArticleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not _IDEMPOTENCY_KEY_RE.fullmatch(key):
            raise serializers.ValidationError(
                {"Idempotency-Key": [f"Use 1 to {MAX_KEY_CHARS} printable ASCII characters."]}
            )

        def create() -> tuple[int, dict[str, Any]]:
            article, created = article_get_or_create_by_url(
                data=data, created_by=signed_in_user(request.user)
            )
            body = dict(ArticleOutputSerializer(article, context={"request": request}).data)
            body["created"] = created
            return (status.HTTP_201_CREATED if created else status.HTTP_200_OK), body

        if key is None:
            code, body = create()
            replayed = False
        else:
            client = request_api_client(request)
            principal = f"client:{client.pk}" if client else f"user:{request.user.pk}"
            try:
                result = idempotent_execute(
                    principal=principal,
                    key=key,
                    method=request.method or "POST",
                    path=request.path,
                    request_hash=request_fingerprint(
                        method=request.method or "POST", path=request.path, data=request.data
                    ),
                    action=create,
                )
            except IdempotencyKeyReused as exc:
                raise UnprocessableEntity(exc.message, code=exc.code) from None
            code, body, replayed = result.status, result.body, result.replayed
        response = Response(body, status=code)
        response["Location"] = body["links"]["self"]
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


@extend_schema_view(get=extend_schema(summary="Read an article (with its body)"))
class ArticleDetailView(NewsdeskAPIMixin, generics.RetrieveAPIView):
    serializer_class = ArticleDetailOutputSerializer

    def get_object(self) -> Article:
        return article_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def _update(self, request: Request, *, partial: bool) -> Response:
        article = self.get_object()
        serializer = ArticleInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        article = article_update(
            article=article, data=serializer.validated_data, replace=not partial
        )
        return Response(ArticleDetailOutputSerializer(article, context={"request": request}).data)

    @extend_schema(
        summary="Update an article (a changed body re-anchors its quotes)",
        request=ArticleInputSerializer,
        responses={200: ArticleDetailOutputSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, partial=True)

    @extend_schema(
        summary="Replace an article",
        request=ArticleInputSerializer,
        responses={200: ArticleDetailOutputSerializer},
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, partial=False)


class ArticlePrehighlightView(NewsdeskAPIMixin, APIView):
    @extend_schema(
        summary="Pre-highlighting status of an article", responses={200: PrehighlightSerializer}
    )
    def get(self, request: Request, pk: int) -> Response:
        article = article_get_for_user(user=request.user, pk=pk)
        return Response(ArticleOutputSerializer(article).data["prehighlight"])


# --- Quotes ---

QUOTE_LIST_PARAMS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Full-text search, as on the search "
        'page (phrases in "quotes", -word, speaker:name, role:"title").',
    ),
    OpenApiParameter("speaker", OpenApiTypes.STR, description="Speaker id, or a name/alias."),
    OpenApiParameter(
        "role",
        OpenApiTypes.STR,
        description="Words of a role's title or organisation: quotes by whoever held a "
        "matching role on the article's publication date.",
    ),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        description="candidate, verified, disputed, "
        "not_a_quote; several comma-separated or repeated.",
    ),
    OpenApiParameter("article", OpenApiTypes.INT, description="Article id."),
    OpenApiParameter("outlet", OpenApiTypes.STR, description="Outlet (case-insensitive)."),
    OpenApiParameter(
        "published_from", OpenApiTypes.DATETIME, description="Article published at or after."
    ),
    OpenApiParameter(
        "published_to", OpenApiTypes.DATETIME, description="Article published before."
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=["relevance", "date"],
        description="With q: relevance (default) or date.",
    ),
    OpenApiParameter(
        "quote_only",
        OpenApiTypes.BOOL,
        description="With q: match the quote's own words only, not its speaker, headline or "
        "outlet (default false).",
    ),
    OpenApiParameter(
        "updated_since", OpenApiTypes.DATETIME, description="Quotes changed at or after this time."
    ),
]


@extend_schema_view(
    get=extend_schema(summary="List and search quotes", parameters=QUOTE_LIST_PARAMS)
)
class QuoteListView(NewsdeskAPIMixin, generics.ListAPIView):
    """Without `q`: newest change first, keyset cursor. With `q`: ranked like the search page."""

    model = Quote
    serializer_class = QuoteSearchResultSerializer
    pagination_class = KeysetCursorPagination
    keyset_row_keys = QUOTE_LIST_KEYSET_ROW_KEYS
    filter_backends: list[Any] = []

    def scoped_queryset(self) -> QuerySet[Quote]:
        try:
            params = quote_search_params_from_query(
                self.request.query_params, max_query_chars=settings.NEWSDESK_MAX_QUERY_CHARS
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        self.search_params = dataclasses.replace(
            params,
            published_from=_utc(params.published_from),
            published_to=_utc(params.published_to),
        )
        quotes = quote_search(user=self.request.user, params=self.search_params)
        updated_since = _parse_datetime_param(self.request, "updated_since")
        if updated_since is not None:
            quotes = quotes.filter(updated_at__gte=updated_since)
        return quotes.values(*QUOTE_LIST_VALUES, **QUOTE_LIST_EXPRESSIONS)  # type: ignore[no-any-return]

    def get_keyset_ordering(self) -> tuple[str, ...] | None:
        return None if self.search_params.q else ("-updated_at", "-id")


@extend_schema_view(get=extend_schema(summary="Read a quote"))
class QuoteDetailView(NewsdeskAPIMixin, generics.RetrieveAPIView):
    serializer_class = QuoteOutputSerializer

    def get_object(self) -> Quote:
        return quote_get_for_user(user=self.request.user, pk=self.kwargs["pk"])


class FamilyDetailView(NewsdeskAPIMixin, generics.RetrieveAPIView):
    """A quote family: the same words in several articles, with every member."""

    serializer_class = QuoteFamilyOutputSerializer

    def get_object(self) -> QuoteFamily:
        return quote_family_get_for_user(user=self.request.user, pk=self.kwargs["pk"])


def _refusal(
    error: type[ApiErrorWithBody],
    message: str,
    quote: Quote,
    *,
    code: str | None = "version_conflict",
) -> ApiErrorWithBody:
    """A refused decision (409/412) that carries the quote as it is now, and its ETag."""
    current = QuoteOutputSerializer(quote).data
    return error(
        message,
        code=code,
        extra={"current": current},
        headers={"ETag": representation_etag(current)},
    )


def _expected_version(request: Request, quote: Quote, body_version: int | None) -> tuple[int, bool]:
    """The version the client decided on, and whether it came from If-Match."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        if body_version is None:
            raise PreconditionRequired(
                'Send the quote version you decided on: an If-Match: "<version>" header or a '
                "`version` field. Without it a decision could overwrite someone else's."
            )
        return body_version, False
    tokens = [token.strip('"') for token in _etag_tokens(if_match)]
    if "*" in tokens:
        raise PreconditionRequired(
            'If-Match: * does not say which version you saw; send If-Match: "<version>".'
        )
    current_etag = representation_etag(QuoteOutputSerializer(quote).data).strip('"')
    if str(quote.version) not in tokens and current_etag not in tokens:
        raise _refusal(
            PreconditionFailed,
            f"The quote is at version {quote.version}, not the one in If-Match "
            f"({if_match.strip()[:40]}). Nothing was changed; reload and decide again.",
            quote,
            code=None,  # precondition_failed: the client's If-Match was stale on arrival
        )
    if body_version is not None and body_version != quote.version:
        raise _refusal(
            Conflict,
            f"The version field ({body_version}) does not match If-Match (version "
            f"{quote.version}).",
            quote,
        )
    return quote.version, True


class QuoteReviewView(NewsdeskAPIMixin, APIView):
    @extend_schema(
        summary="Verify, dispute or reset a quote (optimistic locking)",
        request=QuoteReviewInputSerializer,
        parameters=[
            header(
                "If-Match",
                '"<version>" of the quote the decision is based on (or the ETag of its GET). '
                "Alternative to the `version` field.",
            ),
            header("Location", "The review's URL.", response=[201], required=True),
            header(
                "ETag",
                "201: the quote's new ETag (send it as If-Match to decide again); 409/412: the "
                "ETag of the quote as it is now.",
                response=[201, 409, 412],
                required=True,
            ),
        ],
        responses={
            201: QuoteReviewOutputSerializer,
            409: OpenApiResponse(
                ConflictErrorSerializer,
                description="The `version` field is stale; nothing changed.",
            ),
            412: OpenApiResponse(
                ConflictErrorSerializer, description="If-Match is stale; nothing changed."
            ),
            428: OpenApiResponse(
                ErrorSerializer, description="Neither If-Match nor `version` was sent."
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        quote = quote_get_for_user(user=request.user, pk=pk)
        serializer = QuoteReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected, from_if_match = _expected_version(request, quote, data.get("version"))
        try:
            review = quote_review_submit(
                quote=quote,
                user=signed_in_user(request.user),
                to_status=data["status"],
                expected_version=expected,
                note=data.get("note", ""),
                evidence=data.get("evidence", []),
                dispute_reason=data.get("dispute_reason", ""),
            )
        except QuoteVersionConflict as exc:
            raise _refusal(
                PreconditionFailed if from_if_match else Conflict, exc.message, exc.quote
            ) from None
        except DjangoValidationError as exc:
            messages = exc.message_dict
            if "to_status" in messages:
                messages["status"] = messages.pop("to_status")
            raise serializers.ValidationError(messages) from None
        quote_data = QuoteOutputSerializer(quote_get_for_user(user=request.user, pk=pk)).data
        response = Response(
            {"review": ReviewOutputSerializer(review).data, "quote": quote_data},
            status=status.HTTP_201_CREATED,
        )
        response["Location"] = request.build_absolute_uri(
            reverse("api:review-detail", kwargs={"pk": review.pk})
        )
        response["ETag"] = representation_etag(quote_data)
        return response


class QuoteClaimReviewView(NewsdeskAPIMixin, APIView):
    renderer_classes = [JSONRenderer, LDJSONRenderer]

    @extend_schema(
        summary="schema.org ClaimReview (JSON-LD) for a verified or disputed quote",
        responses={200: ClaimReviewSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        quote = quote_get_for_user(user=request.user, pk=pk)
        return Response(claim_review(quote_verdict_build(quote=quote, request=request)))


class QuoteAnnotationView(NewsdeskAPIMixin, APIView):
    renderer_classes = [JSONRenderer, LDJSONRenderer]

    @extend_schema(
        summary="W3C Web Annotation for a verified or disputed quote",
        responses={200: WebAnnotationSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        quote = quote_get_for_user(user=request.user, pk=pk)
        verdict = quote_verdict_build(quote=quote, request=request)
        return Response(web_annotation(verdict, annotation_url=request.build_absolute_uri()))


# --- Speakers ---


@extend_schema_view(get=extend_schema(summary="List speakers with their aliases"))
class SpeakerListCreateView(NewsdeskAPIMixin, generics.ListAPIView):
    model = Speaker
    serializer_class = SpeakerOutputSerializer
    pagination_class = KeysetCursorPagination
    filterset_class = filters.SpeakerFilter

    def scoped_queryset(self) -> QuerySet[Speaker]:
        return speaker_list_for_api(user=self.request.user)

    def get_keyset_ordering(self) -> tuple[str, ...]:
        return ("name", "id")

    @extend_schema(
        summary="Create a speaker (or add to the one with this Wikidata id or name)",
        request=SpeakerInputSerializer,
        responses={201: SpeakerOutputSerializer, 200: SpeakerOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = SpeakerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Fields left out keep their current value instead of being blanked.
        speaker, created, _changes = speaker_save(
            name=data["name"],
            kind=data["kind"],
            title=data.get("title"),
            organisation=data.get("organisation"),
            wikidata_id=data.get("wikidata_id"),
            aliases=data.get("aliases", []),
            roles=[RoleInput(**role) for role in data.get("roles", [])],
        )
        speaker = self.get_queryset().get(pk=speaker.pk)
        return Response(
            SpeakerOutputSerializer(speaker).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema_view(get=extend_schema(summary="Read a speaker"))
class SpeakerDetailView(NewsdeskAPIMixin, generics.RetrieveAPIView):
    model = Speaker
    serializer_class = SpeakerOutputSerializer

    def scoped_queryset(self) -> QuerySet[Speaker]:
        return speaker_list_for_api(user=self.request.user)

    @extend_schema(
        summary="Update a speaker's kind, title, organisation, Wikidata id; add aliases, roles",
        request=SpeakerUpdateInputSerializer,
        responses={200: SpeakerOutputSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        speaker = self.get_object()
        serializer = SpeakerUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        speaker_update(
            speaker=speaker,
            kind=data.get("kind"),
            title=data.get("title"),
            organisation=data.get("organisation"),
            wikidata_id=data.get("wikidata_id"),
            aliases=data.get("aliases", []),
            roles=[RoleInput(**role) for role in data.get("roles", [])],
        )
        speaker = self.get_queryset().get(pk=speaker.pk)
        return Response(SpeakerOutputSerializer(speaker).data)


# --- Reviews ---


@extend_schema_view(get=extend_schema(summary="Review history (newest first)"))
class ReviewListView(NewsdeskAPIMixin, generics.ListAPIView):
    model = Review
    serializer_class = ReviewOutputSerializer
    pagination_class = KeysetCursorPagination
    filterset_class = filters.ReviewFilter

    def scoped_queryset(self) -> QuerySet[Review]:
        return review_list_for_api(user=self.request.user)

    def get_keyset_ordering(self) -> tuple[str, ...]:
        return ("-id",)


@extend_schema_view(get=extend_schema(summary="Read a review"))
class ReviewDetailView(NewsdeskAPIMixin, generics.RetrieveAPIView):
    model = Review
    serializer_class = ReviewOutputSerializer

    def scoped_queryset(self) -> QuerySet[Review]:
        return review_list_for_api(user=self.request.user)


# --- Change feed ---


class ChangeFeedView(NewsdeskAPIMixin, APIView):
    @extend_schema(
        summary="Change feed for sync: every committed write, in commit order",
        operation_id="changes_list",
        parameters=[
            OpenApiParameter(
                "cursor",
                OpenApiTypes.STR,
                description="next_cursor of the previous poll; omit to start at the beginning.",
            ),
            OpenApiParameter(
                "start",
                OpenApiTypes.STR,
                enum=["latest"],
                description="latest: return no events, only a cursor at the "
                "current end of the feed.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Events per poll, 1 to {MAX_FEED_LIMIT} (default "
                f"{DEFAULT_FEED_LIMIT}).",
            ),
        ],
        responses={200: ChangeFeedSerializer},
    )
    def get(self, request: Request) -> Response:
        raw_limit = request.query_params.get("limit") or str(DEFAULT_FEED_LIMIT)
        if (
            not (raw_limit.isascii() and raw_limit.isdigit())
            or len(raw_limit) > 9
            or not 1 <= int(raw_limit) <= MAX_FEED_LIMIT
        ):
            raise serializers.ValidationError(
                {"limit": [f"Must be a whole number from 1 to {MAX_FEED_LIMIT}."]}
            )
        limit = int(raw_limit)
        start = request.query_params.get("start")
        if start not in (None, "", "latest"):
            raise serializers.ValidationError({"start": ["The only value is 'latest'."]})
        raw_cursor = request.query_params.get("cursor")
        if start == "latest":
            head = change_feed_head(user=request.user)
            return Response(
                {"events": [], "next_cursor": cursor_encode({"s": head}), "has_more": False}
            )
        after = 0
        if raw_cursor:
            after = cursor_decode(raw_cursor).get("s", -1)
            if not isinstance(after, int) or after < 0:
                raise serializers.ValidationError({"cursor": ["Invalid cursor."]})
        events = change_events_after(user=request.user, after=after, limit=limit + 1)
        if not events and after:
            # Positions only grow, so a cursor past the head was never issued by this feed (or
            # the feed was restored from an older backup): answering "nothing new" would keep a
            # CMS polling forever and missing every event up to its cursor.
            head = change_feed_head(user=request.user)
            if after > head:
                raise serializers.ValidationError(
                    {
                        "cursor": [
                            f"This cursor is at position {after}, beyond the end of the feed "
                            f"(position {head}); this feed never issued it. Resynchronise "
                            "through the list endpoints, then continue from ?start=latest."
                        ]
                    }
                )
        has_more = len(events) > limit
        events = events[:limit]
        last = events[-1].seq if events else after
        return Response(
            ChangeFeedSerializer(
                {"events": events, "next_cursor": cursor_encode({"s": last}), "has_more": has_more}
            ).data
        )
