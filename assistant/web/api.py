"""The REST API: thin handlers over Assistant, behind the same auth as the UI.

POST /api/ask           the `assistant ask --json` contract
POST /api/ask/stream    server-sent events: `token`…, then `citations`, then `done`
GET  /api/search        ranked passages
GET  /api/articles      what is indexed (search with ?q=)
GET  /api/articles/{id} one article, text included
POST /api/articles      upload files (multipart, field `files`; admin): 202 + the job
GET  /api/jobs[/{id}]   the write queue: state, progress, result (admin); DELETE cancels
POST /api/jobs          the local CLI's hand-off (its token only): ingest paths, rebuild quotes
GET  /api/feeds         the feeds the server polls (admin); POST adds one, DELETE ?url=
                        removes one, POST /api/feeds/poll polls one now (a job)
GET  /api/stats         what is indexed
DELETE /api/articles/{id}  (admin)
GET  /api/quotes        the quotation index (who said what)
GET  /api/speakers      who is quoted most (?about=, ?limit=)
POST /api/feedback      thumbs up/down on an answer; GET /api/feedback[.csv] (admin)
GET  /api/me            who you are signed in as

Errors are JSON `{"detail": ...}`, mapped in one place (assistant/web/app.py's exception
handlers): 422 for a question (or search query) over the assistant's `max_question_chars`
(Assistant.check_question: a sentence saying the length and the limit), for a date that is
not one (Assistant.check_dates) and for bodies that do not validate (a list of errors; a
lone surrogate such as "\\ud800", which is no text, is quoted back as "?"; in a question it
is dropped like other invisible characters); 503 with Retry-After while the Chroma server
does not answer (the message names it and says to retry; the same app answers again once it
is back). An empty question is not an error: the answer says "Please ask a question.".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict
from itertools import chain
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ..config import parse_interval
from ..errors import ConfigError
from ..faults import translate
from ..types import Answer, hits_json
from .auth import Identity
from .context import Web

MAX_QUESTION = 4000  # feedback's copy of a question; questions: Settings.max_question_chars


class AskRequest(BaseModel):
    question: str = Field(..., description="At most ASSISTANT_MAX_QUESTION_CHARS characters "
                                           "(2000 by default): longer is a 422")
    conversation: str | None = Field(None, max_length=100,
                                     description="Continue this conversation (follow-ups)")
    since: str | None = Field(None, max_length=10, description="Only articles published on or "
                                                               "after (YYYY-MM-DD, YYYY-MM, YYYY)")
    until: str | None = Field(None, max_length=10, description="Only articles published on or "
                                                               "before")


class JobRequest(BaseModel):
    kind: Literal["ingest", "rebuild_quotes", "poll_feed"]
    paths: list[str] = Field(default_factory=list, max_length=10_000,
                             description="Files, folders or URLs (ingest)")
    url: str = Field("", max_length=2000, description="The registered feed (poll_feed)")


class FeedRequest(BaseModel):
    url: str = Field(..., max_length=2000, description="An RSS/Atom feed or an XML sitemap")
    every: str | None = Field(None, max_length=20, description="How often to poll it: 15m, "
                                                               "2h, 1d (default "
                                                               "ASSISTANT_FEED_EVERY)")


class FeedbackRequest(BaseModel):
    vote: Literal[1, -1] = Field(..., description="1: thumbs up, -1: thumbs down")
    question: str = Field("", max_length=MAX_QUESTION)
    answer: str = Field("", max_length=20_000)
    comment: str = Field("", max_length=2_000)
    sources: list[str] = Field(default_factory=list, max_length=50)


def sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _raising(error: BaseException) -> Iterator:
    raise error
    yield  # noqa: unreachable - makes this a generator


def rate_limited(web: Web) -> Callable[[Request], Identity]:
    """A dependency for the endpoints that answer questions (here and /v1): the caller, or
    429 with Retry-After once they are over ASSISTANT_RATE_LIMIT."""
    def asker(request: Request) -> Identity:
        who = web.identity(request)
        wait = web.limiter.hit(who.key)
        if wait:
            raise HTTPException(429, web.limiter.message(wait),
                                headers={"Retry-After": str(math.ceil(wait))})
        return who

    return asker


def build_router(web: Web) -> APIRouter:
    assistant = web.assistant
    router = APIRouter(prefix="/api")

    def user(request: Request) -> Identity:
        return web.identity(request)

    def admin(who: Identity = Depends(user)) -> Identity:
        if not who.admin:
            raise HTTPException(403, "this needs the admin role")
        return who

    asker = rate_limited(web)

    @router.get("/me", tags=["account"])
    def me(who: Identity = Depends(user)) -> dict:
        return {"name": who.name, "kind": who.kind, "admin": who.admin}

    @router.post("/ask", tags=["questions"])
    def ask(req: AskRequest, _: Identity = Depends(asker)) -> dict:
        """The answer with numbered citations: the `assistant ask --json` contract."""
        assistant.check_dates(req.since, req.until)
        return assistant.ask(assistant.check_question(req.question),
                             conversation=req.conversation,
                             since=req.since, until=req.until).to_json()

    @router.post("/ask/stream", tags=["questions"],
                 responses={200: {"content": {"text/event-stream": {}}}})
    def ask_stream(req: AskRequest, _: Identity = Depends(asker)) -> StreamingResponse:
        """Server-sent events: `token` ({"text"}) as the answer is written, then `citations`
        ({"citations": [...]}), then `done` (the whole answer, which supersedes the tokens:
        a flagged quote or a fallback can change the text)."""
        assistant.check_dates(req.since, req.until)
        pieces = assistant.ask_stream(assistant.check_question(req.question),
                                      conversation=req.conversation, since=req.since,
                                      until=req.until)
        # The first piece comes after retrieval: a store that does not answer is a 503
        # here (raised to app.py's handlers), before the stream starts, rather than an
        # error event after a 200.
        first: list = []
        try:
            first.append(next(pieces))
        except StopIteration:
            pass
        except Exception as e:  # noqa: BLE001 - other faults: an error event, as below
            if translate(e, assistant.settings) is not None:
                raise
            pieces = _raising(e)

        def events() -> Iterator[str]:
            try:
                for piece in chain(first, pieces):
                    if isinstance(piece, Answer):
                        out = piece.to_json()
                        yield sse("citations", {"citations": out["citations"]})
                        yield sse("done", out)
                    else:
                        yield sse("token", {"text": piece})
            except Exception as e:  # noqa: BLE001 - the stream is open: say so, don't hang
                err = translate(e, assistant.settings)
                yield sse("error", {"detail": str(err) if err is not None
                                    else f"{type(e).__name__}: {e}"})

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache",
                                          "X-Accel-Buffering": "no"})

    @router.get("/search", tags=["questions"])
    def search(q: str = Query(..., description="At most ASSISTANT_MAX_QUESTION_CHARS "
                                                "characters (longer is a 422)"),
               k: int = Query(10, ge=1, le=100),
               since: str | None = Query(None, description="YYYY-MM-DD"),
               until: str | None = Query(None, description="YYYY-MM-DD"),
               as_of: str | None = Query(None, description="YYYY-MM-DD: the date that "
                                                           "'this week' is relative to"),
               _: Identity = Depends(user)) -> dict:
        """Ranked passages for a query (no answer)."""
        q = assistant.check_question(q, "query")
        filters = {n: v for n, v in (("since", since), ("until", until), ("as_of", as_of))
                   if v}
        # a date that is not a date: DateError, a 422
        return hits_json(q, assistant.search(q, k, **filters))

    @router.get("/articles", tags=["articles"])
    def articles(q: str = Query("", max_length=200, description="Words in title, outlet, "
                                                                 "author or id"),
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
                 _: Identity = Depends(user)) -> dict:
        found = filter_articles(assistant.articles(), q)
        return {"total": len(found),
                "articles": [asdict(a) for a in found[offset:offset + limit]]}

    @router.get("/articles/{article_id:path}", tags=["articles"])
    def article(article_id: str, _: Identity = Depends(user)) -> dict:
        found = assistant.article(article_id)
        if found is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return asdict(found)

    upload_schema = {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["files"], "properties": {"files": {
            "type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}

    @router.post("/articles", tags=["articles"], openapi_extra=upload_schema, status_code=202)
    async def upload(request: Request, _: Identity = Depends(admin)) -> dict:
        """Queue uploaded files for indexing (multipart field `files`): 202 with the job at
        once; GET /api/jobs/{id} follows it, and its `result` says, per file, what happened:
        indexed, partly indexed (bad lines), failed or refused (type, size, count)."""
        limit = web.uploads.max_files * web.uploads.max_bytes + (1 << 20)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise HTTPException(413, f"upload too large: at most {web.uploads.max_files} files "
                                     f"of {web.uploads.max_mb:g} MB each")
        try:
            form = await request.form(max_files=1000, max_fields=100)
        except Exception as e:  # noqa: BLE001 - a malformed body is the client's error
            raise HTTPException(400, f"not a multipart upload: {e}") from None
        try:
            files = [f for f in form.getlist("files") if hasattr(f, "filename")]
            if not files:
                raise HTTPException(400, "no files: send them as multipart field 'files'")
            job = await run_in_threadpool(
                web.uploads.submit, [(f.filename or "", f.file) for f in files])
            return {"job": job.to_json()}
        finally:
            await form.close()

    # -- the write queue (assistant/jobs.py) -------------------------------------------------

    def local_cli(who: Identity = Depends(user)) -> Identity:
        if who.kind != "cli":
            raise HTTPException(403, "only the local `assistant` command may queue files "
                                     "of the server's own disk")
        return who

    @router.post("/jobs", tags=["jobs"], status_code=202)
    def submit(req: JobRequest, _: Identity = Depends(local_cli)) -> dict:
        """The CLI's hand-off (with the server's local token): index paths of this machine
        (`ingest`), or rebuild the quote index (`rebuild_quotes`)."""
        if req.kind == "ingest" and not req.paths:
            raise HTTPException(422, "an ingest job needs paths")
        if req.kind == "poll_feed":
            return {"job": poll_job(req.url)}
        return {"job": web.jobs.submit(req.kind, {"paths": req.paths}).to_json()}

    # -- feeds (assistant/feeds.py) ---------------------------------------------------------

    def poll_job(url: str) -> dict:
        if assistant.feeds.get(url) is None:
            raise HTTPException(404, f"{url!r} is not a registered feed")
        return web.jobs.submit("poll_feed", {"url": url}).to_json()

    @router.get("/feeds", tags=["feeds"])
    def feeds(_: Identity = Depends(admin)) -> dict:
        """The registered feeds: interval, last poll, new items, items, last error."""
        return {"feeds": [f.to_json() for f in assistant.list_feeds()]}

    @router.post("/feeds", tags=["feeds"], status_code=201)
    def add_feed(req: FeedRequest, _: Identity = Depends(admin)) -> dict:
        """Register a feed (fetched once to check that it is one: 422 with the reason if
        not, a refused internal address included); the server polls it at once, then
        every `every`."""
        try:
            every = parse_interval(req.every, "every") if req.every else None
        except ConfigError as e:
            raise HTTPException(422, str(e)) from None
        return {"feed": assistant.add_feed(req.url.strip(), every).to_json()}

    @router.delete("/feeds", tags=["feeds"])
    def remove_feed(url: str = Query(..., max_length=2000), _: Identity = Depends(admin)
                    ) -> dict:
        """Stop polling a feed; its articles stay indexed."""
        if not assistant.remove_feed(url):
            raise HTTPException(404, f"{url!r} is not a registered feed")
        return {"removed": url}

    @router.post("/feeds/poll", tags=["feeds"], status_code=202)
    def poll(req: FeedRequest, _: Identity = Depends(admin)) -> dict:
        """Poll a registered feed now: 202 with the job."""
        return {"job": poll_job(req.url)}

    @router.get("/jobs", tags=["jobs"])
    def jobs(limit: int = Query(50, ge=1, le=1000), _: Identity = Depends(admin)) -> dict:
        """The newest jobs first, with their state and progress."""
        found = web.jobs.list(limit)
        return {"jobs": [j.to_json() for j in found],
                "depth": sum(1 for j in found if not j.final)}

    @router.get("/jobs/{job_id}", tags=["jobs"])
    def job(job_id: str, _: Identity = Depends(admin)) -> dict:
        found = web.jobs.get(job_id)
        if found is None:
            raise HTTPException(404, f"no job with id {job_id!r}")
        return {"job": found.to_json()}

    @router.delete("/jobs/{job_id}", tags=["jobs"])
    def cancel(job_id: str, _: Identity = Depends(admin)) -> dict:
        """Cancel: a queued job at once, a running one after its current batch."""
        if web.jobs.get(job_id) is None:
            raise HTTPException(404, f"no job with id {job_id!r}")
        return {"job": web.jobs.cancel(job_id).to_json()}

    @router.get("/stats", tags=["articles"])
    def stats(_: Identity = Depends(user)) -> dict:
        """What is indexed: articles, chunks, quotes, size, the embedder."""
        return assistant.stats()

    @router.delete("/articles/{article_id:path}", tags=["articles"])
    def delete(article_id: str, _: Identity = Depends(admin)) -> dict:
        if not assistant.delete(article_id):
            raise HTTPException(404, f"no article with id {article_id!r}")
        return {"deleted": article_id}

    @router.get("/quotes", tags=["questions"])
    def quotes(speaker: str | None = Query(None, max_length=200),
               about: str | None = Query(None, max_length=500),
               limit: int = Query(50, ge=1, le=500),
               since: str | None = Query(None, max_length=10, description="YYYY-MM-DD"),
               until: str | None = Query(None, max_length=10, description="YYYY-MM-DD"),
               _: Identity = Depends(user)) -> dict:
        """Quotations with their speakers: by a speaker ("Putin" matches "Vladimir Putin"),
        about a topic (best first; without one, newest first), published since..until."""
        found = assistant.quotes(speaker, about, limit, since=since, until=until)
        return {"quotes": [q.to_json() for q in found]}

    @router.get("/speakers", tags=["questions"])
    def speakers(about: str | None = Query(None, max_length=500),
                 limit: int = Query(20, ge=1, le=500),
                 since: str | None = Query(None, max_length=10, description="YYYY-MM-DD"),
                 until: str | None = Query(None, max_length=10, description="YYYY-MM-DD"),
                 _: Identity = Depends(user)) -> dict:
        """Who the articles quote most (about a topic), one name per person."""
        found = assistant.speakers(about, limit, since=since, until=until)
        return {"speakers": [s.to_json() for s in found]}

    @router.post("/feedback", tags=["feedback"])
    def feedback(req: FeedbackRequest, who: Identity = Depends(user)) -> dict:
        fid = web.feedback.add(req.vote, req.question, req.answer, sources=req.sources,
                               comment=req.comment, user=who.key, source="api")
        return {"id": fid}

    @router.get("/feedback", tags=["feedback"])
    def feedback_json(_: Identity = Depends(admin)) -> dict:
        return {"feedback": web.feedback.rows()}

    @router.get("/feedback.csv", tags=["feedback"], response_class=PlainTextResponse)
    def feedback_csv(_: Identity = Depends(admin)) -> PlainTextResponse:
        return PlainTextResponse(web.feedback.csv(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition":
                                          'attachment; filename="feedback.csv"'})

    return router


def filter_articles(infos: list, q: str) -> list:
    """Articles whose title, outlet, authors, id or date contain every word of q; newest
    first."""
    words = q.lower().split()
    out = []
    for a in infos:
        hay = " ".join([a.title, a.outlet, " ".join(a.authors), a.id, a.published,
                        a.url]).lower()
        if all(w in hay for w in words):
            out.append(a)
    return sorted(out, key=lambda a: (a.published or "", a.title), reverse=True)
