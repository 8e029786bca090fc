from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SpeakerRecord:
    """A known speaker; `aliases` are alternative spellings found in text."""

    name: str
    kind: str = "person"  # "person" | "organisation" | "anonymous"
    aliases: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class QuoteCandidate:
    """A quotation found in a text.

    `start`/`end` are str offsets of the quotation content (marks excluded);
    `speaker_start`/`speaker_end` point at the mention as written, which may be
    a pronoun when `speaker` was resolved through it.
    """

    start: int
    end: int
    text: str
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    confidence: float
    speaker_kind: str | None = None
    speaker_title: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "speaker": self.speaker,
            "speaker_start": self.speaker_start,
            "speaker_end": self.speaker_end,
            "cue": self.cue,
            "confidence": self.confidence,
            "speaker_kind": self.speaker_kind,
            "speaker_title": self.speaker_title,
        }
