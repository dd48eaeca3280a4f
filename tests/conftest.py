"""Shared fixtures: a seeded index, the real app in a subprocess, a headless chromium.

Everything expensive is session-scoped and built once: the seed index (embedding), the server
(model load, Gradio start-up) and the browser. Tests that need a browser are marked
``@pytest.mark.browser`` and skip cleanly where chromium or playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# ASSISTANT_TEST_CHROMA=host:port runs everything against a real Chroma server.
pytest_plugins = ["tests.store_mode"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
# Debian's chromium (apt-get install -y chromium); another binary via $CHROMIUM_PATH.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 90.0


# -- helpers ---------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Poll url until it answers 200; fail with the process's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode} before {url} answered:\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    proc.terminate()
    pytest.fail(f"{url} did not answer within {timeout:.0f} s:\n"
                f"{log.read_text(errors='replace')[-4000:]}")


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """A temporary index folder holding seeds/, ingested once per test session."""
    from assistant.config import get_settings
    from assistant.core import Assistant

    path = tmp_path_factory.mktemp("seed_index")
    report = Assistant(get_settings(index_dir=path)).ingest([SEEDS_DIR], progress=False)
    assert report.ok, report.summary()
    return path


@pytest.fixture(scope="session")
def app_server(seed_index, tmp_path_factory) -> Iterator[str]:
    """The real app (`assistant serve`) in a subprocess on a free loopback port: its base URL."""
    base, proc = start_app(seed_index, tmp_path_factory.mktemp("app_server"))
    try:
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by playwright (never `playwright install`)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser page per test (own context: no shared storage between tests)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(30_000)
    try:
        yield p
    finally:
        context.close()


# -- more servers: the web layer's tests (test_widget, test_security) -------------------------


def start_app(index: Path, log_dir: Path, env: dict[str, str] | None = None,
              timeout: float = SERVER_START_TIMEOUT, copy: bool = True,
              port: int | None = None) -> tuple[str, subprocess.Popen]:
    """`assistant serve` on a free loopback port with extra environment (ASSISTANT_*
    settings): (base URL, process). Stop it with stop(process).

    A server is its embedded index's one writer (assistant/writer.py), so by default it
    serves a copy of `index` of its own (several test servers share the session's seed
    index); copy=False serves `index` itself. Against a Chroma server (ASSISTANT_TEST_CHROMA)
    servers share collections freely, and a copy would be another, empty, collection."""
    port = port or free_port()
    log = Path(log_dir) / f"server-{port}.log"
    if copy and not os.environ.get("ASSISTANT_CHROMA_HOST"):
        own = Path(log_dir) / f"index-{port}"
        shutil.copytree(index, own, ignore=shutil.ignore_patterns(".writer.*"))
        index = own
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
                "ASSISTANT_DATA_DIR": str(log_dir), **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--index", str(index),
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/healthz", proc, timeout, log)
    return base, proc


def start_static(folder: Path, log_dir: Path) -> tuple[str, subprocess.Popen]:
    """`python -m http.server` for folder on a free loopback port: (origin, process)."""
    port = free_port()
    log = Path(log_dir) / f"static-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", str(folder)], stdout=out, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    wait_for_http(origin + "/", proc, 30, log)
    return origin, proc


def start_proxy(upstream: str, prefix: str, log_dir: Path) -> tuple[str, subprocess.Popen]:
    """tests/reverse_proxy.py: origin + prefix forwards to upstream (prefix stripped)."""
    port = free_port()
    log = Path(log_dir) / f"proxy-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "tests" / "reverse_proxy.py"), "--port", str(port),
             "--prefix", prefix, "--upstream", upstream], stdout=out, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    wait_for_http(origin + prefix + "/healthz", proc, 30, log)
    return origin, proc
