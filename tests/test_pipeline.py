"""Ingest -> Chroma -> retrieval through the library, on a real embedded Chroma."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.errors import StoreError
from assistant.store import Store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def make(tmp_path: Path, **kw) -> Assistant:
    return Assistant(get_settings(index_dir=tmp_path / "index", **kw))


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


ARTICLE = {
    "id": "a1", "title": "Harbour reopens", "url": "https://example.com/harbour",
    "published": "2024-03-02", "authors": ["Ann Lee"],
    "text": "The harbour reopened on Monday after a week of storms.\n\n"
            "Mayor Jo Park said the repairs cost 2 million euros. Fishing boats returned.",
}


def test_seed_chunks_keep_offsets_into_the_article_text(tmp_path):
    a = make(tmp_path)
    report = a.ingest([SEEDS], progress=False)
    assert report.ok and len(report.added) == 1 and report.chunks >= 2
    article_id = report.added[0]
    text = a.article(article_id).text
    got = a.store.chunk_records(article_id)
    assert len(got) == report.chunks
    for _, doc, meta in got:
        assert text[meta["start"]:meta["end"]] == doc
        # every chunk fits the embedder's window: nothing is silently truncated
        assert a.embedder.count_tokens(doc) <= 256


def test_reingest_unchanged_does_nothing_and_changed_replaces(tmp_path):
    a = make(tmp_path)
    path = write_jsonl(tmp_path / "a.jsonl", [ARTICLE])
    assert a.ingest([path], progress=False).added == ["a1"]
    again = a.ingest([path], progress=False)
    assert again.unchanged == ["a1"] and again.chunks == 0

    changed = dict(ARTICLE, text=ARTICLE["text"].replace("2 million", "3 million"))
    write_jsonl(path, [changed])
    report = a.ingest([path], progress=False)
    assert report.updated == ["a1"]
    docs = [doc for _, doc, _ in a.store.chunk_records("a1")]
    assert docs and all("2 million" not in d for d in docs)
    assert any("3 million" in d for d in docs)
    assert [i.id for i in a.articles()] == ["a1"]


def test_crash_before_the_version_flip_keeps_the_old_version_searchable(tmp_path, monkeypatch):
    a = make(tmp_path)
    path = write_jsonl(tmp_path / "a.jsonl", [ARTICLE])
    a.ingest([path], progress=False)
    write_jsonl(path, [dict(ARTICLE, text=ARTICLE["text"] + " New paragraph about tolls.")])

    def crash(**kw):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(a.store.articles, "upsert", crash)
    with pytest.raises(RuntimeError):
        a.ingest([path], progress=False)
    hits = a.search("harbour repairs cost", k=10)
    assert hits and all("tolls" not in h.text for h in hits)  # new chunks are invisible
    monkeypatch.undo()
    assert a.ingest([path], progress=False).updated == ["a1"]
    hits = a.search("harbour tolls", k=10)
    assert any("tolls" in h.text for h in hits)
    assert len({(h.start, h.end) for h in hits}) == len(hits)  # no duplicate versions


def test_crash_after_the_flip_hides_old_chunks_and_the_next_run_deletes_them(tmp_path,
                                                                               monkeypatch):
    a = make(tmp_path)
    path = write_jsonl(tmp_path / "a.jsonl", [ARTICLE])
    a.ingest([path], progress=False)
    write_jsonl(path, [dict(ARTICLE, text=ARTICLE["text"].replace("Monday", "Tuesday"))])
    monkeypatch.setattr(Store, "_delete_chunks", lambda self, *a, **k: None)
    monkeypatch.setattr(Store, "collect_garbage", lambda self, *a: 0)
    a.ingest([path], progress=False)
    monkeypatch.undo()
    assert len({m["version"] for _, _, m in a.store.chunk_records()}) == 2
    hits = a.search("harbour reopened", k=10)
    assert hits and all("Monday" not in h.text for h in hits)  # ...but only one is visible
    assert a.store.collect_garbage() > 0
    versions = {m["version"] for _, _, m in a.store.chunk_records()}
    assert len(versions) == 1


def test_delete_removes_article_and_chunks(tmp_path):
    a = make(tmp_path)
    a.ingest([write_jsonl(tmp_path / "a.jsonl", [ARTICLE, dict(ARTICLE, id="a2")])],
             progress=False)
    assert a.delete("a1") is True
    assert a.delete("a1") is False
    assert [i.id for i in a.articles()] == ["a2"]
    assert a.store.chunk_records("a1") == []
    assert all(h.article_id == "a2" for h in a.search("harbour", k=5))


def test_bad_files_are_reported_and_good_ones_still_indexed(tmp_path):
    a = make(tmp_path)
    a.ingest([SEEDS], progress=False)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02binary" * 50)
    (folder / "notes.xyz").write_text("hello")
    (folder / "good.txt").write_text("A quiet village\n\nThe village fete raised money for "
                                     "the school roof on Saturday.")
    report = a.ingest([folder], progress=False)
    failed = {Path(w).name: why for w, why in report.errors}
    assert set(failed) == {"empty.txt", "blob.txt", "notes.xyz"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["blob.txt"]
    assert len(report.added) == 1
    assert len(a.articles()) == 2  # the seed is still there


def test_an_index_built_with_another_model_is_refused(tmp_path):
    a = make(tmp_path)
    a.ingest([SEEDS], progress=False)
    with pytest.raises(StoreError, match=re.escape(
            f"built with embedding model '{a.embedder.name}'")):
        Store(a.settings, "bge-small-en", 384)


def test_search_ranks_the_relevant_passage_first(tmp_path):
    a = make(tmp_path)
    rows = [ARTICLE, {"id": "b1", "title": "Chess final", "published": "2024-03-03",
                      "text": "The chess final ended in a draw after 80 moves in Oslo."}]
    a.ingest([write_jsonl(tmp_path / "a.jsonl", rows)], progress=False)
    assert a.search("Who won the chess game?", k=2)[0].article_id == "b1"
    assert a.search("How much did the harbour repairs cost?", k=2)[0].article_id == "a1"
