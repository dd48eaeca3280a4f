"""The same code path against a real `chroma run` server (ASSISTANT_CHROMA_HOST/PORT)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.errors import StoreError
from testkit.chroma_server import ChromaServer, free_port

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    with ChromaServer(tmp_path_factory.mktemp("chroma") / "data") as server:
        yield server


def test_cli_ingests_and_answers_through_the_server(chroma, tmp_path):
    env = dict(os.environ, ASSISTANT_CHROMA_HOST="127.0.0.1",
               ASSISTANT_CHROMA_PORT=str(chroma.port), ASSISTANT_COLLECTION="cli-test")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env,
                              capture_output=True, text=True, timeout=180)

    r = run("ingest", str(SEEDS), "-q")
    assert r.returncode == 0, r.stderr
    r = run("ask", "What did Obama say about the Russians?", "--json")
    out = json.loads(r.stdout)
    assert out["answer"].startswith("**Barack Obama**")  # from the quote index
    assert any("buy-in from the Russians" in c["text"] for c in out["citations"])
    # nothing was written to a local index: the server holds it
    assert not (tmp_path / "index").exists()
    a = Assistant(get_settings(chroma_host="127.0.0.1", chroma_port=chroma.port,
                               collection="cli-test"))
    assert a.store.count_articles() == 1 and a.stats()["quotes"] >= 10
    assert a.delete(a.articles()[0].id)
    assert a.stats()["quotes"] == 0
    assert a.search("ceasefire") == []


def test_unreachable_server_is_a_clear_error():
    port = free_port()
    with pytest.raises(StoreError, match=f"127.0.0.1:{port}"):
        Assistant(get_settings(chroma_host="127.0.0.1", chroma_port=port)).store
