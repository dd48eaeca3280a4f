"""Every sentence embedded once, at ingest (assistant/vectors.py): stored with the passages,
reused by the quotes and by the extractive answers; an index built before keeps working."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.embed import get_embedder
from assistant.store import Prepared
from assistant.text import sentence_spans
from assistant.vectors import pack, pool, unpack

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class Counting:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.texts: list[str] = []

    def __getattr__(self, name):  # name, dim, tokenizer, token_ids, …
        return getattr(self.inner, name)

    def embed(self, texts, progress=None):
        self.texts.extend(texts)
        return self.inner.embed(texts, progress)


def counted(index: Path) -> tuple[Assistant, Counting]:
    a = Assistant(get_settings(index_dir=index))
    spy = Counting(get_embedder())
    a.__dict__["embedder"] = spy  # before the store and retriever are made from it
    return a, spy


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    a, spy = counted(tmp_path_factory.mktemp("sv") / "index")
    a.ingest([SEEDS], progress=False)
    return a, spy


def test_pack_keeps_spans_and_directions():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(7, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    spans = [(i * 10, i * 10 + 9) for i in range(7)]
    got_spans, got = unpack(*pack(spans, v), 384)
    assert got_spans == spans
    assert (got * v).sum(1).min() > 0.999
    assert unpack(*pack([], v[:0]), 384)[0] == []
    with pytest.raises(ValueError, match="bytes"):
        unpack(pack(spans, v)[0], pack(spans[:3], v[:3])[1], 384)


def test_pool_weights_sentences_by_the_characters_inside():
    v = np.eye(3, dtype=np.float32)
    spans = [(0, 10), (11, 21), (22, 32)]
    inside_one = pool(spans, v, [(12, 18)])[0]
    assert np.allclose(inside_one, v[1])
    across = pool(spans, v, [(5, 21)])[0]  # half of the first, all of the second
    assert across[1] > across[0] > 0 and across[2] == 0
    assert abs(np.linalg.norm(across) - 1) < 1e-6
    assert not pool(spans, v, [(40, 50)])[0].any()


def test_every_sentence_is_stored_once_with_its_vector(seeded):
    a, _ = seeded
    article = a.store.get_article(a.articles()[0].id)
    spans, vecs = a.store.article_sentences(article.id, article.version)
    assert spans == sentence_spans(article.text)
    stored_once = [s for _, _, m in a.store.chunk_records(article.id)
                   for s in m.get("sentences", "").split()]
    assert len(stored_once) == len(spans)  # chunks overlap; each sentence is kept once
    fresh = get_embedder().embed([article.text[s:e] for s, e in spans])
    assert (fresh * vecs).sum(1).min() > 0.99


def test_ingest_embeds_passages_and_sentences_only(seeded):
    a, spy = seeded
    article = a.store.get_article(a.articles()[0].id)
    chunks = [doc for _, doc, _ in a.store.chunk_records(article.id)]
    sentences = [article.text[s:e] for s, e in sentence_spans(article.text)]
    assert sorted(spy.texts) == sorted(chunks + sentences)  # no second pass for quotes
    quotes = a.store.quote_records(article.id)
    assert quotes
    got = a.store.quotes.get(ids=[i for i, _, _ in quotes], include=["embeddings",
                                                                     "metadatas"])
    spans, vecs = a.store.article_sentences(article.id, article.version)
    for emb, m in zip(got["embeddings"], got["metadatas"]):
        expected = pool(spans, vecs, [(m["start"], m["end"])])[0]
        assert float(np.dot(emb, expected)) > 0.99  # the vector of the sentence(s) it is


def test_a_question_embeds_only_itself(seeded):
    a, spy = seeded
    spy.texts.clear()
    question = "Where did Kerry and Lavrov meet?"
    ans = a.ask(question)
    assert ans.mode == "extractive" and ans.citations
    assert spy.texts == [question]  # the candidate sentences' vectors were stored
    for c in ans.citations:
        assert a.article(c.article_id).text[c.start:c.end] == c.text


def test_an_index_built_before_sentence_vectors_still_answers(tmp_path):
    """Chunk records without sentences (what an older ingest wrote): answers embed their
    candidate sentences as before, and a quote rebuild fills the quotes from new vectors."""
    a, spy = counted(tmp_path / "old")
    from assistant.ingest.chunking import chunk_article, make_splitter
    from assistant.ingest.loaders import load_file

    article = load_file(next(SEEDS.glob("*")))[0]
    splitter = make_splitter(a.embedder.token_ids, 240, 24)
    chunks = chunk_article(article, splitter)
    a.store.write([Prepared(article, chunks, a.embedder.embed([c.text for c in chunks]))])
    assert not any("sentences" in m for _, _, m in a.store.chunk_records(article.id))

    spy.texts.clear()
    question = "Where did Kerry and Lavrov meet?"
    old = a.ask(question)
    assert old.citations and len(spy.texts) > 1  # the question and its candidates
    for c in old.citations:
        assert article.text[c.start:c.end] == c.text
    assert a.rebuild_quotes(progress=False) > 0
    assert any(re.search("Obama", q.speaker) for q in a.quotes(speaker="Obama"))
