"""kill -9 in the middle of a large ingest, then the same command again: the job finishes
with no duplicate and no missing chunk, quote or keyword entry."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.ingest.chunking import chunk_article, make_splitter
from assistant.ingest.loaders import load_file
from assistant.quotes import extract_quotes
from tests.town import write_town

N = 96

def ingest_cmd(src: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", "ingest", str(src), "--index", str(index),
            "--progress"]


def test_kill_9_mid_ingest_then_rerun_completes_exactly(tmp_path):
    src = write_town(tmp_path / "big.jsonl", N, sentences=40, prefix="art")
    index = tmp_path / "index"
    proc = subprocess.Popen(ingest_cmd(src, index), stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    buf, done = "", 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ch = proc.stderr.read(1)
        if not ch:
            break
        buf += ch
        m = re.findall(r"(\d+)/%d" % N, buf[-40:])
        if m and 0 < int(m[-1]) < N:
            done = int(m[-1])
            break
    assert done, f"no progress seen before the end: {buf[-500:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    partial = Assistant(get_settings(index_dir=index)).store.count_articles()
    assert 0 < partial < N  # it really was killed in the middle

    r = subprocess.run(ingest_cmd(src, index), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{N - partial} added" in r.stdout and f"{partial} unchanged" in r.stdout

    a = Assistant(get_settings(index_dir=index))
    articles = {x.id: x for x in load_file(src)}
    infos = {i.id: i for i in a.articles()}
    assert set(infos) == set(articles)
    splitter = make_splitter(a.embedder.token_ids)
    expected = {f"{x.id}#{x.version}#{c.index}" for x in articles.values()
                for c in chunk_article(x, splitter)}
    got = [i for i, _, _ in a.store.chunk_records()]
    assert len(got) == len(set(got)) == len(expected)  # no duplicates
    assert set(got) == expected  # none missing, none stale
    assert all(infos[i].version == articles[i].version for i in articles)
    # the quotes too: exactly each article's current extraction, once
    expected_q = {f"{x.id}#{x.version}#q{n}" for x in articles.values()
                  for n, _ in enumerate(extract_quotes(x.text))}
    got_q = [i for i, _, _ in a.store.quote_records()]
    assert len(got_q) == len(set(got_q)) == len(expected_q) >= 2 * N
    assert set(got_q) == expected_q
    # and the keyword index, derived from Chroma, holds every chunk once
    a.retriever.refresh()
    kw = a.retriever.keyword.snapshot.ids
    assert len(kw) == len(set(kw)) and set(kw) == expected
    # the vector index survived the kill too: an article written before it is still found
    first = articles["art-000"]
    hit = a.search(chunk_article(first, splitter)[0].text, k=1)[0]
    assert hit.article_id == "art-000"
