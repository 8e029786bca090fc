from celery import shared_task


@shared_task(name="annotations.article_prehighlight")
def article_prehighlight_task(article_id: int, revision: int) -> None:
    from annotations.services.prehighlight import article_extract_quotes

    article_extract_quotes(article_id=article_id, revision=revision)
