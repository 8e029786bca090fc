from collections.abc import Iterable

from django.db import transaction

from annotations.models import Speaker, SpeakerAlias, normalize_alias


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
def speaker_create_or_update(
    *,
    name: str,
    kind: str | None = None,
    title: str | None = None,
    organisation: str | None = None,
    aliases: Iterable[str] = (),
) -> tuple[Speaker, bool]:
    """The speaker with this canonical name, created or updated; (speaker, created).

    A field given as None keeps its current value (a new speaker gets a person with blank
    title and organisation); aliases are added, never removed. The row is locked first, so the
    fields kept are the ones the update writes back.
    """
    current = Speaker.objects.select_for_update().filter(name=name).first()

    def keep(value: str | None, field: str, blank: str) -> str:
        if value is not None:
            return value
        return str(getattr(current, field)) if current is not None else blank

    speaker = speaker_upsert(
        name=name,
        kind=keep(kind, "kind", Speaker.Kind.PERSON),
        title=keep(title, "title", ""),
        organisation=keep(organisation, "organisation", ""),
        aliases=aliases,
    )
    return speaker, current is None


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
