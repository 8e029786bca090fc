"""The browser tests start from the migrated database, like every other transactional test.

Playwright's event loop makes Django hand the browser tests connection objects of their own;
the `browser` fixture gives them the serialized snapshot, without which `serialized_rollback`
did nothing there (no data-migration rows, and a flush that left content types behind under
new ids for the next test to collide with).
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from annotations import roles

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_browser_tests_start_from_the_migrated_rows(browser):
    assert hasattr(connection, "_test_serialized_contents")
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.EDITOR,
        roles.REPORTER,
        roles.ADMIN,
    }
    # The content types are the snapshot's rows, ids and all, not ones a flush recreated.
    snapshot = {
        (row["pk"], row["fields"]["app_label"], row["fields"]["model"])
        for row in json.loads(connection._test_serialized_contents)
        if row["model"] == "contenttypes.contenttype"
    }
    assert snapshot
    assert set(ContentType.objects.values_list("pk", "app_label", "model")) == snapshot
