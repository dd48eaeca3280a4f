"""Workers on other machines: a real `redis-server` queue, a real `chroma run` store, and
`assistant worker` processes taking jobs from it; one is killed mid-job.

redis-server comes from Debian (`apt-get install -y redis-server`; .ci/run installs it);
without it these tests skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.errors import QueueError
from assistant.ingest.chunking import chunk_article, make_splitter
from assistant.ingest.loaders import load_file
from assistant.jobs import JobQueue
from testkit.chroma_server import ChromaServer, free_port
from tests.conftest import REPO_ROOT
from tests.store_mode import SERVER

REDIS = shutil.which("redis-server")
pytestmark = [
    pytest.mark.skipif(REDIS is None, reason="redis-server is not installed "
                       "(apt-get install -y redis-server)"),
    # it starts its own Chroma server: once per CI run (the embedded pass) is enough
    pytest.mark.skipif(bool(SERVER), reason="runs in the embedded pass only"),
]


class Redis:
    """A real redis-server on loopback, persisting to its own folder (appendonly)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--save", "", "--protected-mode", "yes"],
            stdout=(self.folder / "redis.log").open("ab"), stderr=subprocess.STDOUT)
        import redis

        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline, (self.folder / "redis.log").read_text()
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def cluster(tmp_path):
    """Redis + Chroma server + the settings every process of the deployment shares."""
    redis_server = Redis(tmp_path / "redis").start()
    chroma = ChromaServer(tmp_path / "chroma").start()
    env = {"ASSISTANT_QUEUE_URL": redis_server.url, "ASSISTANT_CHROMA_HOST": "127.0.0.1",
           "ASSISTANT_CHROMA_PORT": str(chroma.port), "ASSISTANT_COLLECTION": "workers",
           "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    try:
        yield redis_server, chroma, env
    finally:
        chroma.stop()
        redis_server.stop()


def settings_of(env: dict[str, str]):
    return get_settings(queue_url=env["ASSISTANT_QUEUE_URL"], chroma_host="127.0.0.1",
                        chroma_port=int(env["ASSISTANT_CHROMA_PORT"]),
                        collection=env["ASSISTANT_COLLECTION"],
                        data_dir=Path(env["ASSISTANT_DATA_DIR"]))


def worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "worker",
                             "--stale-after", "4"], cwd=REPO_ROOT,
                            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def news(folder: Path, n: int, per_file: int) -> list[Path]:
    files = []
    for f in range(0, n, per_file):
        rows = [{"id": f"w-{k}", "title": f"Bridge works in Village{k}",
                 "published": f"2024-04-{1 + k % 28:02d}",
                 "text": f"The bridge of Village{k} closes for repairs. \u201cIt reopens in "
                         f"May,\u201d the engineer said.\n\n" + " ".join(
                             f"Traffic in Village{k} takes detour {d} this week." for d in
                             range(10))} for k in range(f, min(n, f + per_file))]
        path = folder / f"news-{f}.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
        files.append(path)
    return files


def test_two_workers_ingest_200_articles_once_even_when_one_is_killed(cluster, tmp_path):
    redis_server, chroma, env = cluster
    settings = settings_of(env)
    files = news(tmp_path, 200, 10)
    queue = JobQueue(settings)
    jobs = [queue.submit("ingest", {"paths": [str(f)]}) for f in files]
    logs = [tmp_path / f"worker-{i}.log" for i in range(2)]
    workers = [worker(env, log) for log in logs]
    try:
        # kill -9 one worker in the middle of a job: its job must be run again elsewhere
        deadline = time.monotonic() + 240
        victim = None
        while victim is None:
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            running = [j for j in queue.list() if j.state == "running" and j.done == 0]
            for j in running:
                pid = int(j.worker.rsplit(":", 1)[1])
                if pid == workers[0].pid:
                    victim = j
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        done = [queue.wait(j.id, timeout=300) for j in jobs]
        assert [j.state for j in done] == ["done"] * len(jobs), [
            (j.id, j.state, j.error) for j in done if j.state != "done"]
        again = queue.get(victim.id)
        assert again.attempts >= 2 and again.worker.endswith(f":{workers[1].pid}")
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                w.wait(30)
    # Counts equal a clean run: every article once, every chunk once.
    a = Assistant(settings)
    assert a.stats()["articles"] == 200
    splitter = make_splitter(a.embedder.token_ids)
    expected = {f"{x.id}#{x.version}#{c.index}" for f in files for x in load_file(f)
                for c in chunk_article(x, splitter)}
    got = [i for i, _, _ in a.store.chunk_records()]
    assert len(got) == len(set(got)) and set(got) == expected


def test_redis_down_is_a_clear_error_at_submit_and_queued_jobs_survive(cluster, tmp_path):
    redis_server, chroma, env = cluster
    queue = JobQueue(settings_of(env))
    kept = queue.submit("ingest", {"paths": [str(news(tmp_path, 3, 3)[0])]})
    redis_server.stop()
    with pytest.raises(QueueError, match=r"job queue at redis://127\.0\.0\.1:\d+/0 cannot "
                                         r"take the job .*ConnectionError"):
        queue.submit("ingest", {"paths": ["x.jsonl"]})
    redis_server.start()
    assert queue.get(kept.id).state == "queued"
    w = worker(env, tmp_path / "worker.log")
    try:
        assert queue.wait(kept.id, timeout=120).state == "done"
    finally:
        w.terminate()
        w.wait(30)


def test_worker_refuses_an_embedded_index(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    r = subprocess.run([sys.executable, "-m", "assistant.cli", "worker"], cwd=REPO_ROOT,
                       env={**env, "ASSISTANT_DATA_DIR": str(tmp_path)}, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "needs ASSISTANT_QUEUE_URL" in r.stderr
