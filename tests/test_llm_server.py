"""The scripted LLM server is faithful to the real ``openai`` client.

Everything here goes over a real loopback socket with the real client; the
``openai`` package is not mocked.
"""

from __future__ import annotations

import json
import threading
import time

import openai
import pytest

from testkit.llm_server import Reply, ScriptedLLM, scripted_llm_fixture

llm = pytest.fixture(scripted_llm_fixture)

MESSAGES = [
    {"role": "system", "content": "Answer from the articles, cite as [n]."},
    {"role": "user", "content": "Who won the election?"},
]


def _client(server: ScriptedLLM, **kw) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    kw.setdefault("timeout", 5.0)
    return openai.OpenAI(base_url=server.url + "/v1", api_key="test", **kw)


def _ask(client: openai.OpenAI, **kw):
    return client.chat.completions.create(model="test-model", messages=MESSAGES, **kw)


def test_non_stream_reply_content(llm: ScriptedLLM) -> None:
    llm.push(Reply("The incumbent won [1]."))
    out = _ask(_client(llm))
    assert out.object == "chat.completion"
    assert out.id.startswith("chatcmpl-")
    assert out.model == "test-model"
    assert out.choices[0].message.role == "assistant"
    assert out.choices[0].message.content == "The incumbent won [1]."
    assert out.choices[0].finish_reason == "stop"
    assert out.usage is not None and out.usage.total_tokens > 0


def test_default_reply_and_fifo_queue(llm: ScriptedLLM) -> None:
    client = _client(llm)
    llm.push(Reply("first"), Reply("second"))
    assert [_ask(client).choices[0].message.content for _ in range(3)] == ["first", "second", "OK [1]"]
    assert llm.pending == 0


def test_custom_default_and_responder() -> None:
    with ScriptedLLM(replies=[Reply("queued")], default=Reply("fallback")) as server:
        client = _client(server)
        assert _ask(client).choices[0].message.content == "queued"
        assert _ask(client).choices[0].message.content == "fallback"
        server.responder(lambda body: Reply("echo: " + body["messages"][-1]["content"]))
        assert _ask(client).choices[0].message.content == "echo: Who won the election?"
        server.push(Reply("queue wins over responder"))
        assert _ask(client).choices[0].message.content == "queue wins over responder"


def test_requests_are_recorded(llm: ScriptedLLM) -> None:
    _ask(_client(llm), temperature=0.0)
    assert len(llm.requests) == 1
    body = llm.requests[0]
    assert body["model"] == "test-model"
    assert body["messages"] == MESSAGES
    assert body["temperature"] == 0.0
    assert llm.request_headers[0]["authorization"] == "Bearer test"


def test_responder_exception_becomes_500(llm: ScriptedLLM) -> None:
    def boom(body: dict) -> Reply:
        raise RuntimeError("bad responder")

    llm.responder(boom)
    with pytest.raises(openai.InternalServerError, match="bad responder"):
        _ask(_client(llm))
    assert isinstance(llm.errors[0], RuntimeError)


def test_models_endpoint(llm: ScriptedLLM) -> None:
    models = list(_client(llm).models.list())
    assert len(models) == 1 and models[0].id


def test_stream_yields_several_chunks_and_reassembles(llm: ScriptedLLM) -> None:
    text = "Voters chose the incumbent by a wide margin, the results show [1][2]."
    llm.push(Reply(text))
    chunks = list(_ask(_client(llm), stream=True))
    assert len(chunks) > 2
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])


def test_stream_include_usage(llm: ScriptedLLM) -> None:
    llm.push(Reply("a b c d"))
    chunks = list(_ask(_client(llm), stream=True, stream_options={"include_usage": True}))
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4


def test_stream_is_delivered_incrementally(llm: ScriptedLLM) -> None:
    """Chunks arrive one by one as the server writes them, not buffered to the end."""
    llm.push(Reply("one two three four five six seven eight nine", chunk_delay=0.25))
    start = time.monotonic()
    arrivals = [time.monotonic() - start for _ in _ask(_client(llm), stream=True)]
    # 3 content chunks + finish chunk => the server spends >= 0.75 s writing them
    assert len(arrivals) == 4
    assert arrivals[-1] >= 0.7, arrivals
    # the first chunk reached the client long before the server finished
    assert arrivals[0] < arrivals[-1] - 0.4, arrivals
    assert arrivals[1] - arrivals[0] > 0.1, arrivals


def test_stream_cut_is_detectable(llm: ScriptedLLM) -> None:
    llm.push(Reply("one two three four five six seven eight nine ten", stream_cut_after=2))
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in _ask(_client(llm), stream=True):
            received.append(chunk)
    # The chunks sent before the cut were delivered, and no "stop" was seen.
    assert "".join(c.choices[0].delta.content or "" for c in received) == "one two three four five six"
    assert not any(c.choices and c.choices[0].finish_reason == "stop" for c in received)
    # The server is fine afterwards.
    assert _ask(_client(llm)).choices[0].message.content == "OK [1]"


def test_rate_limit_surfaces_without_retries(llm: ScriptedLLM) -> None:
    llm.push(Reply("Slow down", status=429, headers={"Retry-After": "1"}))
    with pytest.raises(openai.RateLimitError) as info:
        _ask(_client(llm, max_retries=0))
    err = info.value
    assert err.status_code == 429
    assert err.response.headers["retry-after"] == "1"
    assert err.message.endswith("Slow down") or "Slow down" in str(err)
    assert err.code == "rate_limit_exceeded"
    assert err.body["type"] == "rate_limit_exceeded"
    assert len(llm.requests) == 1


def test_rate_limit_is_retried_honouring_retry_after(llm: ScriptedLLM) -> None:
    llm.push(Reply("Slow down", status=429, headers={"Retry-After": "0.3"}), Reply("after retry"))
    start = time.monotonic()
    out = _ask(_client(llm, max_retries=1))
    elapsed = time.monotonic() - start
    assert out.choices[0].message.content == "after retry"
    assert len(llm.requests) == 2
    assert elapsed >= 0.3  # the client slept for Retry-After
    assert llm.request_headers[1].get("x-stainless-retry-count") == "1"


def test_internal_server_error(llm: ScriptedLLM) -> None:
    llm.push(Reply(status=500))
    with pytest.raises(openai.InternalServerError) as info:
        _ask(_client(llm))
    assert info.value.status_code == 500
    assert info.value.body["type"] == "server_error"


def test_timeout_then_server_still_answers(llm: ScriptedLLM) -> None:
    llm.push(Reply("too late", delay=3.0))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        _ask(_client(llm, timeout=0.3))
    assert time.monotonic() - start < 1.5
    # A new request is served while the first handler is still asleep.
    assert _ask(_client(llm)).choices[0].message.content == "OK [1]"


def test_garbage_json_body_raises(llm: ScriptedLLM) -> None:
    """Quirk: a non-JSON body labelled application/json escapes as a plain
    json.JSONDecodeError, not an openai.APIError."""
    llm.push(Reply(raw=b"<html>502 Bad Gateway</html>"))
    with pytest.raises((openai.APIError, json.JSONDecodeError)):
        _ask(_client(llm))


def test_garbage_error_body_raises_api_status_error(llm: ScriptedLLM) -> None:
    llm.push(Reply(status=502, raw=b"<html>bad gateway</html>", content_type="text/html"))
    with pytest.raises(openai.APIStatusError) as info:
        _ask(_client(llm))
    assert info.value.status_code == 502


def test_stop_is_prompt_with_sleeping_handler() -> None:
    server = ScriptedLLM().start()
    server.push(Reply(delay=30))
    client = _client(server, timeout=10)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            _ask(client)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    deadline = time.monotonic() + 2
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 1.0
    t.join(timeout=2)
    assert not t.is_alive()
    assert errors and isinstance(errors[0], openai.APIConnectionError)
