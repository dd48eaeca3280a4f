"""Fetching URLs that users and feeds supply, without letting them reach inside the network.

The server fetches whatever URL a user pastes or a feed lists, so every fetch is checked:
- only http and https;
- the host is resolved first and every address it resolves to must be public: loopback,
  private, link-local (cloud metadata at 169.254.169.254 included), multicast, reserved and
  shared ranges are refused, unless ASSISTANT_FETCH_ALLOW names the host or its network;
- the connection goes to the address that was checked (no second lookup a DNS rebinding
  could answer differently), and each redirect is checked again the same way;
- limits on size, total time (a server that trickles bytes included) and redirects.

Every refusal or failure is a LoadError naming the URL and the reason.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import LoadError

USER_AGENT = "article-assistant/0.2 (news feed reader)"
REDIRECTS = (301, 302, 303, 307, 308)
_READ = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class Response:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 (not modified since the etag / date given)
    content_type: str  # "text/html", lower case, without parameters
    charset: str
    body: bytes
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Allow:
    """What ASSISTANT_FETCH_ALLOW lets through: host names (".corp.example" matches every
    host under it) and IP networks."""

    hosts: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, items: list[str]) -> "Allow":
        hosts, nets = [], []
        for item in items:
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.append(item.lower().rstrip("."))
        return cls(tuple(hosts), tuple(nets))

    def host(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        return any(name == h or (h.startswith(".") and name.endswith(h)) for h in self.hosts)

    def address(self, ip: IPAddress) -> bool:
        return any(ip in n for n in self.networks if n.version == ip.version)


METADATA = ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")


def why_refused(ip: IPAddress) -> str:
    """What kind of address may not be fetched by default ("a loopback address"), or ""
    when it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if str(ip) in METADATA:
        return "the cloud metadata address"
    for test, what in (("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
                       ("is_multicast", "a multicast"), ("is_unspecified", "an unspecified"),
                       ("is_private", "a private"), ("is_reserved", "a reserved")):
        if getattr(ip, test):
            return f"{what} address"
    if not ip.is_global:  # shared address space (100.64/10) and the like
        return "not a public address"
    return ""


class Fetcher:
    def __init__(self, allow: list[str] | None = None, timeout: float = 15.0,
                 max_bytes: int = 10 * 1024 * 1024, max_redirects: int = 5):
        self.allow = Allow.parse(allow or [])
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects

    @classmethod
    def from_settings(cls, settings) -> "Fetcher":
        return cls(settings.fetch_allow_list, settings.fetch_timeout,
                   int(settings.fetch_max_mb * 1024 * 1024), settings.fetch_max_redirects)

    def get(self, url: str, etag: str = "", last_modified: str = "",
            accept: str = "*/*") -> Response:
        """GET url, following checked redirects. etag/last_modified make it conditional: a
        304 comes back with an empty body. Any other non-2xx status is a LoadError."""
        deadline = time.monotonic() + self.timeout
        current = url
        for hop in range(self.max_redirects + 1):
            status, headers, body = self._request(current, url, deadline, etag, last_modified,
                                                  accept)
            if status in REDIRECTS:
                location = headers.get("location", "")
                if not location:
                    raise LoadError(f"could not fetch: HTTP {status} without a Location", url)
                current = urljoin(current, location)
                continue
            if status == 304:
                return Response(url, current, 304, "", "", b"", etag, last_modified)
            if not 200 <= status < 300:
                reason = http.client.responses.get(status, "")
                raise LoadError(f"could not fetch: HTTP {status} {reason}".rstrip(), url)
            msg = http.client.HTTPMessage()
            msg["content-type"] = headers.get("content-type", "")
            return Response(url, current, status, msg.get_content_type(),
                            msg.get_content_charset() or "", body,
                            headers.get("etag", ""), headers.get("last-modified", ""))
        raise LoadError(f"could not fetch: more than {self.max_redirects} redirects", url)

    def check(self, url: str, asked: str | None = None) -> tuple[str, str, int, str]:
        """(scheme, host, port, the address to connect to) of a URL that may be fetched;
        LoadError (naming `asked`, the URL the user gave) otherwise."""
        asked = asked or url
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        hop = "" if url == asked else f"redirect to {url}: "
        if scheme not in ("http", "https"):
            raise LoadError(f"{hop}refused: only http and https URLs are fetched", asked)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise LoadError(f"{hop}not a valid URL (bad port)", asked) from None
        if not host:
            raise LoadError(f"{hop}not a valid URL (no host)", asked)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise LoadError(f"{hop}could not fetch: cannot resolve {host} ({e}); is the "
                            f"network reachable?", asked) from e
        addresses = list(dict.fromkeys(ipaddress.ip_address(i[4][0].split("%")[0])
                                       for i in infos))
        if not self.allow.host(host):
            for ip in addresses:
                reason = why_refused(ip)
                if reason and not self.allow.address(ip):
                    what = (f"{ip} is {reason}" if host.strip("[]") == str(ip)
                            else f"{host} resolves to {ip}, {reason}")
                    raise LoadError(f"{hop}refused: {what} (set "
                                    f"ASSISTANT_FETCH_ALLOW to let a host or network "
                                    f"through)", asked)
        return scheme, host, port, str(addresses[0])

    def _request(self, url: str, asked: str, deadline: float, etag: str, last_modified: str,
                 accept: str) -> tuple[int, dict[str, str], bytes]:
        scheme, host, port, address = self.check(url, asked)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        left = deadline - time.monotonic()
        if left <= 0:
            raise LoadError(f"could not fetch: timed out after {self.timeout:g} s", asked)
        conn = (_PinnedHTTPS if scheme == "https" else _PinnedHTTP)(host, port, address, left)
        headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            got = {k.lower(): v for k, v in resp.getheaders()}
            if resp.status in REDIRECTS or resp.status == 304 or resp.status >= 400:
                return resp.status, got, b""
            length = got.get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise LoadError(f"too large ({int(length) / 2**20:.1f} MB; the limit is "
                                f"{self.max_bytes / 2**20:.3g} MB)", asked)
            body = bytearray()
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                conn.raw.settimeout(left)  # conn.sock is gone once the answer says "close"
                piece = resp.read1(_READ) if hasattr(resp, "read1") else resp.read(_READ)
                if not piece:
                    break
                body += piece
                if len(body) > self.max_bytes:
                    raise LoadError(f"too large (over {self.max_bytes / 2**20:.3g} MB, "
                                    f"ASSISTANT_FETCH_MAX_MB)", asked)
            return resp.status, got, bytes(body)
        except LoadError:
            raise
        except (TimeoutError, socket.timeout):
            raise LoadError(f"could not fetch: timed out after {self.timeout:g} s",
                            asked) from None
        except ssl.SSLError as e:
            raise LoadError(f"could not fetch: TLS error ({e.reason or e})", asked) from e
        except (OSError, http.client.HTTPException) as e:
            raise LoadError(f"could not fetch ({type(e).__name__}: {e}); is the network "
                            f"reachable?", asked) from e
        finally:
            conn.close()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever DNS says now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = self.raw = socket.create_connection((self._address, self.port),
                                                        self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self.raw = self._context.wrap_socket(sock, server_hostname=self.host)
