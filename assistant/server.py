"""The web app: the REST API, the chat page (/) and the widget (/widget) on one FastAPI app.

Request path, outermost first: RootPathMiddleware (sub-path behind a reverse proxy) ->
SecurityHeadersMiddleware (CSP frame-ancestors, nosniff, …) -> CORSMiddleware (only the
allowed origins) -> AuthMiddleware (identity or 401/403) -> routes (/healthz, /api/…,
/docs) and the two Gradio apps.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.middleware.cors import CORSMiddleware

from .config import Settings, get_settings
from .core import Assistant
from .store import StoreError
from .web.api import AskRequest, build_router  # noqa: F401 - AskRequest: public import
from .web.auth import AuthMiddleware, identity_of, is_loopback
from .web.context import Web
from .web.security import RootPathMiddleware, SecurityHeadersMiddleware

log = logging.getLogger("assistant")

DESCRIPTION = """Grounded, cited answers from your articles.

Authenticate like the chat: `Authorization: Bearer <token>` (auth mode token), HTTP basic
auth (mode basic), or through your reverse proxy (mode proxy). Questions are rate-limited
per user: over the limit, the answer is HTTP 429 with a `Retry-After` header.
"""


class CachedEmbedder:
    """The embedder with an LRU of the vectors of short texts: questions and the sentences
    the extractive answerer scores (up to 24 per question, most of an answer's CPU). Popular
    articles come back in many answers; their sentences are embedded once. Long texts and
    large calls (ingest batches) pass straight through, so an ingest never flushes it."""

    MAX_CHARS = 600
    MAX_CALL = 64

    def __init__(self, inner, size: int):
        self.inner = inner
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __getattr__(self, name):  # name, dim, tokenizer, count_tokens, …
        return getattr(self.inner, name)

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        texts = list(texts)
        if len(texts) > self.MAX_CALL:
            return self.inner.embed(texts, progress)
        found: dict[int, np.ndarray] = {}
        with self._lock:
            for i, t in enumerate(texts):
                if len(t) <= self.MAX_CHARS and (v := self._vectors.get(t)) is not None:
                    self._vectors.move_to_end(t)
                    found[i] = v
            self.hits += len(found)
            self.misses += len(texts) - len(found)
        todo = [i for i in range(len(texts)) if i not in found]
        if todo:
            fresh = self.inner.embed([texts[i] for i in todo], progress)
            with self._lock:
                for i, v in zip(todo, fresh):
                    found[i] = v
                    if len(texts[i]) <= self.MAX_CHARS:
                        self._vectors[texts[i]] = v
                        self._vectors.move_to_end(texts[i])
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if progress is not None and len(todo) < len(texts):
            progress(len(texts) - len(todo))
        if not texts:
            return self.inner.embed(texts)
        return np.stack([found[i] for i in range(len(texts))]).astype(np.float32)


class AskLimitMiddleware:
    """At most `limit` questions answered at once through the REST API; the others wait in
    line, first come first served (the Gradio pages have their own queues). Answering is
    CPU-bound: 50 answers computed at once on 2 cores each take 25 times as long, and the
    quick ones (cached) wait behind the slow ones."""

    def __init__(self, app, limit: int, paths: tuple[str, ...] = ("/api/ask",
                                                                     "/api/ask/stream")):
        import anyio

        self.app = app
        self.paths = paths
        self.limiter = anyio.CapacityLimiter(max(1, limit))

    async def __call__(self, scope, receive, send):
        if (scope["type"] == "http" and scope.get("method") == "POST"
                and scope.get("path", "").rstrip("/").endswith(self.paths)):
            async with self.limiter:
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    import ui

    settings = settings or get_settings()
    if assistant is None:
        assistant = Assistant(settings)
        if settings.embed_cache > 0:
            # Assistant.embedder is a cached property: this instance's embedder is the cache.
            assistant.embedder = CachedEmbedder(assistant.embedder, settings.embed_cache)
    web = Web(settings, assistant)  # checks every web setting before anything starts
    seeded = assistant.ensure_seeded()
    if seeded is not None:
        log.warning("indexed seeds: %s", seeded.summary())
    # Load (or build) the keyword index now, not in the first question's time.
    assistant.retriever.refresh(force=False)

    app = FastAPI(title="Article assistant", version="0.1.0", description=DESCRIPTION,
                  on_startup=[lambda: _thread_limit(settings.api_threads)])
    app.state.assistant = assistant
    app.state.web = web

    @app.get("/healthz", tags=["health"])
    def healthz():
        """Liveness for load balancers: no auth needed. 503 while the store is unreachable."""
        try:
            return {"ok": True, "articles": assistant.store.count_articles()}
        except StoreError as e:
            return JSONResponse({"ok": False, "detail": str(e)}, status_code=503,
                                headers={"Retry-After": "5"})

    app.include_router(build_router(web))

    @app.get("/widget", include_in_schema=False)
    def widget_slash(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse(request.scope.get("root_path", "") + "/widget/"
                                + ("?" + query if query else ""), status_code=307)

    gradio_js = Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js"

    @app.get("/widget/gradio.js", include_in_schema=False)
    def web_component() -> FileResponse:
        """Gradio's <gradio-app> web component, served next to the widget it loads (its
        imports are relative: /widget/assets/…). Cross-origin use needs an allowed origin."""
        return FileResponse(gradio_js, media_type="text/javascript")

    def gradio_user(request) -> str | None:
        found = identity_of(request)
        return found.key if found is not None else None

    common = dict(auth_dependency=gradio_user, theme=ui.theme(), css=ui.CSS, js=ui.LOAD_JS,
                  max_file_size=max(1, int(settings.upload_max_mb * 1024 * 1024)), footer_links=[],
                  show_error=True)
    # /widget before /: the page at / is a catch-all mount.
    queue = dict(max_size=settings.queue_max_size or None)
    gr.mount_gradio_app(app, ui.build_widget(web).queue(**queue), path="/widget",
                        **{**common, "css": ui.CSS + ui.WIDGET_CSS, "head": ui.WIDGET_HEAD})
    gr.mount_gradio_app(app, ui.build_demo(web).queue(**queue), path="/", **common,
                        head=ui.PAGE_HEAD)

    # add_middleware wraps: the last one added sees the request first.
    app.add_middleware(AskLimitMiddleware, limit=settings.answers_limit)
    app.add_middleware(AuthMiddleware, auth=web.auth, root_path=web.root_path,
                       origins=web.origins)
    # A CORSMiddleware on the parent app also switches off Gradio's own, which would allow
    # any origin on a non-localhost host name.
    app.add_middleware(CORSMiddleware, allow_origins=web.origins,
                       allow_credentials=web.origins != ["*"],
                       allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                       allow_headers=["*"],
                       expose_headers=["Retry-After"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware, origins=web.origins)
    app.add_middleware(RootPathMiddleware, root_path=web.root_path)
    return app


def _thread_limit(threads: int) -> None:
    """Threads for FastAPI's synchronous handlers (REST); Gradio's queue has its own."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, threads)


def serve(settings: Settings | None = None) -> None:
    import uvicorn

    settings = settings or get_settings()
    app = create_app(settings)
    web: Web = app.state.web
    if web.auth.open and not is_loopback(settings.host) and settings.host != "localhost":
        log.warning("auth mode none on %s: anyone who can reach this address can use the "
                    "assistant (set ASSISTANT_AUTH_MODE)", settings.host)
    print(f"Serving the chat on http://{settings.host}:{settings.port}{web.root_path}/",
          flush=True)
    # proxy_headers off: the peer address must stay the real one, or anyone could claim to
    # be the trusted proxy with X-Forwarded-For. Our own code reads X-Forwarded-For, and only
    # from ASSISTANT_TRUSTED_PROXIES.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=False)
