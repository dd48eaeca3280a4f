"""What the tests' small HTTP servers share: a threading server on a free loopback port,
run in a daemon thread, with a quiet HTTP/1.1 handler base."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass


class LoopbackServer:
    host = "127.0.0.1"
    server: ThreadingHTTPServer | None = None

    def start(self):
        raise NotImplementedError  # each server builds its handler, then calls serve()

    def serve(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer((self.host, 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
