# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.models import ApiClient, Quote, api_key_hash
from annotations.services.api_clients import api_client_for_key
from tests.annotations.api_support import (  # noqa: F401
    api,
    bearer,
    editor_read_key,
    editor_session,
    make_key,
    outsider_session,
    read_key,
    reporter_session,
    review_key,
    revoked_key,
)
from tests.factories import QuoteFactory

GET_ENDPOINTS = [
    ("api:ping", False),
    ("api:article-list", False),
    ("api:article-detail", True),
    ("api:quote-list", False),
    ("api:quote-detail", True),
    ("api:speaker-list", False),
    ("api:review-list", False),
    ("api:changes", False),
]


def _url(name, needs_pk, quote):
    if not needs_pk:
        return reverse(name)
    pk = quote.article_id if name == "api:article-detail" else quote.pk
    return reverse(name, kwargs={"pk": pk})


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), GET_ENDPOINTS)
def test_api_get_anonymous_is_401_with_challenge(api, quote, name, needs_pk):
    response = api.get(_url(name, needs_pk, quote))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), GET_ENDPOINTS)
def test_api_get_read_key_is_200(api, quote, read_key, name, needs_pk):
    response = api.get(_url(name, needs_pk, quote), headers=bearer(read_key))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), GET_ENDPOINTS)
def test_api_get_reporter_session_is_200(reporter_session, quote, name, needs_pk):
    assert reporter_session.get(_url(name, needs_pk, quote)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), GET_ENDPOINTS)
def test_api_get_outsider_session_is_403(outsider_session, quote, name, needs_pk):
    response = outsider_session.get(_url(name, needs_pk, quote))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), GET_ENDPOINTS)
def test_api_get_revoked_key_is_401(api, quote, revoked_key, name, needs_pk):
    response = api.get(_url(name, needs_pk, quote), headers=bearer(revoked_key))
    assert response.status_code == 401
    assert response.json() == {
        "detail": "This API key has been revoked.",
        "code": "authentication_failed",
    }


@pytest.mark.django_db
def test_api_unknown_key_is_401(api):
    response = api.get(reverse("api:ping"), headers=bearer("nd_not-a-real-key"))
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown API key."


@pytest.mark.django_db
def test_api_token_keyword_is_accepted(api, read_key):
    response = api.get(reverse("api:ping"), headers={"Authorization": f"Token {read_key}"})
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_api_malformed_authorization_is_401(api):
    response = api.get(reverse("api:ping"), headers={"Authorization": "Bearer a b"})
    assert response.status_code == 401
    assert "Malformed" in response.json()["detail"]


def _review(client, quote, headers=None):
    return client.post(
        reverse("api:quote-review", kwargs={"pk": quote.pk}),
        {"status": "verified", "version": quote.version},
        format="json",
        headers=headers or {},
    )


@pytest.mark.django_db
def test_api_review_anonymous_is_401(api, quote):
    assert _review(api, quote).status_code == 401
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


@pytest.mark.django_db
def test_api_review_read_key_is_403_even_for_an_editor(api, quote, editor_read_key):
    response = _review(api, quote, bearer(editor_read_key))
    assert response.status_code == 403
    assert "read scope" in response.json()["detail"]
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


@pytest.mark.django_db
def test_api_review_review_key_of_a_reporter_is_403(api, quote, reporter):
    key = make_key(reporter, ApiClient.Scope.REVIEW)
    response = _review(api, quote, bearer(key))
    assert response.status_code == 403
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


@pytest.mark.django_db
def test_api_review_review_key_of_an_editor_is_201(api, quote, review_key):
    response = _review(api, quote, bearer(review_key))
    assert response.status_code == 201
    assert Quote.objects.get(pk=quote.pk).status == "verified"


@pytest.mark.django_db
def test_api_review_revoked_key_is_401(api, quote, revoked_key):
    assert _review(api, quote, bearer(revoked_key)).status_code == 401


@pytest.mark.django_db
def test_api_review_reporter_session_is_403(reporter_session, quote):
    response = _review(reporter_session, quote, {"X-CSRFToken": reporter_session.csrf_token})
    assert response.status_code == 403


@pytest.mark.django_db
def test_api_review_editor_session_with_csrf_is_201(editor_session, quote):
    response = _review(editor_session, quote, {"X-CSRFToken": editor_session.csrf_token})
    assert response.status_code == 201


@pytest.mark.django_db
def test_api_review_editor_session_without_csrf_is_403(editor_session, quote):
    response = _review(editor_session, quote)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Quote.objects.get(pk=quote.pk).status == "candidate"


@pytest.mark.django_db
def test_api_key_losing_editor_role_loses_write(api, quote, editor, review_key):
    editor.groups.remove(Group.objects.get(name="editor"))
    editor.groups.add(Group.objects.get(name="reporter"))
    assert _review(api, quote, bearer(review_key)).status_code == 403


@pytest.mark.django_db
def test_api_key_is_stored_only_as_hash(review_key):
    client = api_client_for_key(key=review_key)
    assert review_key not in {client.key_hash, client.key_prefix, client.name}
    assert review_key.startswith(client.key_prefix)
    assert len(client.key_hash) == 64


@pytest.mark.django_db
def test_api_key_use_records_last_used_at(api, read_key):
    api.get(reverse("api:ping"), headers=bearer(read_key))
    assert api_client_for_key(key=read_key).last_used_at is not None


@pytest.mark.django_db
def test_api_deactivated_owner_key_is_401(api, read_key, reporter):
    reporter.is_active = False
    reporter.save(update_fields=["is_active"])
    assert api.get(reverse("api:ping"), headers=bearer(read_key)).status_code == 401


@pytest.mark.django_db
def test_api_quote_other_pk_is_404_with_detail(api, read_key):
    missing = QuoteFactory().pk + 1000
    response = api.get(
        reverse("api:quote-detail", kwargs={"pk": missing}), headers=bearer(read_key)
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No such quote.", "code": "not_found"}


@pytest.mark.django_db
def test_api_key_create_command_prints_a_working_key_once(api, editor, capsys):
    call_command("api_key_create", "Quick-start CMS", "--owner", "alice", "--scope", "review")
    out, err = capsys.readouterr()
    key = out.strip()
    client = ApiClient.objects.get(name="Quick-start CMS")
    assert (client.owner, client.scope, client.key_hash) == (editor, "review", api_key_hash(key))
    assert "will not be shown again" in err
    assert api.get(reverse("api:ping"), headers=bearer(key)).status_code == 200


@pytest.mark.django_db
def test_api_key_create_command_refuses_an_unknown_owner():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("api_key_create", "CMS", "--owner", "nobody")
    assert ApiClient.objects.count() == 0
