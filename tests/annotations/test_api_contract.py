"""The API contract, proved the way a CMS developer meets it: a client generated from the schema.

The test downloads the live schema, checks it with openapi-spec-validator, generates a Python
client with openapi-python-client (--fail-on-warning), imports every generated module and runs
a whole sync loop through that client alone, against a live server and a real Celery worker.
Every request and response of the loop is validated against the schema by openapi-core (status
codes, headers, bodies), and the stored rows are checked, not only the answers.
"""

import importlib
import os
import pkgutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.conf import settings
from django.db import connection
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_spec_validator import validate
from werkzeug.datastructures import Headers, ImmutableMultiDict

from annotations.models import ApiClient, Article, Quote, Review, Speaker
from newsdesk.celery_app import app as celery_app
from newsdesk.devservices import lone_worker_command
from tests.annotations.api_support import make_key
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BODY = (
    "The council met on Monday.\n\n"
    "“We will open the new library before the winter,” Ana Reyes said, calling it a plan, "
    "not a promise.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer.\n\n"
    "“Nobody asked us,” a resident said."
)
EVIDENCE = "https://example.org/council-minutes"


# --- openapi-core sees httpx traffic through its request/response protocols ---


class OpenAPIRequest:
    def __init__(self, request: httpx.Request):
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("Content-Type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(urlsplit(str(request.url)).query)),
            header=Headers(dict(request.headers)),
        )


class OpenAPIResponse:
    def __init__(self, response: httpx.Response):
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("Content-Type", "")
        self.headers = Headers(dict(response.headers))


class Traffic:
    """Every exchange of the loop, kept for validation (an httpx response hook)."""

    def __init__(self):
        self.exchanges: list[httpx.Response] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append(response)


# --- the generated client ---


def generate_client(live_url, tmp_path, monkeypatch):
    schema_response = httpx.get(f"{live_url}/api/schema/", params={"format": "json"})
    assert schema_response.status_code == 200
    schema = schema_response.json()
    validate(schema)  # openapi-spec-validator
    schema_file = tmp_path / "schema.json"
    schema_file.write_bytes(schema_response.content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(schema_file),
            "--output-path",
            str(tmp_path / "client"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # Its post-hooks run ruff from our virtualenv.
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(tmp_path / "client")
    package = importlib.import_module("newsdesk_api_client")
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(package.__path__, prefix="newsdesk_api_client.")
    ]
    return schema, modules


@pytest.fixture
def worker():
    celery_app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        lone_worker_command(
            f"contract-{uuid.uuid4().hex[:8]}", "--pool=solo", "--concurrency=1", "-l", "WARNING"
        ),
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    process.wait(20)
    celery_app.control.purge()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_api_contract_generated_client_runs_the_sync_loop(
    live_server, tmp_path, monkeypatch, worker
):
    started = time.monotonic()
    schema, modules = generate_client(live_server.url, tmp_path, monkeypatch)
    assert len(modules) > 60  # every operation module and model imported without error

    from newsdesk_api_client import AuthenticatedClient
    from newsdesk_api_client.api.articles import (
        articles_create,
        articles_partial_update,
        articles_prehighlight_retrieve,
        articles_update,
    )
    from newsdesk_api_client.api.changes import changes_list
    from newsdesk_api_client.api.ping import ping_retrieve
    from newsdesk_api_client.api.quotes import (
        quotes_annotation_retrieve,
        quotes_claimreview_retrieve,
        quotes_list,
        quotes_retrieve,
        quotes_review_create,
    )
    from newsdesk_api_client.api.reviews import reviews_list
    from newsdesk_api_client.api.speakers import speakers_create
    from newsdesk_api_client.models import (
        AnnotationLink,
        ArticleInput,
        ConflictError,
        DisputeReasonEnum,
        Error,
        PatchedArticleInput,
        QuoteReviewInput,
        QuoteStatusChangedEvent,
        QuoteStatusEnum,
        ReviewChangeEvent,
        SpeakerInput,
    )
    from newsdesk_api_client.types import UNSET

    traffic = Traffic()

    def client(key):
        return AuthenticatedClient(
            base_url=live_server.url,
            token=key,
            httpx_args={"event_hooks": {"response": [traffic]}},
        )

    editor = UserFactory(username="cms-editor", role="editor")
    reporter = UserFactory(username="cms-reader", role="reporter")
    cms = client(make_key(editor, ApiClient.Scope.REVIEW, name="CMS"))
    reader = client(make_key(reporter, ApiClient.Scope.READ, name="CMS reader"))
    assert ping_retrieve.sync(client=reader).ok is True

    # Create an article (a retry with the same Idempotency-Key is a replay) ...
    article_input = ArticleInput(
        title="Council budget",
        body=BODY,
        url="https://news.example.org/council",
        outlet="Example Times",
    )
    created = articles_create.sync_detailed(
        client=cms, body=article_input, idempotency_key="push-1"
    )
    replayed = articles_create.sync_detailed(
        client=cms, body=article_input, idempotency_key="push-1"
    )
    assert (created.status_code, replayed.status_code) == (201, 201)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    article_id = created.parsed.id
    assert created.headers["Location"] == created.parsed.links.self_
    assert Article.objects.filter(url="https://news.example.org/council").count() == 1

    # ... and wait for the worker's candidates.
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = articles_prehighlight_retrieve.sync(article_id, client=reader).status.value
        if status == "done":
            break
        time.sleep(0.3)
    assert status == "done", worker.stderr.read1().decode() if worker.poll() else status

    # List with filters, two quotes a page, following the cursor.
    listed, cursor = [], UNSET
    while True:
        page = quotes_list.sync(
            client=reader, article=article_id, status="candidate", page_size=2, cursor=cursor
        )
        listed += page.results
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    stored = list(Quote.objects.filter(article_id=article_id).order_by("-updated_at", "-id"))
    assert len(stored) == 3
    assert [quote.id for quote in listed] == [quote.pk for quote in stored]
    first, second = sorted(listed, key=lambda quote: quote.start)[:2]

    # Verify with If-Match: the ETag of the quote as read.
    read = quotes_retrieve.sync_detailed(first.id, client=reader)
    seen_etag = read.headers["ETag"]
    verified = quotes_review_create.sync_detailed(
        first.id,
        client=cms,
        body=QuoteReviewInput(status=QuoteStatusEnum.VERIFIED, evidence=[EVIDENCE]),
        if_match=seen_etag,
    )
    assert verified.status_code == 201
    assert verified.parsed.quote.version == 2
    assert list(Review.objects.filter(quote_id=first.id).values_list("evidence", flat=True)) == [
        [EVIDENCE]
    ]

    # The same precondition again is stale: 412, the quote as it is now, and its ETag.
    stale = quotes_review_create.sync_detailed(
        first.id,
        client=cms,
        body=QuoteReviewInput(
            status=QuoteStatusEnum.DISPUTED,
            dispute_reason=DisputeReasonEnum.WRONG_WORDS,
            note="Not what he said.",
        ),
        if_match=seen_etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, ConflictError)
    assert (stale.parsed.current.version, stale.parsed.current.status) == (
        2,
        QuoteStatusEnum.VERIFIED,
    )
    assert (
        stale.headers["ETag"]
        == quotes_retrieve.sync_detailed(first.id, client=reader).headers["ETag"]
    )
    assert Review.objects.filter(quote_id=first.id).count() == 1

    # A repeated evidence link is refused; the version field works too.
    repeated = quotes_review_create.sync_detailed(
        second.id,
        client=cms,
        body=QuoteReviewInput(
            status=QuoteStatusEnum.DISPUTED,
            dispute_reason=DisputeReasonEnum.WRONG_WORDS,
            note="Misquoted.",
            evidence=[EVIDENCE, EVIDENCE],
        ),
        if_match=quotes_retrieve.sync_detailed(second.id, client=reader).headers["ETag"],
    )
    assert repeated.status_code == 400
    assert isinstance(repeated.parsed, Error)
    disputed = quotes_review_create.sync_detailed(
        second.id,
        client=cms,
        body=QuoteReviewInput(
            status=QuoteStatusEnum.DISPUTED,
            dispute_reason=DisputeReasonEnum.WRONG_WORDS,
            note="Misquoted.",
            version=1,
        ),
    )
    assert disputed.status_code == 201
    assert disputed.parsed.quote.dispute_reason == DisputeReasonEnum.WRONG_WORDS
    assert Review.objects.filter(quote_id=second.id).count() == 1

    # The review history, filtered by quote id (an integer).
    history = reviews_list.sync(client=reader, quote=first.id)
    assert [(review.quote, review.evidence) for review in history.results] == [
        (first.id, [EVIDENCE])
    ]

    # ClaimReview and Web Annotation, typed; one evidence link stays one.
    claim = quotes_claimreview_retrieve.sync(first.id, client=reader)
    assert claim.claim_reviewed == "We will open the new library before the winter"
    assert claim.review_rating.alternate_name.value == "Verified"
    annotation = quotes_annotation_retrieve.sync(first.id, client=reader)
    links = [body.source for body in annotation.body if isinstance(body, AnnotationLink)]
    assert links == [EVIDENCE]
    assert annotation.target.selector[0].exact == first.text

    # Writes the schema once made impossible: a null date, a speaker, a PUT.
    patched = articles_partial_update.sync(
        article_id, client=cms, body=PatchedArticleInput(published_at=None, byline="Staff")
    )
    assert (patched.published_at, patched.byline) == (None, "Staff")
    assert Article.objects.values_list("published_at", "byline").get(pk=article_id) == (
        None,
        "Staff",
    )
    speaker = speakers_create.sync(
        client=cms, body=SpeakerInput(name="Tom Okafor", title="Treasurer", aliases=["Okafor"])
    )
    assert sorted(speaker.aliases) == ["Okafor", "Tom Okafor"]
    assert Speaker.objects.get(name="Tom Okafor").title == "Treasurer"
    replaced = articles_update.sync(
        article_id, client=cms, body=ArticleInput(title="Council budget (updated)", body=BODY)
    )
    assert (replaced.title, replaced.byline, replaced.url) == ("Council budget (updated)", "", None)

    # The change feed, from the start, until If-None-Match gives 304 at the head.
    events, cursor, etag = [], UNSET, UNSET
    for _ in range(50):
        polled = changes_list.sync_detailed(
            client=reader, cursor=cursor, limit=5, if_none_match=etag
        )
        if polled.status_code == 304:
            break
        assert polled.status_code == 200
        events += polled.parsed.events
        etag = polled.headers["ETag"] if polled.parsed.next_cursor == cursor else UNSET
        cursor = polled.parsed.next_cursor
    assert polled.status_code == 304
    assert [event.id for event in events] == sorted({event.id for event in events})
    status_changes = [e for e in events if isinstance(e, QuoteStatusChangedEvent)]
    assert [(e.object_id, e.data.previous_status, e.data.status) for e in status_changes] == [
        (first.id, QuoteStatusEnum.CANDIDATE, QuoteStatusEnum.VERIFIED),
        (second.id, QuoteStatusEnum.CANDIDATE, QuoteStatusEnum.DISPUTED),
    ]
    assert sum(isinstance(e, ReviewChangeEvent) for e in events) == Review.objects.count() == 2

    # A read-only key cannot write.
    refused = quotes_review_create.sync_detailed(
        first.id, client=reader, body=QuoteReviewInput(status=QuoteStatusEnum.CANDIDATE, version=2)
    )
    assert refused.status_code == 403
    assert "read scope" in refused.parsed.detail
    assert Quote.objects.get(pk=first.id).status == "verified"

    # Every exchange of the loop matches the schema, strictly.
    openapi = OpenAPI.from_dict(schema)
    for response in traffic.exchanges:
        request = OpenAPIRequest(response.request)
        openapi.validate_request(request)
        openapi.validate_response(request, OpenAPIResponse(response))
    codes = {response.status_code for response in traffic.exchanges}
    assert {200, 201, 304, 400, 403, 412} <= codes
    assert time.monotonic() - started < 90
