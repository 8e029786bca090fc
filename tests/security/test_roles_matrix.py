"""Every write endpoint × every role: the expected status, and nothing written when refused.

The payloads are valid (the editor's request succeeds with them), so a refusal is the role's
doing and not a validation error. "Nothing written" compares every row of every table a write
could touch before and after the request.
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import (
    ApiClient,
    Article,
    ChangeEvent,
    Quote,
    Review,
    Speaker,
    SpeakerAlias,
    WebhookEndpoint,
)
from annotations.services.reviews import quote_review_submit
from tests.annotations.api_support import session_client
from tests.factories import ArticleFactory, QuoteFactory, SpeakerFactory, UserFactory
from tests.security.support import (
    READ,
    REVIEW,
    api_key,
    key_client,
)

SNAPSHOT_MODELS = [Article, Quote, Review, Speaker, SpeakerAlias, WebhookEndpoint, ChangeEvent]


def db_snapshot():
    rows = {
        model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }
    # Using a key stamps last_used_at; that is bookkeeping, not a write by the caller.
    rows["ApiClient"] = list(
        ApiClient.objects.order_by("pk").values("pk", "name", "owner", "scope", "revoked_at")
    )
    return rows


@pytest.fixture
def world(editor, other_editor):
    article = ArticleFactory()
    quote = QuoteFactory(article=article)
    decided = QuoteFactory(article=ArticleFactory())
    quote_review_submit(
        quote=decided, user=editor, to_status=Quote.Status.VERIFIED, expected_version=1
    )
    decided.refresh_from_db()
    return {
        "article": article,
        "quote": quote,
        "decided": decided,
        "speaker": SpeakerFactory(name="Registry Person"),
        "other_speaker": SpeakerFactory(name="Another Person"),
        "hook": WebhookEndpoint.objects.create(
            url="https://hooks.example.org/in", events=["quote.verified"], created_by=editor
        ),
    }


# --- HTML review desk ---

BODY_FANTASY = "a fantasy"


def _html_writes(w):
    quote, decided, article = w["quote"], w["decided"], w["article"]
    fantasy = article.body.index(BODY_FANTASY)
    return {
        "review": (
            reverse("annotations:quote_review", args=[quote.pk]),
            {"action": "verified", "version": quote.version},
        ),
        "undo": (
            reverse("annotations:quote_undo", args=[decided.pk]),
            {"version": decided.version},
        ),
        "speaker": (
            reverse("annotations:quote_speaker", args=[quote.pk]),
            {"speaker": w["other_speaker"].pk, "version": quote.version},
        ),
        "speaker-create": (
            reverse("annotations:quote_speaker", args=[quote.pk]),
            {"create": "on", "name": "Brand New", "kind": "person", "version": quote.version},
        ),
        "span": (
            reverse("annotations:quote_span", args=[quote.pk]),
            {"start": quote.start, "end": quote.end - 5, "version": quote.version},
        ),
        "add": (
            reverse("annotations:quote_add", args=[article.pk]),
            {"start": fantasy, "end": fantasy + len(BODY_FANTASY)},
        ),
    }


HTML_ENDPOINTS = ["review", "undo", "speaker", "speaker-create", "span", "add"]


def _html_client(role, users):
    client = Client()
    if role == "read_key":
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_key(users['reporter'], READ)}"
    elif role != "anonymous":
        client.force_login(users[role])
    return client


@pytest.fixture
def users(editor, other_editor, reporter, outsider):
    return {"editor": editor, "other_editor": other_editor, "reporter": reporter,
            "outsider": outsider}  # fmt: skip


# anonymous and a bearer key (not a session) are sent to log in; the htmx variant of that is
# an HX-Redirect with status 200.
HTML_REFUSALS = {
    ("anonymous", False): 302,
    ("anonymous", True): 200,
    ("read_key", False): 302,
    ("read_key", True): 200,
    ("outsider", False): 403,
    ("outsider", True): 403,
    ("reporter", False): 403,
    ("reporter", True): 403,
}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", HTML_ENDPOINTS)
@pytest.mark.parametrize("role,htmx", list(HTML_REFUSALS))
def test_roles_html_write_refused_writes_nothing(world, users, endpoint, role, htmx):
    path, data = _html_writes(world)[endpoint]
    client = _html_client(role, users)
    before = db_snapshot()
    response = client.post(path, data, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == HTML_REFUSALS[(role, htmx)]
    assert db_snapshot() == before
    assert response.status_code == 403 or "/accounts/login/" in (
        response.get("Location", "") + response.get("HX-Redirect", "")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", HTML_ENDPOINTS)
@pytest.mark.parametrize("htmx", [False, True])
def test_roles_html_write_by_editor_is_applied(world, users, endpoint, htmx):
    path, data = _html_writes(world)[endpoint]
    client = _html_client("editor", users)
    before = db_snapshot()
    response = client.post(path, data, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == (200 if htmx else 302)
    assert db_snapshot() != before


@pytest.mark.django_db
def test_roles_undo_of_another_editors_decision_writes_nothing(world, users):
    path, data = _html_writes(world)["undo"]
    client = _html_client("other_editor", users)
    before = db_snapshot()
    response = client.post(path, data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "only they can undo it" in response.content.decode()
    assert db_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "reporter"])
@pytest.mark.parametrize("htmx", [False, True])
def test_roles_speaker_form_partial_is_refused_to_non_editors(world, users, role, htmx):
    response = _html_client(role, users).get(
        reverse("annotations:quote_speaker", args=[world["quote"].pk]),
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,args",
    [
        ("annotations:article_detail", "article"),
        ("annotations:quote_row", "quote"),
        ("annotations:quote_history", "quote"),
        ("annotations:article_prehighlight_status", "article"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_roles_read_pages_and_partials_are_refused_to_outsiders(world, users, name, args, htmx):
    response = _html_client("outsider", users).get(
        reverse(name, args=[world[args].pk]), headers={"HX-Request": "true"} if htmx else {}
    )
    assert response.status_code == 403


# --- REST API ---


def _api_writes(w):
    quote, article, speaker = w["quote"], w["article"], w["speaker"]
    return {
        "article-create": ("post", "/api/v1/articles/", {"title": "New", "body": "“Hi,” he said."}),
        "article-patch": ("patch", f"/api/v1/articles/{article.pk}/", {"title": "Changed"}),
        "article-put": (
            "put",
            f"/api/v1/articles/{article.pk}/",
            {"title": "Replaced", "body": article.body},
        ),
        "quote-review": (
            "post",
            f"/api/v1/quotes/{quote.pk}/review/",
            {"status": "verified", "version": quote.version},
        ),
        "speaker-create": ("post", "/api/v1/speakers/", {"name": "API Person", "kind": "person"}),
        "speaker-patch": (
            "patch",
            f"/api/v1/speakers/{speaker.pk}/",
            {"title": "Minister", "aliases": ["the minister"]},
        ),
    }


API_ENDPOINTS = [
    "article-create",
    "article-patch",
    "article-put",
    "quote-review",
    "speaker-create",
    "speaker-patch",
]
API_SUCCESS = {
    "article-create": 201,
    "article-patch": 200,
    "article-put": 200,
    "quote-review": 201,
    "speaker-create": 201,
    "speaker-patch": 200,
}
API_REFUSALS = {
    "anonymous": 401,
    "outsider_session": 403,
    "reporter_session": 403,
    "reporter_read_key": 403,
    "reporter_review_key": 403,
    "editor_read_key": 403,
    "outsider_review_key": 403,
    # A browser session without the CSRF token: a cross-site form cannot write as the editor.
    "editor_session_without_csrf": 403,
}


def _api_client(role, users):
    who, _, kind = role.partition("_")
    if role == "anonymous":
        return APIClient()
    if kind == "session":
        return session_client(users[who])
    if kind == "session_without_csrf":
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(users[who])
        return client
    scope = READ if kind == "read_key" else REVIEW
    return key_client(api_key(users[who], scope))


def _send(client, method, path, data):
    headers = {}
    token = getattr(client, "csrf_token", None)
    if token:
        headers["X-CSRFToken"] = token
    return getattr(client, method)(path, data, format="json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", API_ENDPOINTS)
@pytest.mark.parametrize("role", list(API_REFUSALS))
def test_roles_api_write_refused_writes_nothing(world, users, endpoint, role):
    method, path, data = _api_writes(world)[endpoint]
    client = _api_client(role, users)
    before = db_snapshot()
    response = _send(client, method, path, data)
    assert response.status_code == API_REFUSALS[role]
    assert response.json()["detail"]
    assert db_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", API_ENDPOINTS)
@pytest.mark.parametrize("role", ["editor_session", "editor_review_key"])
def test_roles_api_write_by_editor_is_applied(world, users, endpoint, role):
    method, path, data = _api_writes(world)[endpoint]
    client = _api_client(role, users)
    before = db_snapshot()
    response = _send(client, method, path, data)
    assert response.status_code == API_SUCCESS[endpoint]
    assert db_snapshot() != before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["delete", "put", "patch"])
@pytest.mark.parametrize("path", ["/api/v1/quotes/{quote}/", "/api/v1/reviews/{review}/"])
def test_roles_api_quotes_and_reviews_cannot_be_changed_directly(world, users, method, path):
    # The history is append-only and quotes change only through review: no write method exists.
    review = Review.objects.filter(quote=world["decided"]).get()
    url = path.format(quote=world["quote"].pk, review=review.pk)
    client = _api_client("editor_review_key", users)
    before = db_snapshot()
    response = _send(client, method, url, {"note": "x"})
    assert response.status_code == 405
    assert db_snapshot() == before


# --- Django admin ---


def _admin_writes(w):
    quote, speaker, article, hook = w["quote"], w["speaker"], w["article"], w["hook"]
    return {
        "quote-speaker": (
            f"/admin/annotations/quote/{quote.pk}/change/",
            {"speaker": w["other_speaker"].pk, "reviews-TOTAL_FORMS": "0",
             "reviews-INITIAL_FORMS": "0"},
        ),
        "speaker-change": (
            f"/admin/annotations/speaker/{speaker.pk}/change/",
            {"name": "Renamed", "kind": "person", "title": "", "organisation": "",
             "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
             "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0"},
        ),
        "article-change": (
            f"/admin/annotations/article/{article.pk}/change/",
            {"title": "Admin edit", "body": article.body, "url": article.url,
             "outlet": "", "byline": "", "language": "en",
             "quotes-TOTAL_FORMS": "0", "quotes-INITIAL_FORMS": "0"},
        ),
        "webhook-change": (
            f"/admin/annotations/webhookendpoint/{hook.pk}/change/",
            {"url": "https://attacker.example/steal", "events": "quote.verified",
             "description": "", "active": "on"},
        ),
        "webhook-add": (
            "/admin/annotations/webhookendpoint/add/",
            {"url": "https://attacker.example/new", "events": "quote.verified",
             "description": "", "active": "on"},
        ),
        "apiclient-add": ("/admin/annotations/apiclient/add/", {"name": "k", "scope": "review"}),
    }  # fmt: skip


ADMIN_ENDPOINTS = [
    "quote-speaker",
    "speaker-change",
    "article-change",
    "webhook-change",
    "webhook-add",
    "apiclient-add",
]


@pytest.fixture
def staff_without_permissions(db):
    return UserFactory(username="staffer", is_staff=True, role="admin")


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS)
@pytest.mark.parametrize("role", ["anonymous", "outsider", "reporter", "editor", "staff"])
def test_roles_admin_write_refused_writes_nothing(
    world, users, staff_without_permissions, endpoint, role
):
    path, data = _admin_writes(world)[endpoint]
    client = Client()
    members = {**users, "staff": staff_without_permissions}
    if role != "anonymous":
        client.force_login(members[role])
    before = db_snapshot()
    response = client.post(path, data)
    assert db_snapshot() == before
    # Non-staff are sent to the admin login; staff without the model permission get 403.
    assert response.status_code == (403 if role == "staff" else 302)
    assert role == "staff" or response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS)
def test_roles_admin_write_by_superuser_is_applied(world, admin_client, endpoint):
    path, data = _admin_writes(world)[endpoint]
    before = db_snapshot()
    response = admin_client.post(path, data)
    assert response.status_code == 302
    assert db_snapshot() != before


# --- API keys belong to their owner ---


@pytest.fixture
def key_staff(db):
    """Two staff members allowed to manage API keys (their own)."""
    perms = Permission.objects.filter(
        content_type__app_label="annotations", codename__endswith="_apiclient"
    )
    alice = UserFactory(username="key-alice", is_staff=True, role="editor")
    bob = UserFactory(username="key-bob", is_staff=True, role="editor")
    alice.user_permissions.add(*perms)
    bob.user_permissions.add(*perms)
    api_key(alice, REVIEW)
    api_key(bob, REVIEW)
    return alice, bob


@pytest.mark.django_db
def test_roles_staff_cannot_list_another_users_api_keys(key_staff):
    alice, bob = key_staff
    client = Client()
    client.force_login(alice)
    page = client.get("/admin/annotations/apiclient/").content.decode()
    assert "key-alice-review" in page
    assert "key-bob-review" not in page
    assert ApiClient.objects.get(owner=bob).key_prefix not in page


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["change", "history", "delete"])
def test_roles_staff_cannot_open_another_users_api_key(key_staff, action):
    alice, bob = key_staff
    client = Client()
    client.force_login(alice)
    bobs = ApiClient.objects.get(owner=bob)
    response = client.get(f"/admin/annotations/apiclient/{bobs.pk}/{action}/")
    assert response.status_code in (302, 403, 404)
    assert bobs.key_prefix not in response.content.decode()


@pytest.mark.django_db
def test_roles_staff_cannot_change_or_revoke_another_users_api_key(key_staff):
    alice, bob = key_staff
    client = Client()
    client.force_login(alice)
    bobs = ApiClient.objects.get(owner=bob)
    client.post(f"/admin/annotations/apiclient/{bobs.pk}/change/", {"name": "x", "scope": "read"})
    client.post(
        "/admin/annotations/apiclient/",
        {"action": "revoke_keys", "_selected_action": [bobs.pk]},
    )
    after = ApiClient.objects.get(pk=bobs.pk)
    assert (after.name, after.scope, after.revoked_at) == (bobs.name, "review", None)


@pytest.mark.django_db
def test_roles_api_exposes_no_api_keys(world, users):
    client = _api_client("editor_review_key", users)
    assert client.get("/api/v1/clients/").status_code == 404
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "key_hash" not in schema
