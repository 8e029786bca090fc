"""manage.py speakers_import / speakers_export: idempotent, all or nothing, clear refusals."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Speaker, SpeakerAlias, SpeakerRole

BACKWARDS = {"end_date": "2021-01-01"}
PSAKI = {
    "name": "Jen Psaki",
    "kind": "person",
    "title": "",
    "organisation": "",
    "wikidata_id": "Q123",
    "aliases": ["Psaki", "Jennifer Psaki"],
    "roles": [
        {
            "title": "White House press secretary",
            "organisation": "White House",
            "start_date": "2021-01-20",
            "end_date": "2022-05-13",
            "source_url": "https://simple.m.wikipedia.org/wiki/Jen_Psaki",
        }
    ],
}


def _run(tmp_path, data, *args):
    path = tmp_path / "speakers.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    out = io.StringIO()
    call_command("speakers_import", str(path), *args, stdout=out)
    return out.getvalue()


def _state():
    return (
        sorted(Speaker.objects.values_list("name", "wikidata_id", "title")),
        sorted(SpeakerAlias.objects.values_list("speaker__name", "alias")),
        sorted(SpeakerRole.objects.values_list("speaker__name", "title", "start_date", "end_date")),
    )


@pytest.mark.django_db
def test_speakers_import_is_idempotent_and_reports_changes(tmp_path):
    first = _run(tmp_path, [PSAKI])
    assert "created: Jen Psaki" in first
    assert "1 created, 0 updated, 0 unchanged." in first
    state = _state()
    second = _run(tmp_path, [PSAKI])
    assert "0 created, 0 updated, 1 unchanged." in second
    assert _state() == state
    more = {
        **PSAKI,
        "aliases": ["Press Secretary Psaki"],
        "roles": [
            {"title": "Commentator", "organisation": "MSNBC", "start_date": "2022-05-14"},
        ],
    }
    third = _run(tmp_path, [more])
    assert "updated: Jen Psaki" in third
    assert "alias “Press Secretary Psaki”" in third
    assert "role “Commentator” 2022-05-14 – open-ended" in third
    assert SpeakerRole.objects.count() == 2


@pytest.mark.django_db
def test_speakers_import_matches_by_wikidata_id_then_exact_name(tmp_path):
    _run(tmp_path, [PSAKI])
    renamed = {**PSAKI, "name": "Jennifer Psaki", "roles": []}
    # Found by its Wikidata id: the name it goes by here is already one of her aliases.
    assert "0 created, 0 updated, 1 unchanged." in _run(tmp_path, [renamed])
    assert Speaker.objects.count() == 1
    # Same name, another Wikidata id: a namesake, created beside her.
    namesake = {**PSAKI, "wikidata_id": "Q999", "roles": [], "aliases": []}
    assert "created: Jen Psaki" in _run(tmp_path, [namesake])
    assert Speaker.objects.filter(name="Jen Psaki").count() == 2


@pytest.mark.django_db
def test_speakers_export_round_trips(tmp_path):
    _run(tmp_path, [PSAKI])
    out = io.StringIO()
    call_command("speakers_export", stdout=out)
    exported = json.loads(out.getvalue())
    assert exported == [{**PSAKI, "aliases": sorted(["Jen Psaki", *PSAKI["aliases"]])}]
    state = _state()
    assert "0 created, 0 updated, 1 unchanged." in _run(tmp_path, out.getvalue())
    assert _state() == state


@pytest.mark.django_db
def test_speakers_import_loads_the_demo_registry(tmp_path):
    from annotations.services.demo import DEMO_DIR

    text = (DEMO_DIR / "speakers.json").read_text("utf-8")
    assert "0 updated" in _run(tmp_path, text)
    assert SpeakerRole.objects.filter(speaker__name="John Kirby").exists()
    assert "0 created, 0 updated" in _run(tmp_path, text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name"),
        ({"name": "x"}, "The file must be a list."),
        ([{"name": ""}], "Speaker 1 has no name."),
        ([{"name": "A", "age": 3}], "Speaker 1 (A) has unknown keys: age."),
        ([{"name": "A", "kind": "robot"}], "kind must be one of person"),
        ([{"name": "A", "aliases": "A"}], "aliases must be a list."),
        ([{"name": "A", "wikidata_id": "q1"}], "Q followed by its number"),
        (
            [{"name": "A", "roles": [{"title": "X", "start_date": "2020-02-30"}]}],
            "role 1.start_date must be a date as YYYY-MM-DD",
        ),
        (
            [
                {
                    "name": "A",
                    "roles": [{"title": "X", "start_date": "2020-01-02", "end_date": "2020-01-01"}],
                }
            ],
            "cannot end before it starts",
        ),
        (
            [
                {"name": "A", "roles": [{"title": "X", "start_date": "2020-01-01"}]},
                {"name": "A", "roles": [{"title": "X", "start_date": "2021-01-01"}]},
            ],
            "Speaker 2 (A): roles: Role 1 (X): The speaker already holds this title",
        ),
        ([{"name": "A", "roles": [{"title": "X"}]}], "needs a title and a start_date"),
    ],
)
def test_speakers_import_refuses_bad_files_and_writes_nothing(tmp_path, data, message):
    with pytest.raises(CommandError) as refused:
        _run(tmp_path, data)
    assert message in str(refused.value)
    assert "Nothing was imported" in str(refused.value) or "JSON" in str(refused.value)
    assert not Speaker.objects.exists()


@pytest.mark.django_db
def test_speakers_import_refuses_an_ambiguous_name(tmp_path):
    Speaker.objects.create(name="John Smith")
    Speaker.objects.create(name="John Smith")
    with pytest.raises(CommandError, match="2 speakers are called “John Smith”"):
        _run(tmp_path, [{"name": "John Smith", "title": "Mayor"}])
    assert not Speaker.objects.exclude(title="").exists()


@pytest.mark.django_db
def test_speakers_import_dry_run_writes_nothing(tmp_path):
    out = _run(tmp_path, [PSAKI], "--dry-run")
    assert "created: Jen Psaki" in out and "Dry run" in out
    assert not Speaker.objects.exists()


def test_speakers_import_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("speakers_import", str(tmp_path / "nope.json"))
