"""Hostile questions (issue 8): 100 kB, empty, whitespace only, control characters, NUL,
zero-width and right-to-left characters, lone surrogates, through the library
(Assistant.ask / .search), the CLI (`assistant ask`) and the REST API (/api/ask,
/api/ask/stream, /api/search). Each gets a clear answer or a clear 4xx, never a 500 or a
traceback.

The contract:
- A question with nothing visible in it (empty, whitespace, NUL, control or format
  characters only) is answered "Please ask a question." with warnings ["empty question"];
  a search for it finds nothing.
- A question longer than `max_question_chars` (ASSISTANT_MAX_QUESTION_CHARS, 2000 by default;
  raw characters counted) is answered "Your question is too long (N characters; the limit is
  2000)..." with warnings ["question too long"], without retrieval. The REST API refuses it
  earlier with a 422 whose `detail` is the same sentence (also for /api/search's q).
- Invisible characters inside a question (NUL, zero-width, direction marks, control codes,
  lone surrogates from undecodable bytes) are dropped: the answer is the one to the visible
  question, and nothing that is echoed back holds them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.types import Answer

REPO_ROOT = Path(__file__).resolve().parent.parent
OBAMA = "What did Obama say about the Russians?"
LIMIT = 2000
HUGE = ("Who said what about the ceasefire in Aleppo and why " * 2000)[:100_000]

# Nothing visible in them: each is an empty question.
BLANK = {
    "empty": "",
    "whitespace": " \t\n\r\x0b\x0c\u00a0\u2003\u2028\u3000 ",
    "nul": "\x00",
    "nuls": "\x00" * 100_000,  # 100 kB of nothing is still nothing
    "controls": "\x01\x02\x07\x08\x1b\x7f\x9b",
    "zero-width": "\u200b\u200c\u200d\u2060\ufeff",
    "direction-marks": "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069",
    # what undecodable bytes become (surrogateescape); all low halves, so JSON cannot pair them
    "lone-surrogates": "\udcff\udfff\udc80",
}

# Obama's question with invisible characters sown in: the same question underneath.
NOISY = {
    "nul": "What did Obama\x00 say about the\x00 Russians?",
    "zero-width": "What did Ob\u200bama say about the Rus\u200dsians?\ufeff",
    "controls": "\x1bWhat did Obama say\x07 about the\x08 Russians?\x7f\x9b",
    "rtl-override": "\u202eWhat did Obama say about the Russians?\u202c",
    "lone-surrogate": "What did Obama say about the\udcff Russians?",
    "newlines-tabs": "What\tdid\nObama\r\nsay about\u2028the Russians?",
}

# Readable, but not what the index is about: a clear answer, whatever it is.
ODD = {
    "arabic-rtl": "\u0645\u0627\u0630\u0627 \u0642\u0627\u0644 \u0623\u0648\u0628\u0627\u0645\u0627 "
                  "\u0639\u0646 \u0631\u0648\u0633\u064a\u0627\u061f",
    "hebrew-mixed": "\u05de\u05d4 \u05d0\u05de\u05e8 Obama \u05e2\u05dc Russia?",
    "emoji": "\U0001f1f7\U0001f1fa \U0001f54a\ufe0f ceasefire? \U0001f468\u200d\U0001f469",
    "combining": "Z\u0336\u0351a\u0337\u0352l\u0338g\u0334o ceasefire" + "\u0301" * 500,
    "one-char": "?",
    "sql-ish": "'; DROP TABLE articles; -- ceasefire",
    "regex-ish": "(((((a*)*)*)*)*)$ ceasefire [[[[ \\",
}


def has_surrogate(text: str) -> bool:
    return any(unicodedata.category(c) == "Cs" for c in text)


# A query string cannot carry a lone surrogate (percent-decoding replaces it): not searched.
SEARCHABLE = {k: v for k, v in BLANK.items() if not has_surrogate(v) and len(v) < 50_000}


def invisible(text: str) -> list[str]:
    """The control, format and surrogate code points in text (none may be echoed back)."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs")]


def assert_clean_answer(a: Answer) -> None:
    assert isinstance(a, Answer)
    assert isinstance(a.answer, str) and a.answer.strip()
    assert not invisible(a.question), invisible(a.question)
    json.dumps(a.to_json(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8


def assert_empty_answer(a: Answer) -> None:
    assert_clean_answer(a)
    assert a.answer == "Please ask a question."
    assert a.warnings == ["empty question"] and a.citations == []


def assert_too_long(a: Answer, n: int, limit: int = LIMIT) -> None:
    assert_clean_answer(a)
    assert a.answer.startswith(f"Your question is too long ({n:,} characters; the limit is "
                               f"{limit:,})"), a.answer
    assert a.warnings == ["question too long"] and a.citations == []
    assert len(a.question) <= 200  # the echo is cut, not the 100 kB


@pytest.fixture(scope="module")
def lib(seed_index, tmp_path_factory) -> Assistant:
    return Assistant(get_settings(index_dir=seed_index,
                                  data_dir=tmp_path_factory.mktemp("hostile_data")))


@pytest.fixture(scope="module")
def obama(lib) -> Answer:
    found = lib.ask(OBAMA)
    assert found.citations, found.answer
    return found


# -- the library ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BLANK)
def test_blank_questions_ask_for_a_question(lib, name):
    assert_empty_answer(lib.ask(BLANK[name]))
    assert lib.search(BLANK[name]) == []
    *pieces, final = list(lib.ask_stream(BLANK[name]))
    assert pieces == [] or all(isinstance(p, str) for p in pieces)
    assert_empty_answer(final)


def test_a_100_kb_question_is_refused_clearly_and_fast(lib):
    t = time.monotonic()
    assert_too_long(lib.ask(HUGE), 100_000)
    *_, final = list(lib.ask_stream(HUGE))
    assert_too_long(final, 100_000)
    assert time.monotonic() - t < 2, "a refusal should not run retrieval"
    # search has no length limit in the library: it finds passages, in reasonable time
    t = time.monotonic()
    hits = lib.search(HUGE)
    assert hits and time.monotonic() - t < 10


def test_the_length_limit_is_the_setting(lib, seed_index, tmp_path):
    assert lib.settings.max_question_chars == LIMIT
    at_limit = (OBAMA + " ") * (LIMIT // (len(OBAMA) + 1))
    at_limit += "x" * (LIMIT - len(at_limit))
    assert len(at_limit) == LIMIT
    assert "question too long" not in lib.ask(at_limit).warnings  # the limit is allowed
    assert_too_long(lib.ask(at_limit + "?"), LIMIT + 1)
    # invisible characters count: the limit is on what was sent
    assert_too_long(lib.ask(OBAMA + "\u200b" * LIMIT), len(OBAMA) + LIMIT)
    small = Assistant(get_settings(index_dir=seed_index, data_dir=tmp_path,
                                   max_question_chars=30))
    assert_too_long(small.ask(OBAMA), len(OBAMA), limit=30)
    assert "question too long" not in small.ask("Obama on Russia?").warnings


@pytest.mark.parametrize("name", NOISY)
def test_invisible_characters_inside_a_question_are_ignored(lib, obama, name):
    got = lib.ask(NOISY[name])
    assert_clean_answer(got)
    assert got.answer == obama.answer and got.citations == obama.citations
    assert got.question == OBAMA
    want = [(h.article_id, h.start, h.end) for h in lib.search(OBAMA)]
    assert [(h.article_id, h.start, h.end) for h in lib.search(NOISY[name])] == want


@pytest.mark.parametrize("name", ODD)
def test_odd_but_readable_questions_get_an_answer(lib, name):
    assert_clean_answer(lib.ask(ODD[name]))
    assert isinstance(lib.search(ODD[name]), list)


# -- the CLI -------------------------------------------------------------------------------------


def cli(index: Path, data: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args, "--index", str(index)],
                          capture_output=True, timeout=180, cwd=REPO_ROOT,
                          env={**os.environ, "ASSISTANT_DATA_DIR": str(data), **(env or {})})


def test_cli_refuses_a_100_kb_question_clearly(seed_index, tmp_path):
    r = cli(seed_index, tmp_path, "ask", HUGE, "--json")
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["warnings"] == ["question too long"] and out["citations"] == []
    assert out["answer"].startswith("Your question is too long (100,000 characters; "
                                    "the limit is 2,000)")
    # the limit comes from the environment like every setting
    r = cli(seed_index, tmp_path, "ask", OBAMA, env={"ASSISTANT_MAX_QUESTION_CHARS": "20"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"too long ({len(OBAMA)} characters; the limit is 20)" in r.stdout.decode()
    assert b"warning: question too long" in r.stderr


def test_cli_takes_undecodable_bytes_and_control_characters(seed_index, tmp_path):
    # argv can hold any byte but NUL: invalid UTF-8, escape sequences, direction overrides
    question = (b"\xff\xfe\x1b\x07What did Obama\xe2\x80\x8b say about the Russians?"
                b"\xe2\x80\xae\xc3")
    r = cli(seed_index, tmp_path, "ask", question, "--json")
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["question"] == OBAMA and out["citations"]
    assert not invisible(out["question"])


@pytest.mark.parametrize("question", ["", " \t\n ", "\u200b\u202e\x1b", "\udcff"],
                         ids=["empty", "whitespace", "invisible", "undecodable"])
def test_cli_blank_questions(seed_index, tmp_path, monkeypatch, capsys, question):
    """In-process (the same main() as the command; argv as Python decodes it)."""
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    assert main(["ask", question, "--index", str(seed_index)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "Please ask a question."
    assert "warning: empty question" in err and "Traceback" not in err
    assert main(["ask", question, "--index", str(seed_index), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["warnings"] == ["empty question"] and out["question"] == ""


# -- the REST API --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(lib, tmp_path_factory) -> TestClient:
    from assistant.web.app import create_app

    settings = get_settings(index_dir=lib.settings.index_dir,
                            data_dir=tmp_path_factory.mktemp("hostile_web"), rate_limit="off")
    return TestClient(create_app(settings, lib), raise_server_exceptions=False)


def sse(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        event = re.search(r"^event: (.+)$", block, re.M).group(1)
        out.append((event, json.loads(re.search(r"^data: (.+)$", block, re.M).group(1))))
    return out


def post(api: TestClient, url: str, body: dict):
    """POST body as JSON with every non-ASCII character escaped (as browsers' JSON.stringify
    may send lone surrogates: "\\ud800")."""
    return api.post(url, content=json.dumps(body).encode(),
                    headers={"content-type": "application/json"})


def too_long_detail(r, n: int, what: str = "question") -> None:
    assert r.status_code == 422, (r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert isinstance(detail, str), detail  # a sentence, not pydantic's error list
    assert detail.startswith(f"Your {what} is too long ({n:,} characters; the limit is "
                             f"{LIMIT:,})"), detail


@pytest.mark.parametrize("name", BLANK)
def test_api_blank_questions(api, name):
    r = post(api, "/api/ask", {"question": BLANK[name]})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["answer"] == "Please ask a question."
    assert r.json()["warnings"] == ["empty question"] and r.json()["citations"] == []
    r = post(api, "/api/ask/stream", {"question": BLANK[name]})
    assert r.status_code == 200, r.text[:300]
    events = sse(r.text)
    assert events[-1][0] == "done" and events[-1][1]["answer"] == "Please ask a question."
    if name in SEARCHABLE:  # (a URL over 64 kB is refused by the HTTP client itself)
        r = api.get("/api/search", params={"q": BLANK[name]})
        assert r.status_code == 200 and r.json()["hits"] == [], r.text[:300]


def test_api_refuses_a_100_kb_question_with_a_clear_422(api):
    too_long_detail(post(api, "/api/ask", {"question": HUGE}), 100_000)
    too_long_detail(post(api, "/api/ask/stream", {"question": HUGE}), 100_000)
    too_long_detail(post(api, "/api/ask", {"question": "x" * (LIMIT + 1)}), LIMIT + 1)
    # URLs that long are refused before the app by servers and clients (httpx: 64 kB)
    too_long_detail(api.get("/api/search", params={"q": HUGE[:50_000]}), 50_000, "query")
    too_long_detail(api.get("/api/search", params={"q": "x" * (LIMIT + 1)}), LIMIT + 1,
                    "query")
    at_limit = api.post("/api/ask", json={"question": "ceasefire " * (LIMIT // 10)})
    assert at_limit.status_code == 200 and at_limit.json()["warnings"] == []
    assert api.get("/api/search", params={"q": "ceasefire " * (LIMIT // 10)}).status_code == 200


@pytest.mark.parametrize("name", NOISY)
def test_api_invisible_characters_inside_a_question(api, obama, name):
    r = post(api, "/api/ask", {"question": NOISY[name]})
    assert r.status_code == 200, r.text[:300]
    out = r.json()
    assert out["question"] == OBAMA and out["answer"] == obama.answer
    if not has_surrogate(NOISY[name]):
        r = api.get("/api/search", params={"q": NOISY[name]})
        assert r.status_code == 200 and r.json()["hits"], r.text[:300]


@pytest.mark.parametrize("name", ODD)
def test_api_odd_but_readable_questions(api, name):
    r = post(api, "/api/ask", {"question": ODD[name]})
    assert r.status_code == 200 and r.json()["answer"].strip(), r.text[:300]
    assert api.get("/api/search", params={"q": ODD[name]}).status_code == 200


def test_api_drops_lone_surrogates_from_questions(api, obama):
    """JSON can carry "\\ud800" though it is no character: in a question it goes like the
    other invisible characters (the response could not be encoded otherwise)."""
    for url in ("/api/ask", "/api/ask/stream"):
        r = post(api, url, {"question": "\ud800 What did Obama say about the Russians?\udfff"})
        assert r.status_code == 200, r.text[:300]
        done = r.json() if url == "/api/ask" else sse(r.text)[-1][1]
        assert done["question"] == OBAMA and done["answer"] == obama.answer


@pytest.mark.parametrize("body", [
    {"question": "ceasefire", "conversation": "\ud800\x00../../etc"},
    {"question": ["\udcff"]},
    {"question": {"\udcff": 1}},
], ids=["conversation-id", "in-a-list", "as-a-key"])
def test_api_lone_surrogates_elsewhere_are_a_422_not_a_500(api, body):
    """Where pydantic checks a string (conversation: max_length) or reports the input of a
    wrong type, the 422 quotes it back with "?" for the surrogate: not a 500 from a
    response that cannot be encoded."""
    for url in ("/api/ask", "/api/ask/stream"):
        r = post(api, url, body)
        assert r.status_code == 422, (r.status_code, r.text[:300])
        detail = r.json()["detail"]
        assert isinstance(detail, list) and detail[0]["loc"][0] == "body", detail
        assert not has_surrogate(json.dumps(detail, ensure_ascii=False))


@pytest.mark.parametrize("body", [
    b'{"question": "\xff\xfe caf\xe9"}',  # not UTF-8
    b'{"question": "unterminated',
    b'{"question": null}', b'{"question": 42}', b'{"question": ["a"]}', b'{}', b"",
    b'{"question": "' + b"\\u0000" * 50_000 + b'", "conversation": "' + b"x" * 200 + b'"}',
], ids=["latin-1", "truncated", "null", "number", "list", "missing", "no-body",
        "long-conversation"])
def test_api_malformed_bodies_are_4xx(api, body):
    r = api.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert "detail" in r.json()


@pytest.mark.parametrize("query", ["q=%00%00", "q=%FF%FE", "q=%ED%A0%80ceasefire",
                                   "q=%E2%80%AE%E2%80%8B", "q=", "q=ceasefire&k=0",
                                   "q=ceasefire&since=not-a-date", "k=3"],
                         ids=["nul", "bad-utf8", "encoded-surrogate", "invisible", "empty",
                              "k-zero", "bad-date", "no-q"])
def test_api_search_query_strings(api, query):
    r = api.get("/api/search?" + query)
    assert r.status_code < 500, (r.status_code, r.text[:300])
    json.dumps(r.json(), ensure_ascii=False).encode("utf-8")
    if r.status_code == 200:
        assert not invisible(r.json()["query"]) or r.json()["hits"] == []
