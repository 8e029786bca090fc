"""Feed the whole HTML surface with hostile input: never a 5xx, never the attacker's markup.

GET routes are enumerated from the URL configuration (so a new page is fuzzed without anyone
remembering to add it); POST forms are the review desk's actions, the login form and the admin
add forms. Each runs as anonymous, outsider (no role), reporter and editor.
"""

import re
from urllib.parse import quote as urlquote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory
from tests.security.support import (
    BOLD,
    IMG,
    SCRIPT,
    SVG,
    logged_in,
    unescaped_payloads,
)

HOSTILE_VALUES = [
    SCRIPT,
    IMG,
    SVG,
    BOLD,
    "javascript:alert(document.cookie)",
    "x" * 10_000,
    "nul\x00byte",
    "\u202eevil\u202c",
    "-1",
    "0",
    "99999999999999999999999",
    "²",
    "1e9",
    "' OR 1=1 --",
    "%",
    "{{ 7|add:7 }}",
    "\\",
    "",
]
# Percent-encoded forms that Python strings cannot carry into the test client: a lone UTF-16
# surrogate (CESU-8 bytes) and invalid UTF-8.
RAW_QUERY_VALUES = ["%ED%A0%80", "%FF%FE", "%C0%AF", "%00"]
QUERY_PARAMS = [
    "q", "speaker", "status", "outlet", "article", "published_from", "published_to", "sort",
    "page", "date_from", "date_to", "speaker_query", "next", "o", "p", "e", "_popup",
    "cursor", "page_size", "limit", "start", "updated_since",
]  # fmt: skip
ID_SEGMENTS = ["0", "99999999999999999999999", "-1", "1.5", "%00", "abc", "%ED%A0%80"]


# htmx variants (partials) for the role that sees the most of them; the others get the pages.
HTMX_BY_ROLE = {
    "anonymous": (False,),
    "outsider": (False,),
    "reporter": (False,),
    "editor": (False, True),
    "superuser": (True,),
}


def _routes(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def html_routes():
    # The API answers JSON and has its own tests; the admin is fuzzed below through its own
    # pages (its URL set is generated per model).
    return sorted(
        route
        for route in _routes(get_resolver().url_patterns)
        if not route.startswith(("api/", "admin/", "^"))
    )


def concrete_paths(route, ids):
    """Each route with real ids and with hostile ones (only digits match <int:...>)."""
    paths = []
    for pk in ids:
        paths.append("/" + re.sub(r"<int:\w+>", str(pk), route))
    for segment in ID_SEGMENTS:
        paths.append("/" + re.sub(r"<int:\w+>", segment, route))
    paths.append("/" + re.sub(r"<(?:str|slug|path):\w+>", urlquote(SCRIPT), route))
    return sorted(set(paths))


def query_strings():
    yield {name: value for name in QUERY_PARAMS for value in [SCRIPT]}
    for value in HOSTILE_VALUES:
        yield {name: value for name in QUERY_PARAMS}
    yield {"status": ["verified", SCRIPT, "disputed"], "q": "raise"}


@pytest.fixture
def role_clients(editor, reporter, outsider):
    admin = UserFactory(username="root-fuzz", is_staff=True, is_superuser=True)
    return {
        "anonymous": logged_in(None),
        "outsider": logged_in(outsider),
        "reporter": logged_in(reporter),
        "editor": logged_in(editor),
        "superuser": logged_in(admin),
    }


def _check(response, label, failures):
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code}")
        return
    content_type = response.get("Content-Type", "")
    if "html" in content_type and not getattr(response, "streaming", False):
        leaked = unescaped_payloads(response.content.decode("utf-8", "replace"))
        if leaked:
            failures.append(f"{label}: unescaped {leaked[:2]}")


def _get(client, path, params, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(path, params, headers=headers)


@pytest.mark.django_db
def test_html_fuzz_get_routes_survive_hostile_ids_and_query_strings(
    hostile_world,
    role_clients,
):
    ids = [hostile_world["article"].pk, hostile_world["quote"].pk]
    routes = html_routes()
    failures: list[str] = []
    requests = 0
    for route in routes:
        for path in concrete_paths(route, ids):
            for role, client in role_clients.items():
                for htmx in HTMX_BY_ROLE[role]:
                    response = _get(client, path, {}, htmx)
                    _check(response, f"{role} GET {path} htmx={htmx}", failures)
                    requests += 1
    real_paths = sorted({"/" + re.sub(r"<int:\w+>", str(ids[0]), route) for route in routes})
    for path in real_paths:
        for role in ("reporter", "editor"):
            client = role_clients[role]
            for params in query_strings():
                for htmx in HTMX_BY_ROLE[role]:
                    response = _get(client, path, params, htmx)
                    _check(response, f"{role} GET {path} {str(params)[:60]} htmx={htmx}", failures)
                    requests += 1
            for raw in RAW_QUERY_VALUES:
                query = "&".join(f"{name}={raw}" for name in QUERY_PARAMS)
                response = client.get(f"{path}?{query}")
                _check(response, f"{role} GET {path}?…={raw}", failures)
                requests += 1
    assert len(routes) >= 14  # the enumeration itself must not silently shrink
    assert requests > 1000
    assert not failures, "\n".join(failures)


ADMIN_PAGES = [
    "/admin/",
    "/admin/annotations/article/",
    "/admin/annotations/article/add/",
    "/admin/annotations/speaker/",
    "/admin/annotations/quote/",
    "/admin/annotations/review/",
    "/admin/annotations/apiclient/",
    "/admin/annotations/webhookendpoint/",
    "/admin/annotations/webhookdelivery/",
    "/admin/annotations/article/{article}/change/",
    "/admin/annotations/speaker/{speaker}/change/",
    "/admin/annotations/quote/{quote}/change/",
    "/admin/annotations/article/99999999999999999999999/change/",
    "/admin/annotations/quote/-1/change/",
    "/admin/annotations/speaker/%3Cscript%3E/change/",
]
ADMIN_QUERIES = [
    {"q": SCRIPT},
    {"q": "x" * 10_000},
    {"q": "nul\x00byte"},
    {"o": "99"},
    {"o": SCRIPT},
    {"p": "-1"},
    {"p": "²"},
    {"status__exact": SCRIPT},
    {"published_at__gte": SCRIPT},
    {"_changelist_filters": SCRIPT},
    {"e": "1"},
    {"all": ""},
]


@pytest.mark.django_db
def test_html_fuzz_admin_pages_survive_hostile_query_strings(
    hostile_world,
    role_clients,
):
    ids = {
        "article": hostile_world["article"].pk,
        "speaker": hostile_world["speaker"].pk,
        "quote": hostile_world["quote"].pk,
    }
    failures: list[str] = []
    for template in ADMIN_PAGES:
        path = template.format(**ids)
        for role, client in role_clients.items():
            _check(client.get(path), f"{role} GET {path}", failures)
        for params in ADMIN_QUERIES:
            response = role_clients["superuser"].get(path, params)
            _check(response, f"superuser GET {path} {str(params)[:40]}", failures)
    assert not failures, "\n".join(failures)


# The fuzzer posts from a documentation address; the failed log-ins it causes are counted in
# PostgreSQL (django-axes) and roll back with the test.
FUZZ_IP = "192.0.2.77"


def _post_forms(world):
    quote, article = world["quote"], world["article"]
    version = str(quote.version)
    return [
        (f"/quotes/{quote.pk}/review/", ["action", "note", "evidence", "version"],
         {"action": "verified", "version": version}),
        (f"/quotes/{quote.pk}/undo/", ["version"], {"version": version}),
        (f"/quotes/{quote.pk}/speaker/",
         ["speaker", "speaker_query", "name", "title", "kind", "version", "create", "clear"],
         {"speaker_query": "nobody", "version": version}),
        (f"/quotes/{quote.pk}/span/", ["start", "end", "version"],
         {"start": "0", "end": "5", "version": version}),
        (f"/articles/{article.pk}/quotes/add/", ["start", "end"], {"start": "0", "end": "5"}),
        ("/accounts/login/", ["username", "password", "next"],
         {"username": "nobody", "password": "wrong"}),
    ]  # fmt: skip


POST_VALUES = [
    SCRIPT,
    IMG,
    SVG,
    "javascript:alert(1)",
    "x" * 10_000,
    "nul\x00byte",
    "\u202eevil",
    "-1",
    "99999999999999999999999",
    "²",
    "",
]


@pytest.mark.django_db
def test_html_fuzz_post_forms_survive_hostile_field_values(
    hostile_world,
    role_clients,
    settings,
):
    # The login throttle would turn the later attempts into 429s, which is fine but hides
    # whether the form itself copes with the input.
    settings.AXES_FAILURE_LIMIT = 10_000
    settings.NEWSDESK_LOGIN_BACKOFF_AFTER = 10_000
    # Every refused login hashes a password; the fuzzer tests the form, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    failures: list[str] = []
    for path, fields, base in _post_forms(hostile_world):
        for role in ("anonymous", "outsider", "reporter", "editor"):
            client = role_clients[role]
            # Refused roles never get as far as the values: two of them show that.
            full = "anonymous" if path.startswith("/accounts/") else "editor"
            values = POST_VALUES if role == full else POST_VALUES[:2]
            for field in fields:
                for value in values:
                    for htmx in HTMX_BY_ROLE[role]:
                        headers = {"HX-Request": "true"} if htmx else {}
                        response = client.post(
                            path, {**base, field: value}, headers=headers, REMOTE_ADDR=FUZZ_IP
                        )
                        label = f"{role} POST {path} {field}={value[:20]!r} htmx={htmx}"
                        _check(response, label, failures)
            raw = "&".join(f"{name}=%ED%A0%80%FF" for name in fields)
            response = client.post(
                path, raw, content_type="application/x-www-form-urlencoded", REMOTE_ADDR=FUZZ_IP
            )
            _check(response, f"{role} POST {path} raw bytes", failures)
    assert not failures, "\n".join(failures)


ADMIN_FORMS = [
    ("/admin/annotations/article/add/",
     {"title": "t", "body": "b", "url": "", "outlet": "", "byline": "", "language": "en",
      "quotes-TOTAL_FORMS": "0", "quotes-INITIAL_FORMS": "0"}),
    ("/admin/annotations/speaker/add/",
     {"name": "n", "kind": "person", "title": "", "organisation": "",
      "aliases-TOTAL_FORMS": "1", "aliases-INITIAL_FORMS": "0", "aliases-0-alias": "a"}),
    ("/admin/annotations/webhookendpoint/add/",
     {"url": "https://example.org/hook", "description": "", "events": "quote.verified",
      "active": "on"}),
    ("/admin/annotations/apiclient/add/", {"name": "n", "scope": "read"}),
]  # fmt: skip


@pytest.mark.django_db
def test_html_fuzz_admin_forms_survive_hostile_field_values(
    hostile_world,
    role_clients,
):
    failures: list[str] = []
    client = role_clients["superuser"]
    for path, base in ADMIN_FORMS:
        for field in [name for name in base if "FORMS" not in name]:
            for value in POST_VALUES:
                response = client.post(path, {**base, field: value})
                _check(response, f"superuser POST {path} {field}={value[:20]!r}", failures)
    assert not failures, "\n".join(failures)
