import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse

from annotations.models import Quote
from tests.annotations.test_search_support import make_quote, make_speaker

CSV_URL = "/search/export.csv"
JSONL_URL = "/search/export.jsonl"


def body(response):
    return b"".join(response.streaming_content).decode("utf-8")


def test_search_export_csv_streams_the_current_result_set(reporter_client):
    kirby = make_speaker("John Kirby", title="Pentagon spokesperson")
    quote = make_quote(
        "We will deploy troops.",
        speaker=kirby,
        title="Pentagon briefing",
        outlet="Daily Planet",
        published_at=datetime(2022, 1, 24, 18, 5, tzinfo=UTC),
        status=Quote.Status.VERIFIED,
    )
    make_quote("Nothing relevant.")

    response = reporter_client.get(CSV_URL, {"q": "troops"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="quotes-')
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert rows == [
        {
            "quote_id": str(quote.pk),
            "status": "verified",
            "dispute_reason": "",
            "text": "We will deploy troops.",
            "speaker": "John Kirby",
            "speaker_title": "Pentagon spokesperson",
            "article_id": str(quote.article_id),
            "article_title": "Pentagon briefing",
            "outlet": "Daily Planet",
            "published_at": "2022-01-24T18:05:00+00:00",
            "article_url": quote.article.url,
            "quote_url": f"/articles/{quote.article_id}/#quote-{quote.pk}",
            "family_id": "",  # saved without linking (a factory)
        }
    ]


def test_search_export_csv_uses_the_api_status_values(reporter_client):
    make_quote("We will deploy troops.")

    rows = list(csv.DictReader(io.StringIO(body(reporter_client.get(CSV_URL)))))

    assert [row["status"] for row in rows] == ["candidate"]


def test_search_export_carries_the_dispute_reason(reporter_client):
    make_quote("We will deploy troops.", status=Quote.Status.DISPUTED)

    csv_rows = list(csv.DictReader(io.StringIO(body(reporter_client.get(CSV_URL)))))
    jsonl = [json.loads(line) for line in body(reporter_client.get(JSONL_URL)).splitlines()]

    assert [(row["status"], row["dispute_reason"]) for row in csv_rows] == [
        ("disputed", "wrong_words")
    ]
    assert [(row["status"], row["dispute_reason"]) for row in jsonl] == [
        ("disputed", "wrong_words")
    ]


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_search_export_csv_neutralises_formulas(reporter_client, dangerous):
    make_quote(f"{dangerous} troops", title=dangerous, outlet=dangerous)

    rows = list(csv.DictReader(io.StringIO(body(reporter_client.get(CSV_URL)))))

    assert rows[0]["text"] == f"'{dangerous} troops"
    assert rows[0]["article_title"] == f"'{dangerous}"
    assert rows[0]["outlet"] == f"'{dangerous}"


def test_search_export_jsonl_has_one_object_per_quote_in_result_order(reporter_client):
    older = make_quote("Troops one.", published_at=datetime(2022, 1, 1, tzinfo=UTC))
    newer = make_quote("=Troops two.", published_at=datetime(2022, 1, 2, tzinfo=UTC))

    response = reporter_client.get(JSONL_URL, {"q": "troops", "sort": "date"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    records = [json.loads(line) for line in body(response).splitlines()]
    assert [r["quote_id"] for r in records] == [newer.pk, older.pk]
    # JSON is data, not a spreadsheet: text arrives untouched.
    assert records[0]["text"] == "=Troops two."
    assert records[0]["published_at"] == "2022-01-02T00:00:00+00:00"


def test_search_export_applies_the_same_filters_as_the_page(reporter_client):
    kirby = make_speaker("John Kirby", "Kirby")
    mine = make_quote("Troops here.", speaker=kirby, status=Quote.Status.DISPUTED)
    make_quote("Troops there.", speaker=kirby, status=Quote.Status.VERIFIED)
    make_quote("Troops elsewhere.", status=Quote.Status.DISPUTED)

    response = reporter_client.get(JSONL_URL, {"q": "speaker:kirby troops", "status": "disputed"})

    assert [json.loads(line)["quote_id"] for line in body(response).splitlines()] == [mine.pk]


def test_search_export_rejects_bad_parameters_with_a_message(reporter_client):
    response = reporter_client.get(CSV_URL, {"q": "speaker:"})

    assert response.status_code == 400
    assert "speaker: needs a name" in response.content.decode()


def test_search_export_anonymous_is_sent_to_login(client):
    assert client.get(CSV_URL).status_code == 302
    assert client.get(JSONL_URL).status_code == 302


def test_search_export_needs_a_role(client, outsider):
    client.force_login(outsider)

    assert client.get(CSV_URL).status_code == 403
    assert client.get(JSONL_URL).status_code == 403
