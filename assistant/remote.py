"""The running server, for the CLI: the same calls as Assistant, made over its REST API.

When `assistant serve` holds an embedded index (assistant/writer.py), a second process must
not open it: `assistant ingest`, `ask`, `search`, `articles …` and `quotes` then talk to the
server on loopback, with the token it left in `<index>/.writer.json` (readable by its owner
only). Writes become jobs of the server's queue, and the command shows their progress and
exits with their result, as if it had done the work itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
from tqdm import tqdm

from .config import Settings
from .core import check_question
from .dates import check_dates
from .errors import AssistantError, StoreError
from .ingest.pipeline import IngestReport
from .retrieve import RankedHit
from .store import ArticleInfo
from .types import Answer, Article, IndexedQuote, Job, Speaker
from .writer import Holder


class ServerError(AssistantError):
    """The server that holds the index refused or failed a request."""

    status = 502


class RemoteAssistant:
    def __init__(self, holder: Holder, settings: Settings, timeout: float = 600.0):
        self.holder = holder
        self.settings = settings
        self.http = httpx.Client(base_url=holder.url.rstrip("/"), timeout=timeout,
                                 headers={"Authorization": f"Bearer {holder.token}"})

    def _call(self, method: str, path: str, **kw) -> dict:
        try:
            r = self.http.request(method, path, **kw)
        except httpx.HTTPError as e:
            raise StoreError(f"the index is held by {self.holder.describe()}, which does not "
                             f"answer ({type(e).__name__}: {e}); wait for it, or stop it and "
                             f"retry") from e
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            raise ServerError(f"{self.holder.describe()} answered {r.status_code}: "
                              f"{detail if isinstance(detail, str) else json.dumps(detail)}")
        return r.json()

    # -- writes: jobs of the server's queue ------------------------------------------------

    def _follow(self, job: Job, progress: bool | None, desc: str) -> Job:
        """Wait for the job, with a progress bar on a terminal; Ctrl-C cancels it."""
        show = sys.stderr.isatty() if progress is None else progress
        print(f"handed to {self.holder.describe()} as job {job.id}", file=sys.stderr)
        bar = tqdm(total=0, unit="article", desc=desc, disable=not show)
        try:
            while not job.final:
                try:
                    job = Job.from_json(self._call("GET", f"/api/jobs/{job.id}")["job"])
                    if job.total != bar.total:
                        bar.reset(total=job.total)
                    bar.n = job.done
                    bar.refresh()
                    if not job.final:
                        time.sleep(0.25)
                except KeyboardInterrupt:  # Ctrl-C: the job stops too, then we report
                    self._call("DELETE", f"/api/jobs/{job.id}")
                    print(f"cancelling job {job.id} (after its current batch)",
                          file=sys.stderr)
        finally:
            bar.close()
        if job.state != "done":
            raise ServerError(f"job {job.id} {job.state}" + (f": {job.error}" if job.error
                                                              else ""))
        return job

    def ingest(self, paths: list[str | Path], progress: bool | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
        # The server reads the files itself: absolute paths (URLs as they are).
        given = [str(p) if str(p).startswith(("http://", "https://"))
                 else str(Path(p).resolve()) for p in paths]
        job = Job.from_json(self._call("POST", "/api/jobs",
                                       json={"kind": "ingest", "paths": given})["job"])
        return IngestReport.from_json(self._follow(job, progress, "Indexing").result or {})

    def rebuild_quotes(self, progress: bool | None = None) -> int:
        job = Job.from_json(self._call("POST", "/api/jobs",
                                       json={"kind": "rebuild_quotes"})["job"])
        return int((self._follow(job, progress, "Quotes").result or {}).get("quotes", 0))

    def poll_feed(self, url: str, progress: bool | None = None) -> dict:
        job = Job.from_json(self._call("POST", "/api/jobs",
                                       json={"kind": "poll_feed", "url": url})["job"])
        return self._follow(job, progress, "Polling").result or {}

    def delete(self, article_id: str) -> bool:
        try:
            self._call("DELETE", f"/api/articles/{quote(article_id, safe='')}")
        except ServerError as e:
            if " 404: " in str(e):
                return False
            raise
        return True

    # -- reads -----------------------------------------------------------------------------

    def articles(self) -> list[ArticleInfo]:
        out, offset = [], 0
        while True:
            got = self._call("GET", "/api/articles", params={"limit": 1000, "offset": offset})
            out += [ArticleInfo(**a) for a in got["articles"]]
            offset += len(got["articles"])
            if not got["articles"] or offset >= got["total"]:
                return out

    def stats(self) -> dict:
        return self._call("GET", "/api/stats")

    def quotes_outdated(self) -> int:
        return int(self.stats().get("quotes_outdated", 0))

    def quotes(self, speaker: str | None = None, about: str | None = None,
               limit: int = 20, since: str | None = None,
               until: str | None = None) -> list[IndexedQuote]:
        check_dates(since, until)
        params = {k: v for k, v in (("speaker", speaker), ("about", about), ("since", since),
                                    ("until", until)) if v}
        got = self._call("GET", "/api/quotes", params={**params, "limit": limit})
        return [IndexedQuote(**q) for q in got["quotes"]]

    def speakers(self, about: str | None = None, limit: int = 20, since: str | None = None,
                 until: str | None = None) -> list[Speaker]:
        check_dates(since, until)
        params = {k: v for k, v in (("about", about), ("since", since), ("until", until)) if v}
        got = self._call("GET", "/api/speakers", params={**params, "limit": limit})
        return [Speaker(**s) for s in got["speakers"]]

    def article(self, article_id: str) -> Article | None:
        try:
            got = self._call("GET", f"/api/articles/{quote(article_id, safe='')}")
        except ServerError as e:
            if " 404: " in str(e):
                return None
            raise
        return Article(**{k: v for k, v in got.items() if k in Article.__dataclass_fields__})

    def check_question(self, text: str, what: str = "question") -> str:
        """The library's own check, against these settings (the server checks again)."""
        return check_question(text, self.settings.max_question_chars, what)

    check_dates = staticmethod(check_dates)

    def search(self, question: str, k: int | None = None, since: str | None = None,
               until: str | None = None, as_of: str | None = None) -> list[RankedHit]:
        params = {k_: v for k_, v in (("since", since), ("until", until), ("as_of", as_of))
                  if v}
        got = self._call("GET", "/api/search",
                         params={"q": question, "k": k or self.settings.top_k, **params})
        return [RankedHit(article_id=h["article_id"], title=h["title"], url=h["url"],
                          published=h["published"], text=h["text"], start=h["start"],
                          end=h["end"], score=h["similarity"], relevance=h["score"])
                for h in got["hits"]]

    def ask(self, question: str, conversation: str | None = None, since: str | None = None,
            until: str | None = None) -> Answer:
        body = {"question": question, "conversation": conversation, "since": since,
                "until": until}
        return Answer.from_json(self._call("POST", "/api/ask", json=body))

    def ask_stream(self, question: str, conversation: str | None = None,
                   since: str | None = None, until: str | None = None
                   ) -> Iterator[str | Answer]:
        body = {"question": question, "conversation": conversation, "since": since,
                "until": until}
        try:
            with self.http.stream("POST", "/api/ask/stream", json=body) as r:
                if r.status_code >= 400:
                    r.read()
                    raise ServerError(f"{self.holder.describe()} answered {r.status_code}: "
                                      f"{r.text}")
                event = ""
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                        if event == "token":
                            yield data["text"]
                        elif event == "done":
                            yield Answer.from_json(data)
                        elif event == "error":
                            raise ServerError(data.get("detail", "the answer broke off"))
        except httpx.HTTPError as e:
            raise StoreError(f"{self.holder.describe()} does not answer "
                             f"({type(e).__name__}: {e})") from e
