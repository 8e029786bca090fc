"""The two database logins of the suite: the app's (DATABASE_URL) and the schema owner's
(DATABASE_OWNER_URL). The suite's Django connection is the app's once the test database is set
up (conftest.py); these open extra psycopg connections to the test database as either."""

from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connections

APP_LOGIN = {key: settings.DATABASES["default"][key] for key in ("USER", "PASSWORD")}
OWNER_LOGIN = {key: settings.NEWSDESK_DATABASE_OWNER[key] for key in ("USER", "PASSWORD")}


def _connect(login, dbname=None, **kwargs):
    params = connections["default"].settings_dict
    return psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        dbname=dbname or params["NAME"],
        user=login["USER"] or None,
        password=login["PASSWORD"] or None,
        **kwargs,
    )


def owner_connection(dbname=None, **kwargs):
    return _connect(OWNER_LOGIN, dbname, **kwargs)


def app_connection(dbname=None, **kwargs):
    return _connect(APP_LOGIN, dbname, **kwargs)


def database_url(login, dbname):
    """A DATABASE_URL for `dbname` on the test server, logging in as `login`."""
    params = connections["default"].settings_dict
    host = quote(params["HOST"] or "127.0.0.1", safe="")
    auth = quote(login["USER"], safe="") + (
        f":{quote(login['PASSWORD'], safe='')}" if login["PASSWORD"] else ""
    )
    return f"postgres://{auth}@{host}:{params['PORT'] or 5432}/{dbname}"
