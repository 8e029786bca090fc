"""Speaker registries in and out as JSON: `manage.py speakers_import` / `speakers_export`.

The file is a list of speakers, each {"name", "kind", "title", "organisation", "wikidata_id",
"aliases": [...], "roles": [{"title", "organisation", "start_date", "end_date", "source_url"}]}
(see docs/speakers.md). The whole file is checked before anything is written and imported in
one transaction: a bad record refuses the file, naming the record and the field. Importing is
idempotent: each record updates the speaker with its Wikidata id, else the one with its exact
name (services.speakers.speaker_find), and aliases and roles are only ever added.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Speaker
from annotations.services.speakers import RoleInput, speaker_save

SPEAKER_KEYS = {"name", "kind", "title", "organisation", "wikidata_id", "aliases", "roles"}
# "note": where a role's dates come from when the source URL does not say it all (demo data).
ROLE_KEYS = {"title", "organisation", "start_date", "end_date", "source_url", "note"}


@dataclass(frozen=True)
class SpeakerRecord:
    name: str
    kind: str | None
    title: str | None
    organisation: str | None
    wikidata_id: str | None
    aliases: tuple[str, ...]
    roles: tuple[RoleInput, ...]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"created: {name}" for name in self.created]
        out += [f"updated: {name}: {', '.join(changes)}" for name, changes in self.updated]
        out.append(
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        )
        return out


def _text(value: object, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where} must be text.")
    return value


def _date(value: object, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_text(value, where) or "")
    except ValueError:
        raise ValidationError(f"{where} must be a date as YYYY-MM-DD, not {value!r}.") from None


def _role(raw: object, where: str) -> RoleInput:
    if not isinstance(raw, dict):
        raise ValidationError(f"{where} must be an object.")
    unknown = sorted(set(raw) - ROLE_KEYS)
    if unknown:
        raise ValidationError(f"{where} has unknown keys: {', '.join(unknown)}.")
    if "title" not in raw or "start_date" not in raw:
        raise ValidationError(f"{where} needs a title and a start_date.")
    end = raw.get("end_date")
    return RoleInput(
        title=_text(raw["title"], f"{where}.title") or "",
        organisation=_text(raw.get("organisation", ""), f"{where}.organisation") or "",
        start_date=_date(raw["start_date"], f"{where}.start_date"),
        end_date=_date(end, f"{where}.end_date") if end is not None else None,
        source_url=_text(raw.get("source_url", ""), f"{where}.source_url") or "",
    )


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ValidationError(f"{where} must be a list.")
    return raw


def speaker_records_parse(data: object) -> list[SpeakerRecord]:
    """The file's records, checked for shape; ValidationError names the first problem."""
    records = []
    for number, raw in enumerate(_list(data, "The file"), start=1):
        where = f"Speaker {number}"
        if not isinstance(raw, dict):
            raise ValidationError(f"{where} must be an object.")
        if isinstance(raw.get("name"), str) and raw["name"].strip():
            where += f" ({raw['name']})"
        unknown = sorted(set(raw) - SPEAKER_KEYS)
        if unknown:
            raise ValidationError(f"{where} has unknown keys: {', '.join(unknown)}.")
        name = _text(raw.get("name"), f"{where}: name") or ""
        if not name.strip():
            raise ValidationError(f"{where} has no name.")
        kind = _text(raw.get("kind"), f"{where}: kind", optional=True)
        if kind is not None and kind not in Speaker.Kind.values:
            raise ValidationError(
                f"{where}: kind must be one of {', '.join(Speaker.Kind.values)}, not {kind!r}."
            )
        records.append(
            SpeakerRecord(
                name=name,
                kind=kind,
                title=_text(raw.get("title"), f"{where}: title", optional=True),
                organisation=_text(
                    raw.get("organisation"), f"{where}: organisation", optional=True
                ),
                wikidata_id=_text(raw.get("wikidata_id"), f"{where}: wikidata_id", optional=True),
                aliases=tuple(
                    _text(a, f"{where}: aliases") or ""
                    for a in _list(raw.get("aliases", []), f"{where}: aliases")
                ),
                roles=tuple(
                    _role(r, f"{where}: role {n}")
                    for n, r in enumerate(_list(raw.get("roles", []), f"{where}: roles"), start=1)
                ),
            )
        )
    return records


@transaction.atomic
def speakers_import(*, records: Sequence[SpeakerRecord], dry_run: bool = False) -> ImportReport:
    """Import every record or none; a refused record names itself in the error."""
    report = ImportReport()
    for number, record in enumerate(records, start=1):
        try:
            speaker, created, changes = speaker_save(
                name=record.name,
                kind=record.kind,
                title=record.title,
                organisation=record.organisation,
                wikidata_id=record.wikidata_id,
                aliases=record.aliases,
                roles=record.roles,
            )
        except ValidationError as exc:
            problems = (
                [f"{key}: {msg}" for key, msgs in exc.message_dict.items() for msg in msgs]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise ValidationError(
                f"Speaker {number} ({record.name}): {' '.join(problems)}"
            ) from None
        label = f"{speaker.name} (#{speaker.pk})"
        if created:
            report.created.append(label)
        elif changes:
            report.updated.append((label, changes))
        else:
            report.unchanged.append(label)
    if dry_run:
        transaction.set_rollback(True)
    return report
