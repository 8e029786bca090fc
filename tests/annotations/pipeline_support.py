"""Helpers of the pipeline tests."""

from annotations.services.prehighlight import article_extract_quotes_batch


def prehighlight_one(*, article_id, revision, token=None):
    """Pre-highlight one article revision as a batch of one; its result, or None if skipped.

    `token` names the claim's holder, as a Celery task's id does: the same token takes its own
    running claim back (a retry); None claims only what is free.
    """
    result = article_extract_quotes_batch(pairs=[(article_id, revision)], token=token)
    return result.done[0] if result.done else None
