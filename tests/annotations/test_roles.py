import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotations import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_role_backend_reads_the_roles_with_the_user(editor, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = roles.RoleModelBackend().get_user(editor.pk)
        assert roles.user_can_review(user)
        assert roles.require_editor(user) == editor


def test_role_backend_user_without_a_role_has_none(outsider, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = roles.RoleModelBackend().get_user(outsider.pk)
        assert not roles.user_can_read(user)


def test_role_backend_user_with_two_roles_has_both(db):
    user = UserFactory(username="both", role="reporter")
    user.groups.add(Group.objects.get_or_create(name="editor")[0])

    loaded = roles.RoleModelBackend().get_user(user.pk)

    assert loaded._newsdesk_groups == {"reporter", "editor"}


def test_role_backend_refuses_an_inactive_or_unknown_user(editor):
    get_user_model().objects.filter(pk=editor.pk).update(is_active=False)

    assert roles.RoleModelBackend().get_user(editor.pk) is None
    assert roles.RoleModelBackend().get_user(999999) is None


def test_role_backend_is_what_signed_in_requests_use(editor_client, django_assert_num_queries):
    # The session, then the user with its roles: the view's role check costs no query.
    editor_client.get("/")
    with django_assert_num_queries(2):
        response = editor_client.get("/speakers/search/", {"q": ""})
    assert response.status_code == 200
