"""The durable queue every write goes through: huey, on SQLite or Redis.

An upload, a `POST /api/articles`, a CLI hand-off becomes a `Job`, answered at once with its
id; a worker (a thread of the server, or `assistant worker` processes elsewhere) runs it.
huey does the queueing: SQLite under the data dir by default (one machine, the worker inside
the server), Redis with ASSISTANT_QUEUE_URL=redis://… (workers on any number of machines;
docs/deploy.md says why huey). Its storage also holds the job records (`job:<id>` in huey's
key-value store, visible to every worker and app instance of the queue), with progress,
attempts and the result.

huey forgets a task once a worker has taken it, so a worker killed mid-job would lose it;
the records close that gap: a running job whose worker stops beating (no heartbeat for
`stale_after` seconds; at once for the embedded index's own worker at start-up, since the
writer lock proves no other worker exists) is queued again by `recover()`. Re-running an
ingest is harmless: an article already written is "unchanged" the second time, never doubled.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from huey import RedisHuey, SqliteHuey

from .config import Settings
from .errors import AssistantError, Cancelled, QueueError
from .types import Job

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total); raises Cancelled when asked to stop
Executor = Callable[[Job, Progress], dict]

HEARTBEAT = 2.0  # seconds between two signs of life of a running job
KEEP_SECONDS = 7 * 86400  # finished jobs are listed for a week
TASK = "assistant.job"


def _new_id() -> str:
    # time first: ids sort by submission
    return f"{time.time_ns() // 1_000_000:012x}-{uuid.uuid4().hex[:6]}"


def make_huey(settings: Settings):
    name = f"assistant-{settings.collection}"
    if settings.queue_url:
        return RedisHuey(name, url=settings.queue_url, results=False)
    path = Path(settings.data_dir) / "queue.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


class JobQueue:
    def __init__(self, settings: Settings, execute: Executor | None = None):
        self.settings = settings
        self.huey = make_huey(settings)
        self.execute = execute
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self._task = self.huey.task(retries=settings.job_retries, retry_delay=1,
                                    context=True, name=TASK)(self._run)
        self._stop = threading.Event()
        self._wake = threading.Event()  # a job submitted in this process: no polling delay
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.last_error = ""

    def where(self) -> str:
        return self.settings.queue_url or str(Path(self.settings.data_dir) / "queue.sqlite3")

    def _backend(self, what: str, call: Callable):
        """call(), with a queue backend that is down said in words."""
        try:
            return call()
        except AssistantError:
            raise
        except Exception as e:  # redis ConnectionError, sqlite3.OperationalError, …
            raise QueueError(f"the job queue at {self.where()} cannot {what} "
                             f"({type(e).__name__}: {e}); check that it is running, then "
                             f"retry") from e

    # -- records -------------------------------------------------------------------------

    def _save(self, job: Job) -> None:
        self.huey.put(f"job:{job.id}", job.to_json())

    def get(self, job_id: str) -> Job | None:
        data = self._backend("be read", lambda: self.huey.get(f"job:{job_id}", peek=True))
        return Job.from_json(data) if isinstance(data, dict) else None

    def list(self, limit: int | None = 100) -> list[Job]:
        """The newest jobs first (all of them with limit=None)."""
        items = self._backend("be read", self.huey.storage.result_items)
        jobs = []
        for key, raw in items.items():
            if str(key).startswith("job:"):
                try:
                    jobs.append(Job.from_json(self.huey.serializer.deserialize(raw)))
                except Exception:  # noqa: BLE001 - a damaged record is skipped, not fatal
                    log.warning("unreadable job record %s", key)
        jobs.sort(key=lambda j: j.id, reverse=True)
        return jobs[:limit]

    def depth(self) -> int:
        """Jobs waiting for a worker (retries after their delay included)."""
        return self._backend("be read",
                             lambda: self.huey.pending_count() + self.huey.scheduled_count())

    def prune(self, older_than: float = KEEP_SECONDS, jobs: list[Job] | None = None) -> int:
        """Forget finished jobs older than that (their articles stay, of course). jobs: the
        records as just read (default: read them)."""
        now, gone = time.time(), 0
        for job in self.list(limit=None) if jobs is None else jobs:
            if job.final and now - (job.finished or job.created) > older_than:
                self.huey.delete(f"job:{job.id}")
                self.huey.delete(f"cancel:{job.id}")
                gone += 1
        return gone

    # -- submitting and cancelling ---------------------------------------------------------

    def submit(self, kind: str, args: dict) -> Job:
        job = Job(id=_new_id(), kind=kind, args=args, created=time.time())

        def put() -> None:
            self._save(job)
            self._task(job.id)

        self._backend("take the job", put)
        self._wake.set()
        return job

    def cancel(self, job_id: str) -> Job:
        """A queued job is cancelled at once; a running one stops after its current batch
        of articles (each article is then either fully indexed or not at all)."""
        job = self.get(job_id)
        if job is None:
            raise QueueError(f"no job with id {job_id!r}")
        if job.final:
            return job
        self.huey.put(f"cancel:{job_id}", True)
        if job.state == "queued":
            job.state, job.finished = "cancelled", time.time()
            self._save(job)
        return self.get(job_id) or job

    def _cancel_requested(self, job_id: str) -> bool:
        return self.huey.get(f"cancel:{job_id}", peek=True) is not None

    # -- running ---------------------------------------------------------------------------

    def _run(self, job_id: str, task=None) -> None:
        job = self.get(job_id)
        if job is None or job.final:
            return
        if job.state == "running" and time.time() - job.heartbeat < 5 * HEARTBEAT:
            return  # another worker has it (a copy queued by recover() in a race)
        if self._cancel_requested(job_id):
            job.state, job.finished = "cancelled", time.time()
            self._save(job)
            return
        job.state, job.started, job.attempts = "running", time.time(), job.attempts + 1
        job.heartbeat, job.worker, job.error = time.time(), self.worker_id, ""
        self._save(job)
        beating = threading.Event()

        def beat() -> None:
            while not beating.wait(HEARTBEAT):
                with self._lock:
                    job.heartbeat = time.time()
                    self._save(job)

        def progress(done: int, total: int) -> None:
            with self._lock:
                job.done, job.total, job.heartbeat = done, total, time.time()
                self._save(job)
            if self._cancel_requested(job_id):
                raise Cancelled("cancelled")

        heart = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
        heart.start()
        retry = False
        try:
            result = self.execute(job, progress) if self.execute else {}
            job.state, job.result = "done", result
        except Cancelled:
            job.state = "cancelled"
        except Exception as e:  # noqa: BLE001 - recorded; huey retries while it may
            job.error = str(e) if isinstance(e, AssistantError) else f"{type(e).__name__}: {e}"
            self.last_error = job.error
            log.warning("job %s (%s) failed on attempt %d: %s", job_id, job.kind,
                        job.attempts, job.error)
            retry = task is not None and task.retries > 0
            job.state = "queued" if retry else "failed"
            if retry:
                raise
        finally:
            beating.set()
            heart.join()
            with self._lock:
                if not retry:
                    job.finished = time.time()
                self._save(job)

    def recover(self, stale_after: float, jobs: list[Job] | None = None) -> list[str]:
        """Queue again the jobs whose worker died: running ones silent for stale_after
        seconds, and queued ones huey does not hold (the process died between the record and
        the enqueue). Returns their ids."""
        held = {t.args[0] for t in [*self.huey.pending(), *self.huey.scheduled()]
                if t.name == TASK and t.args}
        now = time.time()
        again = []
        for job in self.list(limit=None) if jobs is None else jobs:
            # (a queued job younger than a few seconds may be on its way to a worker)
            lost = (job.state == "running" and now - job.heartbeat >= stale_after) or (
                job.state == "queued" and job.id not in held and now - job.created > 5)
            if lost:
                job.state = "queued"
                self._save(job)
                self._task(job.id)
                again.append(job.id)
        if again:
            log.warning("queued again %d job(s) whose worker stopped: %s", len(again),
                        ", ".join(again))
        return again

    def work(self, stop: threading.Event | None = None, idle: float = 1.0,
             stale_after: float = 30.0) -> None:
        """Take and run jobs until `stop` is set (a worker thread or `assistant worker`).
        Idle, it looks for work every `idle` seconds (at once for jobs submitted here)."""
        stop = stop or self._stop
        checked = 0.0
        while not stop.is_set():
            try:
                for task in self.huey.read_schedule():  # retries whose delay is over
                    self.huey.enqueue(task)
                if time.monotonic() - checked > stale_after / 3:
                    jobs = self.list(limit=None)  # read once for both
                    self.recover(stale_after, jobs)
                    self.prune(jobs=jobs)
                    checked = time.monotonic()
                task = self.huey.dequeue()
            except Exception as e:  # noqa: BLE001 - a backend hiccup: wait, then again
                self.last_error = f"queue unreachable: {type(e).__name__}: {e}"
                log.warning("job queue at %s: %s", self.where(), e)
                stop.wait(2.0)
                continue
            if task is None:
                self._wake.wait(idle)
                self._wake.clear()
                continue
            try:
                self.huey.execute(task)
            except Exception:  # noqa: BLE001 - recorded in the job; retried by huey
                pass

    def start(self, threads: int = 1, stale_after: float = 30.0) -> None:
        """Worker threads in this process."""
        self._stop.clear()
        for i in range(threads):
            t = threading.Thread(target=self.work, kwargs={"stale_after": stale_after},
                                 name=f"job-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def wait(self, job_id: str, timeout: float = 600.0, poll: float = 0.2,
             on_change: Callable[[Job], None] | None = None) -> Job:
        """Block until the job is final (tests, the CLI hand-off); on_change sees progress."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            job = self.get(job_id)
            if job is None:
                raise QueueError(f"no job with id {job_id!r}")
            if on_change and (job.state, job.done, job.total) != last:
                on_change(job)
                last = (job.state, job.done, job.total)
            if job.final:
                return job
            if time.monotonic() > deadline:
                raise QueueError(f"job {job_id} is still {job.state} after {timeout:g} s")
            time.sleep(poll)
