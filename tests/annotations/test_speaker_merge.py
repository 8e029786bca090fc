"""Merging two registry entries that are the same speaker."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from annotations.errors import PermissionDeniedError
from annotations.models import Quote, Speaker, SpeakerMerge
from annotations.services.reviews import quote_review_submit
from annotations.services.speakers import speaker_merge
from tests.factories import QuoteFactory, SpeakerAliasFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

URL = "/speakers/merge/"


@pytest.fixture
def twins():
    kept = SpeakerFactory(name="Jens Stoltenberg", title="NATO Secretary General")
    SpeakerAliasFactory(speaker=kept, alias="Jens Stoltenberg")
    SpeakerAliasFactory(speaker=kept, alias="Stoltenberg")
    dupe = SpeakerFactory(name="J. Stoltenberg", title="NATO chief")
    SpeakerAliasFactory(speaker=dupe, alias="J. Stoltenberg")
    SpeakerAliasFactory(speaker=dupe, alias="stoltenberg")  # the kept one has it already
    SpeakerAliasFactory(speaker=dupe, alias="NATO chief")
    return kept, dupe


def test_speaker_merge_moves_aliases_and_quotes_and_records_it(twins, editor):
    kept, dupe = twins
    theirs = [QuoteFactory(speaker=dupe), QuoteFactory(speaker=dupe)]
    quote_review_submit(quote=theirs[0], user=editor, to_status="verified", expected_version=1)
    untouched = QuoteFactory(speaker=kept)

    record = speaker_merge(source=dupe, target=kept, user=editor)

    assert not Speaker.objects.filter(pk=dupe.pk).exists()
    assert sorted(kept.aliases.values_list("alias", flat=True)) == [
        "J. Stoltenberg",
        "Jens Stoltenberg",
        "NATO chief",
        "Stoltenberg",
    ]
    moved = Quote.objects.filter(pk__in=[q.pk for q in theirs]).order_by("pk")
    assert [(q.speaker_id, q.version, q.updated_by) for q in moved] == [
        (kept.pk, 3, editor),
        (kept.pk, 2, editor),
    ]
    assert moved[0].status == "verified"  # the decision stays
    assert Quote.objects.get(pk=untouched.pk).version == 1
    assert (record.source_name, record.source_title, record.target, record.merged_by) == (
        "J. Stoltenberg",
        "NATO chief",
        kept,
        editor,
    )
    assert (record.aliases_moved, record.quotes_moved) == (2, 2)
    assert SpeakerMerge.objects.count() == 1


def test_speaker_merge_refuses_a_speaker_into_itself(twins, editor):
    kept, _dupe = twins
    with pytest.raises(ValidationError, match="two different speakers"):
        speaker_merge(source=kept, target=kept, user=editor)
    assert not SpeakerMerge.objects.exists()


def test_speaker_merge_is_for_editors(twins, reporter):
    kept, dupe = twins
    with pytest.raises(PermissionDeniedError):
        speaker_merge(source=dupe, target=kept, user=reporter)
    assert Speaker.objects.filter(pk=dupe.pk).exists()


def test_speakers_merge_page_merges_by_name_or_alias(twins, editor_client):
    _kept, dupe = twins
    QuoteFactory(speaker=dupe)

    response = editor_client.post(URL, {"source": "NATO chief", "target": "Jens Stoltenberg"})

    assert response.status_code == 302
    assert not Speaker.objects.filter(pk=dupe.pk).exists()
    page = editor_client.get(URL).content.decode()
    assert "Merged “J. Stoltenberg” into “Jens Stoltenberg”" in page
    assert "<td>Jens Stoltenberg</td>" in page


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("Nobody Here", "NATO chief", "No speaker is called"),
        ("Stoltenberg", "NATO chief", "2 speakers are called"),
        ("Jens Stoltenberg", "jens stoltenberg", "cannot merge into itself"),
        ("", "NATO chief", "This field is required"),
    ],
)
def test_speakers_merge_page_refuses_clearly(twins, editor_client, source, target, message):
    response = editor_client.post(URL, {"source": source, "target": target})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert Speaker.objects.count() == 2


def test_speakers_merge_page_access(reporter, editor):
    assert reverse("annotations:speakers_merge") == URL
    anonymous, reporter_client, editor_client = Client(), Client(), Client()
    reporter_client.force_login(reporter)
    editor_client.force_login(editor)
    assert anonymous.get(URL).status_code == 302
    assert reporter_client.get(URL).status_code == 403
    assert reporter_client.post(URL, {"source": "a", "target": "b"}).status_code == 403
    assert editor_client.get(URL).status_code == 200
