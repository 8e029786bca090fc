from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations import roles
from annotations.models import Quote, Speaker, SpeakerAlias, SpeakerMerge, normalize_alias
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
