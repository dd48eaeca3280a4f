"""Issue 7 figures: ingest speed against a plain llama-index pipeline and the embedder alone,
and how cost grows with the corpus.

    .venv/bin/python bench/ingest.py compare [--articles 300]
    .venv/bin/python bench/ingest.py scale [--sizes 250,500,1000,2000]

`compare` runs each system in its own subprocess (peak RSS is per process) on the same
articles, the same embedder (all-MiniLM-L6-v2 through our ONNX runtime) and the same chunker
settings, one after another in one run. `scale` grows one index slice by slice, each slice
in its own process, and measures warm query latency at each size. Data:
../shared/data/realtimeqa/articles.jsonl (skips cleanly when absent).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "realtimeqa"


def take(n: int, skip: int = 0, dest: Path | None = None) -> Path:
    src = DATA / "articles.jsonl"
    dest = dest or Path(tempfile.mkdtemp()) / f"articles_{skip}_{n}.jsonl"
    with src.open() as f, dest.open("w") as out:
        for i, line in enumerate(f):
            if i >= skip + n:
                break
            if i >= skip:
                out.write(line)
    return dest


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- the systems, each run in a child process ----------------------------------------------


def run_ours(src: Path, index: Path, fast: bool = False, quotes: bool = True) -> dict:
    from assistant.config import get_settings
    from assistant.core import Assistant

    a = Assistant(get_settings(index_dir=index, embed_fast=fast, data_dir=index.parent,
                               extract_quotes=quotes))
    a.embedder
    t = time.perf_counter()
    r = a.ingest([src], progress=False)
    return {"seconds": time.perf_counter() - t, "chunks": r.chunks, "articles": len(r.added),
            "quotes": a.stats()["quotes"]}


def run_llamaindex(src: Path, index: Path) -> dict:
    import chromadb
    from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding
    try:
        from llama_index.vector_stores.chroma import ChromaVectorStore
    except ImportError:
        raise SystemExit("bench/ingest.py compare needs llama-index's Chroma store: run "
                         "`make bench` first") from None

    from assistant.embed import get_embedder
    from assistant.ingest.chunking import make_splitter
    from assistant.ingest.loaders import load_file

    emb = get_embedder()

    class MiniLM(BaseEmbedding):
        def _get_text_embedding(self, text):
            return emb.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts):
            return emb.embed(texts).tolist()

        def _get_query_embedding(self, query):
            return self._get_text_embedding(query)

        async def _aget_query_embedding(self, query):
            return self._get_text_embedding(query)

    Settings.llm = None
    Settings.embed_model = MiniLM(embed_batch_size=32)
    t = time.perf_counter()
    docs = [Document(text=a.text, metadata={"title": a.title, "published": a.published},
                     doc_id=a.id) for a in load_file(src)]
    client = chromadb.PersistentClient(path=str(index))
    col = client.get_or_create_collection("bench", configuration={"hnsw": {"space": "cosine"}})
    store = ChromaVectorStore(chroma_collection=col)
    VectorStoreIndex.from_documents(
        docs, storage_context=StorageContext.from_defaults(vector_store=store),
        transformations=[make_splitter(emb.token_ids)], show_progress=False)
    return {"seconds": time.perf_counter() - t, "chunks": col.count(), "articles": len(docs)}


def run_embedder_alone(src: Path, index: Path) -> dict:
    from assistant.embed import get_embedder
    from assistant.ingest.chunking import chunk_article, make_splitter
    from assistant.ingest.loaders import load_file

    emb = get_embedder()
    splitter = make_splitter(emb.token_ids)
    texts = [c.text for a in load_file(src) for c in chunk_article(a, splitter)]
    t = time.perf_counter()
    for b in range(0, len(texts), 1024):
        emb.embed(texts[b:b + 1024])
    return {"seconds": time.perf_counter() - t, "chunks": len(texts)}


def run_query_latency(index: Path, n: int = 40) -> dict:
    from assistant.config import get_settings
    from assistant.core import Assistant

    a = Assistant(get_settings(index_dir=index))
    qs = [json.loads(l)["question"] for l in (DATA / "questions_dev.jsonl").open()][:n + 1]
    a.search(qs[0])
    times = []
    for q in qs[1:]:
        t = time.perf_counter()
        a.search(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1]}


SYSTEMS = {"ours": run_ours, "ours-int8": lambda s, i: run_ours(s, i, fast=True),
           "ours-noquotes": lambda s, i: run_ours(s, i, quotes=False),
           "llamaindex": run_llamaindex, "embedder": run_embedder_alone,
           "query": lambda s, i: run_query_latency(i)}


def child(system: str, src: str, index: str) -> None:
    out = SYSTEMS[system](Path(src), Path(index))
    print("RESULT " + json.dumps(out))


def peak_rss(system: str, src: Path, index: Path) -> dict:
    """Run one system in a child process: its result and that child's own peak RSS."""
    proc = subprocess.Popen([sys.executable, __file__, "child", system, str(src), str(index)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"{system} failed")
    result = json.loads(line[7:])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def compare(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = take(n, dest=tmp / "src.jsonl")
        rows = {}
        # ours-noquotes does the same work as the others (passages only): the pipeline's
        # overhead; ours adds the quote index (spaCy parse + embedding the quotes).
        for system in ("embedder", "ours-noquotes", "ours", "llamaindex", "ours-int8"):
            rows[system] = peak_rss(system, src, tmp / f"idx-{system}")
            print(system, rows[system], flush=True)
        base = rows["ours"]["seconds"]
        emb = rows["embedder"]["seconds"]
        print(f"\n| system ({n} articles) | wall s | chunks | quotes | peak RSS MB | vs ours | "
              f"vs embedder alone |")
        print("|---|---|---|---|---|---|---|")
        for system, r in rows.items():
            print(f"| {system} | {r['seconds']:.1f} | {r['chunks']} | {r.get('quotes', '-')} | "
                  f"{r['peak_rss_mb']:.0f} | {r['seconds'] / base:.2f}x | "
                  f"{r['seconds'] / emb:.2f}x |")


def scale(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        index = tmp / "index"
        done = 0
        print("| articles | +articles/s | +chunks/s | quotes | peak RSS MB | index MB | "
              "query p50 ms | query p95 ms |")
        print("|---|---|---|---|---|---|---|---|")
        for size in sizes:
            src = take(size - done, skip=done, dest=tmp / f"slice{size}.jsonl")
            r = peak_rss("ours", src, index)
            q = peak_rss("query", src, index)
            print(f"| {size} | {r['articles'] / r['seconds']:.2f} | "
                  f"{r['chunks'] / r['seconds']:.1f} | {r['quotes']} | {r['peak_rss_mb']:.0f} | {dir_size(index) / 1e6:.0f} | {q['p50_ms']:.0f} | "
                  f"{q['p95_ms']:.0f} |", flush=True)
            done = size


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:5])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["compare", "scale"])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--sizes", default="250,500,1000,2000")
    args = ap.parse_args()
    if not (DATA / "articles.jsonl").exists():
        print(f"skip: {DATA / 'articles.jsonl'} not found")
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}", flush=True)
    if args.mode == "compare":
        compare(args.articles)
    else:
        scale([int(s) for s in args.sizes.split(",")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
