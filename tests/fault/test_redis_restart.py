"""Redis (broker and cache) goes away while editors save and review, then comes back empty.

Saves and decisions must keep succeeding during the outage (publishing fails fast and is
swallowed; throttling and login counting skip the cache); afterwards the sweeps finish the work
the lost queue held, with every article pre-highlighted once-in-effect and every webhook
delivery delivered.
"""

import time

import pytest

from tests.fault.support import (
    ApiClient,
    Browser,
    CeleryWorker,
    Gunicorn,
    HookReceiver,
    manage,
    seed,
    wait_for,
)

pytestmark = [pytest.mark.fault]

BODY = (
    "“We will build the new bridge before the winter,” Ana Reyes said in edition {n}.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)


def test_fault_redis_restart_while_saving_and_reviewing_loses_nothing(services):
    pg, redis, env, started = services
    receiver = HookReceiver()
    started.append(receiver)
    seeded = seed(env, body=BODY, articles=3, hook=receiver.url)
    web = Gunicorn(env)
    started.append(web)
    worker = CeleryWorker(env)
    started.append(worker)
    api = ApiClient(web.base, seeded["key"])
    quotes = seeded["quotes"]
    accepted = []

    def decide(quote_id, status):
        code, body, version = api.review(quote_id, status)
        assert code == 201, body
        accepted.append((quote_id, version + 1, status))

    assert api.create_article(0, BODY.format(n=100))[0] == 201
    decide(quotes[0], "verified")
    wait_for(
        lambda: (
            pg.rows("SELECT count(*) FROM annotations_webhookdelivery WHERE status = 'succeeded'")[
                0
            ][0]
            == 1
        ),
        timeout=60,
        what="the first delivery while Redis is up",
    )

    redis.stop()
    saves = []
    for n in (1, 2):
        began = time.monotonic()
        saves.append((api.create_article(n, BODY.format(n=100 + n))[0], time.monotonic() - began))
    decide(quotes[1], "disputed")
    decide(quotes[2], "verified")
    browser = Browser(web.base)
    wrong_login = Browser(web.base).login("fault-editor", "not-the-password")
    login = browser.login("fault-editor", "fault-editor-pw-1")
    version = api.call("GET", f"/api/v1/quotes/{quotes[3]}/")[1]["version"]
    htmx_code = browser.decide(quotes[3], "verified", version)[0]
    accepted.append((quotes[3], version + 1, "verified"))
    search_code = api.call("GET", "/api/v1/quotes/?q=budget")[0]
    queued_while_down = pg.rows(
        "SELECT count(*) FROM annotations_article WHERE prehighlight_status = 'queued'"
    )[0][0]
    redis.start()

    # A publish that hung on the dead broker would hold the save for good; 15 s is far above
    # the 2 s connect timeout (not a speed test).
    assert [code for code, _ in saves] == [201, 201]
    assert max(seconds for _, seconds in saves) < 15
    assert (wrong_login, login, htmx_code, search_code) == (200, 302, 200, 200)
    assert queued_while_down == 2
    manage(env, "prehighlight_sweep", "--older-than", "0")
    manage(env, "webhooks_sweep")
    wait_for(
        lambda: (
            pg.rows(
                "SELECT count(*) FROM annotations_article WHERE prehighlight_status <> 'done' "
                "OR prehighlight_revision <> revision"
            )[0][0]
            == 0
        ),
        timeout=90,
        what="every article pre-highlighted after the outage",
    )
    wait_for(
        lambda: (
            pg.rows("SELECT count(*) FROM annotations_webhookdelivery WHERE status <> 'succeeded'")[
                0
            ][0]
            == 0
        ),
        timeout=90,
        what="every webhook delivery delivered after the outage",
    )

    assert worker.process.poll() is None  # the same worker reconnected by itself
    assert pg.rows(
        "SELECT url, count(*) FROM annotations_article WHERE url LIKE 'https://fault.example/p/%%' "
        "GROUP BY url ORDER BY url"
    ) == [(f"https://fault.example/p/{n}", 1) for n in range(3)]
    # Every article (seeded and pushed) has exactly its two quotations: none lost, none twice.
    assert pg.rows(
        "SELECT a.id, count(q.id) FROM annotations_article a "
        "LEFT JOIN annotations_quote q ON q.article_id = a.id GROUP BY a.id ORDER BY a.id"
    ) == [
        (article_id, 2)
        for (article_id,) in pg.rows("SELECT id FROM annotations_article ORDER BY id")
    ]
    assert (
        pg.rows("SELECT quote_id, quote_version, to_status FROM annotations_review ORDER BY id")
        == accepted
    )
    deliveries = pg.rows(
        "SELECT d.event_id, d.delivery_id::text, d.status FROM annotations_webhookdelivery d "
        "ORDER BY d.id"
    )
    review_ids = [row[0] for row in pg.rows("SELECT id FROM annotations_review ORDER BY id")]
    assert [(event, status) for event, _, status in deliveries] == [
        (f"review-{review_id}", "succeeded") for review_id in review_ids
    ]
    # At least once at the receiver, keyed by Newsdesk-Delivery; nothing it does not know.
    assert set(receiver.answered) == {delivery for _, delivery, _ in deliveries}
    assert pg.rows(
        "SELECT count(*), count(DISTINCT object_id), count(seq) FROM annotations_changeevent "
        "WHERE type = 'review.created'"
    ) == [(len(review_ids), len(review_ids), len(review_ids))]
