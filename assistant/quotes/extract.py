"""Who said what: quotations and attributions found with rules over a dependency parse.

    from assistant.quotes import extract_quotes
    for q in extract_quotes(text):
        print(q.speaker_resolved or q.speaker, q.cue, q.content, q.direct)

Pipeline (see docs/quotes.md), one module per pass, run in order by `extract_quotes`:
1. Quotation marks are paired on the raw text (`marks.quote_spans`), curly and straight,
   following quotes across paragraphs.
2. Sentences are split with a regex; only those holding a quotation mark or a cue word
   ("said", "according", "warned", ... from `lexicon`) are parsed, by spaCy's small English
   pipeline without its lemmatizer (tagger + parser + NER). That keeps extraction well under
   the embedding cost of ingest. (`parse`, `article.ParsedArticle`)
3. Direct quotes (`direct`): a quotation followed by its attribution ("“…,” said X", "“…,” X
   said", "“…” ― X") or preceded by it ("X said: “…”", "X told reporters, “…”"); a quotation
   that follows an attributed one in the same paragraph ("“…,” he said. “…”") belongs to the
   same speaker. The content is the quotation, marks included.
4. Indirect attributions (`indirect`, `content`): a cue verb with a subject and a complement
   clause ("X said (that) …", "…, X said"), an object ("X accused Y of …", "X called on Y to
   …"), "according to X", participles of a reported statement ("X issued a statement calling
   on …"), "X: …" headlines. The content is the complement's span.
5. Speakers (`resolve`): the subject's phrase as written; pronouns and descriptions ("he",
   "the official") are resolved to the last fitting named speaker or a "Title Name" mention.

`direct` is True when the content carries quotation marks, i.e. when some or all of it is
the speaker's own words — the definition PolNeAR's evaluation uses.
"""

from __future__ import annotations

from ..errors import QuoteModelError
from .article import ParsedArticle, Quote
from .direct import carried_on_quotations, direct_quotes, framed_quotations
from .indirect import headline_quote, indirect_quotes
from .parse import MODEL, load_nlp
from .resolve import resolve

__all__ = ["MODEL", "Quote", "QuoteModelError", "extract_quotes", "load_nlp"]

# spaces of every width, and the invisible marks (zero-width, bidi controls, BOM) that web
# copy leaves before quotation marks
_SPACES = str.maketrans({c: " " for c in "\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                         "\u2007\u2008\u2009\u200a\u202f\u205f\u3000\u200b\u200c\u200d"
                         "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                         "\u2069\ufeff"})


def extract_quotes(text: str, nlp=None) -> list[Quote]:
    """Every attribution in `text`, in reading order (see the module docstring)."""
    if not text or not text.strip():
        return []
    nlp = nlp or load_nlp()
    # the rules see every kind of space as a plain one; lengths, hence offsets, are kept
    art = ParsedArticle(text.translate(_SPACES), nlp)
    attributed, consumed = framed_quotations(art)
    indirect = indirect_quotes(art, consumed)
    carried_on_quotations(art, attributed, indirect)
    quotes = direct_quotes(art, attributed)
    direct_spans = [(q.start, q.end) for q in quotes]
    quotes.extend(q for q, _ in indirect)
    headline = headline_quote(art)
    if headline is not None:
        quotes.append(headline)
    quotes = _dedupe(quotes, direct_spans)
    resolve(quotes, art.text, art.parsed)
    for q in quotes:  # as written, not as normalised
        q.content = text[q.start:q.end]
        q.speaker = text[q.speaker_start:q.speaker_end]
    return quotes


_POSSESSIVES = {"his", "her", "their", "its"}


def _dedupe(quotes: list[Quote], direct_spans) -> list[Quote]:
    """Drop indirect contents that repeat a direct quote, exact duplicates, a noun cue
    owned by a pronoun inside another attribution's words ("Durant expressed his belief
    that …": the belief is Durant's, already listed), and an attribution nested in another's
    content ("Trump said Cameron cast him as “divisive” for proposing a ban": the reader is
    told what Trump said; the nested "proposing a ban" is mostly a bare object, and PolNeAR's
    annotators, like readers, count the outer claim only: on train, 885 of the 1,069 nested
    ones matched no gold attribution)."""
    out: list[Quote] = []
    seen = set()
    for q in sorted(quotes, key=lambda q: (q.start, q.end)):
        key = (q.start, q.end)
        if key in seen:
            continue
        if q.speaker.lower() in _POSSESSIVES and any(
                o is not q and o.start <= q.speaker_start and q.end <= o.end for o in quotes):
            continue
        if (q.start, q.end) not in direct_spans:
            dup = False
            for s, e in direct_spans:
                inter = min(e, q.end) - max(s, q.start)
                if inter > 0 and inter >= 0.5 * (max(e, q.end) - min(s, q.start)):
                    dup = True
                    break
            if dup:
                continue
        seen.add(key)
        out.append(q)
    return [q for q in out if not any(
        o is not q and o.start <= q.start and q.end <= o.end and o.end - o.start > q.end - q.start
        for o in out)]
