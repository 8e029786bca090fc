import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations import roles
from annotations.models import (
    Quote,
    Speaker,
    SpeakerAlias,
    SpeakerMerge,
    SpeakerRole,
    normalize_alias,
)
from annotations.services import events


@transaction.atomic
def speaker_upsert(
    *,
    name: str,
    kind: str = Speaker.Kind.PERSON,
    title: str = "",
    organisation: str = "",
    aliases: Iterable[str] = (),
) -> Speaker:
    """Create or update a speaker by canonical name; aliases are added, never removed."""
    speaker = Speaker.objects.select_for_update().filter(name=name).first()
    if speaker is None:
        speaker = Speaker(name=name, kind=kind, title=title, organisation=organisation)
        speaker.full_clean()
        speaker.save()
    else:
        changed = [
            field
            for field, value in (("kind", kind), ("title", title), ("organisation", organisation))
            if getattr(speaker, field) != value
        ]
        for field in changed:
            setattr(speaker, field, dict(kind=kind, title=title, organisation=organisation)[field])
        if changed:
            speaker.full_clean()
            speaker.save(update_fields=[*changed, "updated_at"])
    speaker_add_aliases(speaker=speaker, aliases=[name, *aliases])
    return speaker


@transaction.atomic
def speaker_add_aliases(*, speaker: Speaker, aliases: Iterable[str]) -> list[SpeakerAlias]:
    existing = set(speaker.aliases.values_list("normalized", flat=True))
    created = []
    for alias in aliases:
        alias = " ".join(alias.split())
        normalized = normalize_alias(alias)
        if not normalized or normalized in existing:
            continue
        row = SpeakerAlias(speaker=speaker, alias=alias)
        row.full_clean(exclude=["normalized"])
        row.save()
        existing.add(normalized)
        created.append(row)
    return created


@transaction.atomic
def speaker_role_add(
    *,
    speaker: Speaker,
    title: str,
    organisation: str = "",
    start_date: dt.date,
    end_date: dt.date | None = None,
    source_url: str = "",
    user: User | None = None,
) -> SpeakerRole:
    """Record an office the speaker held; refuses dates out of order and overlapping duplicates."""
    if user is not None:
        roles.require_editor(user)
    if end_date is not None and end_date < start_date:
        # Before full_clean: its overlap check cannot even build a range that ends first.
        raise ValidationError(
            {"end_date": "The role cannot end before it starts."}, code="role_dates"
        )
    role = SpeakerRole(
        speaker=speaker,
        title=" ".join(title.split()),
        organisation=" ".join(organisation.split()),
        start_date=start_date,
        end_date=end_date,
        source_url=source_url.strip(),
        created_by=user,
    )
    role.full_clean()
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError:  # a concurrent write took the same dates after full_clean
        raise ValidationError(
            "The speaker already holds this title at this organisation for some of these dates.",
            code="role_overlap",
        ) from None
    return role


@transaction.atomic
def speaker_role_ensure(
    *,
    speaker: Speaker,
    title: str,
    organisation: str = "",
    start_date: dt.date,
    end_date: dt.date | None = None,
    source_url: str = "",
) -> tuple[SpeakerRole, bool]:
    """The role with exactly these title, organisation and dates, added unless present.

    For loaders that run more than once (demo data, imports): the same role twice is no change,
    an overlapping but different one is refused like any other duplicate.
    """
    existing = SpeakerRole.objects.filter(
        speaker=speaker,
        title__iexact=" ".join(title.split()),
        organisation__iexact=" ".join(organisation.split()),
        start_date=start_date,
        end_date=end_date,
    ).first()
    if existing is not None:
        return existing, False
    role = speaker_role_add(
        speaker=speaker,
        title=title,
        organisation=organisation,
        start_date=start_date,
        end_date=end_date,
        source_url=source_url,
    )
    return role, True


@dataclass(frozen=True)
class RoleInput:
    """A role as the API and the import files give it."""

    title: str
    start_date: dt.date
    end_date: dt.date | None = None
    organisation: str = ""
    source_url: str = ""

    def describe(self) -> str:
        until = self.end_date.isoformat() if self.end_date else "open-ended"
        return f"role “{self.title}” {self.start_date.isoformat()} – {until}"


@transaction.atomic
def speaker_update(
    *,
    speaker: Speaker,
    kind: str | None = None,
    title: str | None = None,
    organisation: str | None = None,
    wikidata_id: str | None = None,
    aliases: Iterable[str] = (),
    roles: Sequence[RoleInput] = (),
) -> list[str]:
    """Apply what is given to this speaker (by id, so namesakes are never mixed up).

    None keeps a field; aliases and roles are added, never removed, and a role already on record
    with the same title, organisation and dates is no change. Returns what changed, for people
    ("title", "alias “Kirby”", "role “…” 2021-01-20 – open-ended"). A role that ends before it
    starts or overlaps the same title at the same organisation refuses the whole update.
    """
    speaker = Speaker.objects.select_for_update().get(pk=speaker.pk)
    given = {"kind": kind, "title": title, "organisation": organisation}
    if wikidata_id is not None:
        given["wikidata_id"] = wikidata_id.strip() or None  # type: ignore[assignment]
    changed = [f for f, v in given.items() if v is not None and getattr(speaker, f) != v]
    if "wikidata_id" in given and given["wikidata_id"] is None and speaker.wikidata_id:
        changed.append("wikidata_id")
    for field in changed:
        setattr(speaker, field, given[field])
    if changed:
        speaker.full_clean()
        speaker.save(update_fields=[*changed, "updated_at"])
    changes = list(changed)
    changes += [f"alias “{a.alias}”" for a in speaker_add_aliases(speaker=speaker, aliases=aliases)]
    for number, role in enumerate(roles, start=1):
        try:
            _, created = speaker_role_ensure(
                speaker=speaker,
                title=role.title,
                organisation=role.organisation,
                start_date=role.start_date,
                end_date=role.end_date,
                source_url=role.source_url,
            )
        except ValidationError as exc:
            raise ValidationError(
                {"roles": [f"Role {number} ({role.title}): {' '.join(exc.messages)}"]}
            ) from None
        if created:
            changes.append(role.describe())
    return changes


def speaker_find(*, name: str, wikidata_id: str | None) -> Speaker | None:
    """The registry entry a record means: by Wikidata id, else by exact name.

    A same-name speaker with another Wikidata id is a namesake, not a match. Several speakers
    with the name and no id to tell them apart is an error: never guess which one.
    """
    if wikidata_id:
        found = Speaker.objects.filter(wikidata_id=wikidata_id).first()
        if found is not None:
            return found
    same = list(Speaker.objects.filter(name=name).order_by("pk"))
    if wikidata_id:
        same = [s for s in same if not s.wikidata_id]
    if len(same) > 1:
        raise ValidationError(
            {
                "name": f"{len(same)} speakers are called “{name}”; give the Wikidata id of the "
                "one you mean (or change that one by its id)."
            }
        )
    return same[0] if same else None


@transaction.atomic
def speaker_save(
    *,
    name: str,
    kind: str | None = None,
    title: str | None = None,
    organisation: str | None = None,
    wikidata_id: str | None = None,
    aliases: Iterable[str] = (),
    roles: Sequence[RoleInput] = (),
) -> tuple[Speaker, bool, list[str]]:
    """Create the speaker a record describes, or update the one it means; (speaker, created,
    changes). Idempotent: the same record twice changes nothing the second time."""
    name = " ".join(name.split())
    speaker = speaker_find(name=name, wikidata_id=wikidata_id)
    created = speaker is None
    if speaker is None:
        speaker = Speaker(
            name=name,
            kind=kind or Speaker.Kind.PERSON,
            title=title or "",
            organisation=organisation or "",
            wikidata_id=wikidata_id or None,
        )
        speaker.full_clean()
        speaker.save()
    changes = speaker_update(
        speaker=speaker,
        kind=kind,
        title=title,
        organisation=organisation,
        wikidata_id=wikidata_id,
        aliases=[name, *aliases],
        roles=roles,
    )
    return speaker, created, (["created"] if created else changes)


@transaction.atomic
def speaker_merge(*, source: Speaker, target: Speaker, user: User) -> SpeakerMerge:
    """Merge `source` into `target`: its aliases (and its name, as an alias) and its quotes move
    over, `source` is deleted, and a SpeakerMerge row records who merged what.

    Each moved quote gets a new version, like any speaker change, so an editor deciding it on
    the old version is told instead of overwriting, and open desk pages redraw it.
    """
    roles.require_editor(user)
    if source.pk == target.pk:
        raise ValidationError("Choose two different speakers: a speaker cannot merge into itself.")
    # Both rows locked, in id order so two merges of the same pair cannot deadlock.
    locked = {
        s.pk: s
        for s in Speaker.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError("One of the speakers no longer exists; nothing was merged.")
    source, target = locked[source.pk], locked[target.pk]

    kept = set(target.aliases.values_list("normalized", flat=True))
    aliases = list(source.aliases.all())
    moving = [a.pk for a in aliases if a.normalized not in kept]
    SpeakerAlias.objects.filter(pk__in=moving).update(speaker=target)
    # The old name keeps finding the speaker (counted when it was not an alias already).
    named = speaker_add_aliases(speaker=target, aliases=[source.name])

    quotes = list(Quote.objects.select_for_update().filter(speaker=source).order_by("pk"))
    Quote.objects.filter(pk__in=[q.pk for q in quotes]).update(
        speaker=target, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    record = SpeakerMerge(
        target=target,
        target_name=target.name,
        source_id=source.pk,
        source_name=source.name,
        source_title=source.title,
        aliases_moved=len(moving) + len(named),
        quotes_moved=len(quotes),
        merged_by=user,
    )
    record.full_clean(exclude=["target", "merged_by"])
    record.save()
    # Whatever else points at the source (rows other areas may add) moves too, never deleted
    # with it; a uniqueness clash there is a refusal, not a 500.
    handled = {SpeakerAlias, Quote, SpeakerMerge}
    for relation in Speaker._meta.related_objects:
        model = relation.related_model
        if relation.one_to_many and isinstance(model, type) and model not in handled:
            field = relation.field.name
            try:
                with transaction.atomic():
                    model._default_manager.filter(**{field: source}).update(**{field: target})
            except IntegrityError:
                raise ValidationError(
                    f"Both speakers have conflicting {model._meta.verbose_name} rows; fix them "
                    "first. Nothing was merged."
                ) from None
    source.delete()  # its remaining aliases (already the target's) go with it
    for quote in quotes:
        quote.speaker, quote.version, quote.updated_by = target, quote.version + 1, user
        events.publish(events.EventKind.QUOTE_CHANGED, quote=quote, actor=user)
    return record
