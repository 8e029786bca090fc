"""A webhook receiver that accepts the connection and never answers.

The editor's click only inserts the delivery row; the worker's POST gives up at the webhook
timeout (NEWSDESK_WEBHOOK_TIMEOUT, 10 s), logs the attempt and retries with backoff by itself,
and once the receiver answers, every delivery succeeds, each delivery id answered once.
"""

import time

import pytest

from tests.fault.support import ApiClient, CeleryWorker, Gunicorn, HookReceiver, seed, wait_for

pytestmark = [pytest.mark.fault]

BODY = (
    "“We will build the new bridge before the winter,” Ana Reyes said in edition {n}.\n\n"
    "“The budget is balanced and the books are open,” said Tom Okafor, the treasurer."
)


def test_fault_hanging_webhook_receiver_delays_nothing_and_is_retried(services):
    pg, _redis, env, started = services
    receiver = HookReceiver()
    started.append(receiver)
    receiver.hang.set()
    seeded = seed(env, body=BODY, articles=1, hook=receiver.url)
    web = Gunicorn(env)
    started.append(web)
    worker = CeleryWorker(env)
    started.append(worker)
    api = ApiClient(web.base, seeded["key"])
    first, second = seeded["quotes"]

    clicks = []
    for quote_id, status in ((first, "verified"), (second, "disputed")):
        began = time.monotonic()
        code = api.review(quote_id, status)[0]
        clicks.append((code, time.monotonic() - began))
    wait_for(
        lambda: pg.rows("SELECT count(*) FROM annotations_webhookdeliveryattempt")[0][0] >= 1,
        timeout=60,
        what="the first attempt to time out",
    )
    hung = pg.rows(
        "SELECT a.number, a.succeeded, a.status_code, a.error, a.duration_ms "
        "FROM annotations_webhookdeliveryattempt a ORDER BY a.id LIMIT 1"
    )[0]
    receiver.hang.clear()
    receiver.release.set()
    wait_for(
        lambda: (
            pg.rows("SELECT count(*) FROM annotations_webhookdelivery WHERE status = 'succeeded'")[
                0
            ][0]
            == 2
        ),
        timeout=90,
        what="both deliveries to succeed once the receiver answers",
    )

    # The receiver hangs for minutes: a click that waited for it could not finish in 5 s.
    assert [code for code, _ in clicks] == [201, 201]
    assert max(seconds for _, seconds in clicks) < 5
    assert hung[:3] == (1, False, None)
    assert "timed out" in hung[3]
    assert 9_000 <= hung[4] < 30_000  # the 10 s timeout, not the receiver, ended the attempt
    deliveries = pg.rows(
        "SELECT d.delivery_id::text, d.attempts, d.event_id FROM annotations_webhookdelivery d "
        "ORDER BY d.id"
    )
    review_ids = [row[0] for row in pg.rows("SELECT id FROM annotations_review ORDER BY id")]
    assert [event for _, _, event in deliveries] == [f"review-{r}" for r in review_ids]
    assert all(attempts >= 2 for _, attempts, _ in deliveries[:1])
    # Every try of a delivery carried the same Newsdesk-Delivery id; each was answered once.
    assert dict(receiver.answered) == {delivery: 1 for delivery, _, _ in deliveries}
    assert set(receiver.deliveries) == {delivery for delivery, _, _ in deliveries}
    assert pg.rows(
        "SELECT d.attempts, count(a.id), bool_or(a.succeeded) FROM annotations_webhookdelivery d "
        "JOIN annotations_webhookdeliveryattempt a ON a.delivery_id = d.id "
        "GROUP BY d.id, d.attempts ORDER BY d.id"
    ) == [(attempts, attempts, True) for _, attempts, _ in deliveries]
    assert worker.process.poll() is None
