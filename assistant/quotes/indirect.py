"""Indirect attributions: a cue verb with its speaker and content ("X said (that) …", "…, X
said", "X accused Y of …"), "according to X", cue nouns ("X's claim that …"), and "X: …"
headlines. The content is a span of the cue's sentence (content.py), stretched over the
quotations it touches.
"""

from __future__ import annotations

import re

from .article import ParsedArticle, Quote
from .content import according_to, content_of, noun_cue
from .lexicon import CUE_WORDS, FORM_TO_LEMMA, NOUN_FORMS, QUOTE_ONLY
from .parse import SUBJ, Parsed, char_span, cue_text, is_cue, is_verb, speaker_tokens, trimmed

_MARK_CHARS = "“”„\"'‘’"
_JOINER = re.compile(r"[\s,;]*(?:(?:but|and|because|as)\s+)?")
_HEADLINE = re.compile(r"([A-Z][\w.’'&-]*(?: [\w.’'&-]+){0,4}):\s+(\S.{10,}?)[.!?]?\s*$")
_NOT_SPEAKERS = {"the latest", "update", "watch", "video", "exclusive", "breaking", "live",
                 "analysis", "opinion", "photos", "review", "poll", "editorial", "report"}


def indirect_quotes(art: ParsedArticle, consumed: set[tuple[int, int]]
                    ) -> list[tuple[Quote, int]]:
    """(quote, end of its sentence) for every cue of the parsed sentences, in reading order;
    `consumed`: the (sentence, token) of cues the direct pass already used."""
    indirect: list[tuple[Quote, int]] = []
    for si, p in art.parsed.items():
        for v in p.doc:
            if v.lower_ in NOUN_FORMS and v.tag_ in ("NN", "NNS"):
                found = _noun_quote(art, p, v)
            elif not is_cue(v) or (si, v.i) in consumed or art.in_quote(p.off + v.idx) >= 0:
                continue
            elif v.lower_ not in FORM_TO_LEMMA:
                continue  # "as X put it" frames only a quotation (the direct pass's)
            elif FORM_TO_LEMMA[v.lower_] == "according":
                found = _according_quote(art, p, v)
            else:
                found = _verb_quote(art, p, v, FORM_TO_LEMMA[v.lower_])
            if found is not None:
                indirect.append(found)
    return indirect


def headline_quote(art: ParsedArticle) -> Quote | None:
    """"X: …" as the article's first paragraph, when X is no cue or rubric ("Watch: …")."""
    if not art.paras:
        return None
    text = art.text
    ps, pe = art.paras[0]
    m = _HEADLINE.match(text, ps, pe)
    if m and len(text[ps:pe]) < 200 and not CUE_WORDS.fullmatch(m.group(1)) and \
            m.group(1).lower() not in _NOT_SPEAKERS:
        return Quote(m.group(1), m.start(1), m.end(1), ":", m.group(2), m.start(2), m.end(2),
                     art.marked(m.group(2)))
    return None


def _noun_quote(art: ParsedArticle, p: Parsed, v):
    """"X's claim that …", "X issued a warning that …"."""
    res = noun_cue(v)
    if res is None or art.in_quote(p.off + v.idx) >= 0:
        return None
    spk_tok, (lo, hi) = res
    s_rng = speaker_tokens(spk_tok)
    if s_rng is None:
        return None
    text = art.text
    ss, se = char_span(p.doc, s_rng[0], s_rng[1], p.off)
    cs, ce = char_span(p.doc, lo, hi, p.off)
    return (Quote(text[ss:se], ss, se, v.text, text[cs:ce], cs, ce, art.marked(text[cs:ce])),
            max(p.end, ce))


def _according_quote(art: ParsedArticle, p: Parsed, v):
    """According to X, Y. / Y, according to X."""
    res = according_to(v)
    if res is None:
        return None
    src, content = res
    s_rng = speaker_tokens(src)
    if s_rng is None:
        return None
    text = art.text
    ss, se = char_span(p.doc, s_rng[0], s_rng[1], p.off)
    cs, ce = char_span(p.doc, content[0], content[1], p.off)
    if art.in_quote(ss) >= 0:
        return None
    cs, ce = _fit_quotations(art, p, p.off + v.idx, cs, ce)
    return (Quote(text[ss:se], ss, se, "according to", text[cs:ce], cs, ce,
                  art.marked(text[cs:ce])), p.end)


def _verb_quote(art: ParsedArticle, p: Parsed, v, lemma: str):
    """A cue verb with a speaker and a content: "X said (that) …", "…, X said"."""
    if not is_verb(v):
        return None
    if lemma in QUOTE_ONLY:
        return None
    if lemma == "cite" and any(c.lower_ == "as" for c in v.children):
        return None  # "X cited Y as saying …": the saying verb carries it
    content = content_of(v, lemma, lambda t: art.in_quote(p.off + t.idx) >= 0)
    if content is None:
        return None
    statement = _a_statement(v, content, art, p)
    spk = art.speaker_of(p, v)
    if spk is None:
        return None
    text, doc = art.text, p.doc
    vpos = p.off + v.idx
    cs, ce = char_span(doc, content[0], content[1], p.off)
    if spk[1] < ce and cs < spk[2] and not cs < vpos < ce:
        return None  # the speaker inside what was said, unless the cue is parenthetical
    # "But without …, Ms. Gedrich said, she thought …": the content surrounds the cue
    if cs > vpos and "," in text[vpos:cs] and spk[1] > p.start:
        before = text[p.start:spk[1]].rstrip()
        if before.endswith(",") and len(before.split()) >= 3 and art.in_quote(spk[1]) < 0:
            lead = trimmed(doc[0:content[0]])
            if lead is not None:
                cs = p.off + doc[lead[0]].idx
    cs, ce = _fit_quotations(art, p, vpos, cs, ce)
    cue = cue_text(v, text, p.off)[0]
    return (Quote(spk[0], spk[1], spk[2], cue, text[cs:ce], cs, ce, art.marked(text[cs:ce]),
                  statement=statement), max(p.end, ce))


def _a_statement(v, content: tuple[int, int], art: ParsedArticle, p: Parsed) -> bool:
    """Whether cue v's content says something: a clause (headed by a verb) or a quotation;
    not a noun phrase ("call the IRS", "defending the FDA": no statement of anyone's)."""
    toks = p.doc[content[0]:content[1] + 1]
    if any(art.in_quote(p.off + t.idx) >= 0 for t in toks):
        return True
    if v.dep_ == "relcl" and not any(c.dep_ in SUBJ for t in toks if t.head.i == v.i
                                     for c in t.children):
        # "cyberattacks, which the department warned could occur if …": the clause's
        # subject is the relative pronoun, so its words alone state nothing
        return False
    # a verb of a relative or adverbial clause does not count: "the galactic grouping in a
    # new mosaic which is the largest image" states nothing ("for acting quickly" does)
    return any((t.tag_.startswith("VB") or t.tag_ == "MD") and not _in_relative(t, content)
               for t in toks)


def _in_relative(t, content: tuple[int, int]) -> bool:
    """Whether token t sits in a relative clause, a noun's clause or an adverbial clause
    within the span ("announced layoffs as its new owner took the helm": the layoffs were
    announced, nothing was stated)."""
    while content[0] <= t.i <= content[1] and t.head.i != t.i:
        if t.dep_ in ("relcl", "acl", "advcl"):
            return True
        t = t.head
    return False


def _fit_quotations(art: ParsedArticle, p: Parsed, vpos: int, cs: int, ce: int
                    ) -> tuple[int, int]:
    """The content span cs..ce of a cue at vpos, stretched over the quotations it cuts into
    or leads into, or made exactly the quotation it is."""
    text, qspans, in_quote = art.text, art.qspans, art.in_quote
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
            not text[qspans[qi][0]:cs].strip(_MARK_CHARS):
        # the content is a quotation, marks trimmed off, or its first sentence ("said in
        # the spring, “I did not email … . There is no classified material.”")
        cs, ce = qspans[qi]
    if ce > vpos:
        # "said he was …, “like you folks.”", "said …, but “…”": a quotation ending
        # the sentence belongs to the content before it (not one of the next paragraph's)
        m = _JOINER.match(text, ce)
        qi = in_quote(m.end())
        if qi >= 0 and qspans[qi][0] == m.end() and qspans[qi][1] <= p.end and \
                not text[qspans[qi][1]:p.end].strip(" .,;!?)]"):
            ce = qspans[qi][1]
    return cs, ce
