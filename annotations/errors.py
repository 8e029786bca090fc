"""Domain errors raised by services; views and the API turn them into clear responses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from annotations.models import Quote


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDeniedError(DomainError, PermissionDenied):
    """Also a Django PermissionDenied, so an uncaught one becomes a 403, never a 500."""

    code = "permission_denied"


class QuoteVersionConflict(DomainError):
    """Another editor changed the quote since the caller loaded it; nothing was written."""

    code = "version_conflict"

    def __init__(self, *, quote: Quote, expected_version: int) -> None:
        changed_by = quote.updated_by.get_username() if quote.updated_by else "someone"
        super().__init__(
            f"This quote was changed by {changed_by} (now {quote.get_status_display().lower()}, "
            f"version {quote.version}) after you loaded version {expected_version}. "
            "Nothing was overwritten; review the current state and decide again."
        )
        self.quote = quote
        self.expected_version = expected_version
