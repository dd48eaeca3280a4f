"""Split an article into passages with llama-index's SentenceSplitter.

Chunks are measured with the embedder's own tokenizer: with tiktoken's count some chunks
overflow MiniLM's 256-token window and lose their tail silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter

from ..types import Article, Chunk


def make_splitter(token_ids: Callable[[str], list[int]], chunk_tokens: int = 240,
                  overlap: int = 24) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=chunk_tokens, chunk_overlap=overlap, tokenizer=token_ids)


def locate(text: str, piece: str, hint: int) -> tuple[int, int]:
    """Character span of `piece` in `text`, searching from `hint` first: for the rare chunk
    whose offsets llama-index could not find (a split it rejoined with other whitespace)."""
    start = text.find(piece)
    if start >= 0:
        return start, start + len(piece)
    words = piece.split()
    pattern = r"\s*".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, hint) or re.compile(pattern).search(text)
    if m is None:
        raise ValueError("chunk not found in article text")
    return m.start(), m.end()


def chunk_article(article: Article, splitter: SentenceSplitter) -> list[Chunk]:
    """The article's passages with their character spans (llama-index's node offsets)."""
    text = article.text
    nodes = splitter.get_nodes_from_documents([Document(text=text)])
    chunks: list[Chunk] = []
    cursor = 0
    for node in nodes:
        piece = node.get_content()
        if not piece.strip():
            continue
        start, end = node.start_char_idx, node.end_char_idx
        if start is None or end is None:
            start, end = locate(text, piece, cursor)
        cursor = start + 1  # overlapping chunks start before the previous one ends
        chunks.append(Chunk(article.id, len(chunks), text[start:end], start, end))
    return chunks
