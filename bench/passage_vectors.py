"""Issue 19: can a passage's vector be derived from its sentences' vectors?

    .venv/bin/python bench/passage_vectors.py [--index DIR] [--fast] [--questions N]

Over the 1,000-article RealTimeQA benchmark index (bench/common.py), every sentence of every
article is embedded once (text.sentence_spans, as the ingest does), and each passage's
vector is rebuilt from the sentences it overlaps: `mean` (plain mean of the unit sentence
vectors) and `tokens` (weighted by each sentence's tokens inside the passage), both
renormalised. A copy of the index gets the derived vectors and the same retrieval as
bench/retrieval.py runs on both, side by side: vector only and ours (hybrid, as-of), at
article level. Also: the cosine of each derived passage vector to the embedded one, and the
embedding time of the sentences against that of the passages (the same text; passages
overlap by `chunk_overlap` tokens and are longer, so attention costs more per token).
--fast: the same with the int8 embedder, plus the cosine of its sentence vectors to fp32's
on 2,000 sentences (issue 19, item 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (DATA, RTQA_QUESTIONS, bench_settings, cached_index,  # noqa: E402
                          rtqa_questions)
from bench.retrieval import distinct, metrics  # noqa: E402

RTQA = DATA / "realtimeqa"


def derive(chunks, sentences, vectors, weights, how: str) -> np.ndarray:
    """One unit vector per chunk from the sentences that overlap it. chunks: (start, end);
    sentences: (start, end) sorted, vectors/weights per sentence (weights: tokens)."""
    out = np.zeros((len(chunks), vectors.shape[1]), dtype=np.float32)
    starts = np.array([s for s, _ in sentences])
    for r, (cs, ce) in enumerate(chunks):
        lo = max(0, int(np.searchsorted(starts, cs, side="right")) - 1)
        acc = np.zeros(vectors.shape[1], dtype=np.float64)
        for i in range(lo, len(sentences)):
            s, e = sentences[i]
            if s >= ce:
                break
            inside = min(e, ce) - max(s, cs)
            if inside <= 0:
                continue
            w = 1.0 if how == "mean" else weights[i] * inside / max(1, e - s)
            acc += w * vectors[i]
        n = np.linalg.norm(acc)
        out[r] = acc / n if n else acc
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", default=str(RTQA / "articles_1k.jsonl"))
    ap.add_argument("--index", help="an index folder built from --articles (default: cached)")
    ap.add_argument("--fast", action="store_true", help="also the int8 embedder")
    ap.add_argument("--questions", type=int, default=0)
    ap.add_argument("--json")
    args = ap.parse_args()
    articles_file, qfile = Path(args.articles), RTQA_QUESTIONS
    if not articles_file.exists() or not qfile.exists():
        print(f"skip: {articles_file} or {qfile} not found")
        return 0
    from assistant.core import Assistant
    from assistant.embed import get_embedder
    from assistant.retrieve import Retriever
    from assistant.text import sentence_spans

    questions = rtqa_questions(args.questions)
    relevant = [set(q["relevant_ids"]) for q in questions]
    index_dir = Path(args.index) if args.index else cached_index(articles_file)
    base = Assistant(bench_settings(index_dir))
    texts = {i: t for i, (t, _) in base.store.article_texts(
        a.id for a in base.articles()).items()}
    records = list(base.store.iter_chunks())
    by_article: dict[str, list] = {}
    for cid, _, m in records:
        by_article.setdefault(m["article_id"], []).append((cid, int(m["start"]), int(m["end"])))
    sent_ids, sent_text, sent_spans = [], [], {}
    for aid, text in texts.items():
        spans = sentence_spans(text)
        sent_spans[aid] = spans
        sent_ids += [(aid, k) for k in range(len(spans))]
        sent_text += [text[s:e] for s, e in spans]
    chunk_ids = [cid for cid, _, _ in records]
    chunk_text = [t for _, t, _ in records]
    print(f"{len(texts)} articles, {len(records)} passages, {len(sent_text)} sentences; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)

    variants = [("fp32", False)] + ([("int8", True)] if args.fast else [])
    rows: dict[str, dict] = {}
    timing: dict[str, dict] = {}
    fp32_sentences = None
    for label, fast in variants:
        emb = get_embedder(base.settings.embed_model_dir or None, fast=fast)
        sample = chunk_text[:400]  # side by side, same machine state: passages, then sentences
        sample_ids = {chunk_ids[i] for i in range(len(sample))}
        sample_sents = [sent_text[i] for i, (aid, k) in enumerate(sent_ids)
                        if any(c[0] in sample_ids for c in by_article.get(aid, []))]
        t = time.perf_counter()
        emb.embed(sample)
        t_chunks = time.perf_counter() - t
        t = time.perf_counter()
        emb.embed(sample_sents)
        t_sents = time.perf_counter() - t
        timing[label] = {"passages": len(sample), "passage_s": t_chunks,
                         "sentences": len(sample_sents), "sentence_s": t_sents}
        print(f"{label}: {len(sample)} passages embedded in {t_chunks:.1f} s, their articles' "
              f"{len(sample_sents)} sentences in {t_sents:.1f} s "
              f"({t_sents / t_chunks:.2f}x)", flush=True)
        t = time.perf_counter()
        svecs = emb.embed(sent_text)
        print(f"{label}: all sentences in {time.perf_counter() - t:.0f} s", flush=True)
        if fast and fp32_sentences is not None:
            cos = (svecs[:2000] * fp32_sentences[:2000]).sum(1)
            timing[label]["cosine_to_fp32"] = {"min": float(cos.min()),
                                               "p01": float(np.percentile(cos, 1)),
                                               "mean": float(cos.mean())}
            print(f"int8 vs fp32 cosine on 2,000 sentences: min {cos.min():.4f}, "
                  f"p01 {np.percentile(cos, 1):.4f}, mean {cos.mean():.4f}")
        if not fast:
            fp32_sentences = svecs
        tokens = [len(e.ids) for e in emb.tokenizer.encode_batch(sent_text)]
        offsets = {}
        pos = 0
        for aid in texts:
            offsets[aid] = pos
            pos += len(sent_spans[aid])
        stored = base.store.chunk_vectors(chunk_ids[:1])  # the stored ones, by id
        derived: dict[str, dict[str, np.ndarray]] = {"mean": {}, "tokens": {}}
        for aid, cs in by_article.items():
            o, spans = offsets[aid], sent_spans[aid]
            for how in derived:
                vecs = derive([(s, e) for _, s, e in cs], spans,
                              svecs[o:o + len(spans)], tokens[o:o + len(spans)], how)
                derived[how].update((cid, v) for (cid, _, _), v in zip(cs, vecs))
        variants_vecs = {}
        if fast:  # int8 passages embedded directly: the int8 baseline
            pvecs = emb.embed(chunk_text)
            variants_vecs[f"{label} embedded"] = dict(zip(chunk_ids, pvecs))
        for how, vecs in derived.items():
            variants_vecs[f"{label} from sentences ({how})"] = vecs
        stored = {}
        for b in range(0, len(chunk_ids), 1000):
            stored.update(base.store.chunk_vectors(chunk_ids[b:b + 1000]))
        for name, vecs in variants_vecs.items():
            cos = np.array([float(vecs[c] @ stored[c]) for c in chunk_ids])
            print(f"{name}: cosine to the stored passage vectors: mean {cos.mean():.4f}, "
                  f"p05 {np.percentile(cos, 5):.4f}", flush=True)
            rows[name] = evaluate(index_dir, vecs, questions, relevant, fast,
                                  Assistant, bench_settings, Retriever)
            rows[name]["cosine_to_stored_mean"] = float(cos.mean())
        if not fast:
            rows["fp32 embedded (today)"] = evaluate(index_dir, None, questions, relevant,
                                                     False, Assistant, bench_settings,
                                                     Retriever)
    print()
    print("| passage vectors | vector hit@1 | hit@5 | hit@10 | MRR | ours hit@1 | hit@5 | "
          "hit@10 | MRR |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        v, o = r["vector"], r["ours"]
        print(f"| {name} | {v['hit@1']:.3f} | {v['hit@5']:.3f} | {v['hit@10']:.3f} | "
              f"{v['mrr@10']:.3f} | {o['hit@1']:.3f} | {o['hit@5']:.3f} | {o['hit@10']:.3f} | "
              f"{o['mrr@10']:.3f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "timing": timing}, indent=2))
    return 0


def evaluate(index_dir, vecs, questions, relevant, fast, Assistant, bench_settings, Retriever):
    """Retrieval figures on a copy of the index whose passage vectors are `vecs` (None: as
    stored)."""
    with tempfile.TemporaryDirectory() as tmp:
        where = index_dir
        if vecs is not None:
            where = Path(tmp) / "index"
            shutil.copytree(index_dir, where)
        settings = bench_settings(where, embed_fast=fast)
        if fast:  # the copy must say it holds int8 vectors, as an int8 build would
            import chromadb
            client = chromadb.PersistentClient(path=str(where))
            for col in client.list_collections():
                c = client.get_collection(col.name)
                c.modify(metadata={**(c.metadata or {}), "embed_model": c.metadata[
                    "embed_model"] + "+int8"})
        a = Assistant(settings)
        if vecs is not None:
            ids = list(vecs)
            for b in range(0, len(ids), 1000):
                part = ids[b:b + 1000]
                a.store.chunks.update(ids=part, embeddings=[vecs[i].tolist() for i in part])
        r = Retriever(a.store, a.embedder)
        r.refresh(force=False)
        vector = [distinct(h.article_id for h in r.search_vector(q["question"], 60))
                  for q in questions]
        ours = [distinct(h.article_id for h in r.search(q["question"], 20, as_of=q["date"]))
                for q in questions]
        return {"vector": metrics(vector, relevant), "ours": metrics(ours, relevant)}


if __name__ == "__main__":
    sys.exit(main())
