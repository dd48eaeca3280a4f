"""Chroma server faults, said in words: a server that is down is a StoreError, not a trace.

chromadb's HttpClient talks to `chroma run` over httpx and lets its transport errors through
unchanged: `httpx.ConnectError` ("[Errno 111] Connection refused") while the server is down,
`httpx.RemoteProtocolError` / `httpx.ReadError` when it dies during a request,
`httpx.ReadTimeout` / `ConnectTimeout` when it hangs (after `chroma_timeout`: store.py sets
it on the client, whose own default is to wait forever). All are `httpx.TransportError`. The
client keeps no state about the connection, and collection objects hold only ids, so the
same objects work again as soon as the server is back (same --path): nothing to reconnect.

    with store_faults(settings):      # at a boundary: Retriever.search, a REST handler...
        collection.query(...)

    guard(collection, settings)       # or once: every call of the proxy translates
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx  # chromadb's HTTP client library (pinned in pyproject.toml)

from .errors import StoreError

# every transport failure of chromadb's HttpClient, and those of them that are timeouts
TRANSPORT_ERRORS = (ConnectionError, TimeoutError, httpx.TransportError)
TIMEOUTS = (httpx.TimeoutException,)


def where(settings) -> str:
    return f"{settings.chroma_host}:{settings.chroma_port}"


def unreachable(settings, error: BaseException | None = None) -> StoreError:
    """The StoreError for a Chroma server that does not answer."""
    if isinstance(error, TIMEOUTS):
        limit = getattr(settings, "chroma_timeout", 0)
        return StoreError(f"the Chroma server at {where(settings)} did not answer within "
                          f"{limit:g} s ({type(error).__name__}): check that it is not stuck "
                          f"or overloaded, then retry")
    why = f" ({type(error).__name__}: {error})" if error is not None and str(error) else (
        f" ({type(error).__name__})" if error is not None else "")
    return StoreError(f"the Chroma server at {where(settings)} is unreachable{why}: check "
                      f"that it is running, then retry")


def translate(error: BaseException, settings) -> StoreError | None:
    """The StoreError that says what `error` means for the user, or None when it is not a
    store fault (a bug, a bad argument: those keep their traceback)."""
    if isinstance(error, StoreError):
        return error
    if getattr(settings, "chroma_host", "") and isinstance(error, TRANSPORT_ERRORS):
        return unreachable(settings, error)
    return None


@contextmanager
def store_faults(settings) -> Iterator[None]:
    """Re-raise a Chroma transport failure inside the block as a StoreError."""
    try:
        yield
    except StoreError:
        raise
    except Exception as e:  # noqa: BLE001 - only transport errors are translated
        err = translate(e, settings)
        if err is None:
            raise
        raise err from e


class Guarded:
    """A Chroma collection (or client) whose every method call raises StoreError for a
    server that does not answer. Attribute reads (id, name, metadata) pass through; an
    attribute set on the proxy (a test's monkeypatch) shadows the target's."""

    def __init__(self, target: Any, settings):
        self._target = target
        self._settings = settings

    def __getattr__(self, name: str):
        if name in ("_target", "_settings"):  # half-built (copy, pickle): no recursion
            raise AttributeError(name)
        value = getattr(self._target, name)
        if not callable(value) or name.startswith("__"):
            return value
        settings = self._settings

        def call(*args, **kwargs):
            with store_faults(settings):
                return value(*args, **kwargs)

        call.__name__ = getattr(value, "__name__", name)
        call.__doc__ = getattr(value, "__doc__", None)
        return call

    def __repr__(self) -> str:
        return f"Guarded({self._target!r})"


def guard(target: Any, settings) -> Any:
    """`target` wrapped in Guarded when it talks to a server (embedded stores: unchanged)."""
    if not getattr(settings, "chroma_host", "") or isinstance(target, Guarded):
        return target
    return Guarded(target, settings)
