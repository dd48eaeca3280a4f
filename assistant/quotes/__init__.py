"""Quotation and attribution extraction ("who said what"); see docs/quotes.md."""

from .extract import MODEL, Quote, QuoteModelError, extract_quotes, load_nlp

__all__ = ["MODEL", "Quote", "QuoteModelError", "extract_quotes", "load_nlp"]
