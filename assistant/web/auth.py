"""Who is asking: auth modes none | token | basic | proxy (combinable), and the admin role.

Every request except /healthz and Gradio's public build files passes through
`AuthMiddleware`, which resolves an `Identity` or refuses the request:

- none   (the local default, bound to 127.0.0.1): everyone is the local user; the admin role
         goes to clients on this machine (loopback) only.
- token  a shared token (ASSISTANT_AUTH_TOKEN) as `Authorization: Bearer …` or `?token=…`;
         ASSISTANT_ADMIN_TOKEN also grants admin. Opening a page with ?token= sets a signed
         session cookie and redirects to the same URL without the token.
- basic  HTTP basic auth against ASSISTANT_BASIC_USERS (`user:password` or
         `user:sha256:HEX`); admins are listed in ASSISTANT_ADMIN_USERS.
- proxy  the user name in ASSISTANT_PROXY_HEADER (X-Forwarded-User), trusted only when the
         connection comes from an address in ASSISTANT_TRUSTED_PROXIES; from anywhere else
         the header is refused (403), never believed.

The identity's `key` ("basic:alice", "token@10.0.0.7", …) is what Gradio sees as the user
name (so a UI handler can recover the role with `Authenticator.identity_for`), the
rate-limit bucket and the author of feedback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import ipaddress
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings, split_list
from ..errors import AuthError
from .responses import error_json

log = logging.getLogger("assistant.web")

STATIC = Path(__file__).parent / "static"
COOKIE = "assistant_session"
SESSION_SECONDS = 7 * 24 * 3600
IDENTITY_SCOPE_KEY = "assistant.identity"
# Gradio's compiled front end: public files, no data. A cross-origin <script type=module>
# (the <gradio-app> web component) fetches them without credentials.
_PUBLIC = re.compile(r"^(?:/widget)?/(?:assets|static)/|^(?:/widget)?/(?:gradio\.js|favicon\.ico)$"
                     r"|^/healthz$")

_UPLOAD = re.compile(r"/gradio_api/upload(?:_progress)?/?$")


@dataclass(frozen=True)
class Identity:
    kind: str  # local | token | basic | proxy | cli (the local command, assistant/remote.py)
    name: str  # shown to the user
    admin: bool
    key: str  # stable id: Gradio user name, rate-limit bucket, feedback author


def _in(nets: list, ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in n for n in nets)


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _eq(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def _check_password(stored: str, given: str) -> bool:
    if stored.startswith("sha256:"):
        return _eq(stored[7:].lower(), hashlib.sha256(given.encode()).hexdigest())
    return _eq(stored, given)


def _session_secret(data_dir: Path) -> bytes:
    """A random key kept in the data dir (0600), so sessions survive restarts."""
    path = Path(data_dir) / "web-session.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex())
    return key


class Authenticator:
    """The auth rules of validated Settings (assistant/config.py checks every value)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.modes = settings.auth_modes
        self.users = settings.basic_user_table
        self.admins = settings.admins
        self.proxies = settings.trusted_networks
        self.header = settings.proxy_header
        self._auth_token = settings.auth_token.get_secret_value()
        self._admin_token = settings.admin_token.get_secret_value()
        # The token `assistant serve` writes to <index>/.writer.json (owner-only): the local
        # CLI hands its work over with it, from this machine only, whatever the auth mode.
        self.local_token = ""
        # Sessions are signed with a key that also covers the tokens: rotating a token
        # signs everyone out.
        self._secret_bytes: bytes | None = None

    @property
    def _secret(self) -> bytes:
        if self._secret_bytes is None:
            fingerprint = hashlib.sha256(
                f"{self._auth_token}\0{self._admin_token}".encode())
            self._secret_bytes = _session_secret(self.settings.data_dir) + fingerprint.digest()
        return self._secret_bytes

    @property
    def open(self) -> bool:
        return self.modes == {"none"}

    # -- identities ----------------------------------------------------------------------

    def client_ip(self, scope: Scope) -> str:
        """The caller's address: the peer, or, when the peer is a trusted proxy, the last
        address in X-Forwarded-For that is not one of our proxies."""
        peer = (scope.get("client") or ("", 0))[0] or ""
        if self.proxies and _in(self.proxies, peer):
            forwarded = Headers(scope=scope).get("x-forwarded-for", "")
            for ip in reversed(split_list(forwarded)):
                if not _in(self.proxies, ip):
                    return ip
        return peer

    def identity_for(self, key: str | None) -> Identity | None:
        """The identity behind a key made by this class (e.g. Gradio's request.username)."""
        if not key:
            return None
        kind, _, rest = key.partition(":")
        if kind == "local":
            return Identity("local", "local user", is_loopback(rest), key)
        if kind == "token":
            return Identity("token", "token user", False, key)
        if kind == "token-admin":
            return Identity("token", "admin", True, key)
        if kind in ("basic", "proxy"):
            return Identity(kind, rest, rest in self.admins, key)
        return None

    def _token_identity(self, token: str, ip: str) -> Identity | None:
        if "token" not in self.modes:
            return None
        if _eq(token, self._admin_token):
            return self.identity_for("token-admin:")
        if _eq(token, self._auth_token):
            # One shared token: callers are told apart by address for rate limits.
            return self.identity_for(f"token:{ip}")
        return None

    def authenticate(self, scope: Scope) -> Identity:
        """The caller's identity, or AuthError (401/403)."""
        headers = Headers(scope=scope)
        peer = (scope.get("client") or ("", 0))[0] or ""
        ip = self.client_ip(scope)
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if (self.local_token and scheme.lower() == "bearer" and is_loopback(peer)
                and _eq(credentials.strip(), self.local_token)):
            return Identity("cli", "local assistant command", True, "cli")
        if self.open:
            # Loopback is the admin in open mode, but a request relayed by a reverse proxy on
            # this host arrives from loopback too: forwarded from elsewhere, it is a visitor.
            relayed = any(headers.get(h) for h in ("x-forwarded-for", "forwarded", "x-real-ip"))
            if relayed and not _in(self.proxies, peer):
                return Identity("local", "visitor", False, f"local:{ip}:relayed")
            return self.identity_for(f"local:{ip}")

        if "proxy" in self.modes:
            user = headers.get(self.header, "").strip()
            if user:
                if not _in(self.proxies, peer):
                    log.warning("refused %s from untrusted address %s", self.header, peer)
                    raise AuthError(403, f"{self.header} is only accepted from the trusted "
                                         "proxy")
                if len(user) > 200 or any(ord(c) < 32 for c in user):
                    raise AuthError(403, f"{self.header}: not a valid user name")
                return self.identity_for(f"proxy:{user}")

        scheme = scheme.lower()
        if scheme == "bearer" and "token" in self.modes:
            found = self._token_identity(credentials.strip(), ip)
            if found is None:
                raise AuthError(401, "invalid token")
            return found
        if scheme == "basic" and "basic" in self.modes:
            try:
                user, _, password = base64.b64decode(credentials.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise AuthError(401, "malformed basic credentials") from None
            stored = self.users.get(user)
            if stored is None or not _check_password(stored, password):
                raise AuthError(401, "wrong user name or password")
            return self.identity_for(f"basic:{user}")

        query_token = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("token")
        if query_token:
            found = self._token_identity(query_token, ip)
            if found is None:
                raise AuthError(401, "invalid token")
            return found

        session = self.read_session(headers.get("cookie", ""), ip)
        if session is not None:
            return session
        raise AuthError(401, "sign in required")

    # -- session cookie ------------------------------------------------------------------

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._secret, payload, hashlib.sha256).hexdigest()

    def make_session(self, identity: Identity) -> str:
        key = identity.key if identity.kind != "token" or identity.admin else "token:"
        payload = base64.urlsafe_b64encode(json.dumps(
            {"k": key, "exp": int(time.time()) + SESSION_SECONDS}).encode()).rstrip(b"=")
        return payload.decode() + "." + self._sign(payload)

    def read_session(self, cookie_header: str, ip: str) -> Identity | None:
        if "token" not in self.modes:
            return None
        value = cookie_parser(cookie_header).get(COOKIE, "").strip('"')
        payload, _, sig = value.partition(".")
        if not payload or not _eq(sig, self._sign(payload.encode())):
            return None
        try:
            padded = payload.encode() + b"=" * (-len(payload) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded))
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("exp", 0) < time.time():
            return None
        key = str(data.get("k", ""))
        if key.startswith("token:"):  # shared token: the bucket follows the address
            key = f"token:{ip}"
        if key.split(":", 1)[0] not in ("token", "token-admin"):
            return None
        return self.identity_for(key)


def _wants_html(scope: Scope, path: str) -> bool:
    if scope.get("method") != "GET" or path.startswith("/api/") or "/gradio_api/" in path:
        return False
    return "text/html" in Headers(scope=scope).get("accept", "")


def _template(name: str) -> Template:
    return Template((STATIC / name).read_text(encoding="utf-8").rstrip("\n"))


LOGIN_PAGE = _template("login.html")
LOGIN_TOKEN_FORM = _template("login-token-form.html")
LOGIN_PROXY_HINT = _template("login-proxy-hint.html").substitute()


def login_page(auth: Authenticator, message: str, action: str) -> str:
    """static/login.html: every value filled in is escaped."""
    token_form = (LOGIN_TOKEN_FORM.substitute(action=html.escape(action))
                  if "token" in auth.modes else "")
    hint = LOGIN_PROXY_HINT if auth.modes == {"proxy"} else ""
    return LOGIN_PAGE.substitute(message=html.escape(message.capitalize()),
                                 token_form=token_form, hint=hint)


class AuthMiddleware:
    """Resolves the identity of every request (scope[IDENTITY_SCOPE_KEY]) or refuses it."""

    def __init__(self, app: ASGIApp, auth: Authenticator, root_path: str = "",
                 origins: list[str] | None = None):
        self.app = app
        self.auth = auth
        self.root_path = root_path.rstrip("/")
        self.origins = set(origins or [])

    def _foreign_write(self, scope: Scope) -> bool:
        """A state-changing request sent by a page of another, not allowed, origin. Browsers
        attach basic credentials and SSO cookies to cross-site form posts (a multipart upload
        needs no CORS preflight): the Origin header is what tells them apart."""
        if scope.get("method") not in ("POST", "PUT", "PATCH", "DELETE") or "*" in self.origins:
            return False
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:  # not sent by a browser page (curl, scripts, same-origin GET…)
            return False
        host = headers.get("x-forwarded-host", "").split(",")[0].strip() or headers.get("host")
        own = f"{_scheme(scope)}://{host}".lower()
        return origin.lower() not in self.origins | {own}

    def _route_path(self, scope: Scope) -> str:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        return path[len(root):] or "/" if root and path.startswith(root) else path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = self._route_path(scope)
        if _PUBLIC.search(path) or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and self._foreign_write(scope):
            await self._refuse(scope, receive, send, path, AuthError(
                403, "cross-origin request from an origin that is not allowed"))
            return
        try:
            identity = self.auth.authenticate(scope)
        except AuthError as e:
            await self._refuse(scope, receive, send, path, e)
            return
        scope[IDENTITY_SCOPE_KEY] = identity
        if _UPLOAD.search(path) and (not identity.admin or path.startswith("/widget/")):
            # Gradio's file upload feeds only the admin's article upload: nobody else (and
            # nothing in the widget) may put files on the server.
            await self._refuse(scope, receive, send, path,
                               AuthError(403, "uploading needs the admin role"))
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        if (identity.kind == "token" and any(k == "token" for k, _ in query)
                and _wants_html(scope, path)):
            # A page opened with ?token=: remember the session, drop the token from the URL.
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope.get("root_path", "") + path + ("?" + rest if rest else "")
            response = RedirectResponse(location, status_code=303)
            https = _scheme(scope) == "https"
            response.set_cookie(COOKIE, self.auth.make_session(identity), max_age=SESSION_SECONDS,
                                path=(self.root_path or "") + "/", httponly=True, secure=https,
                                samesite="none" if https else "lax")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope, receive, send, path: str, e: AuthError) -> None:
        headers = {}
        if e.status == 401 and "basic" in self.auth.modes:
            headers["WWW-Authenticate"] = 'Basic realm="Article assistant", charset="UTF-8"'
        elif e.status == 401 and "token" in self.auth.modes:
            headers["WWW-Authenticate"] = 'Bearer realm="Article assistant"'
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if _wants_html(scope, path):
            action = scope.get("root_path", "") + path
            response: Response = Response(login_page(self.auth, e.message, action),
                                          status_code=e.status, headers=headers,
                                          media_type="text/html")
        else:
            response = error_json(path, e.status, e.message, headers)
        await response(scope, receive, send)


def _scheme(scope: Scope) -> str:
    proto = Headers(scope=scope).get("x-forwarded-proto", "")
    return (proto.split(",")[0].strip() or scope.get("scheme", "http")).lower()


def identity_of(scope_or_request) -> Identity | None:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    return scope.get(IDENTITY_SCOPE_KEY)
