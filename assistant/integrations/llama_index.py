"""The assistant's retrieval as a llama-index retriever.

    from assistant import Assistant
    from assistant.integrations.llama_index import ArticleRetriever
    from llama_index.core.query_engine import RetrieverQueryEngine

    retriever = ArticleRetriever(Assistant(), k=5, since="2024-01")
    engine = RetrieverQueryEngine.from_args(retriever, llm=my_llm)
    print(engine.query("What did Obama say about Russia?"))

Each node is a passage (merged neighbouring chunks, as the assistant ranks them: hybrid
keyword + vector, date-aware, diverse across articles) with its exact place in the article:
metadata article_id, title, url, published, outlet, start, end (character offsets into the
stored article text). The score is the fused relevance the ranking used.
"""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

# What an LLM prompt needs of a passage's metadata; the offsets are for citing, not reading.
_NOT_FOR_THE_LLM = ["article_id", "start", "end"]


class ArticleRetriever(BaseRetriever):
    """k passages per query from an `Assistant` (or anything with its `search`)."""

    def __init__(self, assistant, k: int = 5, since: str | None = None,
                 until: str | None = None, as_of: str | None = None, **kwargs):
        assistant.check_dates(since, until, as_of)  # a bad date fails here, not per query
        self.assistant = assistant
        self.k = k
        self.since, self.until, self.as_of = since, until, as_of
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = self.assistant.check_question(query_bundle.query_str, "query")
        hits = self.assistant.search(query, self.k, since=self.since, until=self.until,
                                     as_of=self.as_of)
        nodes = []
        for h in hits:
            node = TextNode(
                id_=f"{h.article_id}:{h.start}-{h.end}", text=h.text,
                metadata={"article_id": h.article_id, "title": h.title, "url": h.url,
                          "published": h.published, "outlet": h.outlet, "start": h.start,
                          "end": h.end},
                excluded_llm_metadata_keys=_NOT_FOR_THE_LLM,
                excluded_embed_metadata_keys=_NOT_FOR_THE_LLM)
            nodes.append(NodeWithScore(node=node,
                                       score=float(getattr(h, "relevance", 0.0) or h.score)))
        return nodes
