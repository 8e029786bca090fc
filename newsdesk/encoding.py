"""Refuse text that does not decode, instead of storing replacement characters for it.

Django decodes query strings and form bodies with errors="replace": a note posted as
`bad%ED%A0%80note` (an encoded UTF-16 surrogate, which UTF-8 forbids) reached the view as
"bad\\ufffd\\ufffd\\ufffdnote" and was stored so, with nothing telling the editor that their
words had changed. This middleware checks the raw bytes before any view or form reads them and
answers 400 with the field that failed, so nothing is stored that the client did not send. A
U+FFFD the client really sent (`%EF%BF%BD`) is text like any other and passes.

JSON bodies need nothing here: DRF's parser decodes strictly and answers 400 itself.
"""

import codecs
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from newsdesk.error_pages import error_response

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def undecodable_pair(raw: bytes, encoding: str) -> str | None:
    """The name of the first field of a query string or urlencoded body that does not decode.

    Split like Django's QueryDict (on "&", "+" is a space) so the name shown is the field's.
    """
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        name, value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (name, value))
        if not (_decodes(name, encoding) and _decodes(value, encoding)):
            return name.decode(encoding, "replace")[:100]
    return None


def undecodable_multipart_field(
    fields: Iterable[tuple[str, list[str]]], *, body: bytes, encoding: str
) -> str | None:
    """The first multipart field whose value Django had to repair.

    Django's multipart parser has replaced undecodable bytes by U+FFFD by the time the fields
    can be read, so a field holding U+FFFD is checked against the raw body: a U+FFFD the client
    sent is in the body as encoded text; a repaired one is not.
    """
    for name, values in fields:
        for text in (name, *values):
            if "\ufffd" not in text:
                continue
            try:
                sent = text.encode(encoding)
            except UnicodeEncodeError:  # the declared charset cannot even carry U+FFFD
                return name[:100]
            if sent not in body:
                return name[:100]
    return None


def _query_bytes(request: HttpRequest) -> bytes:
    query = request.META.get("QUERY_STRING", "")
    try:
        return query.encode("iso-8859-1")  # WSGI hands the raw bytes over as Latin-1
    except UnicodeEncodeError:
        return query.encode("utf-8")


def _refuse(request: HttpRequest, *, where: str, field: str, encoding: str) -> HttpResponse:
    charset = codecs.lookup(encoding).name.upper()
    detail = (
        f"{where} “{field}” is not valid {charset} text, so it was refused rather than "
        "changed. Nothing was saved: retype the text and send it again."
    )
    return error_response(
        request, status=400, detail=detail, code="invalid_encoding", template="400.html"
    )


class UndecodableInputMiddleware:
    """Before the views: a query string or form body that does not decode is a 400.

    Sits after RequestSizeLimitMiddleware, so an oversized body is refused before it is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        encoding = request.encoding or settings.DEFAULT_CHARSET
        field = undecodable_pair(_query_bytes(request), encoding)
        if field is not None:
            return _refuse(request, where="The address's parameter", field=field, encoding=encoding)
        content_type = request.content_type or ""
        if content_type == URLENCODED:
            field = undecodable_pair(request.body, encoding)
        elif content_type == MULTIPART and request.method == "POST":
            body = request.body  # read first: once parsed, the stream is gone
            field = undecodable_multipart_field(request.POST.lists(), body=body, encoding=encoding)
        if field is not None:
            return _refuse(request, where="The form field", field=field, encoding=encoding)
        return self.get_response(request)
