"""Speakers' roles over time: which office a speaker held on a day, and at the time of a quote.

A quote's role is the one its speaker held on the article's publication date, read in the
newsroom's time zone (issue 16): "John Kirby, Pentagon press secretary" on a January 2022
article, whatever he does later. Both boundary days belong to a role.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.utils import timezone

from annotations.models import Quote, Speaker, SpeakerRole


def article_day(published_at: dt.datetime | None) -> dt.date | None:
    """The publication date as the newsroom reads it; None for an undated article."""
    if published_at is None:
        return None
    return timezone.localtime(published_at).date()


def role_on(roles: Sequence[SpeakerRole], day: dt.date | None) -> SpeakerRole | None:
    """The role held on `day` among one speaker's roles; of two held at once, the newer one."""
    if day is None:
        return None
    held = [role for role in roles if role.covers(day)]
    return max(held, key=lambda role: (role.start_date, role.pk or 0)) if held else None


def title_at(*, speaker: Speaker, roles: Sequence[SpeakerRole], day: dt.date | None) -> str:
    """What follows the speaker's name for a quote on `day`.

    The role held that day. A speaker with no roles at all in the registry (an entry from before
    roles existed, or an organisation) keeps showing its own title field; a speaker with roles
    but none on that day shows none, since any title would be wrong for the quote.
    """
    if not roles:
        return speaker.title
    role = role_on(roles, day)
    return role.title if role is not None else ""


def speaker_role_on(*, speaker: Speaker, day: dt.date) -> SpeakerRole | None:
    return role_on(
        list(
            SpeakerRole.objects.filter(speaker=speaker, start_date__lte=day).exclude(
                end_date__lt=day
            )
        ),
        day,
    )


def roles_by_speaker(*, speaker_ids: Iterable[int | None]) -> dict[int, list[SpeakerRole]]:
    """Every role of these speakers, in one query."""
    ids = {pk for pk in speaker_ids if pk is not None}
    found: dict[int, list[SpeakerRole]] = {pk: [] for pk in ids}
    if ids:
        for role in SpeakerRole.objects.filter(speaker_id__in=ids):
            found[role.speaker_id].append(role)
    return found


def quote_role(*, quote: Quote) -> SpeakerRole | None:
    """The role the quote's speaker held on its article's publication date."""
    if quote.speaker is None:
        return None
    day = article_day(quote.article.published_at)
    return speaker_role_on(speaker=quote.speaker, day=day) if day is not None else None


def quote_titles(
    quotes: Iterable[Quote], *, published: dict[int, dt.datetime | None] | None = None
) -> dict[int, str]:
    """Quote id -> the speaker's title at the time, for a page of quotes, in one query.

    `published` maps article ids to publication times when the quotes were loaded without
    their articles; otherwise `quote.article` is read.
    """
    quotes = list(quotes)
    roles = roles_by_speaker(speaker_ids=(q.speaker_id for q in quotes))
    titles: dict[int, str] = {}
    for quote in quotes:
        if quote.speaker is None:
            titles[quote.pk] = ""
            continue
        when = published[quote.article_id] if published is not None else quote.article.published_at
        titles[quote.pk] = title_at(
            speaker=quote.speaker, roles=roles[quote.speaker.pk], day=article_day(when)
        )
    return titles
