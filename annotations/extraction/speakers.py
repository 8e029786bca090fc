"""Known-speaker alias index."""

from __future__ import annotations

from collections.abc import Iterable

from .types import SpeakerRecord


class SpeakerIndex:
    def __init__(self, records: Iterable[SpeakerRecord]) -> None:
        self._exact: dict[str, SpeakerRecord] = {}
        self._lower: dict[str, SpeakerRecord] = {}
        self._surname: dict[str, SpeakerRecord | None] = {}
        for rec in records:
            for alias in (rec.name, *rec.aliases):
                alias = " ".join(alias.split())
                if not alias:
                    continue
                self._exact.setdefault(alias, rec)
                self._lower.setdefault(alias.lower(), rec)
            if rec.kind == "person" and " " in rec.name.strip():
                last = rec.name.split()[-1]
                # an ambiguous surname resolves to nobody
                self._surname[last] = None if last in self._surname else rec

    def __bool__(self) -> bool:
        return bool(self._exact)

    def lookup(self, mention: str) -> SpeakerRecord | None:
        if not self._exact:
            return None
        m = " ".join(mention.split())
        rec = self._exact.get(m)
        if rec is not None:
            return rec
        # organisation names and role phrases are matched case-insensitively
        rec = self._lower.get(m.lower())
        if rec is not None and (rec.kind != "person" or not m[:1].isupper()):
            return rec
        if rec is not None:
            return rec
        # longest alias contained in the mention ("NATO chief Jens Stoltenberg")
        words = m.split()
        for size in range(len(words) - 1, 0, -1):
            for i in range(len(words) - size + 1):
                rec = self._exact.get(" ".join(words[i : i + size]))
                if rec is not None:
                    return rec
        return self._surname.get(words[-1]) if words else None
