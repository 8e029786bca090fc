"""Renders an untrusted article body with its quotes highlighted in place.

The body is never treated as markup: it is sliced on quote offsets and every slice is escaped.
Each text slice carries `data-offset` (its start in the body) so that the browser can map a
selection back to exact character offsets. Invisible and direction-changing characters
(annotations/invisible.py) are shown as markers between the slices, never inside one, so the
offsets of the text around them stay exact.

`reveal_invisible` is the filter for every other place that shows stored text:
`{{ quote.text|reveal_invisible }}`. It escapes like autoescaping does and marks those
characters; use it on element content only, never inside an attribute.
"""

import re
from collections.abc import Iterable, Sequence

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

from annotations import invisible
from annotations.models import Quote

register = template.Library()

# Only visible blanks: \s would also swallow U+2028 or a control character into the break.
PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n[ \t\r\n]*")

STATUS_ICONS: dict[str, str] = {
    Quote.Status.CANDIDATE: "?",
    Quote.Status.VERIFIED: "✓",
    Quote.Status.DISPUTED: "✗",
    Quote.Status.NOT_A_QUOTE: "⊘",
}


def inline_quote_ids(*, body_length: int, spans: Iterable[tuple[int, int, int, str]]) -> set[int]:
    """Which quotes can be highlighted inline: anchored in range and not overlapping an earlier one.

    Overlapping or nested quotes are skipped inline (the list still shows every quote), so one
    highlight never has to be cut into pieces.
    """
    inline: set[int] = set()
    last_end = 0
    for pk, start, end, anchor in sorted(spans, key=lambda s: (s[1], -s[2], s[0])):
        if anchor == Quote.Anchor.ORPHANED or not 0 <= start < end <= body_length:
            continue
        if start < last_end:
            continue
        inline.add(pk)
        last_end = end
    return inline


def _segment(body: str, start: int, end: int) -> SafeString:
    # A carriage return would be folded into a newline by the HTML parser and shift every
    # offset after it; as a character reference it survives parsing.
    return format_html(
        '<span class="seg" data-offset="{}">{}</span>',
        start,
        mark_safe(escape(body[start:end]).replace("\r", "&#13;")),  # noqa: S308 - escaped above
    )


def _text(body: str, start: int, end: int) -> SafeString:
    """body[start:end] as segments, with each invisible character as a marker between them.

    A marker is not a segment: its symbol is longer than the one character it stands for, and
    the browser counts a segment's text to find offsets.
    """
    pieces = []
    position = start
    for found in invisible.INVISIBLE.finditer(body, start, end):
        if found.start() > position:
            pieces.append(_segment(body, position, found.start()))
        pieces.append(invisible.invisible_marker(found.group()))
        position = found.end()
    if end > position:
        pieces.append(_segment(body, position, end))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece was built by format_html


def speaker_label(quote: Quote) -> str:
    if quote.speaker is not None:
        return quote.speaker.name
    if quote.speaker_mention:
        return f"{quote.speaker_mention} (proposed)"
    return "unknown speaker"


def highlight_label(quote: Quote) -> str:
    label = f"Quote by {speaker_label(quote)}, {quote.get_status_display().lower()}"
    if quote.anchor == Quote.Anchor.CHANGED:
        label += ", quoted text changed"
    return label


@register.simple_tag
def render_highlight(body: str, quote: Quote, oob: bool = False) -> SafeString:
    classes = f"hl hl-{quote.status}" + (
        " hl-changed" if quote.anchor == Quote.Anchor.CHANGED else ""
    )
    return format_html(
        '<mark id="hl-{pk}" class="{classes}" data-quote="{pk}" role="group" aria-label="{label}"'
        "{oob}>"
        '<span class="hl-tag" aria-hidden="true">{icon}</span>{text}'
        '<span class="hl-speaker" aria-hidden="true">{speaker}</span></mark>',
        pk=quote.pk,
        classes=classes,
        label=invisible.reveal_invisible_plain(highlight_label(quote)),
        oob=mark_safe(' hx-swap-oob="outerHTML"') if oob else "",
        icon=STATUS_ICONS.get(quote.status, "?") + ("!" if quote.anchor == "changed" else ""),
        text=_text(body, quote.start, quote.end),
        speaker=invisible.reveal_invisible(speaker_label(quote)),
    )


def _plain(body: str, start: int, end: int, paragraphs: list[list[str]]) -> None:
    """Append body[start:end] to the current paragraph, opening new ones at blank lines."""
    position = start
    for match in PARAGRAPH_BREAK.finditer(body, start, end):
        if match.start() > position:
            paragraphs[-1].append(_text(body, position, match.start()))
        paragraphs.append([])
        position = match.end()
    if end > position:
        paragraphs[-1].append(_text(body, position, end))


@register.simple_tag
def render_article_body(body: str, quotes: Sequence[Quote]) -> SafeString:
    """The body as <p> paragraphs with every quote marked `is_inline` highlighted in place."""
    paragraphs: list[list[str]] = [[]]
    position = 0
    for quote in sorted(
        (q for q in quotes if getattr(q, "is_inline", False)), key=lambda q: q.start
    ):
        _plain(body, position, quote.start, paragraphs)
        paragraphs[-1].append(render_highlight(body, quote))
        position = quote.end
    _plain(body, position, len(body), paragraphs)
    return mark_safe(  # noqa: S308 - every piece was built by format_html above
        "\n".join(f"<p>{''.join(pieces)}</p>" for pieces in paragraphs if pieces)
    )


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, "?")


@register.filter(needs_autoescape=True)
def reveal_invisible(value: object, autoescape: bool = True) -> SafeString:
    """Stored text for the page, with invisible characters shown (see the module docstring)."""
    return invisible.reveal_invisible(
        str(value), escaped=isinstance(value, SafeData) or not autoescape
    )
