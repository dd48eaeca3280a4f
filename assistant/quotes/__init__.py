"""Quotation and attribution extraction ("who said what"); see docs/quotes.md."""

from .extract import MODEL, Quote, QuoteModelError, extract_quotes, load_nlp

# The extraction rules' version, stored with each article's quotes: bump it when a change to
# the rules changes what comes out, so that indexes built before say so (`assistant articles
# stats`, the ingest summary) until `assistant quotes --rebuild` redoes them.
RULES = 4

__all__ = ["MODEL", "RULES", "Quote", "QuoteModelError", "extract_quotes", "load_nlp"]
