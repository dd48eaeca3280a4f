"""The int8 embedder: converted once, cached, close to fp32, never mixed with it; the default
for a new index, while an index built with fp32 keeps fp32."""

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


def test_an_index_never_mixes_fp32_and_int8_vectors(tmp_path):
    seeds = get_settings().seeds_dir
    Assistant(get_settings(index_dir=tmp_path / "i", data_dir=tmp_path, embed_fast=False)
              ).ingest([seeds], progress=False)
    fast = Assistant(get_settings(index_dir=tmp_path / "i", data_dir=tmp_path, embed_fast=True))
    with pytest.raises(StoreError, match=r"'all-MiniLM-L6-v2'.*'all-MiniLM-L6-v2\+int8'"):
        fast.store


def test_a_new_index_is_int8_and_an_fp32_one_stays_fp32(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_EMBED_FAST", raising=False)
    seeds = get_settings().seeds_dir
    new = Assistant(get_settings(index_dir=tmp_path / "new", data_dir=tmp_path))
    report = new.ingest([seeds], progress=False)
    assert new.embedder.name.endswith("+int8") and report.added and not report.notes

    Assistant(get_settings(index_dir=tmp_path / "old", data_dir=tmp_path, embed_fast=False)
              ).ingest([seeds], progress=False)
    old = Assistant(get_settings(index_dir=tmp_path / "old", data_dir=tmp_path))
    assert old.embedder.name == "all-MiniLM-L6-v2"  # what the index holds, not the default
    assert old.ask("Where did Kerry and Lavrov meet?").citations
    report = old.ingest([seeds], progress=False)
    assert any("holds fp32 vectors" in n and "ASSISTANT_EMBED_FAST=0" in n
               for n in report.notes)
    # reopened by a new process's settings, the int8 index stays int8 too
    again = Assistant(get_settings(index_dir=tmp_path / "new", data_dir=tmp_path))
    assert again.embedder.name.endswith("+int8") and again.store.count_articles() == 1
