"""Find the passages that best match a question (vector search over current versions)."""

from __future__ import annotations

import numpy as np

from .embed import Embedder
from .store import Store
from .types import Hit


class Retriever:
    def __init__(self, store: Store, embedder: Embedder):
        self.store = store
        self.embedder = embedder

    def embed_query(self, question: str) -> np.ndarray:
        return self.embedder.embed([question])[0]

    def search(self, question: str, k: int = 5, vector: np.ndarray | None = None) -> list[Hit]:
        if vector is None:
            vector = self.embed_query(question)
        return self.store.query(vector, k)
