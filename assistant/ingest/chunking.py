"""Split an article into passages with llama-index's SentenceSplitter.

Chunks are measured with the embedder's own tokenizer: with tiktoken's count some chunks
overflow MiniLM's 256-token window and lose their tail silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from llama_index.core.node_parser import SentenceSplitter

from ..types import Article, Chunk


def make_splitter(token_ids: Callable[[str], list[int]], chunk_tokens: int = 240,
                  overlap: int = 24) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=chunk_tokens, chunk_overlap=overlap, tokenizer=token_ids)


def locate(text: str, piece: str, hint: int) -> tuple[int, int]:
    """Character span of `piece` in `text`, searching from `hint` first.

    The splitter strips chunk edges but otherwise keeps the text, so an exact search almost
    always works; the whitespace-insensitive regex covers the rare rejoined split.
    """
    for start in (text.find(piece, hint), text.find(piece)):
        if start >= 0:
            return start, start + len(piece)
    words = piece.split()
    pattern = r"\s*".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, hint) or re.compile(pattern).search(text)
    if m is None:
        raise ValueError("chunk not found in article text")
    return m.start(), m.end()


def chunk_article(article: Article, splitter: SentenceSplitter) -> list[Chunk]:
    chunks: list[Chunk] = []
    cursor = 0
    for i, piece in enumerate(p for p in splitter.split_text(article.text) if p.strip()):
        start, end = locate(article.text, piece, cursor)
        # Overlapping chunks start before the previous one ends; search from its start.
        cursor = start + 1
        chunks.append(Chunk(article.id, i, article.text[start:end], start, end))
    return chunks
