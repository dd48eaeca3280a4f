"""What a cue attributes, as a token range of its sentence's parse: the complement of a
cue verb, cut where the writer's own words take over (", adding that …", " — a modest
boost …"), the clause around "according to X", and the that-clause of a cue noun.
"""

from __future__ import annotations

from .lexicon import ADDRESSEE_CUES, CLAUSE_ONLY, FORM_TO_LEMMA, OBJECT_CUES, XCOMP_OK
from .parse import SUBJ, is_verb, trimmed


def noun_cue(n):
    """(speaker token, content token range) for "X's claim that …", "a warning that …"."""
    clause = next((c for c in n.children if c.dep_ in ("acl", "ccomp", "relcl") and
                   any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
    if clause is None:
        return None
    spk = next((c for c in n.children if c.dep_ == "poss"), None)
    if spk is None:
        by = next((c for c in n.children if c.dep_ == "prep" and c.lower_ == "by"), None)
        spk = next((c for c in by.children if c.dep_ == "pobj"), None) if by else None
    if spk is None and n.dep_ == "dobj" and is_verb(n.head):  # "X issued a warning that …"
        spk = next((c for c in n.head.children if c.dep_ in SUBJ), None)
    if spk is None or spk.lower_ in ("its", "their") and n.dep_ != "dobj":
        return None
    rng = trimmed(n.doc[clause.left_edge.i:clause.right_edge.i + 1])
    if rng is None or rng[1] - rng[0] < 2:
        return None
    return spk, rng


_TRAILING = ("prep", "npadvmod", "advmod", "punct")


def according_to(v):
    """(source token, content token range) for "according to X"."""
    to = next((c for c in v.children if c.lower_ == "to"), None)
    if to is None:
        return None
    src = next((c for c in to.children if c.dep_ == "pobj"), None)
    if src is None:
        return None
    doc = v.doc
    clause = v.head
    while clause.dep_ not in ("ROOT",) and not is_verb(clause) and clause.head.i != clause.i:
        clause = clause.head
    lo, hi = clause.left_edge.i, clause.right_edge.i
    plo, phi = v.left_edge.i, v.right_edge.i
    if plo <= lo + 1:  # "According to X, Y."
        rng = trimmed(doc[phi + 1:hi + 1])
    elif phi >= hi - 1:  # "Y, according to X."
        rng = trimmed(doc[lo:plo])
    elif clause.i < plo and all(c.dep_ in _TRAILING for c in clause.rights if c.i > phi):
        # "Y, according to Amnesty, in a chilling reminder that …": what trails the source
        # is the writer's circumstance or comment, not the source's
        rng = trimmed(doc[lo:plo])
    else:  # "Y, according to X, Z": the whole clause
        rng = trimmed(doc[lo:hi + 1])
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
                i + 1 <= hi and doc[i + 1].lower_ in FORM_TO_LEMMA and is_verb(doc[i + 1]) \
                and doc[i + 1].dep_ == "conj" and not quotes_at(t):
            cut = trimmed(doc[lo:i])  # "said it was too early but added, “…”"
            if cut is not None:
                return cut
        closing = t.text in ("”", '"', "''", "’") and doc[i - 1].text == ","
        if t.text not in _DASHES and t.text != "," and not closing:
            continue
        if quotes_at(t) and not closing:
            continue
        nxt = doc[i + 1]
        if t.text == "," and nxt.lower_ in ("and", "but") and i + 2 <= hi and \
                doc[i + 2].lower_ in FORM_TO_LEMMA and is_verb(doc[i + 2]):
            nxt = doc[i + 2]  # ", and added …": another attribution starts
        # "… by the plan — a modest boost for Obama", "…, an acknowledgment that …": the
        # writer's own comment on what was said
        comment = nxt.lower_ in ("a", "an") and nxt.dep_ == "det" and \
            nxt.head.dep_ in _COMMENT_DEPS and nxt.head.head.i < i
        if closing and nxt.lower_ in _CIRCUMSTANCE_AFTER_QUOTE:
            cut = trimmed(doc[lo:i + 1])  # "said, “We’ll see,” when asked whether …"
            if cut is not None:
                return cut
        if comment or nxt.lower_ in _CUT_WORDS or (_CUT_VBG and
                nxt.tag_ == "VBG" and nxt.dep_ in ("advcl", "acl", "xcomp", "conj", "dep")):
            cut = trimmed(doc[lo:i + 1]) if closing else trimmed(doc[lo:i])
            if cut is not None:
                return cut
    return rng


# cues whose object is said to be something: "described X as Y", "cast X as Y"
_AS_CUES = {"describe", "portray", "label", "dub", "list", "characterize", "depict", "brand",
            "see", "view", "regard", "tout", "hail", "dismiss", "deride", "mock", "credit",
            "cast", "paint", "frame", "present", "praise", "criticize", "denounce", "reject"}


def _as_phrase(t) -> bool:
    """"as a liability", "as Washington celebrating itself" (a clause the parser made)."""
    return t.lower_ == "as" and t.dep_ == "prep" or t.dep_ == "advcl" and \
        t.tag_ in ("VBG", "VBN") and any(g.dep_ == "mark" and g.lower_ == "as"
                                         for g in t.children)  # (not "as he left")


def content_of(v, lemma: str, quotes_at=lambda t: False):
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
                if k.dep_ == "conj" and k.i > hi and is_verb(k) and \
                        k.lower_ not in FORM_TO_LEMMA and \
                        any(g.dep_ in SUBJ for g in k.children) and \
                        doc[k.left_edge.i - 1].lower_ in ("but", "and", ";", ","):
                    hi = k.right_edge.i
        lo = c.left_edge.i
        subj = next((g for g in c.children if g.dep_ in SUBJ + ("expl",)), None)
        if c.i > v.i and subj is None:
            # "researchers found the river’s flow since 2000 had dropped …": the parser
            # took the clause's subject for the verb's object
            obj = next((d for d in v.rights if d.dep_ == "dobj" and d.i < lo), None)
            if obj is not None:
                lo = obj.left_edge.i
        first = doc[lo]
        if c.i > v.i and first.dep_ == "npadvmod" and first.head.i == c.i and \
                first.lower_ in _TIME_WORDS and first.right_edge.i + 1 < c.i:
            lo = first.right_edge.i + 1  # "told reporters Tuesday there should be …"
        if c.i > v.i and subj is not None and lemma in ADDRESSEE_CUES and \
                subj.left_edge.i == v.i + 1 and \
                not any(d.dep_ in ("dobj", "dative") for d in v.children):
            # "telling CNN Ian is shaping up …", "told The Tennessean parts of … got": the
            # parser took who was told into the clause's subject
            names = [g for g in subj.lefts if g.dep_ == "compound" and g.tag_ == "NNP"]
            if names:
                lo = names[-1].right_edge.i + 1
        rng = trimmed(doc[lo:hi + 1])
        if rng and rng[1] - rng[0] >= 2:
            return rng
    has_subj = any(c.dep_ in SUBJ for c in v.children)
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
            rng = trimmed(doc[h.left_edge.i:left])
        else:  # parenthetical: the whole clause around it, less a leading adverbial
            lo = h.left_edge.i  # ("If the law conflicts, Rubio said, …" keeps its "if")
            for c in h.lefts:
                end = c.right_edge.i
                if c.dep_ in ("advcl", "prep", "npadvmod", "advmod") and end + 2 < left \
                        and doc[end + 1].text == ",":
                    lo = end + 2
            rng = trimmed(doc[lo:h.right_edge.i + 1])
        if rng and rng[1] - rng[0] >= 2:
            return rng
    # "Those who take on debt struggle, even with a "good" job, he said.": what was said is
    # parsed as a loose dependent of the saying verb
    subj = next((c for c in v.lefts if c.dep_ in SUBJ), None)
    if subj is not None and subj.left_edge.i > 0 and doc[subj.left_edge.i - 1].text == "," \
            and not any(c.dep_ in _RIGHT_DEPS for c in v.rights):
        lead = [c for c in v.lefts if c.i < subj.i and c.dep_ in _LOOSE_DEPS]
        if lead:
            rng = trimmed(doc[lead[0].left_edge.i:subj.left_edge.i])
            if rng and rng[1] - rng[0] >= 2:
                return rng
    # "saying in his statement only that he was “refining …”": a that-clause the parser
    # took for an adverbial one; "said in a statement that …": one it hung on the noun
    # ("that" its mark: "a statement that was released" is a relative)
    nouns = [o for c in v.rights if c.dep_ == "prep" for o in c.children if o.dep_ == "pobj"]
    for heads, deps in (([v], ("advcl", "dep", "xcomp")), (nouns, ("acl", "relcl", "ccomp"))):
        that = next((c for h in heads for c in h.rights if c.dep_ in deps and any(
            g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
        if that is not None:
            rng = trimmed(doc[that.left_edge.i:that.right_edge.i + 1])
            if rng and rng[1] - rng[0] >= 2:
                return rng
    if lemma in CLAUSE_ONLY:
        if lemma in XCOMP_OK:
            x = next((c for c in v.rights if c.dep_ == "xcomp"), None)
            if x is not None:
                return trimmed(doc[x.left_edge.i:x.right_edge.i + 1])
        return None
    rights = []
    after = list(v.rights)
    for k, c in enumerate(after):
        if rights and lemma in _AS_CUES and _as_phrase(c):
            rights.append(c)  # "described the dinner as Washington celebrating itself"
            continue
        if c.dep_ not in _RIGHT_DEPS:
            continue
        if c.dep_ == "prep" and (c.lower_ in _CIRCUMSTANCE or any(
                g.lower_ in _TIME_WORDS for g in c.children if g.dep_ == "pobj")):
            # "described the DLC during an interview as “a remnant …”": what it was
            # described as is still to come
            if rights and lemma in _AS_CUES and any(
                    g.lower_ == "as" and g.dep_ == "prep" and g.head.head.i == c.i
                    for g in c.subtree):
                rights.append(c)  # (the parser hung "as …" on the interview)
                continue
            if not rights or any(_as_phrase(d) for d in after[k + 1:]):
                continue
            break
        rights.append(c)
    if not rights:
        return None
    lo = rights[0].left_edge.i
    hi = max(c.right_edge.i for c in rights)
    rng = trimmed(doc[lo:hi + 1])
    if rng is None:
        return None
    return rng
