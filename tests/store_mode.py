"""Run the suite against a real Chroma server instead of the embedded store.

`.ci/run` starts `chroma run` and runs the tests a second time with
ASSISTANT_TEST_CHROMA=host:port. Then every Assistant the tests build (in-process or a CLI
subprocess) talks to that server: the host and port reach them through the environment, and
ASSISTANT_COLLECTION="t-{index}" gives each temporary index folder collections of its own,
so tests never see each other's articles.
Tests that only make sense on disk are marked ``embedded_only`` and skipped there.
"""

from __future__ import annotations

import os

import pytest

SERVER = os.environ.get("ASSISTANT_TEST_CHROMA", "")


def pytest_configure(config):
    config.addinivalue_line("markers", "embedded_only: needs the embedded (on-disk) store")
    if SERVER:
        host, _, port = SERVER.rpartition(":")
        os.environ["ASSISTANT_CHROMA_HOST"] = host or "127.0.0.1"
        os.environ["ASSISTANT_CHROMA_PORT"] = port
        os.environ["ASSISTANT_COLLECTION"] = "t-{index}"


def pytest_collection_modifyitems(config, items):
    if not SERVER:
        return
    skip = pytest.mark.skip(reason="embedded store only (this run uses a Chroma server)")
    for item in items:
        if "embedded_only" in item.keywords:
            item.add_marker(skip)
