"""Who may frame the app and call the API, and the sub-path behind a reverse proxy.

- `allowed_origins`: ASSISTANT_ALLOWED_ORIGINS as a list of scheme://host[:port].
- `SecurityHeadersMiddleware`: every response says who may frame it
  (Content-Security-Policy frame-ancestors: 'self' plus the allowed origins) and carries the
  usual hardening headers.
- `RootPathMiddleware`: with ASSISTANT_ROOT_PATH=/assistant the app answers both at
  /assistant/… (a proxy that passes the prefix through) and at /… (a proxy that strips it),
  and every URL it writes (Gradio's config, redirects, /docs) carries the prefix.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import split_list


def allowed_origins(value: str) -> list[str]:
    """Normalised origins; '*' alone means any origin (no credentials)."""
    out = []
    for item in split_list(value):
        if item == "*":
            return ["*"]
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError(f"ASSISTANT_ALLOWED_ORIGINS: {item!r} is not an origin like "
                             "https://intranet.example.com (scheme, host, optional port)")
        out.append(f"{parts.scheme}://{parts.netloc}".lower())
    return list(dict.fromkeys(out))


def normalise_root_path(value: str) -> str:
    value = (value or "").strip().rstrip("/")
    if value and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
        raise ValueError(f"ASSISTANT_ROOT_PATH: {value!r} is not a path like /assistant")
    return value


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
