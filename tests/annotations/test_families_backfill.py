"""manage.py families_backfill links an archive saved before families existed."""

import io

import pytest
from django.core.management import CommandError, call_command

from annotations.models import QuoteFamily, QuoteFamilyMember
from annotations.services.families import quote_families_backfill_batch
from tests.annotations.families_support import ALTERED, PART, SPEECH
from tests.factories import ArticleFactory, QuoteFactory


@pytest.fixture
def archive(db):
    """The three copies of the speech and an unrelated quote, saved without linking."""
    quotes = []
    for text in (SPEECH, PART, ALTERED, "Nothing to do with the storm at all, he said"):
        article = ArticleFactory(body=f"“{text}” someone said.")
        quotes.append(QuoteFactory(article=article, start=1, end=1 + len(text)))
    assert not QuoteFamilyMember.objects.exists()
    return quotes


def test_families_backfill_links_the_archive_with_a_progress_bar(archive):
    out, err = io.StringIO(), io.StringIO()

    call_command("families_backfill", batch_size=2, progress=True, stdout=out, stderr=err)

    assert "Linked 4 quote(s) into families." in out.getvalue()
    assert "[" + "#" * 30 + "] 4/4" in err.getvalue()
    speech = QuoteFamily.objects.get(size=3)
    assert set(speech.members.values_list("quote_id", flat=True)) == {q.pk for q in archive[:3]}
    assert QuoteFamily.objects.count() == 2


def test_families_backfill_resumes_where_it_stopped(archive):
    first = quote_families_backfill_batch(batch_size=1)
    assert (first.linked, first.remaining) == (1, 3)

    out = io.StringIO()
    call_command("families_backfill", batch_size=10, stdout=out, stderr=io.StringIO())
    call_command("families_backfill", stdout=io.StringIO(), stderr=io.StringIO())

    assert "Linked 3 quote(s)" in out.getvalue()
    assert QuoteFamilyMember.objects.count() == 4
    assert sorted(QuoteFamily.objects.values_list("size", flat=True)) == [1, 3]


def test_families_backfill_refuses_a_bad_batch_size(db):
    with pytest.raises(CommandError):
        call_command("families_backfill", batch_size=0)
