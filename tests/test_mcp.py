"""The MCP server (assistant/integrations/mcp.py), driven by the official SDK's own client
over real processes: `assistant mcp` on stdio (on its own index, and forwarding to the
server that holds one), and /mcp on the running web app (open, and behind token auth)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import jsonschema
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import REPO_ROOT, start_app, stop

QUESTION = "Who said what about the ceasefire?"
TOOLS = {"search_articles", "ask", "who_said", "get_article", "list_articles"}
TOKEN = "mcp-test-token"


def server_params(index: Path, data_dir: Path) -> StdioServerParameters:
    # The SDK passes only a minimal environment to the child: pass ours (a Chroma server
    # under ASSISTANT_TEST_CHROMA, the data dir).
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "assistant.cli", "mcp", "--index", str(index)],
                                 env=env, cwd=str(REPO_ROOT))


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


async def exercise(session: ClientSession) -> dict[str, Any]:
    """Every tool called once or more over one session: what the tests below assert on."""
    out: dict[str, Any] = {"init": await session.initialize(),
                           "tools": {t.name: t for t in (await session.list_tools()).tools}}
    listed = await session.call_tool("list_articles", {})
    out["list_articles"] = listed
    seed_id = listed.structured_content["articles"][0]["id"]
    out["seed_id"] = seed_id
    calls = {
        "get_article": ("get_article", {"article_id": seed_id}),
        "get_missing": ("get_article", {"article_id": "no-such-article"}),
        "ask": ("ask", {"question": QUESTION}),
        "ask_too_long": ("ask", {"question": "why " * 1000}),
        "search_articles": ("search_articles", {"query": "ceasefire Aleppo aid", "k": 3}),
        "search_bad_date": ("search_articles", {"query": "ceasefire", "since": "2016-13-40"}),
        "who_said": ("who_said", {"topic": "ceasefire"}),
        "who_said_speaker": ("who_said", {"speaker": "Obama", "limit": 5}),
        "who_said_bad_date": ("who_said", {"topic": "ceasefire", "until": "last tuesday-ish"}),
        "who_said_dated": ("who_said", {"topic": "ceasefire", "since": "2030-01"}),
        "list_filtered": ("list_articles", {"query": "lavrov kerry"}),
        "list_none": ("list_articles", {"query": "zzzunknownword"}),
        "bad_k": ("search_articles", {"query": "ceasefire", "k": 0}),
    }
    for key, (name, args) in calls.items():
        out[key] = await session.call_tool(name, args)
    return out


def in_own_thread(main) -> Any:
    """anyio.run(main) on a thread of its own: the session's playwright (tests/conftest.py
    `browser`) keeps an event loop running on the main thread, where no other may start."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = anyio.run(main)
        except BaseException as e:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = e

    t = threading.Thread(target=target, name="mcp-client")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_stdio_session(index: Path, data_dir: Path) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        with anyio.fail_after(300), (data_dir / "mcp-stderr.log").open("w") as errlog:
            async with (stdio_client(server_params(index, data_dir), errlog=errlog) as (r, w),
                        ClientSession(r, w) as session):
                return await exercise(session)

    return in_own_thread(main)


def run_http_session(url: str, token: str | None = None) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        with anyio.fail_after(300):
            return await session_over(headers)

    async def session_over(headers: dict[str, str] | None) -> dict[str, Any]:
        async with (httpx2.AsyncClient(headers=headers,
                                       timeout=httpx2.Timeout(30, read=300)) as http,
                    streamable_http_client(url, http_client=http) as (r, w),
                    ClientSession(r, w) as session):
            out = await exercise(session)
            # more questions, for the rate limit (token mode: 3 per hour)
            out["asked_again"] = [await session.call_tool("ask", {"question": QUESTION})
                                  for _ in range(3)]
            return out

    return in_own_thread(main)


# -- fixtures: one session per transport, shared by the tests ------------------------------


def own_copy(seed_index: Path, dest: Path) -> Path:
    """An embedded index of the test's own (a holder locks its index); against a Chroma
    server (ASSISTANT_TEST_CHROMA) the seed's collections themselves, shared freely."""
    if os.environ.get("ASSISTANT_CHROMA_HOST"):
        return seed_index
    shutil.copytree(seed_index, dest, ignore=shutil.ignore_patterns(".writer.*"))
    return dest


@pytest.fixture(scope="module")
def stdio(seed_index, tmp_path_factory) -> dict[str, Any]:
    """`assistant mcp` on a copy of the seed index of its own (it holds the index lock)."""
    tmp = tmp_path_factory.mktemp("mcp_stdio")
    return run_stdio_session(own_copy(seed_index, tmp / "index"), tmp)


@pytest.fixture(scope="module")
def open_server(seed_index, tmp_path_factory):
    """The app in auth mode none: (base URL, the index it holds, a scratch folder)."""
    tmp = tmp_path_factory.mktemp("mcp_open")
    base, proc = start_app(seed_index, tmp)
    port = base.rsplit(":", 1)[1]
    try:
        yield base, tmp / f"index-{port}", tmp
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def token_server(seed_index, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mcp_token")
    base, proc = start_app(seed_index, tmp, env={"ASSISTANT_AUTH_MODE": "token",
                                                 "ASSISTANT_AUTH_TOKEN": TOKEN,
                                                 "ASSISTANT_RATE_LIMIT": "3/hour"})
    try:
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def open_http(open_server) -> dict[str, Any]:
    return run_http_session(open_server[0] + "/mcp")


@pytest.fixture(scope="module")
def token_http(token_server) -> dict[str, Any]:
    return run_http_session(token_server + "/mcp", TOKEN)


# -- what every transport must do ----------------------------------------------------------


def check_tools(out: dict[str, Any]) -> None:
    tools = out["tools"]
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.description and t.input_schema["type"] == "object"
        assert t.output_schema and t.output_schema["type"] == "object"
        assert t.annotations.read_only_hint is True
    assert tools["ask"].input_schema["required"] == ["question"]
    assert set(tools["ask"].input_schema["properties"]) == {"question", "since", "until"}
    props = tools["search_articles"].input_schema["properties"]
    assert set(props) == {"query", "k", "since", "until"}
    assert props["k"]["default"] == 5 and props["k"]["minimum"] == 1
    assert set(tools["who_said"].input_schema["properties"]) == {"topic", "speaker", "since",
                                                                 "until", "limit"}
    assert tools["get_article"].input_schema["required"] == ["article_id"]
    # every successful result is what its output schema promises
    for key, result in out.items():
        if key in tools and not result.is_error:
            jsonschema.validate(result.structured_content, tools[key].output_schema)


def check_ask(out: dict[str, Any]) -> None:
    result, article = out["ask"], out["get_article"].structured_content
    assert not result.is_error, text_of(result)
    data = result.structured_content
    assert set(data) == {"question", "answer", "mode", "citations", "warnings"}
    assert data["question"] == QUESTION and data["mode"] == "extractive"
    cites = data["citations"]
    assert cites and [c["n"] for c in cites] == list(range(1, len(cites) + 1))
    for c in cites:
        assert set(c) == {"n", "article_id", "title", "url", "published", "text", "start", "end"}
        assert c["article_id"] == out["seed_id"]
        assert article["text"][c["start"]:c["end"]] == c["text"]  # the exact cited words
    text = text_of(result)
    assert text.startswith(data["answer"]) and "\nSources:\n" in text
    assert f"[1] {cites[0]['title']}" in text and cites[0]["text"].strip() in text


def check_search(out: dict[str, Any]) -> None:
    result, article = out["search_articles"], out["get_article"].structured_content
    assert not result.is_error, text_of(result)
    data = result.structured_content
    assert data["query"] == "ceasefire Aleppo aid"
    hits = data["hits"]
    assert 1 <= len(hits) <= 3 and [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    for h in hits:
        assert h["article_id"] == out["seed_id"]
        assert article["text"][h["start"]:h["end"]] == h["text"]
    assert text_of(result).startswith(f"1. {hits[0]['title']}")


def check_errors(out: dict[str, Any]) -> None:
    missing = out["get_missing"]
    assert missing.is_error and "no article with id 'no-such-article'" in text_of(missing)
    bad = out["search_bad_date"]
    assert bad.is_error and "since" in text_of(bad) and "'2016-13-40'" in text_of(bad)
    assert "not a date" in text_of(bad)
    bad = out["who_said_bad_date"]
    assert bad.is_error and "until" in text_of(bad) and "last tuesday-ish" in text_of(bad)
    long = out["ask_too_long"]
    assert long.is_error and "too long" in text_of(long) and "4,000 characters" in text_of(long)
    assert out["bad_k"].is_error and "greater than or equal to 1" in text_of(out["bad_k"])


# -- stdio ---------------------------------------------------------------------------------


def test_stdio_lists_the_five_tools_with_schemas(stdio):
    assert stdio["init"].server_info.name == "article-assistant"
    assert "cited" in stdio["init"].instructions
    check_tools(stdio)


def test_stdio_ask_cites_the_seed_article_exactly(stdio):
    check_ask(stdio)


def test_stdio_search_returns_ranked_passages(stdio):
    check_search(stdio)


def test_stdio_who_said_returns_attributed_quotes(stdio):
    article = stdio["get_article"].structured_content["text"]
    result = stdio["who_said"]
    assert not result.is_error, text_of(result)
    quotes = result.structured_content["quotes"]
    assert quotes and all(q["speaker"] and q["article_id"] == stdio["seed_id"] for q in quotes)
    assert all(q["content"] in article for q in quotes)
    assert any("ceasefire" in q["content"] for q in quotes)
    assert f"{quotes[0]['speaker']} ({quotes[0]['cue']}):" in text_of(result)
    by_obama = stdio["who_said_speaker"].structured_content["quotes"]
    assert by_obama and all("Obama" in q["speaker"] for q in by_obama)
    # the seed has no publication date: a date range leaves nothing
    dated = stdio["who_said_dated"]
    assert not dated.is_error and dated.structured_content["quotes"] == []
    assert text_of(dated) == "No matching quotes."


def test_stdio_get_and_list_articles(stdio):
    article = stdio["get_article"]
    assert not article.is_error
    data = article.structured_content
    assert data["id"] == stdio["seed_id"]
    assert data["title"].startswith("Russia: no basis for dramatic statements")
    assert "Lavrov" in data["text"] and data["text"] in text_of(article)
    listed = stdio["list_articles"].structured_content
    assert listed["total"] == 1 and listed["articles"][0]["title"] == data["title"]
    assert listed["articles"][0]["chunks"] >= 1 and "text" not in listed["articles"][0]
    assert stdio["list_filtered"].structured_content["total"] == 1
    none = stdio["list_none"].structured_content
    assert none == {"total": 0, "articles": []}


def test_stdio_bad_input_is_a_tool_error_with_the_message(stdio):
    check_errors(stdio)


def test_stdio_writes_only_the_protocol_to_stdout(seed_index, tmp_path):
    """Raw JSON-RPC over the pipes: every line on stdout is a protocol message, even while
    the library loads its models and answers (anything else goes to stderr)."""
    p = server_params(own_copy(seed_index, tmp_path / "index"), tmp_path)
    proc = subprocess.Popen([p.command, *p.args], env=p.env, cwd=p.cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(240, proc.kill)
    timer.start()
    lines: list[str] = []
    try:
        def send(msg: dict) -> None:
            proc.stdin.write(json.dumps(msg) + "\n")
            proc.stdin.flush()

        def until_response(rid: int) -> dict:
            while True:
                line = proc.stdout.readline()
                assert line, f"stdout closed early; stderr:\n{proc.stderr.read()[-3000:]}"
                lines.append(line)
                msg = json.loads(line)
                if msg.get("id") == rid:
                    return msg

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}})
        assert until_response(1)["result"]["serverInfo"]["name"] == "article-assistant"
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
              "params": {"name": "ask", "arguments": {"question": QUESTION}}})
        answer = until_response(2)["result"]
        assert not answer.get("isError") and answer["structuredContent"]["citations"]
        proc.stdin.close()  # the client hangs up: the server exits
        lines += proc.stdout.read().splitlines()
        proc.wait(timeout=60)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    for line in lines:
        if line.strip():
            assert json.loads(line)["jsonrpc"] == "2.0"


@pytest.mark.embedded_only  # a Chroma server has no holder to forward to
def test_stdio_forwards_to_the_server_that_holds_the_index(open_server):
    """`assistant serve` holds the index (its one writer): `assistant mcp` on the same index
    answers through the server's REST API (RemoteAssistant), every tool included."""
    _, index, tmp = open_server
    assert (index / ".writer.json").exists()  # the server announced itself there
    out = run_stdio_session(index, tmp)
    check_tools(out)
    check_ask(out)
    check_search(out)
    check_errors(out)
    assert out["get_article"].structured_content["title"].startswith("Russia: no basis")
    assert out["who_said"].structured_content["quotes"]
    assert out["who_said_dated"].structured_content["quotes"] == []


# -- streamable HTTP on the web app ----------------------------------------------------------


def test_http_open_mode_serves_the_tools_at_mcp(open_http):
    assert open_http["init"].server_info.name == "article-assistant"
    check_tools(open_http)
    check_ask(open_http)
    check_search(open_http)
    check_errors(open_http)
    # auth mode none sets no rate limit: every question is answered
    assert not any(r.is_error for r in open_http["asked_again"])


def test_http_token_mode_needs_the_token(token_server):
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}}
    headers = {"Accept": "application/json, text/event-stream"}
    r = httpx.post(token_server + "/mcp", json=init, headers=headers, timeout=30)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = httpx.post(token_server + "/mcp", json=init, timeout=30,
                   headers={**headers, "Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["detail"] == "invalid token"
    r = httpx.post(token_server + "/mcp", json=init, timeout=30,
                   headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.json()["result"]["serverInfo"]["name"] == "article-assistant"
    # stateless: no GET stream to open, the spec's 405 (not Gradio's 404 behind it)
    r = httpx.get(token_server + "/mcp", timeout=30,
                  headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_http_token_mode_with_the_token(token_http):
    check_tools(token_http)
    check_ask(token_http)
    check_search(token_http)
    check_errors(token_http)


def test_http_ask_counts_against_the_rate_limit(token_http):
    """ASSISTANT_RATE_LIMIT=3/hour, and the session asked twice before (a question and one
    too long, which counts, as on POST /api/ask): the third is answered, then the limit's
    message is a tool error, not a crash."""
    first, *refused = token_http["asked_again"]
    assert not first.is_error and first.structured_content["citations"]
    assert refused and all(r.is_error for r in refused)
    assert all("limit of 3 questions per hour" in text_of(r) for r in refused)


def test_http_endpoint_runs_in_each_lifespan_of_the_app(seed_index, tmp_path):
    """In-process: /mcp needs the app's lifespan (the SDK's session manager), says so with a
    503 without it, and works again when the same app is started a second time."""
    from fastapi.testclient import TestClient

    from assistant.config import get_settings
    from assistant.web.app import create_app

    index = own_copy(seed_index, tmp_path / "index")
    app = create_app(get_settings(index_dir=index, data_dir=tmp_path / "data"))
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}}
    headers = {"Accept": "application/json, text/event-stream"}
    r = TestClient(app).post("/mcp", json=init, headers=headers)
    assert r.status_code == 503 and "lifespan" in r.json()["detail"]
    for _ in range(2):
        with TestClient(app) as client:
            r = client.post("/mcp", json=init, headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["result"]["serverInfo"]["name"] == "article-assistant"
            assert "/mcp" not in client.get("/openapi.json").json()["paths"]
