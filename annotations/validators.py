from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from annotations.invisible import describe, first_invisible

_http_url = URLValidator(schemes=["http", "https"])


def validate_http_url(value: str) -> None:
    """Evidence and article links: http(s) only, so no javascript: or data: URL reaches a page."""
    if urlsplit(value).scheme.lower() not in {"http", "https"}:
        raise ValidationError("Only http:// and https:// links are accepted.", code="url_scheme")
    _http_url(value)


def validate_text(value: str) -> None:
    # PostgreSQL text cannot hold NUL; refuse it at the boundary instead of failing in the DB.
    if "\x00" in value:
        raise ValidationError("Text must not contain NUL characters.", code="nul")


def validate_article_body(value: str) -> None:
    validate_text(value)
    limit = settings.NEWSDESK_MAX_ARTICLE_CHARS
    if len(value) > limit:
        raise ValidationError(
            f"The article body is {len(value):,} characters; the limit is {limit:,}.",
            code="too_long",
        )
    if not value.strip():
        raise ValidationError("The article body is empty.", code="empty")


def validate_label(value: str) -> None:
    r"""Titles, outlets, bylines and speaker names: one line of text shown in lists and menus.

    Invisible and direction-changing characters (see invisible.py) are refused here: in a body
    they are shown as markers, but a title or a name that displays as something else (a title
    `\u202egnp.exe\u202c` reads "exe.png"; "Ana\u200bReyes" looks like a second "AnaReyes")
    would let one speaker pass for another.
    """
    validate_text(value)
    found = first_invisible(value)
    if found is not None:
        position, char = found
        raise ValidationError(
            f"Remove the invisible character {describe(char)} (character {position + 1}): it "
            "can make this text display differently from what is stored.",
            code="invisible_character",
        )
