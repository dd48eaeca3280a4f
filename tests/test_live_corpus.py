"""A corpus that grows while people ask: one writer per index, the CLI handing its work to
the running server, a durable queue that survives kill -9, an honest /healthz.

Real processes throughout: `assistant serve` and second `assistant` commands on one embedded
index, as a newcomer runs them from two terminals.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.jobs import JobQueue
from tests.conftest import REPO_ROOT, start_app, stop

# The single-writer rules are the embedded store's; a Chroma server takes many writers
# (tests/test_workers.py).
pytestmark = pytest.mark.embedded_only

SEED_QUESTION = "Who said what about the ceasefire?"


def cli(*args: str, index: Path, data: Path, timeout: float = 300,
        env: dict[str, str] | None = None):
    """A second `assistant` command, as from another terminal."""
    full = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "GRADIO_ANALYTICS_ENABLED": "False",
            **(env or {})}
    full.pop("ASSISTANT_CHROMA_HOST", None)
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args, "--index", str(index)],
                          cwd=REPO_ROOT, env=full, capture_output=True, text=True,
                          timeout=timeout)


def http(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode()
                                 if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def town_files(folder: Path, start: int, n: int) -> Path:
    """Articles about the towns start … start+n-1 (each named once, e.g. "Town7"): one JSONL
    file, ids town-<k>."""
    rows = []
    for k in range(start, start + n):
        body = " ".join(f"The ferry timetable of Town{k} changes in week {w}, the port "
                        f"office said." for w in range(12))
        rows.append({"id": f"town-{k}", "title": f"Storm closes the harbour of Town{k}",
                     "published": f"2024-03-{1 + k % 28:02d}",
                     "text": f"A storm closed the harbour of Town{k} on Monday. \u201cThe "
                             f"harbour of Town{k} reopens on Friday,\u201d the harbour master "
                             f"said.\n\n{body}"})
    path = folder / f"towns-{start}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def served(tmp_path):
    """A real server on its own embedded index (seeded): (base URL, index, data, process)."""
    index, data = tmp_path / "index", tmp_path / "data"
    data.mkdir()
    base, proc = start_app(index, data, copy=False)
    try:
        yield base, index, data, proc
    finally:
        stop(proc)


def test_cli_ingest_lands_in_the_running_server_which_never_500s(served, tmp_path):
    """The README's sequence: `make run`, then `assistant ingest` from a second terminal."""
    base, index, data, _ = served
    assert http("POST", base + "/api/ask", {"question": SEED_QUESTION})[0] == 200
    for round_, start in enumerate((0, 5)):
        src = town_files(tmp_path, start, 5)
        r = cli("ingest", str(src), index=index, data=data)
        assert r.returncode == 0, r.stderr
        assert "5 added" in r.stdout and "handed to the server at" in r.stderr
        status, health = http("GET", base + "/healthz")
        assert status == 200 and health["ok"] and health["articles"] == 1 + 5 * (round_ + 1)
        assert health["queue"]["depth"] == 0
        for town in (start, start + 4):  # the new articles are answered at once
            status, ans = http("POST", base + "/api/ask",
                               {"question": f"What happened to the harbour of Town{town}?"})
            assert status == 200, ans
            assert any(c["title"].endswith(f"Town{town}") for c in ans["citations"]), ans
        status, ans = http("POST", base + "/api/ask", {"question": SEED_QUESTION})
        assert status == 200 and ans["citations"]
        status, hits = http("GET", base + "/api/search?q=harbour&k=3")
        assert status == 200 and hits["hits"]

    # Reads and deletes from the second terminal go through the server too.
    stats = cli("articles", "stats", "--json", index=index, data=data)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 11
    asked = cli("ask", "What happened to the harbour of Town3?", "--json", index=index,
                data=data)
    assert asked.returncode == 0 and json.loads(asked.stdout)["citations"], asked.stderr
    listed = cli("jobs", "--json", index=index, data=data)
    jobs = json.loads(listed.stdout)
    assert [j["state"] for j in jobs] == ["done", "done"] and jobs[0]["total"] == 5
    gone = cli("articles", "delete", "town-0", index=index, data=data)
    assert gone.returncode == 0, gone.stderr
    time.sleep(2)  # /healthz reuses a check for 1.5 s
    assert http("GET", base + "/healthz")[1]["articles"] == 10


def test_a_second_server_on_the_same_index_is_refused(served):
    base, index, data, proc = served
    r = cli("serve", "--port", "1", index=index, data=data, timeout=120)
    assert r.returncode == 2
    assert f"already served by the server at {base}" in r.stderr
    assert f"pid {proc.pid}" in r.stderr


def test_two_cli_ingests_without_a_server_take_turns(tmp_path):
    index, data = tmp_path / "index", tmp_path / "data"
    first_src, second_src = town_files(tmp_path, 0, 40), town_files(tmp_path, 100, 3)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    first = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(first_src),
                              "--index", str(index), "--quiet"], cwd=REPO_ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock_info = index / ".writer.json"
    deadline = time.monotonic() + 60
    while not lock_info.exists():  # the first one holds the index
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.05)
    second = cli("ingest", str(second_src), "--quiet", index=index, data=data)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert f"waiting for `assistant ingest` (pid {first.pid})" in second.stderr
    a = Assistant(get_settings(index_dir=index, data_dir=data, chroma_host=""))
    assert a.stats()["articles"] == 43
    ids = [i for i, _, _ in a.store.chunk_records()]
    assert len(ids) == len(set(ids))


def test_jobs_accepted_before_kill_9_finish_after_restart_exactly_once(tmp_path):
    index, data = tmp_path / "index", tmp_path / "data"
    data.mkdir()
    base, proc = start_app(index, data, copy=False)
    port = int(base.rsplit(":", 1)[1])
    sources = [town_files(tmp_path, 20 * i, 20) for i in range(3)]
    queue = JobQueue(get_settings(index_dir=index, data_dir=data, chroma_host=""))
    # As the CLI hands work over: three ingest jobs of 20 articles each, then kill -9 while
    # the first runs and the others wait.
    jobs = [queue.submit("ingest", {"paths": [str(s)]}) for s in sources]
    deadline = time.monotonic() + 120
    while queue.get(jobs[0].id).state != "running":
        assert time.monotonic() < deadline, queue.get(jobs[0].id)
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not all(queue.get(j.id).final for j in jobs)

    base, proc = start_app(index, data, copy=False, port=port)
    try:
        done = [queue.wait(j.id, timeout=300) for j in jobs]
        assert [j.state for j in done] == ["done"] * 3, done
        status, health = http("GET", base + "/healthz")
        assert status == 200 and health["articles"] == 61
        status, ans = http("POST", base + "/api/ask",
                           {"question": "What happened to the harbour of Town45?"})
        assert status == 200 and ans["citations"]
    finally:
        stop(proc)
    # Exactly once: every article, every chunk and every quote once.
    a = Assistant(get_settings(index_dir=index, data_dir=data, chroma_host=""))
    infos = a.articles()
    assert len(infos) == 61
    chunks = [i for i, _, _ in a.store.chunk_records()]
    assert len(chunks) == len(set(chunks)) == sum(i.chunks for i in infos)


def test_cancel_a_running_job_leaves_each_article_fully_in_or_out(served, tmp_path):
    base, index, data, _ = served
    queue = JobQueue(get_settings(index_dir=index, data_dir=data, chroma_host=""))
    job = queue.submit("ingest", {"paths": [str(town_files(tmp_path, 0, 96))]})
    deadline = time.monotonic() + 120
    while (j := queue.get(job.id)).done == 0:
        assert time.monotonic() < deadline and not j.final, j
        time.sleep(0.05)
    queue.cancel(job.id)
    final = queue.wait(job.id, timeout=120)
    assert final.state == "cancelled" and 0 < final.done < 96
    stop(served[3])
    a = Assistant(get_settings(index_dir=index, data_dir=data, chroma_host=""))
    infos = {i.id: i for i in a.articles()}
    assert 1 < len(infos) < 97
    counts: dict[str, int] = {}
    for _, _, meta in a.store.chunk_records():
        counts[meta["article_id"]] = counts.get(meta["article_id"], 0) + 1
    assert counts == {i: info.chunks for i, info in infos.items()}


def test_a_job_whose_file_vanished_fails_clearly_and_the_rest_goes_on(served, tmp_path):
    base, index, data, _ = served
    queue = JobQueue(get_settings(index_dir=index, data_dir=data, chroma_host=""))
    gone = tmp_path / "gone.jsonl"
    bad = queue.submit("ingest", {"paths": [str(gone)]})
    good = queue.submit("ingest", {"paths": [str(town_files(tmp_path, 0, 2))]})
    bad, good = queue.wait(bad.id, timeout=120), queue.wait(good.id, timeout=120)
    assert bad.state == "done" and bad.result["errors"]
    assert str(gone) in bad.result["errors"][0][0]
    assert good.state == "done" and len(good.result["added"]) == 2


def test_a_bad_queue_url_is_refused_at_start(tmp_path):
    r = cli("jobs", index=tmp_path / "index", data=tmp_path / "data",
            env={**os.environ, "ASSISTANT_QUEUE_URL": "http://nowhere"})
    assert r.returncode == 2 and "ASSISTANT_QUEUE_URL" in r.stderr
