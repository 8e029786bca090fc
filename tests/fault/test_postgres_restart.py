"""PostgreSQL restarts under a running gunicorn: the same workers recover by themselves.

CONN_MAX_AGE keeps connections open between requests, so after the restart every gunicorn thread
holds a dead connection; CONN_HEALTH_CHECKS must replace it before the request uses it.
"""

import pytest

from tests.fault.support import ApiClient, Gunicorn, seed, wait_for

pytestmark = [pytest.mark.fault]

BODY = (
    "“We will build the new bridge before the winter,” Ana Reyes said in edition {n}.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)


def test_fault_postgres_restart_under_web_server_loses_and_duplicates_nothing(services):
    pg, _redis, env, started = services
    seeded = seed(env, body=BODY, articles=3)
    web = Gunicorn(env)
    started.append(web)
    api = ApiClient(web.base, seeded["key"])
    quotes = seeded["quotes"]
    accepted = []

    for quote_id in quotes[:2]:
        code, body, version = api.review(quote_id, "verified")
        assert code == 201, body
        accepted.append((quote_id, version + 1, "verified"))
    assert api.create_article(0, BODY.format(n=100))[0] == 201
    # Touch every worker thread so each holds a persistent connection that the restart kills.
    assert {api.call("GET", "/api/v1/quotes/")[0] for _ in range(12)} == {200}
    workers_before = web.worker_pids()

    pg.stop()
    outage = [
        api.call("GET", "/api/v1/quotes/")[0],
        api.review(quotes[2], "disputed")[0],
        api.create_article(1, BODY.format(n=101))[0],
    ]
    pg.start()

    # Down: no answer or a 5xx, never a success that was not stored.
    assert all(code is None or code >= 500 for code in outage), outage
    wait_for(lambda: api.call("GET", "/api/v1/quotes/")[0] == 200, timeout=30, what="recovery")
    assert {api.call("GET", "/api/v1/quotes/")[0] for _ in range(20)} == {200}
    assert web.worker_pids() == workers_before
    for quote_id, status in ((quotes[2], "disputed"), (quotes[3], "verified")):
        code, body, version = api.review(quote_id, status)
        assert code == 201, body
        accepted.append((quote_id, version + 1, status))
    # The CMS retries the push that failed during the outage with the same key, twice.
    first = api.create_article(1, BODY.format(n=101))
    replay = api.create_article(1, BODY.format(n=101))

    assert first[0] == 201
    assert (replay[0], replay[1]["id"], replay[2]["Idempotent-Replayed"]) == (
        201,
        first[1]["id"],
        "true",
    )
    reviews = pg.rows(
        "SELECT quote_id, quote_version, to_status FROM annotations_review ORDER BY id"
    )
    assert reviews == accepted
    assert pg.rows(
        "SELECT id, version FROM annotations_quote WHERE id = ANY(%s) ORDER BY id",
        [quotes[:4]],
    ) == [(quote_id, 2) for quote_id in quotes[:4]]
    assert pg.rows(
        "SELECT url, count(*) FROM annotations_article WHERE url LIKE 'https://fault.example/p/%%' "
        "GROUP BY url ORDER BY url"
    ) == [("https://fault.example/p/0", 1), ("https://fault.example/p/1", 1)]
    feed = pg.rows(
        "SELECT e.object_id, count(*), count(e.seq) FROM annotations_changeevent e "
        "WHERE e.type = 'review.created' GROUP BY e.object_id ORDER BY e.object_id"
    )
    review_ids = [row[0] for row in pg.rows("SELECT id FROM annotations_review ORDER BY id")]
    assert feed == [(review_id, 1, 1) for review_id in review_ids]
