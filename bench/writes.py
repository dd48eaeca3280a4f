"""How writes flow, measured: the CLI's hand-off to a running server, queue throughput with
one and two workers, and the time from an accepted upload to an answerable article.

    .venv/bin/python bench/writes.py handoff [--articles 100]
    .venv/bin/python bench/writes.py workers [--articles 100] [--share-cores]   # redis-server
    .venv/bin/python bench/writes.py upload [--uploads 20]

Real processes only: `assistant serve`, `assistant ingest`, `assistant worker`, a
`redis-server` and a `chroma run` on loopback, all in a temporary folder. Articles are
RealTimeQA's (../shared/data/realtimeqa/articles.jsonl; skips cleanly when absent).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SRC = ROOT.parent / "shared" / "data" / "realtimeqa" / "articles.jsonl"

from assistant.config import get_settings  # noqa: E402
from assistant.jobs import JobQueue  # noqa: E402
from bench.ingest import take  # noqa: E402 - the first n articles of SRC, as a file
from testkit.chroma_server import ChromaServer, free_port  # noqa: E402

ENV = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
for key in [k for k in ENV if k.startswith("ASSISTANT_")]:
    ENV.pop(key)


def cli(*args: str, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=ROOT,
                       env={**ENV, **(env or {})}, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"assistant {' '.join(args)} failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t, r


def serve(index: Path, data: Path, env: dict | None = None) -> tuple[str, subprocess.Popen]:
    port = free_port()
    log = data / "serve.log"
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--index",
                             str(index), "--port", str(port)], cwd=ROOT,
                            env={**ENV, "ASSISTANT_DATA_DIR": str(data), **(env or {})},
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return base, proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def handoff(n: int, tmp: Path) -> None:
    """The same n articles: `assistant ingest` alone, and handed to a running server (each
    into a fresh index holding the seed; the command's wall time, model load included)."""
    src = take(n, dest=tmp / "articles.jsonl")
    rows = []
    for rep in range(2):  # alternate, to spread the machine's noise over both
        idx = tmp / f"direct-{rep}"
        cli("ingest", str(ROOT / "seeds"), "--index", str(idx), "--quiet")
        direct, _ = cli("ingest", str(src), "--index", str(idx), "--quiet",
                        env={"ASSISTANT_DATA_DIR": str(tmp / f"d-data-{rep}")})
        idx2 = tmp / f"served-{rep}"
        base, proc = serve(idx2, tmp / f"s-data-{rep}")
        try:
            handed, r = cli("ingest", str(src), "--index", str(idx2), "--quiet",
                            env={"ASSISTANT_DATA_DIR": str(tmp / f"s-data-{rep}")})
            assert "handed to the server" in r.stderr, r.stderr
        finally:
            stop(proc)
        rows.append((direct, handed))
        print(f"run {rep + 1}: direct {direct:.1f} s, handed to the server {handed:.1f} s "
              f"({handed / direct:.2f}x)", flush=True)
    d = statistics.mean(r[0] for r in rows)
    h = statistics.mean(r[1] for r in rows)
    print(f"| {n} articles | direct `assistant ingest` {d:.1f} s | handed to `assistant serve` "
          f"{h:.1f} s | **{h / d:.2f}x** |")


def workers(n: int, tmp: Path, share_cores: bool = False) -> None:
    """n articles in jobs of 10 through a Redis queue into a Chroma server: one worker, then
    two (fresh collections each), wall time from the first submit to the last job done.
    share_cores: each of k workers gets cores/k onnxruntime threads (ASSISTANT_EMBED_THREADS)
    instead of all of them, as workers sharing one machine should."""
    redis_bin = shutil.which("redis-server")
    if redis_bin is None:
        print("skip: redis-server is not installed")
        return
    files = []
    lines = take(n, dest=tmp / "all.jsonl").read_text().splitlines()
    for b in range(0, n, 10):
        p = tmp / f"part-{b}.jsonl"
        p.write_text("\n".join(lines[b:b + 10]) + "\n")
        files.append(p)
    port = free_port()
    redis = subprocess.Popen([redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save",
                              "", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    chroma = ChromaServer(tmp / "chroma").start()
    results = {}
    try:
        time.sleep(0.5)
        for count in (1, 2, 1, 2):
            env = {"ASSISTANT_QUEUE_URL": f"redis://127.0.0.1:{port}/0",
                   "ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT":
                   str(chroma.port), "ASSISTANT_COLLECTION": f"b{uuid.uuid4().hex[:8]}",
                   "ASSISTANT_DATA_DIR": str(tmp / "wdata")}
            if share_cores:
                env["ASSISTANT_EMBED_THREADS"] = str(max(1, (os.cpu_count() or 2) // count))
            procs = [subprocess.Popen([sys.executable, "-m", "assistant.cli", "worker"],
                                      cwd=ROOT, env={**ENV, **env},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True) for _ in range(count)]
            for p in procs:  # ready: each says so once its model is loaded
                p.stderr.readline()
            queue = JobQueue(get_settings(queue_url=env["ASSISTANT_QUEUE_URL"],
                                          chroma_host="127.0.0.1", chroma_port=chroma.port,
                                          collection=env["ASSISTANT_COLLECTION"]))
            t = time.perf_counter()
            jobs = [queue.submit("ingest", {"paths": [str(f)]}) for f in files]
            done = [queue.wait(j.id, timeout=1800) for j in jobs]
            wall = time.perf_counter() - t
            assert all(j.state == "done" for j in done), [j.error for j in done]
            for p in procs:
                p.terminate()
                p.wait(30)
            results.setdefault(count, []).append(wall)
            print(f"{count} worker(s): {n} articles in {wall:.1f} s "
                  f"({n / wall:.2f} articles/s)", flush=True)
    finally:
        chroma.stop()
        redis.terminate()
    one, two = statistics.mean(results[1]), statistics.mean(results[2])
    print(f"| one worker {n / one:.2f} articles/s | two workers {n / two:.2f} articles/s | "
          f"**{one / two:.2f}x** faster with two |")


def upload(n: int, tmp: Path) -> None:
    """n single-article uploads to a running server, one after another: seconds from the
    202 (accepted) until a search finds the article."""
    src = take(n, skip=500, dest=tmp / "articles.jsonl")
    rows = [json.loads(line) for line in src.read_text().splitlines()]
    base, proc = serve(tmp / "index", tmp / "data")
    times = []
    try:
        for i, row in enumerate(rows):
            body, boundary = _multipart(f"a{i}.jsonl", (json.dumps(row) + "\n").encode())
            req = urllib.request.Request(base + "/api/articles", data=body, method="POST",
                                         headers={"Content-Type":
                                                  f"multipart/form-data; boundary={boundary}"})
            with urllib.request.urlopen(req, timeout=60) as r:
                assert r.status == 202
            t = time.perf_counter()
            query = urllib.parse.quote(row["title"])
            while True:
                with urllib.request.urlopen(f"{base}/api/search?q={query}&k=3",
                                            timeout=60) as r:
                    hits = json.loads(r.read())["hits"]
                if any(h["article_id"] == str(row["id"]) for h in hits):
                    break
                time.sleep(0.05)
            times.append(time.perf_counter() - t)
    finally:
        stop(proc)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times) + 0.5)) - 1)]
    print(f"| {n} uploads | accepted -> answerable p50 {statistics.median(times):.2f} s | "
          f"p95 {p95:.2f} s | max {times[-1]:.2f} s |")


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/json\r\n\r\n").encode()
    return body + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["handoff", "workers", "upload"])
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--share-cores", action="store_true",
                    help="workers: split the cores between the workers")
    args = ap.parse_args()
    if not SRC.exists():
        print(f"skip: {SRC} not found")
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.what == "handoff":
            handoff(args.articles, Path(tmp))
        elif args.what == "workers":
            workers(args.articles, Path(tmp), args.share_cores)
        else:
            upload(args.uploads, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
