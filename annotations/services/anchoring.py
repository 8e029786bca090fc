from django.db import transaction

from annotations.models import Article, Quote


@transaction.atomic
def article_reanchor_quotes(*, article: Article, old_body: str) -> None:
    """Re-find every quote of the article in its new body; never drop one.

    Exact position first, then the exact text; a quote that cannot be found is orphaned.
    """
    body = article.body
    for quote in Quote.objects.select_for_update().filter(article=article).exclude(
        anchor=Quote.Anchor.ORPHANED
    ):
        if body[quote.start : quote.end] == quote.text:
            continue
        position = body.find(quote.text)
        if position >= 0:
            quote.start, quote.end = position, position + len(quote.text)
            quote.save(update_fields=["start", "end", "updated_at"])
        else:
            quote.anchor = Quote.Anchor.ORPHANED
            quote.anchor_note = "The quoted text is no longer in the article body."
            quote.save(update_fields=["anchor", "anchor_note", "updated_at"])
