"""The REST API, auth modes, rate limits, uploads, feedback, CORS and security headers.

In-process (FastAPI's TestClient over the real app, Gradio mounted): fast, and the client's
address can be chosen, which is what the trusted-proxy rules are about. One Assistant on a
temporary index serves every app variant. The browser-level checks of the same features are
in test_security.py and test_widget.py.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.types import hits_json
from assistant.web.app import create_app
from tests.conftest import SEEDS_DIR

OBAMA = "What did Obama say about Russia?"
CONTRACT = {"question", "answer", "mode", "citations", "warnings"}


@pytest.fixture(scope="module")
def lib(tmp_path_factory) -> Assistant:
    """Seeds in a temporary index of this module's own (uploads and deletes change it)."""
    index = tmp_path_factory.mktemp("api_index")
    a = Assistant(get_settings(index_dir=index, data_dir=tmp_path_factory.mktemp("api_data")))
    assert a.ingest([SEEDS_DIR], progress=False).ok
    return a


@pytest.fixture(scope="module")
def make(lib, tmp_path_factory):
    """make(client_ip=..., **settings) -> TestClient of an app with those web settings."""
    apps: dict = {}

    def build(client_ip: str = "127.0.0.1", **overrides) -> TestClient:
        key = tuple(sorted(overrides.items()))
        if key not in apps:
            data = tmp_path_factory.mktemp("web_data")
            settings = get_settings(index_dir=lib.settings.index_dir, data_dir=data, **overrides)
            apps[key] = create_app(settings, lib)
        return TestClient(apps[key], client=(client_ip, 50000))

    return build


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


BEARER = {"Authorization": "Bearer user-token"}
ADMIN_BEARER = {"Authorization": "Bearer admin-token"}
SECURE = dict(auth_mode="token,basic,proxy", auth_token="user-token", admin_token="admin-token",
              basic_users="alice:alice-pw,bob:sha256:" + hashlib.sha256(b"bob-pw").hexdigest(),
              admin_users="alice,root", trusted_proxies="10.0.0.1, 10.8.0.0/16",
              rate_limit="off")


def sse_events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        event = re.search(r"^event: (.+)$", block, re.M).group(1)
        data = re.search(r"^data: (.+)$", block, re.M).group(1)
        out.append((event, json.loads(data)))
    return out


# -- questions ---------------------------------------------------------------------------------


def test_ask_returns_the_json_contract(make):
    r = make().post("/api/ask", json={"question": OBAMA})
    assert r.status_code == 200
    out = r.json()
    assert set(out) == CONTRACT and out["question"] == OBAMA and out["citations"]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", out["answer"])}
    assert {c["n"] for c in out["citations"]} <= cited


def test_ask_stream_sends_tokens_then_citations_then_done(make):
    c = make()
    r = c.post("/api/ask/stream", json={"question": OBAMA})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [e for e, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"}
    assert len(kinds) > 3  # really streamed, not one piece
    done = events[-1][1]
    assert set(done) == CONTRACT and done["citations"] == events[-2][1]["citations"]
    streamed = "".join(d["text"] for e, d in events if e == "token")
    assert streamed.split() == done["answer"].split()
    assert done == c.post("/api/ask", json={"question": OBAMA}).json()


def test_bad_questions_are_refused_clearly(make):
    c = make()
    assert c.post("/api/ask", json={}).status_code == 422
    assert c.post("/api/ask", json={"question": "x" * 5000}).status_code == 422
    out = c.post("/api/ask", json={"question": "   "}).json()
    assert out["answer"] == "Please ask a question."


def test_search_articles_and_one_article(make, lib):
    c = make()
    hits = c.get("/api/search", params={"q": "Obama Putin", "k": 3}).json()
    assert hits["query"] == "Obama Putin" and 1 <= len(hits["hits"]) <= 3
    h = hits["hits"][0]
    # the same form as `assistant search --json`: one serialiser for both
    assert h == hits_json("Obama Putin", lib.search("Obama Putin", 3))["hits"][0]
    assert h["rank"] == 1
    article = c.get(f"/api/articles/{h['article_id']}").json()
    assert article["text"][h["start"]:h["end"]] == h["text"]

    listing = c.get("/api/articles").json()
    assert listing["total"] == len(lib.articles()) >= 1
    title_word = listing["articles"][0]["title"].split()[0]
    assert c.get("/api/articles", params={"q": title_word}).json()["total"] >= 1
    assert c.get("/api/articles", params={"q": "no-such-words-anywhere"}).json()["total"] == 0
    assert c.get("/api/articles/nope").status_code == 404


def test_search_date_filters_are_honoured_or_refused(make):
    c = make()
    r = c.get("/api/search", params={"q": "Obama", "until": "1990-01-01"})
    assert r.status_code in (200, 501), r.text  # 501 where retrieval has no date filters
    if r.status_code == 200:
        dated = [h for h in r.json()["hits"] if h["published"]]
        assert all(h["published"] <= "1990-01-01" for h in dated)
        bad = c.get("/api/search", params={"q": "Obama", "since": "last tuesday-ish"})
        assert bad.status_code == 422


def test_quotes_by_speaker_and_topic(make, lib):
    got = make().get("/api/quotes", params={"speaker": "Obama"}).json()["quotes"]
    assert got and all("Obama" in q["speaker"] for q in got)
    assert {"speaker", "mention", "cue", "content", "start", "end", "article_id"} <= set(got[0])
    about = make().get("/api/quotes", params={"about": "ceasefire", "limit": 3}).json()
    assert 0 < len(about["quotes"]) <= 3


def test_speakers_endpoint(make):
    c = make()
    got = c.get("/api/speakers").json()["speakers"]
    assert got and {"name", "quotes", "articles", "latest"} == set(got[0])
    assert "Barack Obama" in [s["name"] for s in got]
    assert len(c.get("/api/speakers", params={"limit": 2}).json()["speakers"]) <= 2
    assert c.get("/api/speakers", params={"since": "not a date"}).status_code == 422


def test_openapi_documents_every_endpoint(make):
    c = make()
    paths = set(c.get("/openapi.json").json()["paths"])
    assert {"/api/ask", "/api/ask/stream", "/api/search", "/api/articles",
            "/api/articles/{article_id}", "/api/quotes", "/api/speakers", "/api/feedback",
            "/api/feedback.csv", "/api/feeds", "/healthz"} <= paths
    assert "swagger" in c.get("/docs").text.lower()


# -- auth --------------------------------------------------------------------------------------


def test_auth_none_is_local_and_only_loopback_is_admin(make):
    assert make().get("/api/me").json() == {"name": "local user", "kind": "local",
                                            "admin": True}
    assert make(client_ip="192.168.1.20").get("/api/me").json()["admin"] is False
    assert make(client_ip="192.168.1.20").delete("/api/articles/x").status_code == 403
    # a reverse proxy on this host relays visitors from loopback: they are not the admin
    relayed = {"X-Forwarded-For": "203.0.113.9"}
    assert make().get("/api/me", headers=relayed).json()["admin"] is False
    assert make().delete("/api/articles/x", headers=relayed).status_code == 403


@pytest.mark.parametrize("headers,expected", [
    (BEARER, {"name": "token user", "kind": "token", "admin": False}),
    (ADMIN_BEARER, {"name": "admin", "kind": "token", "admin": True}),
    (basic("alice", "alice-pw"), {"name": "alice", "kind": "basic", "admin": True}),
    (basic("bob", "bob-pw"), {"name": "bob", "kind": "basic", "admin": False}),
])
def test_auth_accepts_good_credentials(make, headers, expected):
    assert make(**SECURE).get("/api/me", headers=headers).json() == expected


@pytest.mark.parametrize("headers,status", [
    ({}, 401),
    ({"Authorization": "Bearer wrong"}, 401),
    (basic("alice", "wrong"), 401),
    (basic("mallory", "alice-pw"), 401),
    (basic("bob", hashlib.sha256(b"bob-pw").hexdigest()), 401),  # the hash is not the password
    ({"Authorization": "Basic !!!"}, 401),
    ({"X-Forwarded-User": "alice"}, 403),  # the header, but not from the trusted proxy
])
def test_auth_refuses_bad_credentials_everywhere(make, headers, status):
    c = make(**SECURE)
    for method, path in [("GET", "/api/me"), ("POST", "/api/ask"), ("GET", "/api/articles"),
                         ("GET", "/"), ("GET", "/widget/"), ("GET", "/docs"),
                         ("GET", "/openapi.json"), ("GET", "/config"),
                         ("POST", "/gradio_api/queue/join"), ("GET", "/widget/config")]:
        r = c.request(method, path, headers=headers, json={"question": OBAMA})
        assert r.status_code == status, (method, path, r.status_code)
    assert c.get("/healthz").status_code == 200  # for load balancers


def test_basic_auth_challenges_the_browser(make):
    r = make(**SECURE).get("/", headers={"Accept": "text/html"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic ")
    assert "<form" in r.text and 'name="token"' in r.text  # the token sign-in form too


def test_proxy_header_is_believed_only_from_trusted_addresses(make):
    for ip in ("10.0.0.1", "10.8.3.4"):
        me = make(client_ip=ip, **SECURE).get("/api/me", headers={"X-Forwarded-User": "carol"})
        assert me.json() == {"name": "carol", "kind": "proxy", "admin": False}
    root = make(client_ip="10.0.0.1", **SECURE).get("/api/me",
                                                    headers={"X-Forwarded-User": "root"})
    assert root.json()["admin"] is True
    for ip in ("10.0.0.2", "127.0.0.1", "10.9.0.1"):
        r = make(client_ip=ip, **SECURE).get("/api/me", headers={"X-Forwarded-User": "root"})
        assert r.status_code == 403 and "trusted proxy" in r.json()["detail"]
    # Without the header, a request through the proxy still needs credentials.
    assert make(client_ip="10.0.0.1", **SECURE).get("/api/me").status_code == 401


def test_token_in_the_url_signs_in_and_leaves_the_url(make):
    c = make(**SECURE)
    r = c.get("/widget/?token=user-token&__theme=dark", headers={"Accept": "text/html"},
              follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/widget/?__theme=dark"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert c.get("/api/me").json()["kind"] == "token"  # the session cookie now
    session = c.cookies.get("assistant_session")
    # A forged or altered cookie is not a session.
    c.cookies.clear()
    c.cookies.set("assistant_session", session[:-4] + "0000")
    assert c.get("/api/me").status_code == 401
    forged = base64.urlsafe_b64encode(b'{"k": "token-admin:", "exp": 9999999999}').decode()
    c.cookies.clear()
    c.cookies.set("assistant_session", forged.rstrip("=") + "." + "0" * 64)
    assert c.get("/api/me").status_code == 401
    # An API client may pass the token in the query too (EventSource cannot set headers).
    assert make(**SECURE).get("/api/me?token=admin-token").json()["admin"] is True
    assert make(**SECURE).get("/api/me?token=nope").status_code == 401


def test_admin_actions_need_the_admin_role(make):
    c = make(**SECURE)
    for headers in (BEARER, basic("bob", "bob-pw")):
        assert c.delete("/api/articles/x", headers=headers).status_code == 403
        assert c.post("/api/articles", headers=headers,
                      files={"files": ("a.txt", b"text")}).status_code == 403
        assert c.get("/api/feedback.csv", headers=headers).status_code == 403
        # Gradio's own upload route feeds only the admin's upload box.
        assert c.post("/gradio_api/upload", headers=headers,
                      files={"files": ("a.txt", b"text")}).status_code == 403
    assert c.delete("/api/articles/x", headers=ADMIN_BEARER).status_code == 404
    assert c.post("/widget/gradio_api/upload", headers=ADMIN_BEARER,
                  files={"files": ("a.txt", b"text")}).status_code == 403  # never in the widget


@pytest.mark.parametrize("bad", [
    dict(auth_mode="tokens"),
    dict(auth_mode="none,token", auth_token="t"),
    dict(auth_mode="token"),
    dict(auth_mode="basic", basic_users="alice"),
    dict(auth_mode="proxy"),
    dict(auth_mode="proxy", trusted_proxies="not-an-ip"),
    dict(allowed_origins="intranet.example.com"),
    dict(rate_limit="lots"),
    dict(root_path="assistant/../x"),
])
def test_bad_web_settings_fail_at_start(lib, tmp_path, bad):
    with pytest.raises(ValueError):
        create_app(get_settings(index_dir=lib.settings.index_dir, data_dir=tmp_path, **bad), lib)


# -- rate limit --------------------------------------------------------------------------------


def test_rate_limit_is_per_user_with_retry_after(make):
    c = make(**{**SECURE, "rate_limit": "2/minute"})
    alice, bob = basic("alice", "alice-pw"), basic("bob", "bob-pw")
    for _ in range(2):
        assert c.post("/api/ask", json={"question": OBAMA}, headers=alice).status_code == 200
    r = c.post("/api/ask/stream", json={"question": OBAMA}, headers=alice)
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "limit of 2 questions per minute" in r.json()["detail"]
    assert "wait" in r.json()["detail"]
    # Someone else is not affected; searching and listing are not questions.
    assert c.post("/api/ask", json={"question": OBAMA}, headers=bob).status_code == 200
    assert c.get("/api/articles", headers=alice).status_code == 200


def test_local_mode_has_no_limit_unless_set(make):
    c = make()
    assert all(c.post("/api/ask", json={"question": "Obama?"}).status_code == 200
               for _ in range(4))
    limited = make(rate_limit="1/hour")
    assert limited.post("/api/ask", json={"question": "Obama?"}).status_code == 200
    assert limited.post("/api/ask", json={"question": "Obama?"}).status_code == 429


# -- uploads -----------------------------------------------------------------------------------

ZEBRA = ("Zebra census finds record herd\n\nThe national zebra census counted 4,312 zebras "
         "this spring, the highest number since counting began, the wildlife office said on "
         "Tuesday. Rangers credited the wet season for the growth of the herd.")


def finished(c, r, headers=ADMIN_BEARER, timeout: float = 120.0) -> dict:
    """The upload's report, once its job (202: queued) is done."""
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    deadline = time.monotonic() + timeout
    while job["state"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline, f"job still {job['state']}"
        time.sleep(0.1)
        job = c.get(f"/api/jobs/{job['id']}", headers=headers).json()["job"]
    assert job["state"] == "done", job
    return job["result"]


def test_upload_reports_per_file_and_cannot_escape_the_upload_folder(make, lib):
    c = make(**SECURE)
    good_jsonl = (json.dumps({"id": "zebra-1", "title": "Zebra census", "text": ZEBRA}) + "\n"
                  + "{not json\n")
    files = [
        ("files", ("../../../../../tmp/evil-zebra.txt", ZEBRA.encode(), "text/plain")),
        ("files", ("..\\..\\windows\\evil.md", b"# Zebra count\n\n" + ZEBRA.encode(),
                   "text/markdown")),
        ("files", ("census.jsonl", good_jsonl.encode(), "application/json")),
        ("files", ("empty.txt", b"", "text/plain")),
        ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
        ("files", (".htaccess", b"deny from all", "text/plain")),
    ]
    report = finished(c, c.post("/api/articles", headers=ADMIN_BEARER, files=files))
    by_name = {f["name"]: f for f in report["files"]}
    assert by_name["evil-zebra.txt"]["status"] == "indexed"
    assert by_name["evil-zebra.txt"]["saved_as"] == "evil-zebra.txt"
    assert by_name["evil.md"]["status"] == "indexed"
    assert by_name["census.jsonl"]["status"] == "partly indexed"
    assert "line 2" in by_name["census.jsonl"]["messages"][0]
    assert by_name["empty.txt"]["status"] == "failed"
    assert "empty" in by_name["empty.txt"]["messages"][0]
    assert by_name["tool.exe"]["status"] == "refused"
    assert "unsupported type .exe" in by_name["tool.exe"]["messages"][0]
    assert by_name[".htaccess"]["status"] == "refused"
    assert "zebra-1" in report["added"] and len(report["added"]) == 3
    assert not Path("/tmp/evil-zebra.txt").exists()
    # Saved copies are gone once indexed; nothing was written outside data_dir/uploads.
    data_dir = c.app.state.web.settings.data_dir
    assert list((data_dir / "uploads").rglob("*.*")) == []

    answer = c.post("/api/ask", headers=BEARER,
                    json={"question": "How many zebras did the census count?"}).json()
    assert "4,312" in answer["answer"]
    for article_id in report["added"]:
        assert c.delete(f"/api/articles/{article_id}", headers=ADMIN_BEARER).status_code == 200
        assert c.get(f"/api/articles/{article_id}", headers=BEARER).status_code == 404


def test_upload_limits_give_clear_messages(make):
    c = make(**{**SECURE, "upload_max_mb": 0.001, "upload_max_files": 2})
    files = [("files", ("big.txt", b"zebra " * 400, "text/plain")),
             ("files", ("small.txt", b"", "text/plain")),
             ("files", ("third.txt", b"zebra", "text/plain"))]
    report = finished(c, c.post("/api/articles", headers=ADMIN_BEARER, files=files))
    by_name = {f["name"]: f for f in report["files"]}
    assert by_name["big.txt"]["messages"] == ["too large: more than 0.001 MB"]
    assert by_name["third.txt"]["messages"] == ["not indexed: at most 2 files per upload"]
    huge = c.post("/api/articles", headers=ADMIN_BEARER,
                  files=[("files", ("x.txt", b"z" * 3_000_000, "text/plain"))])
    assert huge.status_code == 413 and "at most 2 files of 0.001 MB" in huge.json()["detail"]
    assert c.post("/api/articles", headers=ADMIN_BEARER,
                  data={"x": "1"}).status_code == 400


def test_safe_names():
    from assistant.web.uploads import safe_name

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\boot.ini") == "boot.ini"
    assert safe_name("..") == "upload"
    assert safe_name(".bashrc") == "bashrc"
    assert safe_name("réponse été.TXT") == "r_ponse_t.txt"
    assert safe_name("a/b/<script>.html") == "script.html"
    assert safe_name("x" * 300 + ".md") == "x" * 80 + ".md"
    assert safe_name("\x00evil\n.txt") == "evil.txt"


# -- feedback ----------------------------------------------------------------------------------


def test_feedback_is_stored_and_exported_to_admins(make):
    c = make(**SECURE)
    r = c.post("/api/feedback", headers=BEARER,
               json={"vote": -1, "question": OBAMA, "answer": "Obama said [1].",
                     "comment": "=HYPERLINK(\"http://evil\")", "sources": ["Seed article"]})
    assert r.status_code == 200 and r.json()["id"] >= 1
    assert c.post("/api/feedback", headers=BEARER, json={"vote": 5}).status_code == 422
    rows = c.get("/api/feedback", headers=ADMIN_BEARER).json()["feedback"]
    row = next(x for x in rows if x["id"] == r.json()["id"])
    assert row["vote"] == -1 and row["question"] == OBAMA and row["sources"] == ["Seed article"]
    exported = c.get("/api/feedback.csv", headers=ADMIN_BEARER)
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert table[-1]["comment"].startswith("'=")  # a formula is text to a spreadsheet


# -- cross-origin rules ------------------------------------------------------------------------


def test_default_allows_no_other_origin(make):
    c = make()
    r = c.get("/widget/", headers={"Origin": "http://evil.example"})
    assert "frame-ancestors 'self';" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in r.headers
    pre = c.options("/api/ask", headers={"Origin": "http://evil.example",
                                         "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers
    # Gradio's own CORS would answer any origin on a non-localhost host name: not here.
    r = c.get("/gradio_api/info", headers={"Origin": "http://evil.example",
                                           "Host": "assistant.corp.example"})
    assert "access-control-allow-origin" not in r.headers


def test_allowed_origins_may_frame_and_call(make):
    c = make(allowed_origins="https://intranet.example.com, http://127.0.0.1:8080/")
    r = c.get("/widget/")
    assert r.headers["content-security-policy"].startswith(
        "frame-ancestors 'self' https://intranet.example.com http://127.0.0.1:8080;")
    assert "x-frame-options" not in r.headers
    pre = c.options("/api/ask", headers={"Origin": "https://intranet.example.com",
                                         "Access-Control-Request-Method": "POST",
                                         "Access-Control-Request-Headers": "authorization,"
                                                                           "content-type"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "https://intranet.example.com"
    r = c.post("/api/ask", json={"question": OBAMA},
               headers={"Origin": "https://intranet.example.com"})
    assert r.headers["access-control-allow-origin"] == "https://intranet.example.com"
    r = c.post("/api/ask", json={"question": OBAMA}, headers={"Origin": "https://other.example"})
    assert "access-control-allow-origin" not in r.headers


def test_other_origins_cannot_post_with_the_users_credentials(make):
    """A form on another site can post multipart without a CORS preflight, and the browser
    attaches basic credentials: such writes are refused by Origin."""
    c = make(**{**SECURE, "allowed_origins": "https://intranet.example.com"})
    alice = basic("alice", "alice-pw")
    upload = {"files": ("a.exe", b"x")}
    for origin in ("https://evil.example", "null", "http://testserver.evil"):
        r = c.post("/api/articles", headers={**alice, "Origin": origin}, files=upload)
        assert r.status_code == 403 and "origin" in r.json()["detail"]
        assert c.post("/gradio_api/upload", headers={**alice, "Origin": origin},
                      files=upload).status_code == 403
    for origin in ("http://testserver", "https://intranet.example.com", None):
        headers = {**alice, **({"Origin": origin} if origin else {})}
        assert c.post("/api/articles", headers=headers, files=upload).status_code == 202
    # Reading is not writing: GETs from anywhere are answered (CORS keeps them unreadable).
    assert c.get("/api/me", headers={**alice, "Origin": "https://evil.example"}).status_code \
        == 200


def test_root_path_prefixes_what_the_app_writes(make):
    c = make(root_path="/assistant/")
    assert c.get("/assistant/widget/config").json()["root"].endswith("/assistant/widget")
    assert c.get("/widget/config").json()["root"].endswith("/assistant/widget")  # stripped
    assert c.get("/assistant/widget", follow_redirects=False).headers["location"] == \
        "/assistant/widget/"
    assert "/assistant/openapi.json" in c.get("/assistant/docs").text
    assert c.post("/assistant/api/ask", json={"question": OBAMA}).json()["citations"]


def test_article_ids_with_slashes_are_fetched_and_deleted(make, lib, tmp_path):
    """A source's own id may hold "/" ("wire/2024/07"): the routes take the whole path."""
    src = tmp_path / "wire.jsonl"
    src.write_text(json.dumps({"id": "wire/2024/07", "title": "Wire story",
                               "text": "A wire story about the harbour reopening."}) + "\n")
    assert lib.ingest([src], progress=False).added == ["wire/2024/07"]
    c = make(**SECURE)
    got = c.get("/api/articles/wire/2024/07", headers=BEARER)
    assert got.status_code == 200 and got.json()["title"] == "Wire story"
    assert c.get("/api/articles/wire%2F2024%2F07", headers=BEARER).status_code == 200
    assert c.delete("/api/articles/wire/2024/07", headers=ADMIN_BEARER).status_code == 200
    assert c.get("/api/articles/wire/2024/07", headers=BEARER).status_code == 404
