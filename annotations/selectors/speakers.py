from typing import TypedDict

from annotations.models import Speaker


class SpeakerExport(TypedDict):
    name: str
    kind: str
    title: str
    organisation: str
    aliases: list[str]


def speaker_registry() -> list[SpeakerExport]:
    """The registry in the shape the extractor and `--speakers SPEAKERS.json` take."""
    return [
        {
            "name": speaker.name,
            "kind": speaker.kind,
            "title": speaker.title,
            "organisation": speaker.organisation,
            "aliases": [alias.alias for alias in speaker.aliases.all()],
        }
        for speaker in Speaker.objects.prefetch_related("aliases").order_by("name")
    ]
