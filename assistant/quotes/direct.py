"""Direct quotes: a quotation's attribution found in the frame after it ("“…,” said X",
"“…” ― X") or before it ("X said: “…”"), and the quotations that carry on an attribution
("“…,” he said. “…”"). The content is the quotation, marks included.
"""

from __future__ import annotations

import bisect
import re

from .article import ParsedArticle, Quote
from .lexicon import ADDRESSEE_CUES, FORM_TO_LEMMA, NOUN_FORMS, SAID_FORMS, STATEMENT_NOUNS
from .parse import MARK_TOKENS, SUBJ, char_span, cue_text, is_cue, is_verb, speaker_tokens

_DASH_SPEAKER = re.compile(r"\s*[―—–]\s*((?:[A-Z][\w.’'-]*\s?){1,5})")
# a quotation paragraph signed in the next one: "“…”¶- Bernie Sanders.", "¶-President
# Obama, tweeting after Clinton's speech."
_SIGNED = re.compile(r"[ \t]*\n\s*([-–—―]) ?([A-Z][\w.’'-]*(?: [A-Z][\w’'-]*){0,4})"
                     r"(?:,[^\n]*)?\.?[ \t]*(?:\n|$)")
_AFTER_OK = re.compile(r"^\s*[,—–―-]|^\s*\b(?:" + "|".join(
    ["said", "says", "say", "added", "adds", "asked", "asks", "told", "tells", "wrote",
     "writes", "continued", "explained", "noted", "insisted", "declared", "stated",
     "according"]) + r")\b", re.I)
_REPLIED_TO = re.compile(r"[\s,]*to\s+which\b", re.I)
_SAID = frozenset(SAID_FORMS)
_SPEAKER_TAGS = ("NNP", "NNPS", "PRP", "NN", "NNS")
# what a verb framing a quotation may have said: "worded it", "delivered a message"
_SAYING_OBJECTS = STATEMENT_NOUNS | set(NOUN_FORMS) | {
    "it", "this", "message", "answer", "response", "reply", "question", "point", "words",
    "note", "advice", "thoughts", "view", "take", "verdict", "explanation", "retort", "quip",
    "rejoinder", "riposte", "comeback", "reminder", "line", "plea", "prediction"}
_NAMED_SAID = re.compile(r"[\s”\"'’]*((?:[Tt]he |[Aa]n? |[Hh]is |[Hh]er |[Tt]heir )?"
                         r"[\w.’'-]+(?: [\w.’'-]+){0,3}) (" + "|".join(SAID_FORMS) +
                         r")(?=\s*[.,;]|\s+(?:in|on|at|to|of)\b)")
# a quotation right after a possessive or a work is its title ("on MSNBC’s “Morning Joe.”",
# "said in his 2012 book, ''An American Son.''"), no one's words (train: 14 such
# attributions, 1 in PolNeAR's gold)
_TITLE_BEFORE = re.compile(r"(?:['’]s|\b(?:book|memoir|novel|film|movie|show|series|album|"
                           r"song|essay|column|documentary|program|programme|podcast|"
                           r"autobiography),?)\s*$", re.I)
_MARKS = MARK_TOKENS | {"‘", "’"}  # (single quotes too: a British article's)
_DISCOURSE = re.compile(r"^\s*(?:Yet|But|And|Still|So|Now|Then|Again|Instead|Meanwhile|Indeed|"
                        r"However|Also|Or|Plus)\b,?\s*$")

_NAME_WORD = r"(?:[A-Z][\w.’'-]*|and|of|de|der|van|von|al|bin)"
_COLON_NAME = re.compile(
    r"(?:^|\s[-–—]+\s*|\b(?:[Mm]ore [Ff]rom|From)\s+)"
    r"((?:the\s+)?[A-Z][\w.’'-]*(?:\s+" + _NAME_WORD + r"){0,5}|the\s+[a-z]+)"
    r"(?:\s*\([^()]{1,30}\))?\s*:\s*$")

# attributions whose speaker a following, unattributed quotation is taken to continue
_CARRY_ON = {"say", "tell", "add", "write", "insist", "argue", "warn", "note", "explain",
             "claim", "state", "declare", "stress", "emphasize", "reply", "respond", "recall",
             "acknowledge", "admit", "concede", "caution", "complain", "according", "tweet",
             "ask", "suggest", "predict", "announce", "contend", "maintain", "assert"}

# what may follow a post-posed speaker and still end the attribution: an apposition ("said
# Jon Alterman, a Middle East analyst with …"), not a clause or a participle (", adding …")
_APPOSITION = re.compile(r"^,\s+(?!(?:and|but|while|as|because|although|though|which|"
                         r"when|after|before|if)\b)(?!\w+ing\b)[^,]+(?:,[^,]+){0,2}$")

# -- the pass ----------------------------------------------------------------------------------

def framed_quotations(art: ParsedArticle) -> tuple[dict[int, tuple], set[tuple[int, int]]]:
    """Quotations with their attribution beside them: {quote index: (speaker, cue, end of
    attribution)}, and the (sentence, token) of the cues those attributions used up."""
    text, qspans = art.text, art.qspans
    attributed: dict[int, tuple] = {}  # quote index -> (speaker, cue, end of attribution)
    consumed: set[tuple[int, int]] = set()  # (sentence, token) of cues used by direct quotes
    for qi, (qs, qe) in enumerate(qspans):
        if not _attributable(text, qs, qe):
            continue
        next_qs = qspans[qi + 1][0] if qi + 1 < len(qspans) else len(text)
        prev_qe = qspans[qi - 1][1] if qi > 0 else 0
        found = after_frame(art, qs, qe, next_qs)
        if found is None:
            found = before_frame(art, qs, qe, prev_qe)
        if found is not None:
            (si, v), spk, cue, attr_end = found
            if v is not None:
                consumed.add((si, v))
            attributed[qi] = (spk, cue, attr_end)
    # pieces of one quotation without their own attribution take their neighbour's
    for qi in range(len(qspans)):
        if qi in attributed:
            continue
        same = [k for k in range(len(qspans))
                if art.parent[k] == art.parent[qi] and k in attributed]
        before = [k for k in same if k < qi]
        pick = before[-1] if before else (same[0] if same else None)
        if not before and text[art.paras_start(qspans[qi][0]):qspans[qi][0]].strip():
            # “A,” X said. “B …¶“C,” Y said.: B carries on X's attribution (pass 3), not C's
            pick = None
        if pick is not None:
            spk, cue, attr_end = attributed[pick]
            attributed[qi] = (spk, cue, max(attr_end, qspans[qi][1]))
    return attributed, consumed


def _attributable(text: str, qs: int, qe: int) -> bool:
    """Whether a quotation may have a speaker: it holds a word and is no title."""
    return bool(re.search(r"\w", text[qs:qe])) and \
        not _TITLE_BEFORE.search(text, max(0, qs - 40), qs)


def carried_on_quotations(art: ParsedArticle, attributed: dict[int, tuple],
                          indirect: list[tuple[Quote, int]]) -> None:
    """Attribute, in `attributed`, the quotations that carry on an attribution just before
    them: "“…,” he said. “…”", "X said Y.\\n\\n“…”" (`indirect`: (quote, end of its
    attribution) of the indirect pass)."""
    text, qspans = art.text, art.qspans
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
        tail = text[q.speaker_end:attr_end].rstrip(" .!?")
        if not rest.strip(" .,;:!?”\"’'") or (
                q.end <= q.speaker_start and q.speaker_end < attr_end and
                (len(rest) < 80 and not re.search(r"[,;:]\s*\S", tail) or
                 _APPOSITION.match(tail) and not re.search(r"[;:]", tail))):
            ends.append((attr_end, 0, ((q.speaker, q.speaker_start, q.speaker_end), q.cue)))
    ends.sort(key=lambda x: x[:2])
    covered = [(q.start, q.end) for q, _ in indirect]
    for qi, (qs, qe) in enumerate(qspans):
        if qi in attributed or not _attributable(text, qs, qe):
            continue
        if qi > 0 and qi - 1 in attributed and \
                art.sent_at(qs) == art.sent_at(qspans[qi - 1][1] - 1) \
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
        gap = text[end:qs]
        if gap.strip() and not _rest_of_attribution(art, end, qs):
            continue
        attributed[qi] = (spk, cue, qe)
        bisect.insort(ends, (qe, 1, (spk, cue)), key=lambda x: x[:2])


def _rest_of_attribution(art: ParsedArticle, end: int, qs: int) -> bool:
    """Whether only the rest of the attribution's own sentence lies between it and a
    quotation in the same paragraph: "“A,” said X, an analyst with …, who … . “B”"."""
    gap = art.text[end:qs]
    return "\n" not in gap and art.in_quote(end) < 0 and \
        art.sent_end(max(0, end - 1)) <= qs and not art.text[art.sent_end(max(0, end - 1)):qs].strip()


def direct_quotes(art: ParsedArticle, attributed: dict[int, tuple]) -> list[Quote]:
    """One Quote per attributed quotation, in the order they were attributed."""
    qspans = art.qspans
    return [Quote(spk[0], spk[1], spk[2], cue, art.text[qspans[qi][0]:qspans[qi][1]],
                  qspans[qi][0], qspans[qi][1], True)
            for qi, (spk, cue, _) in attributed.items()]


# -- the frames --------------------------------------------------------------------------------
# Each returns ((sentence, cue token index or None), (speaker, start, end), cue text, end of
# the attribution), or None.

def after_frame(art: ParsedArticle, qs: int, qe: int, next_qs: int):
    """“…,” said X / “…,” X said / “…” ― X: the attribution after a quotation."""
    text, sents = art.text, art.sents
    so, si = art.sent_at(qs), art.sent_at(qe - 1)
    m = _SIGNED.match(text, qe)
    if m and not text[art.paras_start(qs):qs].strip():
        s, e = m.span(2)
        e -= len(m.group(2)) - len(m.group(2).rstrip("."))
        return (si, None), (text[s:e], s, e), m.group(1), e
    # the quotation must open its sentence; "America needs leaders “who …,” Clinton said"
    # is a mixed quote, left to the indirect pass
    pre = _DISCOURSE.sub("", text[sents[so][0]:qs])  # "Yet, “…,” added X"
    if so == si and pre.strip(" \t\n—–-―•*") and not pre.rstrip().endswith(":"):
        return None  # (after a colon the quotation starts afresh: "… his wife: “…,” he said")
    send = sents[si][1]
    if sents[si][1] <= qe and si + 1 < len(sents):
        return None  # the sentence ended inside the quotation: “… .” He said …
    after = text[qe:min(send, next_qs)]
    if _REPLIED_TO.match(after):
        return None  # "“Where’s Nancy?,” to which Paul Pelosi replied, “…”": asked of him
    m = _DASH_SPEAKER.match(after)
    if m and "\n" not in text[qe:qe + m.end(1)]:
        s, e = qe + m.start(1), qe + m.end(1)
        while e > s and text[e - 1] in " .,":
            e -= 1
        return (si, None), (text[s:e], s, e), text[qe:s].strip(), send
    tail = text[max(qs, qe - 4):qe]
    opened = bool(re.search(r"[,?!—–-][\s”“\"'’]*$", tail)) or bool(re.match(r"\s*[,—–-]", after))
    if not after.strip() or not (opened or _AFTER_OK.match(after)) or si not in art.parsed:
        return None
    p = art.parsed[si]
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
        # right after the quotation a said-form is the cue, whatever the parser made of it
        # ("“Debate recap,” tweeted Rubio spokesman Alex Conant", tagged as an adjective)
        if (is_cue(t) or n == 1 and t.lower_ in _SAID) and t.lower_ != "according":
            if t.tag_ == "VBG" and pre.rstrip().endswith(":"):
                return None  # "Rubio fired back: “Let them sue,” referencing …": his
            spk = art.speaker_of(p, t)
            if spk is None:
                spk = _inverted_speaker(text, p, t) if n == 1 else _preposed_speaker(
                    text, p, qe, t)
            if spk is None:
                break
            # past a dozen words, only when the speaker starts right after the quotation:
            # "“…,” Sarah Warbelow, legal director for the group, said in a statement."
            if n > 14 and text[qe:spk[1]].strip(" ,"):
                return None
            return (si, t.i), spk, cue_text(t, text, p.off)[0], send
    m = _NAMED_SAID.match(after)
    if m and opened and not any(is_verb(t) and t.tag_ != "MD" for t in p.doc
                                if qe + m.start(1) <= p.off + t.idx < qe + m.end(1)):
        # "“…,” the editorial read.", "“…,” Will wrote.": a said-form the parser took for
        # a noun, or a name for a modal
        s, e = qe + m.start(1), qe + m.end(1)
        return (si, None), (text[s:e], s, e), m.group(2), send
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
            spk = art.speaker_of(p, t)
            if spk is not None:
                return (si, t.i), spk, cue_text(t, text, p.off)[0], send
            break
    return None


def _inverted_speaker(text, p, v):
    """“…,” said X, …: the words after the cue up to a comma, when the parser gave the verb
    no subject ("said David Brock, a confidant who heads the PAC Correct the Record")."""
    doc = v.doc
    toks = []
    for t in doc[v.i + 1:]:
        if t.is_punct or t.dep_ in ("relcl", "acl") or t.lower_ in ("who", "which", "that"):
            break
        toks.append(t)
    # a name ends the phrase, or opens it ("said retired neurosurgeon Ben Carson"; "said
    # Skelly", which the parser may tag as an adverb)
    named = toks and toks[-1].tag_ == "NNP" or len(toks) == 1 and toks[0].text.istitle()
    if not toks or len(toks) > 6 or not (
            named or (toks[0].text[:1].isupper() or toks[0].tag_ == "DT") and
            any(t.tag_.startswith("NN") for t in toks)):
        return None
    s, e = char_span(doc, toks[0].i, toks[-1].i, p.off)
    return text[s:e], s, e


def _preposed_speaker(text, p, qe, v):
    """“…,” Ramos, 58, told AFP: the name between the quotation and its cue, when the
    parser hung the name and the cue apart from each other."""
    toks = [t for t in v.doc[:v.i] if p.off + t.idx >= qe and t.text not in _MARKS]
    while toks and toks[0].is_punct:
        toks.pop(0)
    head = []
    for t in toks:
        if t.text == ",":
            break
        head.append(t)
    # a name, pronoun or description ("the 43-year-old"), then only an apposition
    if not head or len(head) > 7 or any(is_verb(t) or t.tag_ == "IN" for t in head) or \
            head[-1].tag_ not in ("NNP", "NNS", "PRP", "NN") and head[-1].lower_ != "old" or \
            head[0].tag_ not in ("NNP", "PRP", "PRP$", "DT") or any(
            t.tag_ == "NNP" and not t.text[:1].isupper() for t in head):
        return None
    s, e = char_span(v.doc, head[0].i, head[-1].i, p.off)
    return text[s:e], s, e


def before_frame(art: ParsedArticle, qs: int, qe: int, prev_qe: int):
    """X said: “…” / X told reporters, “…”: the attribution before a quotation."""
    text, sents = art.text, art.sents
    so = art.sent_at(qs)
    cands = [so]
    if not text[sents[so][0]:qs].strip() and so > 0:
        prev = text[sents[so - 1][0]:sents[so - 1][1]].rstrip()
        # "X said: ¶“…”", and "Sam Lau … said in a statement. “There are no …”": a cue
        # that ends its sentence with nothing said introduces the quotation after it
        if prev.endswith(":"):
            cands.append(so - 1)
        elif prev.endswith(".") and "\n" not in text[sents[so - 1][1]:qs] and \
                so - 1 in art.parsed:
            root = next(t for t in art.parsed[so - 1].doc if t.dep_ == "ROOT")
            if is_cue(root) and not any(c.dep_ in ("ccomp", "xcomp", "dobj", "conj", "attr",
                                                   "oprd", "advcl", "parataxis")
                                        for c in root.children):
                cands.append(so - 1)
    # "Obama said “it gets me mad” every time he …": the quotation is a fragment of a clause
    rest = text[qe:art.sent_end(qe - 1)]
    if len(re.findall(r"\w+", rest)) >= 2 and not re.match(r"\s*[,;:—–(-]", rest) and not (
            re.search(r"[,;:—–-][”\"'’]*$", text[qs:qe]) and re.match(r"\s*[a-z]+ing\b", rest)):
        return None  # (but "…: “Let them sue us,” referencing …" is framed before it)
    for sj in cands:
        if sj not in art.parsed:
            continue
        p = art.parsed[sj]
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
        pre = text[p.start:qs] if sj == so else text[p.start:p.end]
        colon = pre.rstrip().endswith(":")
        # (only a colon or a comma before the quotation lets a verb frame it)
        frame = _frame_verb(art, p, qs) if sj == so and re.search(r"[,:]\s*$", pre) else None
        # "When Trump suggested …, Rubio fired back: “…”", "Asked which county …, he
        # demurred: “…”": the colon's own verb frames the quotation, not the cue before it
        frame_first = colon and v is not None and frame is not None and frame.i > v.i and \
            not v.is_ancestor(frame)
        found = None
        if v is not None and not frame_first:
            found = _cued_before(art, sj, sj == so, v, qs, qe)
            if found is None and colon and not _COLON_NAME.search(pre):
                # "Mr. Amar said that … a grand bargain might be possible: ''In business
                # …''": the quotation bears out the cue ("… did predict it - HuffPollster:
                # “…”" is signed)
                spk = art.speaker_of(p, v)
                if spk is not None and spk[2] > spk[1]:
                    found = (sj, v.i), spk, cue_text(v, text, p.off)[0], art.sent_end(qe - 1)
        if found is None and (v is None or frame_first or _COLON_NAME.search(pre)):
            found = _uncued_before(art, sj, pre, qs, qe, frame)
        if found is not None:
            return found
    return None


def _cued_before(art: ParsedArticle, sj: int, same: bool, v, qs: int, qe: int):
    """The frame of cue v before a quotation, in its sentence (`same`) or the one before."""
    text, p = art.text, art.parsed[sj]
    vend = p.off + v.idx + len(v.text)
    if same:
        between = [t for t in p.doc if vend <= p.off + t.idx < qs]
    else:
        between = [t for t in p.doc if p.off + t.idx >= vend]
    if len(between) > 10:
        return None
    qidx = {t.i for t in p.doc if qs <= p.off + t.idx < qe}
    # "says Kaine “has a passion…”": the quote is part of a clause: indirect
    if any(t.head.i in qidx and not t.is_punct for t in between):
        return None
    lemma = FORM_TO_LEMMA.get(v.lower_)
    if any(t.head.i == v.i and (t.dep_ in ("ccomp", "xcomp", "attr", "oprd") or
                                (t.dep_ == "dobj" and lemma not in ADDRESSEE_CUES and
                                 lemma is not None))  # (the "it" of "put it")
           for t in between):
        return None
    spk = art.speaker_of(p, v)
    if spk is None:
        return None
    return (sj, v.i), spk, cue_text(v, text, p.off)[0], art.sent_end(qe - 1)


def _frame_verb(art: ParsedArticle, p, qs: int):
    """The verb that frames a quotation with no cue: the last one before it with a subject
    of its own (the parser often roots the sentence inside the quotation)."""
    return next((t for t in reversed(p.doc[:]) if p.off + t.idx < qs and is_verb(t) and
                 t.dep_ not in ("aux", "auxpass", "relcl", "acl") and
                 art.in_quote(p.off + t.idx) < 0 and
                 any(c.dep_ in SUBJ and c.i < t.i and c.tag_ in _SPEAKER_TAGS
                     for c in t.children)), None)


def _uncued_before(art: ParsedArticle, sj: int, pre: str, qs: int, qe: int, frame):
    """A frame before a quotation with no cue verb: "X released the following statement:
    “…”", "Trump issued a statement, “…”", "Republican pollster Daron Shaw: “…”", "She
    addressed the crowd again: “…”". pre: the text before the quotation, in its sentence
    or the one before; frame: the quotation's `_frame_verb` in its own sentence, or None."""
    text, p = art.text, art.parsed[sj]
    same = sj == art.sent_at(qs)
    root = next((t for t in p.doc if t.dep_ == "ROOT"), None)
    if not same:
        if root is not None and is_verb(root) and any(
                t.lower_ in STATEMENT_NOUNS or t.lower_ == "following" for t in p.doc):
            spk = art.speaker_of(p, root)
            if spk is not None:
                return (sj, root.i), spk, cue_text(root, text, p.off)[0], art.sent_end(qe - 1)
    m = _COLON_NAME.search(pre)
    if m:  # "HEADLINE - Mark Blumenthal and Jon Cohen: “…”", "More from the report: “…”"
        a, b = p.start + m.start(1), p.start + m.end(1)
        return (sj, None), (text[a:b], a, b), ":", art.sent_end(qe - 1)
    if same and re.search(r"[,:]\s*$", pre):
        objs = [c.lower_ for c in frame.children if c.dep_ == "dobj"] if frame else []
        # "Rubio fired back: “…”", "X delivered a blunt message: “…”", "Trump issued a
        # statement, “…”"; not "The timing doesn't surprise Daron Shaw: “…”" (his words)
        if frame is not None and (
                pre.rstrip().endswith(":") and all(o in _SAYING_OBJECTS for o in objs) or
                any(o in STATEMENT_NOUNS for o in objs)):
            spk = art.speaker_of(p, frame)
            if spk is not None and spk[2] > spk[1]:
                return (sj, frame.i), spk, cue_text(frame, text, p.off)[0], \
                    art.sent_end(qe - 1)
    if pre.rstrip().endswith(":") and root is not None:
        colon = [t for t in p.doc if t.text == ":" and p.off + t.idx < qs]
        if colon and root.i < colon[-1].i:
            subj = next((c for c in root.children if c.dep_ in SUBJ), None)
            if subj is None and not is_verb(root) and root.i == colon[-1].i - 1 and \
                    root.i - root.left_edge.i < 6:
                subj = root  # "Philip Bump: “…”"
            if subj is not None and subj.tag_ in ("NNP", "NNPS", "PRP", "NN", "NNS"):
                rng = speaker_tokens(subj)
                if rng is not None:
                    a, b = char_span(p.doc, rng[0], rng[1], p.off)
                    return (sj, None), (text[a:b], a, b), ":", \
                        art.sent_end(qe - 1)
    return None
