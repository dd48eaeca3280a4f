"""Issue 8 figures: the running app under load, over HTTP on loopback.

    .venv/bin/python bench/load.py [--users 50] [--seconds 120] [--mode extractive|llm|both]
                                   [--think 1-3] [--gradio-share 0.5] [--json out.json]

For each mode it starts the real app (`python -m assistant.cli serve`) as a subprocess on a
free loopback port, against a *copy* of the cached 1,000-article benchmark index
(bench.common.cached_index: built once, ~10 min) and a fresh data dir, then runs N simulated
users for S seconds:

- users alternate between the REST API (POST /api/ask, each user its own `conversation`, so
  follow-ups read its history) and the Gradio queue of the chat page (POST
  /gradio_api/queue/join then the SSE stream /gradio_api/queue/data, the browser's own
  protocol, with the chat history growing as in the page); a request's latency is until the
  whole answer is in (REST: the response; Gradio: `process_completed`);
- each user asks a question from questions_dev.jsonl, waits for the answer, thinks for a
  random `--think` seconds (uniform), asks again; users start spread over the first think
  interval; every request has a timeout, the run ends after `--seconds` (requests in flight
  then are awaited and counted);
- a third into the run, an admin uploads `--ingest` articles that are not in the 1k set
  (POST /api/articles, multipart) and, while that ingest runs, asks a question whose answer
  is in the indexed articles: its answer and sources are recorded;
- the server's peak RSS (VmHWM) and CPU time are read from /proc.

Mode `llm` points the app at testkit/llm_server.py's ScriptedLLM (a real OpenAI-compatible HTTP
server, in its own process) answering after `--llm-delay` seconds (uniform range).

Extra server settings go through the environment (e.g. ASSISTANT_GRADIO_CONCURRENCY=2
.venv/bin/python bench/load.py ...): the child inherits it. Errors (non-200, timeouts, a
Gradio error or an answer without text) are counted and must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DATA, cached_index  # noqa: E402

RTQA = DATA / "realtimeqa"
GRADIO_FN = "respond"  # api_name of the chat's answer event (assistant/web/ui.py chat_panel)
PROBE_QUESTION = "Elizabeth Holmes has been found guilty on four charges of defrauding investors"


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM in kB of a process."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


LLM_SCRIPT = textwrap.dedent("""
    import random, sys, time
    sys.path.insert(0, sys.argv[1])
    from testkit.llm_server import Reply, ScriptedLLM
    lo, hi = float(sys.argv[2]), float(sys.argv[3])
    llm = ScriptedLLM()
    llm.responder(lambda body: Reply(
        "According to the retrieved article, this is what happened [1]. Details follow "
        "from the same source [1].", delay=random.uniform(lo, hi), chunk_delay=0.01))
    llm.start()
    print(llm.url, flush=True)
    while True:
        time.sleep(60)
        llm.requests.clear(); llm.request_headers.clear()  # bounded memory
""")


class Server:
    """The app in a subprocess on a copy of the index; optionally a scripted LLM beside it."""

    def __init__(self, index: Path, work: Path, llm_delay: tuple[float, float] | None,
                 copy: bool = True):
        """copy: serve a copy of the index (False: the index itself, read only)."""
        self.work = work
        self.index = work / "index" if copy else index
        if copy:
            shutil.copytree(index, self.index, ignore=shutil.ignore_patterns("READY"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.llm = None
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(self.index),
               "ASSISTANT_DATA_DIR": str(work / "data"), "ASSISTANT_CHROMA_HOST": "",
               "ASSISTANT_COLLECTION": "articles", "ASSISTANT_AUTH_MODE": "none",
               # one local user is all 50 simulated users: no per-user rate limit here
               "ASSISTANT_RATE_LIMIT": "off", "GRADIO_ANALYTICS_ENABLED": "False",
               "PYTHONUNBUFFERED": "1"}
        env.pop("ASSISTANT_LLM_MODEL", None)
        env.pop("ASSISTANT_LLM_BASE_URL", None)
        if llm_delay is not None:
            self.llm = subprocess.Popen(
                [sys.executable, "-c", LLM_SCRIPT, str(ROOT), str(llm_delay[0]),
                 str(llm_delay[1])], stdout=subprocess.PIPE, text=True)
            url = self.llm.stdout.readline().strip()
            if not url:
                raise RuntimeError("the scripted LLM server did not start")
            env.update(ASSISTANT_LLM_BASE_URL=url + "/v1", ASSISTANT_LLM_MODEL="scripted-llm",
                       ASSISTANT_LLM_API_KEY="test")
        self.log = (work / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 180.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.tail()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"server not ready after {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return (self.work / "server.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        for p in (self.proc, self.llm):
            if p is None or p.poll() is not None:
                continue
            p.send_signal(signal.SIGINT if p is self.proc else signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.log.close()


# -- the users -------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # rest | gradio
    start: float  # seconds since the run began
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Run:
    t0: float
    deadline: float
    samples: list[Sample] = field(default_factory=list)
    rss_kb: int = 0
    probe: dict = field(default_factory=dict)

    def add(self, kind: str, start: float, ok: bool, error: str = "") -> None:
        if start >= self.t0:  # not during --warmup
            self.samples.append(Sample(kind, start - self.t0, time.monotonic() - start, ok,
                                       error))


async def rest_ask(client, base: str, question: str, conversation: str | None,
                   timeout: float) -> dict:
    body = {"question": question}
    if conversation:
        body["conversation"] = conversation
    r = await client.post(base + "/api/ask", json=body, timeout=timeout)
    if r.status_code != 200:
        raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
    out = r.json()
    if not out.get("answer"):
        raise RuntimeError("empty answer")
    return out


async def gradio_ask(client, base: str, fn_index: int, history: list, question: str,
                     timeout: float) -> list:
    """One chat turn through Gradio's queue, as the page does it: the new history."""
    session = uuid.uuid4().hex[:11]
    data = [*history, {"role": "user", "content": [{"type": "text", "text": question}]}]
    r = await client.post(base + "/gradio_api/queue/join", timeout=timeout, json={
        "data": [data], "fn_index": fn_index, "session_hash": session, "event_data": None,
        "trigger_id": None})
    if r.status_code != 200:
        raise RuntimeError(f"join HTTP {r.status_code}: {r.text[:200]}")
    event = r.json()["event_id"]
    async with client.stream("GET", base + "/gradio_api/queue/data",
                             params={"session_hash": session}, timeout=timeout) as s:
        if s.status_code != 200:
            raise RuntimeError(f"queue/data HTTP {s.status_code}")
        async for line in s.aiter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("event_id") not in (None, event):
                continue
            kind = msg.get("msg")
            if kind == "queue_full":
                raise RuntimeError("queue full")
            if kind == "process_completed":
                out = msg.get("output") or {}
                if not msg.get("success", True) or "error" in out:
                    raise RuntimeError(f"gradio error: {str(out.get('error'))[:200]}")
                new = out["data"][0]
                if not new or new[-1].get("role") != "assistant":
                    raise RuntimeError("no answer in the chat")
                return new
    raise RuntimeError("stream ended without process_completed")


async def user(n: int, kind: str, run: Run, client, base: str, fn_index: int,
               questions: list[str], think: tuple[float, float], timeout: float,
               max_asks: int, seed: int) -> None:
    rng = random.Random(seed * 1000 + n)
    history: list = []
    conversation = f"load-{seed}-{n}"
    await asyncio.sleep(rng.uniform(0, think[1]))
    for turn in range(max_asks):
        if time.monotonic() >= run.deadline:
            return
        # a new topic most of the time, a new conversation every 5 turns (the page's button)
        if turn % 5 == 0:
            history, conversation = [], f"load-{seed}-{n}-{turn}"
        question = rng.choice(questions)
        start = time.monotonic()
        try:
            # the timeout bounds the whole request (a Gradio stream included)
            if kind == "rest":
                await asyncio.wait_for(rest_ask(client, base, question, conversation, timeout),
                                       timeout)
            else:
                history = await asyncio.wait_for(
                    gradio_ask(client, base, fn_index, history, question, timeout), timeout)
            run.add(kind, start, True)
        except (Exception, asyncio.TimeoutError) as e:  # noqa: BLE001 - all counted
            run.add(kind, start, False, f"{type(e).__name__}: {e}"[:300])
            history = []
        await asyncio.sleep(rng.uniform(*think))


async def ingest_probe(run: Run, client, base: str, upload: Path, question: str,
                       at: float, timeout: float) -> None:
    """Upload articles mid-run; ask a question about indexed articles while it runs."""
    await asyncio.sleep(at)

    async def do_upload():
        """The upload (202 and a job), then the job followed until it ends."""
        t = time.monotonic()
        with upload.open("rb") as f:
            r = await client.post(base + "/api/articles", timeout=600,
                                  files=[("files", (upload.name, f.read(),
                                                    "application/jsonl"))])
        job = r.json().get("job") if r.status_code == 202 else None
        while job is not None and job["state"] not in ("done", "failed", "cancelled"):
            await asyncio.sleep(0.25)
            job = (await client.get(base + f"/api/jobs/{job['id']}", timeout=60)).json()["job"]
        return r, job, time.monotonic() - t

    started = time.monotonic() - run.t0
    task = asyncio.create_task(do_upload())
    await asyncio.sleep(1.0)  # the ingest is under way (embedding) when the question comes
    t = time.monotonic()
    try:
        answer = await rest_ask(client, base, question, None, timeout)
        probe = {"question": question, "seconds": round(time.monotonic() - t, 3),
                 "during_ingest": not task.done(), "answer": answer["answer"],
                 "sources": [c["article_id"] for c in answer["citations"]], "ok": True}
    except Exception as e:  # noqa: BLE001
        probe = {"question": question, "ok": False, "error": f"{type(e).__name__}: {e}"}
    r, job, seconds = await task
    probe["ingest_start"] = round(started, 2)
    probe["ingest_status"] = r.status_code
    probe["ingest_seconds"] = round(seconds, 2)
    result = (job or {}).get("result") or {}
    probe["ingest_state"] = (job or {}).get("state", r.text[:200])
    probe["ingest_summary"] = result.get("summary", "") or (job or {}).get("error", "")
    probe["ingest_added"] = len(result.get("added", []))
    r = await client.get(base + "/healthz")
    probe["articles_after"] = r.json().get("articles")
    run.probe = probe


async def watch_memory(run: Run, pid: int) -> None:
    while time.monotonic() < run.deadline + 60:
        st = proc_status(pid)
        run.rss_kb = max(run.rss_kb, st.get("VmHWM", 0), st.get("VmRSS", 0))
        await asyncio.sleep(0.5)


async def drive(args, base: str, pid: int, questions: list[str], upload: Path,
                probe_question: str) -> Run:
    import httpx

    limits = httpx.Limits(max_connections=args.users * 2 + 10,
                          max_keepalive_connections=args.users * 2 + 10)
    async with httpx.AsyncClient(limits=limits, timeout=args.timeout) as client:
        config = (await client.get(base + "/config")).json()
        fn_index = next(i for i, d in enumerate(config["dependencies"])
                        if d.get("api_name") == GRADIO_FN)
        # warm-up: the first question of each path (model pages, caches), not measured
        await rest_ask(client, base, questions[0], None, args.timeout)
        await gradio_ask(client, base, fn_index, [], questions[1], args.timeout)
        t0 = time.monotonic() + args.warmup
        run = Run(t0=t0, deadline=t0 + args.seconds)
        kinds = ["gradio" if int((i + 1) * args.gradio_share) > int(i * args.gradio_share)
                 else "rest" for i in range(args.users)]
        tasks = [asyncio.create_task(user(i, kinds[i], run, client, base, fn_index, questions,
                                          args.think, args.timeout, args.max_asks, args.seed))
                 for i in range(args.users)]
        watcher = asyncio.create_task(watch_memory(run, pid))

        async def cpu_mark():
            await asyncio.sleep(max(0.0, t0 - time.monotonic()))
            run.cpu0 = proc_cpu(pid)

        marker = asyncio.create_task(cpu_mark())
        if args.ingest:
            tasks.append(asyncio.create_task(ingest_probe(
                run, client, base, upload, probe_question, args.warmup + args.seconds / 3,
                args.timeout)))
        await asyncio.gather(*tasks)
        run.elapsed = time.monotonic() - t0
        await marker
        run.cpu = proc_cpu(pid) - run.cpu0
        watcher.cancel()
        st = proc_status(pid)
        run.rss_kb = max(run.rss_kb, st.get("VmHWM", 0))
    return run


# -- figures ---------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


def summarise(run: Run, server_cpu: float) -> dict:
    def stats(samples: list[Sample]) -> dict:
        ok = [s.seconds for s in samples if s.ok]
        return {"requests": len(samples), "errors": sum(not s.ok for s in samples),
                "p50": pct(ok, 50), "p95": pct(ok, 95), "p99": pct(ok, 99),
                "max": max(ok) if ok else float("nan")}

    out = {"all": stats(run.samples)}
    for kind in ("rest", "gradio"):
        out[kind] = stats([s for s in run.samples if s.kind == kind])
    p = run.probe
    if p.get("ok") and p.get("ingest_seconds"):
        # requests that started while the upload was being indexed
        lo, hi = p["ingest_start"], p["ingest_start"] + p["ingest_seconds"]
        out["during_ingest"] = stats([s for s in run.samples if lo <= s.start <= hi])
    # p95 per 15 s of the run (by request start): where the slow ones were
    out["timeline"] = [{"from_s": t, **{k: (round(v, 3) if isinstance(v, float) else v)
                                        for k, v in stats([s for s in run.samples
                                                           if t <= s.start < t + 15]).items()}}
                       for t in range(0, int(run.deadline - run.t0), 15)]
    out["elapsed_s"] = round(run.elapsed, 1)
    out["throughput_rps"] = round(len(run.samples) / run.elapsed, 2)
    out["peak_rss_mb"] = round(run.rss_kb / 1024)
    out["server_cpu_s"] = round(server_cpu, 1)
    out["server_cpu_ms_per_request"] = round(server_cpu / max(1, len(run.samples)) * 1000)
    out["errors_sample"] = sorted({s.error for s in run.samples if not s.ok})[:5]
    out["probe"] = p
    return out


def table(results: dict, args) -> str:
    ms = lambda v: "-" if v != v else f"{v * 1000:.0f}"  # noqa: E731 - nan -> "-"
    lines = ["| mode | path | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for mode, r in results.items():
        for path in ("all", "rest", "gradio", "during_ingest"):
            if path in r and r[path]["requests"]:
                s = r[path]
                lines.append(f"| {mode} | {path.replace('_', ' ')} | {s['requests']} | "
                             f"{s['errors']} | {ms(s['p50'])} | {ms(s['p95'])} | "
                             f"{ms(s['p99'])} | {ms(s['max'])} |")
    lines += ["", "| mode | throughput req/s | server CPU ms/request | peak RSS MB | "
              "ingest during load |", "|---|---:|---:|---:|---|"]
    for mode, r in results.items():
        p = r["probe"]
        ingest = (f"{p.get('ingest_added', '?')} added in {p.get('ingest_seconds')} s "
                  f"(HTTP {p.get('ingest_status')}), {p.get('articles_after')} articles after"
                  if p else "-")
        lines.append(f"| {mode} | {r['throughput_rps']} | {r['server_cpu_ms_per_request']} | "
                     f"{r['peak_rss_mb']} | {ingest} |")
    for mode, r in results.items():
        p = r["probe"]
        if p:
            lines += ["", f"{mode}: question asked during the ingest "
                          f"({'still running' if p.get('during_ingest') else 'already done'} "
                          f"when answered, {p.get('seconds')} s): {p.get('question')!r}",
                      f"> {p.get('answer', p.get('error'))}",
                      f"sources: {', '.join(p.get('sources', []))}"]
        if r["errors_sample"]:
            lines += ["", f"{mode} errors: " + "; ".join(r["errors_sample"])]
    return "\n".join(lines)


def load_questions() -> tuple[list[str], str, set[str]]:
    rows = [json.loads(line) for line in (RTQA / "questions_dev.jsonl").open(encoding="utf-8")]
    probe = next((r for r in rows if r["question"].startswith(PROBE_QUESTION)), rows[0])
    return [r["question"] for r in rows], probe["question"], set(probe.get("relevant_ids", []))


def upload_file(folder: Path, count: int) -> Path:
    """`count` articles of articles.jsonl that are not in the 1k set, as one .jsonl."""
    known = {json.loads(line)["id"] for line in (RTQA / "articles_1k.jsonl").open()}
    out = folder / "new-articles.jsonl"
    n = 0
    with (RTQA / "articles.jsonl").open(encoding="utf-8") as f, out.open("w") as w:
        for line in f:
            if n >= count:
                break
            if json.loads(line)["id"] not in known:
                w.write(line)
                n += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--mode", choices=["extractive", "llm", "both"], default="both")
    ap.add_argument("--think", default="1-3", help="seconds between a user's questions: LO-HI")
    ap.add_argument("--gradio-share", type=float, default=0.5,
                    help="fraction of users on the Gradio queue (the rest: REST)")
    ap.add_argument("--llm-delay", default="0.5-1.0", help="scripted LLM reply delay: LO-HI")
    ap.add_argument("--ingest", type=int, default=20, help="articles uploaded mid-run (0: none)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="per request, seconds (the whole request; past it: an error)")
    ap.add_argument("--max-asks", type=int, default=1000, help="per user")
    ap.add_argument("--warmup", type=float, default=0,
                    help="seconds of the same load before measuring (a server that has been "
                         "up a while: warm caches)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--index", type=Path, help="an index dir (default: the cached 1k index)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    args.think = tuple(float(x) for x in args.think.split("-"))
    llm_delay = tuple(float(x) for x in args.llm_delay.split("-"))
    if not (RTQA / "articles_1k.jsonl").exists():
        print(f"skip: {RTQA} not found")
        return 0
    index = args.index or cached_index(RTQA / "articles_1k.jsonl")
    questions, probe_q, _ = load_questions()
    modes = ["extractive", "llm"] if args.mode == "both" else [args.mode]
    tuning = {k: v for k, v in sorted(os.environ.items())
              if k.startswith("ASSISTANT_") and "TOKEN" not in k and "KEY" not in k}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}; {args.users} users ({args.gradio_share:.0%} Gradio), "
          f"think {args.think[0]:g}-{args.think[1]:g} s, {args.seconds:g} s per mode "
          f"after {args.warmup:g} s warm-up; "
          f"index {index.name}; env {tuning or '{}'}", flush=True)
    results = {}
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix="assistant-load-") as tmp:
            work = Path(tmp)
            upload = upload_file(work, args.ingest) if args.ingest else work / "none"
            server = Server(index, work, llm_delay if mode == "llm" else None)
            try:
                server.wait_ready()
                me0 = resource.getrusage(resource.RUSAGE_SELF)
                run = asyncio.run(drive(args, server.base, server.proc.pid, questions, upload,
                                        probe_q))
                me1 = resource.getrusage(resource.RUSAGE_SELF)
                results[mode] = summarise(run, run.cpu)
                results[mode]["loadgen_cpu_s"] = round(
                    me1.ru_utime + me1.ru_stime - me0.ru_utime - me0.ru_stime, 1)
                print(f"{mode}: " + json.dumps({k: v for k, v in results[mode].items()
                                                 if k not in ("probe", "timeline")}),
                      file=sys.stderr, flush=True)
                print(f"{mode} p95 per 15 s: " + ", ".join(
                    f"{w['from_s']}s {w['p95']:.2f}" for w in results[mode]["timeline"]
                    if w["requests"]), file=sys.stderr, flush=True)
            finally:
                server.stop()
    print(table(results, args))
    if args.json:
        args.json.write_text(json.dumps({"args": {k: (str(v) if isinstance(v, Path) else v)
                                                  for k, v in vars(args).items()},
                                         "env": tuning, "results": results}, indent=2))
    errors = sum(r["all"]["errors"] for r in results.values())
    probe_bad = [m for m, r in results.items() if args.ingest and not r["probe"].get("ok")]
    return 1 if errors or probe_bad else 0


if __name__ == "__main__":
    sys.exit(main())
