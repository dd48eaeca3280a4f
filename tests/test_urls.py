"""Articles fetched from URLs (a real HTTP server on loopback) and clear errors offline."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from tests.conftest import free_port

PAGE = """<html><head><title>Harbour reopens</title>
<link rel="canonical" href="https://news.example.com/harbour"></head>
<body><article><h1>Harbour reopens</h1>
<p>The harbour reopened on Monday after a week of storms closed it to all traffic.</p>
<p>Mayor Jo Park said the repairs cost two million euros and took six days of work.</p>
</article></body></html>"""


@pytest.fixture
def site(tmp_path):
    (tmp_path / "harbour.html").write_text(PAGE)
    (tmp_path / "data.bin").write_bytes(b"\x00" * 100)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_and_url_list_are_fetched_and_failures_reported(site, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/gone.html"
    listing = tmp_path / "list.urls"
    listing.write_text(f"# news\n{site}/harbour.html\n{site}/missing.html\n{dead}\n"
                       f"{site}/data.bin\n")
    a = Assistant(get_settings(index_dir=tmp_path / "index", fetch_allow="127.0.0.1"))
    report = a.ingest([listing], progress=False)
    assert len(report.added) == 1
    [info] = a.articles()
    assert info.url == "https://news.example.com/harbour" and info.title == "Harbour reopens"
    reasons = dict(report.errors)
    assert "HTTP 404" in reasons[f"{site}/missing.html"]
    assert "is the network reachable?" in reasons[dead]
    assert "not an HTML page" in reasons[f"{site}/data.bin"]
    # the same page by URL again: same id, nothing re-done
    again = a.ingest([f"{site}/harbour.html"], progress=False)
    assert again.unchanged == report.added
