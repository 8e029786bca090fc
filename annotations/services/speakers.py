import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations import roles
from annotations.models import Speaker, SpeakerAlias, SpeakerRole, normalize_alias


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
