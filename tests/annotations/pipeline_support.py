"""Helpers of the pipeline tests."""

from annotations.services.prehighlight import article_extract_quotes_batch


def prehighlight_one(*, article_id, revision, reclaim=False):
    """Pre-highlight one article revision as a batch of one; its result, or None if skipped."""
    result = article_extract_quotes_batch(pairs=[(article_id, revision)], reclaim=reclaim)
    return result.done[0] if result.done else None
