"""Quotation extraction for news text. Standard library only."""

from .quotes import extract_quotes
from .types import QuoteCandidate, SpeakerRecord

__all__ = ["QuoteCandidate", "SpeakerRecord", "extract_quotes"]
