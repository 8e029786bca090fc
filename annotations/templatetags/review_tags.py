"""Renders an untrusted article body with its quotes highlighted in place.

The body is never treated as markup: it is sliced on quote offsets and every slice is escaped.
Each text slice carries `data-offset` (its start in the body) so that the browser can map a
selection back to exact character offsets. Invisible and direction-changing characters
(annotations/invisible.py) are shown as markers between the slices, never inside one, so the
offsets of the text around them stay exact.

`reveal_invisible` is the filter for every other place that shows stored text:
`{{ quote.text|reveal_invisible }}`. It escapes like autoescaping does and marks those
characters; use it on element content only, never inside an attribute.

The strings are built with `html.escape` and f-strings rather than `format_html`: a long article
has hundreds of slices, and every interpolated value below is escaped or an integer.
"""

import re
from collections.abc import Sequence
from html import escape

from django import template
from django.utils.safestring import SafeData, SafeString, mark_safe

from annotations import invisible
from annotations.views.review_rows import QuoteRow, text_html

register = template.Library()

# Only visible blanks: \s would also swallow U+2028 or a control character into the break.
PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n[ \t\r\n]*")


def _segment(text: str, offset: int) -> str:
    # A carriage return would be folded into a newline by the HTML parser and shift every
    # offset after it; as a character reference it survives parsing.
    return (
        f'<span class="seg" data-offset="{offset}">{escape(text).replace(chr(13), "&#13;")}</span>'
    )


def _text(text: str, offset: int) -> str:
    """One slice of the body, starting at `offset` (the one place body text becomes HTML).

    Each invisible character becomes a marker between segments, not inside one: its symbol is
    longer than the one character it stands for, and the browser counts a segment's text to
    find offsets.
    """
    if not invisible.INVISIBLE.search(text):
        return _segment(text, offset)
    pieces = []
    position = 0
    for found in invisible.INVISIBLE.finditer(text):
        if found.start() > position:
            pieces.append(_segment(text[position : found.start()], offset + position))
        pieces.append(invisible.invisible_marker(found.group()))
        position = found.end()
    if len(text) > position:
        pieces.append(_segment(text[position:], offset + position))
    return "".join(pieces)


def _highlight(row: QuoteRow, oob: bool = False) -> str:
    changed = " hl-changed" if row.anchor == "changed" else ""
    swap = ' hx-swap-oob="outerHTML"' if oob else ""
    # An inline quote's text is body[start:end] (the anchor triggers check it at every commit).
    return (
        f'<mark id="hl-{row.pk}" class="hl hl-{escape(row.status)}{changed}" data-quote="{row.pk}"'
        f' role="group" aria-label="{escape(row.highlight_label)}"{swap}>'
        f'<span class="hl-tag" aria-hidden="true">{row.status_icon}{"!" if changed else ""}</span>'
        f"{_text(row.text, row.start)}"
        f'<span class="hl-speaker" aria-hidden="true">{text_html(row.speaker_label)}</span></mark>'
    )


@register.simple_tag
def render_highlight(row: QuoteRow, oob: bool = False) -> SafeString:
    return mark_safe(_highlight(row, oob))  # noqa: S308 - built from escaped parts


def _plain(body: str, start: int, end: int, paragraphs: list[list[str]]) -> None:
    """Append body[start:end] to the current paragraph, opening new ones at blank lines."""
    position = start
    for match in PARAGRAPH_BREAK.finditer(body, start, end):
        if match.start() > position:
            paragraphs[-1].append(_text(body[position : match.start()], position))
        paragraphs.append([])
        position = match.end()
    if end > position:
        paragraphs[-1].append(_text(body[position:end], position))


@register.simple_tag
def render_article_body(body: str, rows: Sequence[QuoteRow]) -> SafeString:
    """The body as <p> paragraphs with every inline quote highlighted in place."""
    paragraphs: list[list[str]] = [[]]
    position = 0
    for row in sorted((r for r in rows if r.is_inline), key=lambda r: r.start):
        if row.end > len(body):
            continue  # never for an anchored quote; the list still shows it
        _plain(body, position, row.start, paragraphs)
        paragraphs[-1].append(_highlight(row))
        position = row.end
    _plain(body, position, len(body), paragraphs)
    return mark_safe(  # noqa: S308 - every piece was escaped above
        "\n".join(f"<p>{''.join(pieces)}</p>" for pieces in paragraphs if pieces)
    )


@register.filter(needs_autoescape=True)
def reveal_invisible(value: object, autoescape: bool = True) -> SafeString:
    """Stored text for the page, with invisible characters shown (see the module docstring)."""
    return invisible.reveal_invisible(
        str(value), escaped=isinstance(value, SafeData) or not autoescape
    )
