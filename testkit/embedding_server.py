"""A real HTTP server speaking OpenAI's /v1/embeddings, backed by the bundled ONNX model (so
its vectors are real ones), with scripted faults: `fail_next` answers 500, `delay` seconds
per request. It counts requests, their sizes and how many were in flight at once.

    with EmbeddingServer() as server:
        ASSISTANT_EMBED_BASE_URL = server.url + "/v1"
"""

from __future__ import annotations

import json
import threading
import time

from .loopback import LoopbackServer, QuietHandler


class EmbeddingServer(LoopbackServer):
    def __init__(self, model: str = "minilm-remote"):
        from assistant.embed import get_embedder

        self.model = model
        self.embedder = get_embedder()
        self.fail_next = 0
        self.delay = 0.0
        self.sizes: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "EmbeddingServer":
        site = self

        class Handler(QuietHandler):
            def _send(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with site._lock:
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                    fail = site.fail_next > 0
                    site.fail_next -= fail
                try:
                    time.sleep(site.delay)
                    if self.path != "/v1/embeddings":
                        return self._send(404, {"error": {"message": "no such route"}})
                    if fail:
                        return self._send(500, {"error": {"message": "scripted failure"}})
                    if body.get("model") != site.model:
                        return self._send(404, {"error": {"message": f"model "
                                                          f"{body.get('model')!r} not found"}})
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    site.sizes.append(len(texts))
                    vectors = site.embedder.embed(texts)
                    self._send(200, {"object": "list", "model": site.model, "data": [
                        {"object": "embedding", "index": i, "embedding": v.tolist()}
                        for i, v in enumerate(vectors)],
                        "usage": {"prompt_tokens": 0, "total_tokens": 0}})
                finally:
                    with site._lock:
                        site.in_flight -= 1

        return self.serve(Handler)
