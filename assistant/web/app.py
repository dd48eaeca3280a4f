"""The web app: the REST API, the chat page (/) and the widget (/widget) on one FastAPI app.

Request path, outermost first: RootPathMiddleware (sub-path behind a reverse proxy) ->
SecurityHeadersMiddleware (CSP frame-ancestors, nosniff, …) -> CORSMiddleware (only the
allowed origins) -> AuthMiddleware (identity or 401/403) -> AskLimitMiddleware (answers at
once) -> routes (/healthz, /api/…, /docs) and the two Gradio apps (ui.py).

Errors are mapped here, and only here (`add_error_handlers`): an AssistantError answers
{"detail": message} with its class's status (StoreError: 503 and Retry-After), a Chroma
transport fault is the StoreError faults.translate makes of it, and a body that does not
validate is a 422 listing the errors. Anything else is a bug: a 500, traceback in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import anyio
import anyio.to_thread
import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import Settings, get_settings
from ..core import Assistant
from ..embed import CachedEmbedder
from ..errors import AssistantError, StoreError
from ..faults import TRANSPORT_ERRORS, translate
from ..integrations.mcp import mount as mount_mcp
from ..jobs import JobQueue
from ..writer import lock_for_server, new_token
from . import ui
from .api import AskRequest, build_router  # noqa: F401 - AskRequest: public import
from .auth import AuthMiddleware, identity_of, is_loopback
from .context import Web
from .openai_api import build_openai_router
from .responses import OPENAI_PREFIX, error_json
from .security import RootPathMiddleware, SecurityHeadersMiddleware

log = logging.getLogger("assistant")

RETRY_AFTER = 5  # seconds a client waits before retrying while the store is unreachable
HEALTH_TTL = 1.5  # seconds /healthz reuses its last check

DESCRIPTION = """Grounded, cited answers from your articles.

Authenticate like the chat: `Authorization: Bearer <token>` (auth mode token), HTTP basic
auth (mode basic), or through your reverse proxy (mode proxy). Questions are rate-limited
per user: over the limit, the answer is HTTP 429 with a `Retry-After` header.
"""


class AskLimitMiddleware:
    """At most `limit` questions answered at once through the REST and OpenAI-compatible
    APIs; the others wait in line, first come first served (the Gradio pages have their own
    queues). Answering is CPU-bound: 50 answers computed at once on 2 cores each take 25
    times as long, and the quick ones (cached) wait behind the slow ones."""

    def __init__(self, app, limit: int, paths: tuple[str, ...] = (
            "/api/ask", "/api/ask/stream", "/v1/chat/completions")):
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


def utf8_safe(data):
    """data with lone surrogates replaced (by "?"), so that it can be written as UTF-8:
    pydantic refuses "\\ud800" in a constrained string (conversation ids), and the
    validation error that quotes it back could not be sent (a 500 instead of the 422)."""
    if isinstance(data, str):
        return data if data.isascii() else data.encode("utf-8", "replace").decode("utf-8")
    if isinstance(data, dict):
        return {utf8_safe(k): utf8_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [utf8_safe(v) for v in data]
    return data


def error_response(request: Request, error: AssistantError) -> JSONResponse:
    """The error's message with its status (in OpenAI's shape under /v1); a store fault also
    says when to retry."""
    headers = {"Retry-After": str(RETRY_AFTER)} if isinstance(error, StoreError) else None
    return error_json(request.url.path, error.status, str(error), headers)


class Health:
    """What /healthz says, computed at most every HEALTH_TTL seconds (a load balancer polling
    every second must not cost a query each time)."""

    def __init__(self, assistant: Assistant, jobs: JobQueue):
        self.assistant = assistant
        self.jobs = jobs
        self._lock = threading.Lock()
        self._at = 0.0
        self._report: dict = {}

    def invalidate(self) -> None:
        """A request just met a store fault: the next check is a real one."""
        self._at = 0.0

    def check(self) -> dict:
        with self._lock:
            if time.monotonic() - self._at < HEALTH_TTL:
                return self._report
            report: dict = {"ok": True}
            try:
                report["articles"] = self.assistant.store.probe()
            except Exception as e:  # noqa: BLE001 - any failure: the answer is "not now"
                report = {"ok": False, "detail": f"questions cannot be answered now: "
                                                 f"{type(e).__name__}: {e}"}
            try:
                report["queue"] = {"depth": self.jobs.depth(), "last_error": self.jobs.last_error}
            except Exception as e:  # noqa: BLE001 - a queue that is down is said, not fatal
                report["queue"] = {"depth": None, "last_error": str(e)}
            try:  # a failing feed is news to the operator, not a reason to stop answering
                feeds = self.assistant.list_feeds()
                report["feeds"] = {"count": len(feeds),
                                   "failing": [f.url for f in feeds if f.failures]}
            except Exception as e:  # noqa: BLE001
                report["feeds"] = {"count": None, "failing": [], "error": str(e)}
            self._report, self._at = report, time.monotonic()
            return report


def add_error_handlers(app: FastAPI, settings: Settings, health: Health | None = None) -> None:
    """The one mapping of errors to responses, for every route of the app.

    The handlers are registered per class (never for plain Exception, whose handler Starlette
    runs in ServerErrorMiddleware, which re-raises after answering): a Chroma transport error
    that faults.translate does not claim (no Chroma server configured) is re-raised and stays
    the 500 of a bug."""

    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        if isinstance(exc, StoreError) and health is not None:
            health.invalidate()
        return error_response(request, exc)

    async def transport_error(request: Request, exc: Exception) -> JSONResponse:
        err = translate(exc, settings)
        if err is None:
            raise exc
        if health is not None:
            health.invalidate()
        return error_response(request, err)

    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # utf8_safe: the errors may quote back a lone surrogate, which UTF-8 cannot carry.
        errors = utf8_safe(jsonable_encoder(exc.errors()))
        if request.url.path.startswith(OPENAI_PREFIX):
            errors = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}"
                               for e in errors)
        return error_json(request.url.path, 422, errors)

    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_json(request.url.path, exc.status_code, exc.detail,
                          getattr(exc, "headers", None))

    app.add_exception_handler(AssistantError, assistant_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for cls in TRANSPORT_ERRORS:
        app.add_exception_handler(cls, transport_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    settings = settings or get_settings()
    if assistant is None:
        assistant = Assistant(settings)
        if settings.embed_cache > 0:
            # Assistant.embedder is a cached property: this instance's embedder is the cache.
            assistant.embedder = CachedEmbedder(assistant.embedder, settings.embed_cache)
    web = Web(settings, assistant)
    seeded = assistant.ensure_seeded()
    if seeded is not None:
        log.warning("indexed seeds: %s", seeded.summary())
    # Load (or build) the keyword index now, not in the first question's time.
    assistant.retriever.refresh(force=False)

    # The write queue's worker runs inside the app (SQLite queue: this is the only writer of
    # the index); with a shared Redis queue, `assistant worker` processes may add more.
    web.jobs.start(threads=1)
    if settings.feed_polling:  # due feeds become poll jobs of that queue
        web.scheduler.start()
    app = FastAPI(title="Article assistant", version="0.1.0", description=DESCRIPTION,
                  on_startup=[lambda: _thread_limit(settings.api_threads)],
                  on_shutdown=[web.scheduler.stop, web.jobs.stop])
    app.state.assistant = assistant
    app.state.web = web
    health = Health(assistant, web.jobs)
    add_error_handlers(app, assistant.settings, health)  # the store it talks to: its faults

    @app.get("/healthz", tags=["health"])
    def healthz():
        """200 only when a question can be answered now (a real query through the store,
        cached for HEALTH_TTL seconds), with the queue's depth and last error; 503 with the
        reason otherwise. No auth needed (load balancers)."""
        report = health.check()
        if report["ok"]:
            return report
        return JSONResponse(report, status_code=503, headers={"Retry-After": str(RETRY_AFTER)})

    app.include_router(build_router(web))
    app.include_router(build_openai_router(web))
    # MCP over streamable HTTP: a route, before Gradio's catch-all "/" mount; its session
    # manager runs in the app's lifespan (assistant/integrations/mcp.py says why).
    mount_mcp(app, web)

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

    common = dict(auth_dependency=gradio_user,
                  max_file_size=max(1, int(settings.upload_max_mb * 1024 * 1024)), footer_links=[],
                  show_error=True)
    # /widget before /: the page at / is a catch-all mount.
    queue = dict(max_size=settings.queue_max_size or None)
    gr.mount_gradio_app(app, ui.build_widget(web).queue(**queue), path="/widget", **common,
                        **ui.gradio_options(widget=True))
    gr.mount_gradio_app(app, ui.build_demo(web).queue(**queue), path="/", **common,
                        **ui.gradio_options(widget=False))

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
    anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, threads)


def serve(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    # One writer per embedded index: this process, until it exits (the lock goes with it).
    token = new_token()
    lock = lock_for_server(settings, f"http://{_loopback(settings.host)}:{settings.port}"
                                     f"{settings.root_path}", token)
    app = create_app(settings)
    web: Web = app.state.web
    web.auth.local_token = token
    if lock is not None:
        # Holding the lock proves no other worker exists: a job left running was killed.
        web.jobs.recover(stale_after=0)
    if web.auth.open and not is_loopback(settings.host) and settings.host != "localhost":
        log.warning("auth mode none on %s: anyone who can reach this address can use the "
                    "assistant (set ASSISTANT_AUTH_MODE)", settings.host)
    print(f"Serving the chat on http://{settings.host}:{settings.port}{web.root_path}/",
          flush=True)
    # proxy_headers off: the peer address must stay the real one, or anyone could claim to
    # be the trusted proxy with X-Forwarded-For. Our own code reads X-Forwarded-For, and only
    # from ASSISTANT_TRUSTED_PROXIES.
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                    proxy_headers=False)
    finally:
        if lock is not None:
            lock.release()


def _loopback(host: str) -> str:
    """The address the local CLI reaches this server at."""
    if host in ("", "0.0.0.0", "localhost"):
        return "127.0.0.1"
    if host in ("::", "[::]"):
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
