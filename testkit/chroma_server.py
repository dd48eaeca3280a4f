"""A real `chroma run` server on loopback, started and stopped by tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chroma_bin() -> str:
    here = Path(sys.executable).parent / "chroma"
    return str(here) if here.exists() else (shutil.which("chroma") or "chroma")


class ChromaServer:
    def __init__(self, path: Path, port: int | None = None):
        self.path = path
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = path.parent / f"chroma-{self.port}.log"

    def start(self, timeout: float = 60) -> "ChromaServer":
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
        self.proc = subprocess.Popen(
            [chroma_bin(), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat",
                                       timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chroma did not start in {timeout} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> int:
        """Send sig (default: kill -9, no goodbye) and wait for the process to end; start()
        brings the server back on the same port and path. Returns the exit status."""
        assert self.proc is not None, "not started"
        self.proc.send_signal(sig)
        code = self.proc.wait(10)
        self.proc = None
        return code

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
