"""Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure, Ollama,
vLLM, text-embeddings-inference, llama.cpp's server): how ingest grows past one machine,
N queue workers sharing one GPU embedding service.

Batched (ASSISTANT_EMBED_BATCH texts per request), several requests in flight
(ASSISTANT_EMBED_CONCURRENCY), each retried with the openai SDK's bounded exponential
backoff (ASSISTANT_EMBED_RETRIES), vectors L2-normalised like the bundled model's. The
index remembers the model ("openai-compatible:<model>"), so it refuses to be searched or
grown with another. Passages are still cut by the bundled tokenizer's token counts (the
endpoint's own tokenizer is not reachable over this protocol), so ASSISTANT_CHUNK_TOKENS
counts MiniLM tokens.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import numpy as np

from .errors import EmbedderError


class RemoteEmbedder:
    def __init__(self, base_url: str, model: str, api_key: str = "", batch_size: int = 64,
                 concurrency: int = 4, timeout: float = 30.0, retries: int = 3):
        import openai
        from tokenizers import Tokenizer

        from .embed import default_model_files

        self.base_url = base_url
        self.model = model
        self.name = f"openai-compatible:{model}"
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed",
                                    timeout=timeout, max_retries=retries)
        self.tokenizer = Tokenizer.from_file(str(default_model_files()[1]))
        self.tokenizer.no_padding()
        self.dim = 0
        self.dim = int(self.embed(["dimension probe"]).shape[1])

    def count_tokens(self, text: str) -> int:
        return len(self.token_ids(text))

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def _request(self, batch: list[str]) -> np.ndarray:
        import openai

        host = urlsplit(self.base_url).netloc or self.base_url
        try:
            got = self.client.embeddings.create(model=self.model, input=batch)
        except openai.APIStatusError as e:
            raise EmbedderError(f"the embeddings endpoint {host} answered HTTP "
                                f"{e.status_code} for model {self.model!r}: "
                                f"{str(e.message)[:200]}") from e
        except openai.APIError as e:  # connection refused, timeout, garbage
            raise EmbedderError(f"the embeddings endpoint {host} failed ({type(e).__name__}: "
                                f"{e}); check ASSISTANT_EMBED_BASE_URL and that it "
                                f"runs") from e
        rows = sorted(got.data or [], key=lambda d: d.index)
        if len(rows) != len(batch) or any(not r.embedding for r in rows):
            raise EmbedderError(f"the embeddings endpoint {host} returned {len(rows)} "
                                f"vectors for {len(batch)} texts")
        vectors = np.asarray([r.embedding for r in rows], dtype=np.float32)
        if self.dim and vectors.shape[1] != self.dim:
            raise EmbedderError(f"the embeddings endpoint {host} returned vectors of "
                                f"dimension {vectors.shape[1]}, not {self.dim}")
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        texts = [t if t.strip() else " " for t in texts]  # endpoints refuse empty input
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [texts[b:b + self.batch_size] for b in range(0, len(texts), self.batch_size)]
        if len(batches) == 1:
            return self._request(batches[0])
        with ThreadPoolExecutor(min(self.concurrency, len(batches))) as pool:
            parts = list(pool.map(self._request, batches))
        if progress is not None:
            progress(len(texts))
        return np.concatenate(parts)
