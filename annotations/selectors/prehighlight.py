from annotations.models import Article, Quote, SpeakerAlias, normalize_alias


def speaker_proposals_for_article(*, article: Article) -> list[str]:
    """Speaker names found in the article that match no known speaker, for 'create speaker'.

    Names that have gained a speaker since extraction ran are left out.
    """
    mentions = (
        Quote.objects.filter(article=article, speaker__isnull=True)
        .exclude(speaker_mention="")
        .exclude(status=Quote.Status.NOT_A_QUOTE)
        .values_list("speaker_mention", flat=True)
        .distinct()
        .order_by("speaker_mention")
    )
    by_normalized: dict[str, str] = {}
    for mention in mentions:
        by_normalized.setdefault(normalize_alias(mention), mention)
    known = set(
        SpeakerAlias.objects.filter(normalized__in=list(by_normalized)).values_list(
            "normalized", flat=True
        )
    )
    return [mention for key, mention in by_normalized.items() if key not in known]
