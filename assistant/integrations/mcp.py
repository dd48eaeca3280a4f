"""The assistant as an MCP server (the official `mcp` SDK, 2.x): five tools over the library.

Two transports, the same tools:

- stdio: `assistant mcp` (assistant/cli.py) serves the index the other commands use, or
  forwards to the `assistant serve` that holds it (a RemoteAssistant, assistant/remote.py).
  The protocol owns stdout; logs go to stderr.
- streamable HTTP: `/mcp` on the web app (`mount`, called by assistant/web/app.py), behind
  the app's own AuthMiddleware like every REST path, the ask rate limit included.

Each tool is one library call. Its result carries the same JSON as the REST API and the
CLI's --json (`structuredContent`, with a published output schema) and a readable text of
it (`content`) for clients that show only text. A refusal of the library (an
AssistantError: a bad date, a question too long, a store that does not answer) is a tool
error with its user-worded message, never a protocol error or a crash.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field
from starlette.responses import JSONResponse
from typing_extensions import TypedDict  # pydantic needs it below Python 3.12

from ..errors import AssistantError
from ..faults import translate
from ..store import ArticleInfo
from ..types import hits_json
from ..web.api import filter_articles

log = logging.getLogger("assistant.mcp")

NAME = "article-assistant"
INSTRUCTIONS = """Grounded, cited answers from an index of news articles.
- ask: a question answered from the articles, with numbered citations [n] (article id,
  title, url, date, the cited sentence and its character offsets in the article).
- search_articles: the ranked passages for a query, without an answer.
- who_said: attributed quotes (who said what), by speaker and/or about a topic.
- get_article: one article's full text by id; list_articles: what is indexed.
Dates (since, until) are YYYY-MM-DD, YYYY-MM or YYYY. Quote the citations you use."""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

# -- the tools' output schemas: the JSON contracts of assistant/types.py -----------------------


class CitationJSON(TypedDict):
    n: int
    article_id: str
    title: str
    url: str
    published: str
    text: str
    start: int
    end: int


class AnswerJSON(TypedDict):
    question: str
    answer: str
    mode: str
    citations: list[CitationJSON]
    warnings: list[str]


class HitJSON(TypedDict):
    rank: int
    article_id: str
    title: str
    url: str
    published: str
    score: float
    similarity: float
    text: str
    start: int
    end: int


class SearchJSON(TypedDict):
    query: str
    hits: list[HitJSON]


class QuoteJSON(TypedDict):
    article_id: str
    title: str
    url: str
    published: str
    outlet: str
    speaker: str
    mention: str
    cue: str
    content: str
    start: int
    end: int
    speaker_start: int
    speaker_end: int
    direct: bool
    score: float
    n: int


class QuotesJSON(TypedDict):
    quotes: list[QuoteJSON]


class ArticleJSON(TypedDict):
    id: str
    text: str
    title: str
    url: str
    published: str
    authors: list[str]
    outlet: str
    source: str


class ArticlesJSON(TypedDict):
    total: int
    articles: list[ArticleInfo]  # its asdict(); no field has a default, so all are required


# -- parameters ----------------------------------------------------------------------------

Since = Annotated[str | None, Field(description="Only articles published on or after this "
                                                "date (YYYY-MM-DD, YYYY-MM or YYYY)")]
Until = Annotated[str | None, Field(description="Only articles published on or before this "
                                                "date (YYYY-MM-DD, YYYY-MM or YYYY)")]


def _result(text: str, data: dict[str, Any]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=data)


def _dated(published: str) -> str:
    return f" ({published})" if published else ""


def answer_text(data: dict[str, Any]) -> str:
    """An Answer.to_json() as text: the answer, then its sources with the cited words."""
    lines = [data["answer"]]
    if data["citations"]:
        lines += ["", "Sources:"]
        for c in data["citations"]:
            lines.append(f"[{c['n']}] {c['title'] or c['article_id']}{_dated(c['published'])}"
                         + (f" {c['url']}" if c["url"] else "")
                         + f" [{c['article_id']} {c['start']}-{c['end']}]")
            lines.append(f"    {c['text'].strip()}")
    lines += [f"Warning: {w}" for w in data["warnings"]]
    return "\n".join(lines)


def hits_text(data: dict[str, Any]) -> str:
    if not data["hits"]:
        return f"No passages match {data['query']!r}."
    return "\n\n".join(f"{h['rank']}. {h['title'] or h['article_id']}{_dated(h['published'])}"
                       f" [{h['article_id']} {h['start']}-{h['end']}, score {h['score']}]\n"
                       f"{h['text'].strip()}" for h in data["hits"])


def quotes_text(data: dict[str, Any]) -> str:
    if not data["quotes"]:
        return "No matching quotes."
    return "\n".join(f"{q['speaker']} ({q['cue']}): \u201c{q['content'].strip()}\u201d \u2014 "
                     f"{q['title'] or q['article_id']}{_dated(q['published'])} "
                     f"[{q['article_id']} {q['start']}-{q['end']}]" for q in data["quotes"])


def article_text(data: dict[str, Any]) -> str:
    head = [data["title"] or data["id"], f"id: {data['id']}"]
    head += [f"{k}: {v}" for k, v in (("published", data["published"]), ("url", data["url"]),
                                      ("authors", ", ".join(data["authors"])),
                                      ("outlet", data["outlet"])) if v]
    return "\n".join(head) + "\n\n" + data["text"]


def articles_text(data: dict[str, Any]) -> str:
    rows = [f"{a['id']}\t{a['published'] or '-'}\t{a['title']}" for a in data["articles"]]
    shown = len(data["articles"])
    return "\n".join(rows + [f"{shown} of {data['total']} matching articles shown."])


@contextmanager
def refusals(settings) -> Iterator[None]:
    """The library's refusals (an AssistantError, a Chroma server that does not answer) as
    tool errors with their message; anything else stays a bug (the SDK logs its traceback
    and the client sees only that the tool failed)."""
    try:
        yield
    except AssistantError as e:
        raise ToolError(str(e)) from e
    except Exception as e:
        err = translate(e, settings)
        if err is None:
            raise
        raise ToolError(str(err)) from e


def _checked_dates(assistant, since: str | None, until: str | None) -> None:
    """A DateError names the value; the tool error also names the parameter."""
    for name, value in (("since", since), ("until", until)):
        try:
            assistant.check_dates(value)
        except AssistantError as e:
            raise ToolError(f"{name}: {e}") from e


def build_mcp(assistant, before_ask: Callable[[Context], None] | None = None) -> MCPServer:
    """The MCP server over `assistant`: an assistant.core.Assistant or a RemoteAssistant
    (both have search, ask, quotes, article, articles, check_question, check_dates).
    before_ask(ctx) runs before each `ask` and may raise ToolError (the web's rate limit)."""
    root = logging.getLogger()
    saved = root.level, root.handlers[:]
    server = MCPServer(NAME, instructions=INSTRUCTIONS, log_level="WARNING",
                       version=_version())
    # MCPServer() calls logging.basicConfig: the host process (the web app, a script)
    # owns its logging, not the SDK.
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]

    @server.tool(annotations=READ_ONLY)
    def search_articles(
            query: Annotated[str, Field(description="What to look for: a question or a few "
                                                    "words of the passage")],
            k: Annotated[int, Field(ge=1, le=50, description="Passages to return")] = 5,
            since: Since = None, until: Until = None,
    ) -> Annotated[CallToolResult, SearchJSON]:
        """The passages of the articles that best match a query (hybrid keyword + vector
        search, diverse), best first, each with its article id, title, date, url, score and
        character offsets in the article. No answer is written."""
        _checked_dates(assistant, since, until)
        with refusals(assistant.settings):
            query = assistant.check_question(query, "query")
            data = hits_json(query, assistant.search(query, k, since=since, until=until))
        return _result(hits_text(data), data)

    @server.tool(annotations=READ_ONLY)
    def ask(question: Annotated[str, Field(description="A question about the articles, e.g. "
                                                       "'Who said what about the ceasefire?'")],
            since: Since = None, until: Until = None,
            ctx: Context | None = None) -> Annotated[CallToolResult, AnswerJSON]:
        """A short answer grounded in the articles, with numbered citations [n]: each names
        the article (id, title, url, date) and the cited sentence with its character offsets
        in the article's text. Who-said questions are answered from the quote index."""
        if before_ask is not None and ctx is not None:
            before_ask(ctx)
        _checked_dates(assistant, since, until)
        with refusals(assistant.settings):
            data = assistant.ask(assistant.check_question(question), since=since,
                                 until=until).to_json()
        return _result(answer_text(data), data)

    @server.tool(annotations=READ_ONLY)
    def who_said(
            topic: Annotated[str | None, Field(description="About this topic (best match "
                                                           "first)")] = None,
            speaker: Annotated[str | None, Field(description="By this speaker ('Putin' matches "
                                                             "'Vladimir Putin')")] = None,
            since: Since = None, until: Until = None,
            limit: Annotated[int, Field(ge=1, le=200, description="At most this many")] = 20,
    ) -> Annotated[CallToolResult, QuotesJSON]:
        """Attributed quotes from the articles (who said what): the speaker, the verbatim
        words, the cue ('said', 'according to'), whether it is a direct quote, and where it
        is (article id, title, date, character offsets). Without a topic: newest first."""
        _checked_dates(assistant, since, until)
        with refusals(assistant.settings):
            if topic:
                topic = assistant.check_question(topic, "query")
            found = assistant.quotes(speaker=speaker, about=topic, limit=limit, since=since,
                                     until=until)
        data = {"quotes": [q.to_json() for q in found]}
        return _result(quotes_text(data), data)

    @server.tool(annotations=READ_ONLY)
    def get_article(article_id: Annotated[str, Field(description="An article id, as the other "
                                                                 "tools return it")]
                    ) -> Annotated[CallToolResult, ArticleJSON]:
        """One article: its full text (the text every citation's offsets point into),
        title, url, publication date, authors and outlet."""
        with refusals(assistant.settings):
            found = assistant.article(article_id)
        if found is None:
            raise ToolError(f"no article with id {article_id!r}")
        data = asdict(found)
        return _result(article_text(data), data)

    @server.tool(annotations=READ_ONLY)
    def list_articles(
            query: Annotated[str, Field(max_length=200, description="Words that must all occur "
                                                                    "in the title, outlet, "
                                                                    "authors, id, url or "
                                                                    "date")] = "",
            limit: Annotated[int, Field(ge=1, le=1000, description="At most this many")] = 50,
    ) -> Annotated[CallToolResult, ArticlesJSON]:
        """What is indexed: articles (id, title, url, date, authors, outlet, passages),
        newest first, optionally filtered by words."""
        with refusals(assistant.settings):
            found = filter_articles(assistant.articles(), query)
        data = {"total": len(found), "articles": [asdict(a) for a in found[:limit]]}
        return _result(articles_text(data), data)

    return server


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("article-assistant")
    except Exception:  # noqa: BLE001 - not installed (a source checkout): no version
        return ""


# -- stdio ---------------------------------------------------------------------------------


def run_stdio(assistant) -> None:
    """Serve the tools on stdin/stdout until the client hangs up. The SDK points fd 1 at
    stderr while it serves, so a stray print cannot corrupt the protocol; logs go to
    stderr."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)  # libraries that set their own loggers to DEBUG
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                               "%(message)s"))
        root.addHandler(handler)
    build_mcp(assistant).run("stdio")


# -- streamable HTTP, mounted in the web app -------------------------------------------------


class MCPEndpoint:
    """/mcp of the web app: the SDK's streamable-HTTP transport as an ASGI app.

    Stateless (a fresh transport per request, JSON responses rather than SSE): the tools are
    request/response, so nothing is lost, and any instance behind a load balancer can answer
    any request (no session affinity, no session table to grow). The SDK's session manager
    still needs its task group, run by `lifespan` from the app's lifespan; a new manager per
    run, since one manager runs only once (a test client may start an app twice)."""

    def __init__(self, server: MCPServer):
        self.server = server
        self.manager = None

    @asynccontextmanager
    async def lifespan(self):
        self.server.streamable_http_app(
            stateless_http=True, json_response=True,
            # Host/Origin checks are the web app's, the same for /mcp as for /api: its
            # AuthMiddleware refuses state-changing requests from origins that are not
            # allowed. The SDK's own check (on by default for a 127.0.0.1 host) would refuse
            # every request through a reverse proxy that passes its public Host.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("method") != "POST":
            # Stateless: no stream for a GET to open (the server never pushes; the spec's
            # answer is then 405) and no session for a DELETE to end.
            await JSONResponse({"detail": "the MCP endpoint takes POST requests only"},
                               status_code=405, headers={"Allow": "POST"})(scope, receive, send)
            return
        if self.manager is None:
            await JSONResponse({"detail": "the MCP endpoint is not running (the app's "
                                          "lifespan was not started)"},
                               status_code=503)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)


def mount(app, web) -> MCPEndpoint:
    """POST /mcp on the FastAPI app, with the MCP session manager run in the app's
    lifespan. Call it before the Gradio mount at "/", a catch-all: routes match in order.

    A route, not a Mount: a Mount at /mcp matches only /mcp/..., and /mcp itself would fall
    through to Gradio. The app's middleware (auth, CORS, root path, security headers) wraps
    it like every other path; `ask` also counts against the asker's rate limit, as on
    POST /api/ask."""

    def rate_limit(ctx: Context) -> None:
        request = ctx.request_context.request
        if request is None:
            return
        wait = web.limiter.hit(web.identity(request).key)
        if wait:
            raise ToolError(web.limiter.message(wait))

    endpoint = MCPEndpoint(build_mcp(web.assistant, before_ask=rate_limit))
    for path in ("/mcp", "/mcp/"):
        # Every method reaches the endpoint (a route limited to POST would hand a GET on to
        # Gradio's catch-all, a 404); it answers all but POST with 405.
        app.router.add_route(path, endpoint, include_in_schema=False)

    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        # Around the app's own (on_startup/on_shutdown) lifespan; Gradio's mounts wrap this
        # one in turn.
        async with outer(a) as state, endpoint.lifespan():
            yield state

    app.router.lifespan_context = lifespan
    return endpoint
