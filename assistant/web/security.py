"""Who may frame the app and call the API, and the sub-path behind a reverse proxy.

The origins and the root path come validated and normalised from Settings (`origins`,
`root_path`: assistant/config.py).

- `SecurityHeadersMiddleware`: every response says who may frame it
  (Content-Security-Policy frame-ancestors: 'self' plus the allowed origins) and carries the
  usual hardening headers.
- `RootPathMiddleware`: with ASSISTANT_ROOT_PATH=/assistant the app answers both at
  /assistant/… (a proxy that passes the prefix through) and at /… (a proxy that strips it),
  and every URL it writes (Gradio's config, redirects, /docs) carries the prefix.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, origins: list[str]):
        self.app = app
        ancestors = "*" if origins == ["*"] else " ".join(["'self'", *origins])
        self.headers = {
            "Content-Security-Policy": f"frame-ancestors {ancestors}; object-src 'none'; "
                                       "base-uri 'self'",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        }
        if not origins:  # older browsers ignore frame-ancestors
            self.headers["X-Frame-Options"] = "SAMEORIGIN"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in self.headers.items():
                    headers[k] = v
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RootPathMiddleware:
    def __init__(self, app: ASGIApp, root_path: str):
        self.app = app
        self.root = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.root and scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            path = scope.get("path", "")
            if not (path == self.root or path.startswith(self.root + "/")):
                scope["path"] = self.root + path
                raw = scope.get("raw_path")
                if raw is not None:
                    scope["raw_path"] = self.root.encode() + raw
            scope["root_path"] = self.root
        await self.app(scope, receive, send)
