"""Issue 7 figures: ingest speed against a plain llama-index pipeline and the embedder alone,
and how cost grows with the corpus.

    .venv/bin/python bench/ingest.py compare [--articles 300]
    .venv/bin/python bench/ingest.py scale [--sizes 1000,2500,5000,7225]

`compare` runs each system in its own subprocess (peak RSS is per process) on the same
articles, the same embedder (all-MiniLM-L6-v2 through our ONNX runtime) and the same chunker
settings, one after another in one run. `scale` grows one index slice by slice, each slice
in its own process, over the whole corpus (../shared/data/realtimeqa/articles.jsonl, then
../shared/data/bbc/bbc_fulltext.jsonl: 7,225 articles); at each size it starts the real
server (`assistant serve`) on the index and measures the time from its start to its first
answer, warm search and answer latency over REST (40 dev questions, one at a time) and the
server's peak RSS. Skips cleanly when the data is absent.
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


CORPUS = [DATA / "articles.jsonl", DATA.parent / "bbc" / "bbc_fulltext.jsonl"]


def take(n: int, skip: int = 0, dest: Path | None = None, files: list[Path] | None = None
         ) -> Path:
    """Lines skip..skip+n of the files, read as one (RealTimeQA's articles, then BBC's)."""
    dest = dest or Path(tempfile.mkdtemp()) / f"articles_{skip}_{n}.jsonl"
    i = 0
    with dest.open("w") as out:
        for src in files or CORPUS[:1]:
            with src.open() as f:
                for line in f:
                    if i >= skip + n:
                        return dest
                    if i >= skip and line.strip():
                        out.write(line)
                    i += 1
    return dest


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- the systems, each run in a child process ----------------------------------------------


def run_ours(src: Path, index: Path, fast: bool | None = None, quotes: bool = True) -> dict:
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


def run_embedder_alone(src: Path, index: Path, fast: bool = False) -> dict:
    from assistant.embed import get_embedder, model_cache
    from assistant.ingest.chunking import chunk_article, make_splitter
    from assistant.ingest.loaders import load_file

    emb = get_embedder(fast=fast, cache_dir=str(model_cache(index.parent)))
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


SYSTEMS = {"ours": run_ours, "ours-fp32": lambda s, i: run_ours(s, i, fast=False),
           "ours-noquotes": lambda s, i: run_ours(s, i, quotes=False),
           "llamaindex": run_llamaindex, "embedder": run_embedder_alone,
           "embedder-int8": lambda s, i: run_embedder_alone(s, i, fast=True),
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
        load = os.getloadavg()[0]
        rows = {}
        # embedder: fp32 MiniLM on our passages alone (embedder-int8: the int8 model); ours:
        # the default (int8 for a new index) with passages, every sentence and the quote
        # index; ours-noquotes: the same without spaCy's quotes; ours-fp32: the fp32 model;
        # llamaindex: VectorStoreIndex over Chroma with the fp32 model (the same files).
        for system in ("embedder", "embedder-int8", "ours", "ours-noquotes", "ours-fp32",
                       "llamaindex"):
            rows[system] = peak_rss(system, src, tmp / f"idx-{system}")
            print(system, rows[system], flush=True)
        base = rows["ours"]["seconds"]
        emb, emb8 = rows["embedder"]["seconds"], rows["embedder-int8"]["seconds"]
        print(f"\nload average before: {load:.2f}")
        print(f"\n| system ({n} articles) | wall s | chunks | quotes | peak RSS MB | vs ours | "
              f"vs embedder alone (fp32) | vs embedder alone (int8) |")
        print("|---|---|---|---|---|---|---|---|")
        for system, r in rows.items():
            print(f"| {system} | {r['seconds']:.1f} | {r['chunks']} | {r.get('quotes', '-')} | "
                  f"{r['peak_rss_mb']:.0f} | {r['seconds'] / base:.2f}x | "
                  f"{r['seconds'] / emb:.2f}x | {r['seconds'] / emb8:.2f}x |")


def serve_figures(index: Path, work: Path, n: int = 40) -> dict:
    """The real server on the index: seconds from its start to its first answer, warm REST
    search and ask latency (one at a time), its peak RSS."""
    import httpx

    from bench.load import Server, proc_status

    qs = [json.loads(l)["question"] for l in (DATA / "questions_dev.jsonl").open()][:n + 1]
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    server = Server(index, work, None, copy=False)
    try:
        while True:
            if server.proc.poll() is not None or time.monotonic() - t0 > 300:
                raise SystemExit(f"the server did not answer: {server.tail()}")
            try:
                r = httpx.post(server.base + "/api/ask", json={"question": qs[0]}, timeout=60)
                if r.status_code == 200 and r.json().get("answer"):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        ready = time.monotonic() - t0
        search, ask = [], []
        with httpx.Client(base_url=server.base, timeout=60) as c:
            for q in qs[1:]:
                t = time.perf_counter()
                c.get("/api/search", params={"q": q}).raise_for_status()
                search.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                c.post("/api/ask", json={"question": q}).raise_for_status()
                ask.append((time.perf_counter() - t) * 1000)
        rss = proc_status(server.proc.pid).get("VmHWM", 0) / 1024
    finally:
        server.stop()

    def p95(xs):
        return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]

    return {"ready_s": ready, "search_p50_ms": statistics.median(search),
            "search_p95_ms": p95(search), "ask_p50_ms": statistics.median(ask),
            "ask_p95_ms": p95(ask), "serve_rss_mb": rss}


def scale(sizes: list[int]) -> None:
    total = sum(sum(1 for _ in f.open()) for f in CORPUS if f.exists())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        index = tmp / "index"
        done = 0
        print(f"corpus: {total} articles; load average before: {os.getloadavg()[0]:.2f}")
        print("| articles | slice wall s | +articles/s | chunks | quotes | ingest peak RSS MB | "
              "index MB | first answer s after start | search p50/p95 ms | "
              "ask p50/p95 ms | serving peak RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        chunks = 0
        for size in sizes:
            src = take(min(size, total) - done, skip=done, dest=tmp / f"slice{size}.jsonl",
                       files=CORPUS)
            r = peak_rss("ours", src, index)
            chunks += r["chunks"]
            q = serve_figures(index, tmp / f"serve{size}")
            print(f"| {size} | {r['seconds']:.0f} | {r['articles'] / r['seconds']:.2f} | "
                  f"{chunks} | {r['quotes']} | {r['peak_rss_mb']:.0f} | "
                  f"{dir_size(index) / 1e6:.0f} | {q['ready_s']:.1f} | "
                  f"{q['search_p50_ms']:.0f}/{q['search_p95_ms']:.0f} | "
                  f"{q['ask_p50_ms']:.0f}/{q['ask_p95_ms']:.0f} | {q['serve_rss_mb']:.0f} |",
                  flush=True)
            done = size


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:5])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["compare", "scale"])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--sizes", default="1000,2500,5000,7225")
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
