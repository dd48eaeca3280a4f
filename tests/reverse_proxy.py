"""A minimal reverse proxy for tests: http://127.0.0.1:PORT/PREFIX/… -> UPSTREAM/…

It does what an nginx `location /PREFIX/ { proxy_pass http://upstream/; }` with
`proxy_buffering off` does: strips the prefix, passes X-Forwarded-Host/-Proto/-For, and
streams responses as they come (Gradio's server-sent events included).

    python tests/reverse_proxy.py --port 8080 --prefix /assistant --upstream http://127.0.0.1:7860
"""

from __future__ import annotations

import argparse
import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
       "trailers", "transfer-encoding", "upgrade", "content-length"}


def make_handler(upstream: str, prefix: str):
    up = urlsplit(upstream)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _forward(self) -> None:
            path = self.path
            if not (path == prefix or path.startswith(prefix + "/")
                    or path.startswith(prefix + "?")):
                body = b"not behind this proxy path\n"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            target = path[len(prefix):] or "/"
            if target.startswith("?"):
                target = "/" + target
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            headers["X-Forwarded-Host"] = self.headers.get("Host", "")
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-For"] = self.client_address[0]
            if data is not None:
                headers["Content-Length"] = str(len(data))
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
            try:
                conn.request(self.command, target, body=data, headers=headers)
                resp = conn.getresponse()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                if self.command == "HEAD" or resp.status in (204, 304):
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while True:
                    block = resp.read1(65536)
                    if not block:
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _forward

    return Proxy


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--upstream", required=True)
    args = p.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port),
                                 make_handler(args.upstream, args.prefix.rstrip("/")))
    server.daemon_threads = True
    print(f"proxy on http://127.0.0.1:{args.port}{args.prefix} -> {args.upstream}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
