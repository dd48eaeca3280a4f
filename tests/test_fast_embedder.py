"""The opt-in int8 embedder: converted once, cached, close to the default, never mixed."""

from __future__ import annotations

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.embed import Embedder, get_embedder
from assistant.errors import StoreError

SENTENCES = ["The harbour reopened on Monday after a week of storms.",
             "Mayor Jo Park said the repairs cost two million euros.",
             "Obama and Putin discussed a ceasefire in Syria at the G20 summit.",
             "The chess final ended in a draw after 80 moves."]


def test_int8_model_is_cached_and_close_to_the_default(tmp_path):
    fast = Embedder(fast=True, cache_dir=tmp_path)
    cached = list(tmp_path.glob("*-int8-dynamic.onnx"))
    assert len(cached) == 1 and fast.name == "all-MiniLM-L6-v2+int8"
    mtime = cached[0].stat().st_mtime
    Embedder(fast=True, cache_dir=tmp_path)  # second use: no reconversion
    assert cached[0].stat().st_mtime == mtime
    a, b = get_embedder().embed(SENTENCES), fast.embed(SENTENCES)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.97 and cos.mean() > 0.985
    # ranking is preserved: each sentence is still nearest to itself
    assert ((b @ a.T).argmax(axis=1) == range(len(SENTENCES))).all()


def test_an_index_never_mixes_default_and_int8_vectors(tmp_path):
    seeds = get_settings().seeds_dir
    Assistant(get_settings(index_dir=tmp_path / "i", data_dir=tmp_path)).ingest(
        [seeds], progress=False)
    fast = Assistant(get_settings(index_dir=tmp_path / "i", data_dir=tmp_path, embed_fast=True))
    with pytest.raises(StoreError, match=r"'all-MiniLM-L6-v2'.*'all-MiniLM-L6-v2\+int8'"):
        fast.store
