"""A Chroma server that dies under the assistant (issue 8, "store faults").

A real `chroma run` on a free loopback port with its data in tmp is killed (SIGKILL) while
questions are being answered and while an ingest is writing, then started again on the same
port and path. While it is down every query says so (StoreError: "the Chroma server at
host:port is unreachable ... retry"; a 503 with that message at the REST API, never a 500 or
a traceback); once it is back the *same* Assistant answers again, with no restart of the app;
and the interrupted ingest, run again, ends exactly like a clean run of the same files into
a fresh collection: same articles, versions, chunk and quote ids, nothing doubled or missing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.errors import StoreError
from testkit.chroma_server import ChromaServer
from tests.store_mode import SERVER
from tests.town import write_town

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"
OBAMA = "What did Obama say about the Russians?"
N_GENERATED = 79  # + the seed article: 80 articles, three write batches of 32/32/16

pytestmark = [
    pytest.mark.server,
    # It starts (and kills) servers of its own: once, in the embedded pass, is enough.
    pytest.mark.skipif(bool(SERVER), reason="starts its own Chroma servers (embedded pass)"),
]


def corpus(folder: Path) -> list[Path]:
    """seeds/ plus small generated articles (one or two chunks and a quote each)."""
    return [SEEDS, write_town(folder / "town.jsonl", N_GENERATED, sentences=12, prefix="gen")]


def unreachable(server: ChromaServer) -> str:
    return rf"the Chroma server at 127\.0\.0\.1:{server.port} is unreachable.*retry"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-faults") / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def up(chroma):
    """The module's server, running (a test before may have left it killed)."""
    if not chroma.running:
        chroma.start()
    return chroma


def assistant_for(server: ChromaServer, collection: str, data_dir: Path) -> Assistant:
    return Assistant(get_settings(chroma_host="127.0.0.1", chroma_port=server.port,
                                  collection=collection, data_dir=data_dir,
                                  extract_quotes=True))


def snapshot(a: Assistant) -> dict:
    """What an index holds, in comparable form."""
    chunks = [i for i, _, _ in a.store.chunk_records()]
    quotes = [i for i, _, _ in a.store.quote_records()]
    return {"articles": {i.id: (i.version, i.chunks) for i in a.articles()},
            "chunks": sorted(chunks), "quotes": sorted(quotes),
            "doubled": len(chunks) - len(set(chunks)) + len(quotes) - len(set(quotes)),
            "stats": {k: v for k, v in a.stats().items() if k != "bytes"},
            "keyword": sorted(a.retriever.keyword.snapshot.ids)}


# -- queries -----------------------------------------------------------------------------------


def test_queries_fail_clearly_while_the_server_is_down_and_recover_after_restart(
        up, tmp_path):
    from fastapi.testclient import TestClient

    from assistant.web.app import create_app

    a = assistant_for(up, "queries", tmp_path / "data")
    assert a.ingest([SEEDS], progress=False).ok
    hits_before = [(h.article_id, h.start, h.end) for h in a.search("ceasefire Aleppo")]
    answer_before = a.ask(OBAMA)
    assert hits_before and answer_before.citations
    api = TestClient(create_app(get_settings(chroma_host="127.0.0.1", chroma_port=up.port,
                                             collection="queries",
                                             data_dir=tmp_path / "web"), a))
    assert api.get("/api/search", params={"q": "ceasefire"}).status_code == 200
    assert api.get("/healthz").json()["ok"] is True

    # kill -9 while questions are being answered, back to back, in another thread
    outcomes: list = []
    stop = threading.Event()

    def asking() -> None:
        while not stop.is_set():
            try:
                a.search("ceasefire Aleppo", k=3)
                a.ask(OBAMA)
                outcomes.append("ok")
            except Exception as e:  # noqa: BLE001 - collected and checked below
                outcomes.append(e)

    worker = threading.Thread(target=asking, daemon=True)
    worker.start()
    deadline = time.monotonic() + 60
    while outcomes.count("ok") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert up.kill(signal.SIGKILL) == -signal.SIGKILL
    killed_at = len(outcomes)
    while len(outcomes) < killed_at + 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(30)
    assert not worker.is_alive()
    errors = [o for o in outcomes if o != "ok"]
    assert errors, "no query failed after the kill"
    for e in errors:  # a query cut in flight and the ones after it: all say the same
        assert isinstance(e, StoreError), f"{type(e).__name__}: {e}"
        assert re.search(unreachable(up), str(e)), str(e)

    # down: the library, the REST API and the CLI all say what is wrong
    for call in (lambda: a.search("ceasefire"), lambda: a.ask(OBAMA),
                 lambda: a.ask("ceasefire"), a.articles, a.stats,
                 lambda: a.article(a.retriever.keyword.snapshot.article_ids[0]),
                 lambda: a.retriever.refresh()):
        with pytest.raises(StoreError, match=unreachable(up)):
            call()
    for method, url, body in (("get", "/api/search?q=ceasefire", None),
                              ("post", "/api/ask", {"question": OBAMA}),
                              ("post", "/api/ask/stream", {"question": OBAMA}),
                              ("get", "/api/articles", None), ("get", "/healthz", None)):
        r = getattr(api, method)(url, **({"json": body} if body else {}))
        assert r.status_code == 503, (url, r.status_code, r.text[:300])
        assert re.search(unreachable(up), r.json()["detail"]), r.text
        assert r.headers.get("retry-after")
        assert "Traceback" not in r.text
    env = dict(os.environ, ASSISTANT_CHROMA_HOST="127.0.0.1",
               ASSISTANT_CHROMA_PORT=str(up.port), ASSISTANT_COLLECTION="queries",
               ASSISTANT_DATA_DIR=str(tmp_path / "cli"))
    r = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", OBAMA], env=env,
                       capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert re.search(rf"127\.0\.0\.1:{up.port}", r.stderr), r.stderr

    # back on the same port and path: the same objects answer again, nothing restarted
    up.start()
    assert [(h.article_id, h.start, h.end)
            for h in a.search("ceasefire Aleppo")] == hits_before
    again = a.ask(OBAMA)
    assert again.answer == answer_before.answer and again.citations == answer_before.citations
    r = api.post("/api/ask", json={"question": OBAMA})
    assert r.status_code == 200 and r.json()["answer"] == answer_before.answer
    assert api.get("/api/search", params={"q": "ceasefire"}).status_code == 200
    assert api.get("/healthz").status_code == 200


# -- ingest --------------------------------------------------------------------------------------


def test_a_hung_server_is_a_timeout_not_a_question_that_never_returns(up, tmp_path):
    """SIGSTOP freezes the real server: it accepts connections (the kernel does) but never
    answers. Each query gives up after ASSISTANT_CHROMA_TIMEOUT with a StoreError that says
    so; after SIGCONT the same Assistant answers again."""
    a = Assistant(get_settings(chroma_host="127.0.0.1", chroma_port=up.port,
                               collection="hung", data_dir=tmp_path / "data",
                               chroma_timeout=2))
    assert a.ingest([SEEDS], progress=False).ok
    before = [(h.article_id, h.start) for h in a.search("ceasefire Aleppo")]
    up.proc.send_signal(signal.SIGSTOP)
    try:
        t = time.monotonic()
        with pytest.raises(StoreError, match=rf"127\.0\.0\.1:{up.port} did not answer "
                                             r"within 2 s.*retry"):
            a.search("ceasefire Aleppo")
        assert time.monotonic() - t < 20  # one timeout (plus the client's own retry), not forever
    finally:
        up.proc.send_signal(signal.SIGCONT)
    assert [(h.article_id, h.start) for h in a.search("ceasefire Aleppo")] == before


def test_ingest_cut_by_an_outage_finishes_exactly_after_restart(up, tmp_path):
    paths = corpus(tmp_path / "src")
    total = N_GENERATED + 1
    a = assistant_for(up, "outage", tmp_path / "data")
    probe = assistant_for(up, "outage", tmp_path / "probe")  # watches from outside
    a.store  # noqa: B018 - open the collections before the race starts
    failure: list[BaseException] = []

    def ingesting() -> None:
        try:
            a.ingest(paths, progress=False)
        except BaseException as e:  # noqa: BLE001 - checked below
            failure.append(e)

    worker = threading.Thread(target=ingesting, daemon=True)
    worker.start()
    deadline = time.monotonic() + 120
    written = 0
    while worker.is_alive() and time.monotonic() < deadline:
        written = probe.store.count_articles()
        if 0 < written < total:
            break
        time.sleep(0.01)
    assert 0 < written < total, f"ingest not caught in the middle ({written}/{total})"
    up.kill(signal.SIGKILL)  # mid-ingest: some batches written, the next ones not
    worker.join(120)
    assert not worker.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], StoreError), failure
    assert re.search(unreachable(up), str(failure[0])), str(failure[0])
    with pytest.raises(StoreError, match=unreachable(up)):
        a.search("harbour plan")

    up.start()
    partial = a.store.count_articles()  # what the killed server had committed
    assert 0 < partial < total
    report = a.ingest(paths, progress=False)  # the same command again, same Assistant
    assert report.ok, report.summary()
    assert len(report.unchanged) == partial and len(report.added) == total - partial
    resumed = snapshot(a)

    clean = assistant_for(up, "clean", tmp_path / "clean")
    assert clean.ingest(paths, progress=False).ok
    expected = snapshot(clean)
    assert len(expected["articles"]) == total and expected["doubled"] == 0
    assert resumed["doubled"] == 0  # nothing doubled
    assert resumed["articles"] == expected["articles"]
    assert resumed["chunks"] == expected["chunks"]  # none missing, none stale
    assert resumed["quotes"] == expected["quotes"]
    assert resumed["stats"] == expected["stats"]
    assert resumed["keyword"] == expected["keyword"] == expected["chunks"]
    ask = "What did the mayor say about plan 7?"
    assert ([(h.article_id, h.start) for h in a.search(ask)]
            == [(h.article_id, h.start) for h in clean.search(ask)])
