"""What the passes share: `Quote`, the attribution they produce, and `ParsedArticle`, one
article's quotation spans, sentences and parses with the lookups the rules ask of them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass

from .lexicon import CUE_WORDS
from .marks import has_marks, paragraphs, quote_spans, sentences, single_style
from .parse import (Parsed, char_span, has_perfect, participle_subject, passive, speaker_tokens,
                    subject)


@dataclass
class Quote:
    speaker: str
    speaker_start: int
    speaker_end: int
    cue: str
    content: str
    start: int
    end: int
    direct: bool
    speaker_resolved: str = ""
    # says something (a clause or a quotation), not a bare noun phrase ("denied the
    # report"): PolNeAR counts both; a who-said answer lists statements only
    statement: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


class ParsedArticle:
    """One article's text (spaces already normalised), its quotation spans cut into
    paragraph pieces, its sentences, and the parses of those that can hold an attribution:
    the ones with a quotation mark or a cue word."""

    def __init__(self, text: str, nlp):
        self.text = text
        self.single = single_style(text)  # British ‘…’ quotes
        # a quotation running over several paragraphs is handled paragraph by paragraph: each
        # piece may carry its own attribution ("X said: “A.\n\n“B,” he added.")
        self.qspans, self.parent = paragraph_pieces(text, quote_spans(text, self.single))
        self._qstarts = [s for s, _ in self.qspans]
        self.sents = sentences(text)
        self._sent_starts = [s for s, _ in self.sents]
        cand = [i for i, (s, e) in enumerate(self.sents)
                if self.marked(text[s:e]) or CUE_WORDS.search(text, s, e)]
        self.parsed: dict[int, Parsed] = {}
        for i, doc in zip(cand, nlp.pipe([text[self.sents[i][0]:self.sents[i][1]] for i in cand],
                                         batch_size=64)):
            self.parsed[i] = Parsed(doc, self.sents[i][0], self.sents[i][1])
        self.paras = paragraphs(text)
        self._para_starts = [s for s, _ in self.paras]

    def marked(self, s: str) -> bool:
        """Whether s carries quotation marks (of this article's style)."""
        return has_marks(s, self.single)

    def in_quote(self, pos: int) -> int:
        """Index of the quotation piece holding character pos, or -1."""
        i = bisect.bisect_right(self._qstarts, pos) - 1
        return i if i >= 0 and self.qspans[i][0] <= pos < self.qspans[i][1] else -1

    def sent_at(self, pos: int) -> int:
        """Index of the sentence holding character pos."""
        return max(0, bisect.bisect_right(self._sent_starts, pos) - 1)

    def sent_end(self, pos: int) -> int:
        """Where the sentence holding character pos ends."""
        return self.sents[self.sent_at(pos)][1]

    def paras_start(self, pos: int) -> int:
        """Where the paragraph holding character pos starts."""
        if not self.paras:
            return 0
        return self._para_starts[max(0, bisect.bisect_right(self._para_starts, pos) - 1)]

    def speaker_of(self, p: Parsed, v):
        """(speaker as written, start, end) of cue verb v in sentence p, or None; never a
        phrase inside a quotation."""
        subj, _ = subject(v)
        if subj is None or self.in_quote(p.off + subj.idx) >= 0:
            subj = participle_subject(v)
        if subj is None:
            return None
        rng = speaker_tokens(subj)
        if rng is None:
            return None
        s, e = char_span(p.doc, rng[0], rng[1], p.off)
        if self.in_quote(s) >= 0:
            return None
        if subj.dep_ == "nsubjpass" and subj.head.i == v.i and not has_perfect(v) or passive(v):
            # "Trump was accused of lying", "He left office …, and is largely credited for
            # lifting millions": said of him, by no one named; kept as an attribution
            # (PolNeAR counts it), with no speaker to list it under ("asked by Y": Y asks)
            return "", s, s
        return self.text[s:e], s, e


def paragraph_pieces(text: str, spans):
    """Quotation spans cut at paragraph breaks, and the index of the span each came from."""
    pieces, parent = [], []
    for k, (s, e) in enumerate(spans):
        pos = s
        for m in re.finditer(r"\s*\n\s*", text[s:e]):
            if m.start() > 0 and re.search(r"\w", text[pos:s + m.start()]):
                pieces.append((pos, s + m.start()))
                parent.append(k)
            pos = s + m.end()
        if re.search(r"\w", text[pos:e]):
            pieces.append((pos, e))
            parent.append(k)
    return pieces, parent
