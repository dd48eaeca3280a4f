"""Embeddings from an OpenAI-compatible /v1/embeddings service: a real HTTP server on
loopback (testkit/embedding_server.py, the bundled model behind it), called with the
openai SDK, batched, concurrent, retried, and an index that remembers whose vectors it has."""

from __future__ import annotations

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.embed_remote import RemoteEmbedder
from assistant.errors import ConfigError, EmbedderError, StoreError
from tests.conftest import SEEDS_DIR, free_port
from testkit.embedding_server import EmbeddingServer


@pytest.fixture
def server():
    with EmbeddingServer() as s:
        yield s


def remote(server, tmp_path, **extra):
    return Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                                  embed_base_url=server.url + "/v1",
                                  embed_model=server.model, **extra))


def test_an_index_built_from_an_embeddings_service_answers(server, tmp_path):
    a = remote(server, tmp_path, embed_batch=8, embed_concurrency=3)
    report = a.ingest([SEEDS_DIR], progress=False)
    assert report.added and not report.errors
    assert max(server.sizes) <= 8 and server.max_in_flight > 1  # batched, in parallel
    ans = a.ask("Where did Kerry and Lavrov meet?")
    assert ans.citations and "Hangzhou" in " ".join(c.passage for c in ans.citations)
    assert a.stats()["embedder"] == "openai-compatible:minilm-remote"
    # the vectors are the service's model's: the bundled model may not use this index
    with pytest.raises(StoreError, match="built with embedding model "
                                         "'openai-compatible:minilm-remote'"):
        Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "d2")).store


def test_failed_requests_are_retried_and_a_dead_service_is_said(server, tmp_path):
    e = RemoteEmbedder(server.url + "/v1", server.model, retries=2)
    server.fail_next = 2  # two 500s, then the answer
    v = e.embed(["The harbour reopened.", "The ferry runs again."])
    assert v.shape == (2, e.dim) and abs(float((v[0] ** 2).sum()) - 1) < 1e-4
    once = RemoteEmbedder(server.url + "/v1", server.model, retries=1)
    server.fail_next = 2  # more failures than retries
    with pytest.raises(EmbedderError, match="answered HTTP 500"):
        once.embed(["x y z"])
    assert server.fail_next == 0
    with pytest.raises(EmbedderError, match="answered HTTP 404 .*'no-such-model'"):
        RemoteEmbedder(server.url + "/v1", "no-such-model", retries=0)
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(EmbedderError, match="check ASSISTANT_EMBED_BASE_URL"):
        RemoteEmbedder(dead, "m", retries=0, timeout=2)


def test_the_settings_say_what_is_missing():
    with pytest.raises(ConfigError, match="ASSISTANT_EMBED_MODEL: set the model name"):
        get_settings(embed_base_url="http://gpu:8080/v1")
    with pytest.raises(ConfigError, match="ASSISTANT_EMBED_BASE_URL: 'gpu:8080' is not"):
        get_settings(embed_base_url="gpu:8080", embed_model="m")
