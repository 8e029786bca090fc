"""What the review desk's templates read: frozen quote rows and the page's one action panel.

In the spirit of Django admin's helpers.py: the views build these from selector reads, and the
templates print them. Nothing is set onto model instances. Strings are composed here rather than
in the templates because the template engine pays per node, and a long article has hundreds of
rows.
"""

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from annotations.forms import ReviewForm, SpanFixForm, SpeakerForm
from annotations.invisible import reveal_invisible, reveal_invisible_plain
from annotations.models import Quote, Review
from annotations.representations import quote_role_at_time
from annotations.selectors.families import FamilyCard
from annotations.selectors.review import QuoteSpan
from annotations.selectors.speakers import role_title

STATUS_ICONS: dict[str, str] = {
    Quote.Status.CANDIDATE: "?",
    Quote.Status.VERIFIED: "✓",
    Quote.Status.DISPUTED: "✗",
    Quote.Status.NOT_A_QUOTE: "⊘",
}
STATUS_LABELS: dict[str, str] = dict(Quote.Status.choices)
ORIGIN_LABELS: dict[str, str] = dict(Quote.Origin.choices)
REASON_LABELS: dict[str, str] = dict(Quote.DisputeReason.choices)


def pk_url(name: str) -> Callable[[int | str], str]:
    """`reverse(name, args=[pk])` for many pks at the cost of one reverse()."""
    head, tail = reverse(name, args=[0]).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def inline_quote_ids(spans: Iterable[QuoteSpan]) -> set[int]:
    """Which quotes are highlighted in the text: not orphaned, and not overlapping an earlier one.

    Overlapping or nested quotes are skipped inline (the list still shows every quote), so one
    highlight never has to be cut into pieces.
    """
    inline: set[int] = set()
    last_end = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.pk)):
        if span.anchor == Quote.Anchor.ORPHANED or span.start < last_end:
            continue
        inline.add(span.pk)
        last_end = span.end
    return inline


def speaker_label(quote: Quote) -> str:
    if quote.speaker is not None:
        return quote.speaker.name
    if quote.speaker_mention:
        return f"{quote.speaker_mention} (proposed)"
    return "unknown speaker"


def text_html(text: str) -> str:
    """Stored, untrusted text as HTML: the one place the row markup below turns text into HTML.

    Escaped, with invisible and direction-changing characters shown as markers
    (annotations/invisible.py), so a quote can never read differently from what is stored.
    """
    return str(reveal_invisible(text))


def _markup(html: str) -> str:
    """Markup built in this module: every value in it went through text_html() or escape(), or
    is a number, a constant or a reversed URL."""
    return mark_safe(html)  # noqa: S308 - see the docstring


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """One quote as a row of the desk, and its highlight in the text.

    The first fields are the quote's state, for Python and the action panel. The markup fields
    are what partials/quote_row.html prints for every row, built and escaped here once: the
    template engine pays per node (and more for a number than for a string), and a long
    article has hundreds of rows.
    """

    pk: int
    status: str
    status_label: str  # "Not a quote"
    version: int
    anchor: str
    start: int
    end: int
    text: str  # untrusted; the template escapes it
    speaker: str  # the registry name; "" without one
    mention: str  # the extractor's proposal, shown while no registry speaker is set
    speaker_label: str  # the speaker as labels and announcements name it
    is_inline: bool  # highlighted in the text (not orphaned, not overlapping an earlier one)
    can_undo: bool  # the last change to the quote is the user's decision
    banner: str  # why an action on this quote was refused; untrusted parts, escaped by the template
    # Markup (SafeString)
    key: str  # "12", for ids
    classes: str  # "status-verified anchor-anchored"
    data_attributes: str  # data-quote, -status, -version, and -panel (JSON for review.js)
    badge: str  # the status badge: icon and label
    speaker_html: str  # name and title, the proposal, or "No speaker"; then the status, hidden
    meta: str  # "#12 · version 3 · machine candidate (0.90) · last changed by …"
    anchor_note: str  # why the quote needs another look (changed, orphaned, overlapping), or ""
    verdict: str  # the decision in force: the dispute reason, its note and evidence links, or ""
    url: str  # the article page with this quote selected
    speaker_url: str
    history_url: str
    history_label: str
    # The extractor's title beside the name, offered as a role of the speaker (issue 16): "" when
    # there is none, no speaker to give it to, or it was confirmed or ignored.
    title_proposal: str = ""
    proposal_start: str = ""  # the article's date, YYYY-MM-DD: the role's prefilled start
    title_proposal_url: str = ""
    speaker_page_url: str = ""  # /speakers/<id>/ of the registry speaker
    # Same-name speakers the mention may mean, (id, name, role on the article's date): the card
    # asks the editor to choose instead of guessing (issue 16).
    namesakes: tuple[tuple[int, str, str], ...] = ()
    # The same words in other articles (partials/quote_family.html), or None.
    family: FamilyCard | None = None

    @property
    def status_icon(self) -> str:
        return STATUS_ICONS[self.status]

    @property
    def highlight_label(self) -> str:
        label = f"Quote by {self.speaker_label}, {self.status_label.lower()}"
        return label + (", quoted text changed" if self.anchor == Quote.Anchor.CHANGED else "")

    @property
    def panel_label(self) -> str:
        return f"#{self.pk} · {self.speaker_label} · {self.status_label.lower()}"


# Below this confidence an untouched machine candidate says "speaker uncertain". The
# extractor's confidence is a calibrated probability that span and speaker are both right; on
# the split it was not fitted on, candidates at or above 0.8 were right about 95% of the time
# (docs/extraction.md), so editors can trust those and look twice at the rest.
UNCERTAIN_BELOW = 0.8


def speaker_uncertain(quote: Quote) -> bool:
    """A machine candidate no editor has changed (version 1) with a low confidence."""
    return (
        quote.origin == Quote.Origin.MACHINE
        and quote.status == Quote.Status.CANDIDATE
        and quote.version == 1
        and quote.confidence < UNCERTAIN_BELOW
    )


def _speaker_html(quote: Quote, status_label: str) -> str:
    speaker = quote.speaker
    if speaker is not None:
        html = text_html(speaker.name)
        # The role held on the article's date, never today's title (issue 16).
        title = role_title(quote_role_at_time(quote))
        if title:
            html += f'<span class="muted speaker-role">, {text_html(title)}</span>'
    elif quote.speaker_mention:
        html = f'<span class="proposed">Proposed: {text_html(quote.speaker_mention)}</span>'
    else:
        html = '<span class="muted">No speaker</span>'
    if speaker_uncertain(quote):
        html += (
            ' <span class="speaker-uncertain" title="The extractor is not sure of this speaker'
            f' (confidence {quote.confidence:.2f})">speaker uncertain</span>'
        )
    return f'{html}<span class="visually-hidden">, {status_label}</span>'


def _meta(quote: Quote) -> str:
    meta = f"#{quote.pk} · version {quote.version} · {ORIGIN_LABELS[quote.origin].lower()}"
    if quote.origin == Quote.Origin.MACHINE:
        meta += f" ({quote.confidence:.2f})"
    if quote.updated_by is not None:
        at = timezone.localtime(quote.updated_at)
        meta += (
            f" · last changed by <strong>{text_html(quote.updated_by.get_username())}</strong>"
            f' <time datetime="{at.isoformat()}">{at:%Y-%m-%d %H:%M:%S}</time>'
        )
    return meta


def _verdict(quote: Quote, decided: Review | None) -> str:
    """The reason, note and evidence of the decision in force, on the card itself."""
    if decided is not None:
        note, evidence = decided.note, list(decided.evidence)
    else:
        found = quote.verdict or {}  # type: ignore[attr-defined]
        note, evidence = found.get("note", ""), found.get("evidence") or []
    reason = REASON_LABELS.get(quote.dispute_reason, "")
    if not (reason or note or evidence):
        return ""
    html = '<div class="verdict" data-verdict>'
    if reason:
        html += (
            f'<p class="dispute-reason" data-dispute-reason="{escape(quote.dispute_reason)}">'
            f"<strong>Reason:</strong> {escape(reason)}</p>"
        )
    if note:
        html += f'<p class="verdict-note"><strong>Note:</strong> {text_html(note)}</p>'
    if evidence:
        links = "".join(
            f'<li><a href="{escape(link)}" rel="noopener noreferrer nofollow" target="_blank">'
            f"{text_html(link)}</a></li>"
            for link in evidence
        )
        html += f'<ul class="evidence" aria-label="Evidence">{links}</ul>'
    return html + "</div>"


def _anchor_note(quote: Quote, *, is_inline: bool) -> str:
    if quote.anchor == Quote.Anchor.CHANGED:
        note = quote.anchor_note or "the article was edited here; check the quote again."
        return (
            '<p class="anchor-note anchor-note-changed"><strong>⚠ Quoted text changed:</strong> '
            f"{text_html(note)}</p>"
        )
    if quote.anchor == Quote.Anchor.ORPHANED:
        note = quote.anchor_note or "no longer found in the article text."
        return (
            '<p class="anchor-note anchor-note-orphaned"><strong>Orphaned:</strong> '
            f"{text_html(note)}</p>"
        )
    if not is_inline:
        return (
            '<p class="anchor-note muted">'
            "Overlaps another quote, so it is not highlighted in the text.</p>"
        )
    return ""


class RowBuilder:
    """Builds the rows of one article for one request, with its URLs reversed once."""

    def __init__(self, *, article_id: int) -> None:
        self.article_url = reverse("annotations:article_detail", args=[article_id])
        self.speaker_url = pk_url("annotations:quote_speaker")
        self.history_url = pk_url("annotations:quote_history")
        self.title_proposal_url = pk_url("annotations:quote_title_proposal")
        self.speaker_page_url = pk_url("annotations:speaker_detail")

    def row(
        self,
        quote: Quote,
        *,
        inline: Collection[int],
        banner: str = "",
        decided: Review | None = None,
        family: FamilyCard | None = None,
    ) -> QuoteRow:
        """The row of `quote` as a selector of selectors/review.py read it.

        `decided` is the user's decision the service just wrote onto `quote` (which is not read
        back): it adds to the history, and it is the user's to undo.
        """
        pk, status, anchor = quote.pk, quote.status, quote.anchor
        status_label = STATUS_LABELS[status]
        n_reviews: int = quote.n_reviews  # type: ignore[attr-defined]
        can_undo: bool = decided is not None or quote.can_undo  # type: ignore[attr-defined]
        if decided is not None:
            n_reviews += 1
        is_inline = pk in inline
        speaker = quote.speaker
        mention = "" if speaker else quote.speaker_mention
        label = speaker_label(quote)
        panel = {
            # review.js writes it with textContent: invisible characters spelled out, as in a
            # CSV export, so a proposed name cannot reorder the panel's heading.
            "label": reveal_invisible_plain(f"#{pk} · {label} · {status_label.lower()}"),
            "start": quote.start,
            "end": quote.end,
            "mention": mention,
            "speaker": speaker is not None,
            "undo": can_undo,
        }
        return QuoteRow(
            pk=pk,
            status=status,
            status_label=status_label,
            version=quote.version,
            anchor=anchor,
            start=quote.start,
            end=quote.end,
            text=quote.text,
            speaker=speaker.name if speaker else "",
            mention=mention,
            speaker_label=label,
            is_inline=is_inline,
            can_undo=can_undo,
            banner=banner,
            key=_markup(str(pk)),
            classes=_markup(f"status-{escape(status)} anchor-{escape(anchor)}"),
            data_attributes=_markup(
                f'data-quote="{pk}" data-status="{escape(status)}" '
                f'data-version="{quote.version}" data-panel="{escape(json.dumps(panel))}"'
            ),
            badge=_markup(
                f'<span class="status-badge status-{escape(status)}">'
                f'<span aria-hidden="true">{STATUS_ICONS[status]}</span> {status_label}</span>'
            ),
            speaker_html=_markup(_speaker_html(quote, status_label)),
            meta=_markup(_meta(quote)),
            anchor_note=_markup(_anchor_note(quote, is_inline=is_inline)),
            verdict=_markup(_verdict(quote, decided)),
            url=_markup(f"{self.article_url}?quote={pk}#quote-{pk}"),
            speaker_url=_markup(self.speaker_url(pk)),
            history_url=_markup(self.history_url(pk)),
            history_label=_markup(f"History ({n_reviews})" if n_reviews else "History"),
            speaker_page_url=self.speaker_page_url(speaker.pk) if speaker else "",
            namesakes=tuple(
                (int(pk), str(name), str(title))
                for pk, name, title in getattr(quote, "namesakes", None) or ()
            ),
            family=family,
            **self._title_proposal(quote),
        )

    def _title_proposal(self, quote: Quote) -> dict[str, str]:
        if (
            quote.speaker is None
            or not quote.speaker_title
            or quote.speaker_title_status != Quote.TitleProposal.OPEN
        ):
            return {}
        day = getattr(quote, "article_day", None)
        return {
            "title_proposal": quote.speaker_title,
            "proposal_start": day.isoformat() if day else "",
            "title_proposal_url": self.title_proposal_url(quote.pk),
        }

    def rows(
        self,
        quotes: Iterable[Quote],
        *,
        inline: Collection[int],
        families: Mapping[int, FamilyCard] | None = None,
    ) -> list[QuoteRow]:
        families = families or {}
        return [self.row(quote, inline=inline, family=families.get(quote.pk)) for quote in quotes]


@dataclass(frozen=True)
class FormTarget:
    """Where a panel form posts: the selected quote's URL, and the pattern JavaScript fills in
    when the editor selects another quote."""

    url: str
    pattern: str

    @classmethod
    def of(cls, name: str, pk: int) -> "FormTarget":
        url = pk_url(name)
        return cls(url=url(pk), pattern=url("{pk}"))


@dataclass(frozen=True)
class ActionPanel:
    """The page's one copy of each action form, acting on the selected quote.

    A refused form comes back in its slot with the editor's input and its errors; the other
    slots hold fresh forms for the quote.
    """

    row: QuoteRow
    review: FormTarget
    undo: FormTarget
    speaker: FormTarget
    span: FormTarget
    review_form: ReviewForm
    speaker_form: SpeakerForm
    span_form: SpanFixForm
    open_speaker: bool = field(default=False)

    @property
    def open_span(self) -> bool:
        return self.span_form.is_bound


def action_panel(
    row: QuoteRow, *, refused: forms.Form | None = None, open_speaker: bool = False
) -> ActionPanel:
    review_form = refused if isinstance(refused, ReviewForm) else ReviewForm()
    speaker_form = (
        refused if isinstance(refused, SpeakerForm) else SpeakerForm(initial={"name": row.mention})
    )
    span_form = (
        refused
        if isinstance(refused, SpanFixForm)
        else SpanFixForm(initial={"start": row.start, "end": row.end})
    )
    return ActionPanel(
        row=row,
        review=FormTarget.of("annotations:quote_review", row.pk),
        undo=FormTarget.of("annotations:quote_undo", row.pk),
        speaker=FormTarget.of("annotations:quote_speaker", row.pk),
        span=FormTarget.of("annotations:quote_span", row.pk),
        review_form=review_form,
        speaker_form=speaker_form,
        span_form=span_form,
        open_speaker=open_speaker or speaker_form.is_bound,
    )


def selected_row(rows: list[QuoteRow], pk: int | None) -> QuoteRow | None:
    """The quote the page acts on: the one asked for, else the first open one, else the first."""
    by_pk = {row.pk: row for row in rows}
    if pk is not None and pk in by_pk:
        return by_pk[pk]
    return next((row for row in rows if row.status == Quote.Status.CANDIDATE), None) or (
        rows[0] if rows else None
    )
