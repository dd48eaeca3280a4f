"""A real, scripted OpenAI-compatible chat-completions HTTP server for tests.

No mocking of the ``openai`` package: tests point the real client at this
server over a loopback socket::

    from testkit.llm_server import Reply, ScriptedLLM

    with ScriptedLLM() as llm:
        llm.push(Reply("Paris is the capital [1]."))
        client = openai.OpenAI(base_url=llm.url + "/v1", api_key="test", max_retries=0)
        out = client.chat.completions.create(model="m", messages=[...])
        assert llm.requests[-1]["messages"][-1]["content"] == ...

or, from a ``conftest.py``::

    from testkit.llm_server import scripted_llm_fixture
    scripted_llm = pytest.fixture(scripted_llm_fixture)

Endpoints
---------
* ``POST /v1/chat/completions`` (also ``/chat/completions``): ``stream: false``
  returns a ``chat.completion`` object; ``stream: true`` returns
  ``text/event-stream`` using HTTP/1.1 chunked transfer encoding, one HTTP
  chunk (flushed) per SSE event, content split into ~3-word pieces, the first
  chunk carrying ``delta.role``, then a ``finish_reason: "stop"`` chunk and
  ``data: [DONE]``.
* ``GET /v1/models`` (also ``/models``): a list with one model.

Scripting
---------
Replies are consumed FIFO from ``push()``. When the queue is empty, the
``responder`` callback (if set) computes the reply from the request body,
otherwise ``default`` is used (``Reply("OK [1]")`` if not given).

Every JSON request body is recorded in ``requests`` (bodies that are not
valid JSON are recorded as ``{"_raw": "<text>"}``).

Failure modes a :class:`Reply` can simulate: non-200 status with an
OpenAI-style error body, extra headers (``Retry-After``), a ``delay`` before
responding (client timeouts), a ``raw`` body sent verbatim (garbage /
malformed JSON), and a stream cut after N chunks (the socket is shut down
without the terminating zero-length chunk, so the HTTP client sees an
incomplete chunked body).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

__all__ = ["Reply", "ScriptedLLM", "scripted_llm_fixture", "MODEL_ID"]

MODEL_ID = "scripted-llm"

_ERROR_TYPES = {
    400: ("invalid_request_error", "bad_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout_error", "timeout"),
    409: ("invalid_request_error", "conflict"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("rate_limit_exceeded", "rate_limit_exceeded"),
}


@dataclass
class Reply:
    """One scripted response."""

    content: str = ""
    """Assistant message text (for errors: the error message, if non-empty)."""
    status: int = 200
    """HTTP status; non-200 returns ``{"error": {"message", "type", "code"}}``."""
    headers: dict = field(default_factory=dict)
    """Extra response headers, e.g. ``{"Retry-After": "1"}``."""
    delay: float = 0.0
    """Seconds to wait before sending anything (simulate a hang / timeout)."""
    raw: bytes | None = None
    """If set, sent verbatim as the (non-streamed) body with this status."""
    stream_cut_after: int | None = None
    """When streaming: send this many content chunks, then drop the socket."""
    chunk_delay: float = 0.0
    """Seconds to wait between streamed chunks."""
    content_type: str | None = None
    """Override the Content-Type header (default: JSON / event-stream)."""
    finish_reason: str = "stop"
    """finish_reason of the (final) choice, e.g. ``"length"``."""


def _split_pieces(text: str, words: int = 3) -> list[str]:
    """Split ``text`` into pieces of ~``words`` words that concatenate back to it."""
    if not text:
        return []
    pieces: list[str] = []
    count = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        # advance over one word and the whitespace following it
        while i < n and text[i].isspace():
            i += 1
        while i < n and not text[i].isspace():
            i += 1
        count += 1
        if count == words:
            pieces.append(text[start:i])
            start = i
            count = 0
    if start < n:
        pieces.append(text[start:])
    return pieces


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    scripted: "ScriptedLLM"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ScriptedLLM/1.0"
    # idle keep-alive connections give up after this long (daemon threads anyway)
    timeout = 30

    server: _Server  # type: ignore[assignment]

    # -- plumbing ---------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.scripted._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.scripted._track(self.connection, add=False)

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, OSError, socket.timeout):
            # client went away (e.g. it timed out while we were sleeping)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.server.scripted.verbose:
            super().log_message(format, *args)

    def _send_bytes(self, status: int, body: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(str(k), str(v))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status: int, obj: object, headers: dict | None = None, content_type: str | None = None) -> None:
        self._send_bytes(
            status, json.dumps(obj).encode(), content_type or "application/json", headers or {}
        )

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- routes -----------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/v1/models", "/models"):
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "tests"}
                    ],
                },
            )
        elif path in ("/v1/models/" + MODEL_ID, "/models/" + MODEL_ID):
            self._send_json(200, {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "tests"})
        else:
            self._send_error(404, f"Unknown path {self.path}", {})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        raw_body = self._read_body()
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._send_error(404, f"Unknown path {self.path}", {})
            return
        try:
            body = json.loads(raw_body or b"{}")
        except ValueError:
            body = {"_raw": raw_body.decode("utf-8", "replace")}
        scripted = self.server.scripted
        scripted._record(body, {k.lower(): v for k, v in self.headers.items()})
        reply = scripted._next_reply(body)

        if reply.delay > 0 and scripted._stopping.wait(reply.delay):
            # server is shutting down: drop the connection without answering
            self.close_connection = True
            return

        if reply.raw is not None:
            self._send_bytes(
                reply.status, reply.raw, reply.content_type or "application/json", reply.headers
            )
            return
        if reply.status != 200:
            self._send_error(reply.status, reply.content, reply.headers, reply.content_type)
            return

        model = body.get("model") if isinstance(body, dict) else None
        model = model or MODEL_ID
        if isinstance(body, dict) and body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(reply, model, include_usage)
        else:
            self._send_json(200, _completion(reply, model), reply.headers, reply.content_type)

    def _send_error(self, status: int, message: str, headers: dict, content_type: str | None = None) -> None:
        if status >= 500:
            etype, code = "server_error", "server_error"
        else:
            etype, code = _ERROR_TYPES.get(status, ("invalid_request_error", None))
        self._send_json(
            status,
            {
                "error": {
                    "message": message or f"Scripted error {status}",
                    "type": etype,
                    "param": None,
                    "code": code,
                }
            },
            headers,
            content_type,
        )

    def _stream(self, reply: Reply, model: str, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type or "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in reply.headers.items():
            self.send_header(str(k), str(v))
        self.end_headers()
        self.wfile.flush()

        stopping = self.server.scripted._stopping

        def write_chunk(data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        for i, event in enumerate(_stream_events(reply, model, include_usage)):
            if reply.stream_cut_after is not None and i >= reply.stream_cut_after:
                # abrupt close: no terminating 0-length chunk, no [DONE]
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if i and reply.chunk_delay > 0 and stopping.wait(reply.chunk_delay):
                self.close_connection = True
                return
            write_chunk(event)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _completion(reply: Reply, model: str) -> dict:
    prompt_tokens = 10
    completion_tokens = len(reply.content.split())
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_scripted",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": None},
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _stream_events(reply: Reply, model: str, include_usage: bool) -> Iterator[bytes]:
    """SSE events for a streamed reply; the content-bearing ones come first."""
    cid = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())

    def chunk(delta: dict, finish_reason: str | None = None, usage: dict | None = None, choices: bool = True) -> bytes:
        obj = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_scripted",
            "choices": (
                [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
                if choices
                else []
            ),
        }
        if include_usage:
            obj["usage"] = usage
        return b"data: " + json.dumps(obj).encode() + b"\n\n"

    pieces = _split_pieces(reply.content) or [""]
    for i, piece in enumerate(pieces):
        delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
        yield chunk(delta)
    yield chunk({}, finish_reason=reply.finish_reason)
    if include_usage:
        n = len(reply.content.split())
        yield chunk({}, usage={"prompt_tokens": 10, "completion_tokens": n, "total_tokens": 10 + n}, choices=False)
    yield b"data: [DONE]\n\n"


class ScriptedLLM:
    """A scripted OpenAI chat-completions server on 127.0.0.1:<free port>."""

    def __init__(self, replies: list[Reply] | None = None, default: Reply | None = None, *, verbose: bool = False):
        self.default = default if default is not None else Reply("OK [1]")
        self.verbose = verbose
        self.requests: list[dict] = []
        """Every request body received, in arrival order."""
        self.request_headers: list[dict] = []
        """Headers of each recorded request (lower-cased names), parallel to ``requests``."""
        self.errors: list[BaseException] = []
        """Exceptions raised by the ``responder`` callback (each answered with a 500)."""
        self._queue: deque[Reply] = deque(replies or [])
        self._responder: Callable[[dict], Reply] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- scripting ----------------------------------------------------------

    def push(self, *replies: Reply) -> None:
        """Queue replies, consumed first-in first-out."""
        with self._lock:
            self._queue.extend(replies)

    def responder(self, fn: Callable[[dict], Reply] | None) -> None:
        """Compute the reply from the request body when the queue is empty."""
        with self._lock:
            self._responder = fn

    @property
    def pending(self) -> int:
        """Number of queued replies not yet consumed."""
        with self._lock:
            return len(self._queue)

    def _next_reply(self, body: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            fn = self._responder
        if fn is not None:
            try:
                return fn(body)
            except Exception as exc:  # surface test bugs as a 500, keep the server up
                with self._lock:
                    self.errors.append(exc)
                return Reply(f"responder raised {exc!r}", status=500)
        return self.default

    def _record(self, body: dict, headers: dict) -> None:
        with self._lock:
            self.requests.append(body)
            self.request_headers.append(headers)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> "ScriptedLLM":
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.scripted = self
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ScriptedLLM", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly: wakes sleeping handlers and drops open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> "ScriptedLLM":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, **kwargs):
        """A real ``openai.OpenAI`` client pointed at this server (max_retries=0 by default)."""
        import openai

        kwargs.setdefault("api_key", "test")
        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("timeout", 5.0)
        return openai.OpenAI(base_url=self.url + "/v1", **kwargs)


def scripted_llm_fixture() -> Iterator[ScriptedLLM]:
    """Generator for a pytest fixture: ``scripted_llm = pytest.fixture(scripted_llm_fixture)``."""
    with ScriptedLLM() as llm:
        yield llm
