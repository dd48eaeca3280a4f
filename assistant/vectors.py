"""Sentence vectors: each sentence of an article is embedded once, at ingest.

The vectors of the text a passage or a quote covers are pooled from its sentences' vectors
(`pool`), and the sentences' own vectors are kept with the passages (`pack` / `unpack`,
int8 with one scale per vector: a quarter of float32's bytes, cosine error ~1e-3), so an
answer scores its candidate sentences without embedding them again.
"""

from __future__ import annotations

import base64
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

Span = tuple[int, int]


def pool(spans: Sequence[Span], vectors: np.ndarray, targets: Sequence[Span]) -> np.ndarray:
    """One unit vector per target span: the mean of the vectors of the sentences it overlaps,
    each weighted by its characters inside the target (a sentence half inside counts half).
    spans: the sentences, sorted by start; a target that overlaps none gets zeros."""
    out = np.zeros((len(targets), vectors.shape[1] if vectors.ndim == 2 else 0),
                   dtype=np.float32)
    starts = [s for s, _ in spans]
    for r, (ts, te) in enumerate(targets):
        acc = np.zeros(out.shape[1], dtype=np.float64)
        for i in range(max(0, bisect_right(starts, ts) - 1), len(spans)):
            s, e = spans[i]
            if s >= te:
                break
            inside = min(e, te) - max(s, ts)
            if inside > 0:
                acc += inside * vectors[i]
        norm = np.linalg.norm(acc)
        out[r] = acc / norm if norm else acc
    return out


def pack(spans: Sequence[Span], vectors: np.ndarray) -> tuple[str, str]:
    """(spans, vectors) as two strings a Chroma metadata value can hold."""
    if not len(spans):
        return "", ""
    v = np.asarray(vectors, dtype=np.float32)
    scale = np.abs(v).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(v / scale[:, None]), -127, 127).astype(np.int8)
    raw = scale.astype("<f4").tobytes() + q.tobytes()
    return " ".join(f"{s}-{e}" for s, e in spans), base64.b64encode(raw).decode("ascii")


def unpack(spans: str, vectors: str, dim: int) -> tuple[list[Span], np.ndarray]:
    """The inverse of pack, vectors renormalised; ([], empty) for a record without them."""
    if not spans or not vectors:
        return [], np.zeros((0, dim), dtype=np.float32)
    pairs = [tuple(int(x) for x in p.split("-")) for p in spans.split()]
    raw = base64.b64decode(vectors)
    n = len(pairs)
    if len(raw) != n * (4 + dim):
        raise ValueError(f"sentence vectors of {len(raw)} bytes for {n} sentences of dim {dim}")
    scale = np.frombuffer(raw[:4 * n], dtype="<f4")
    q = np.frombuffer(raw[4 * n:], dtype=np.int8).reshape(n, dim).astype(np.float32)
    v = q * scale[:, None]
    v /= np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)
    return pairs, v
