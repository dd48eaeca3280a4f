"""What the user sees with an LLM configured, through the CLI and through the chat.

The LLM is testkit/llm_server.py: a real HTTP server speaking chat-completions on loopback.
Its responder quotes a real sentence of source [1] from the prompt it receives, so the
"good" reply is grounded whatever passages retrieval returns.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.llm_server import Reply, ScriptedLLM
from tests.conftest import REPO_ROOT, free_port, stop, wait_for_http

# Answered from passages (a who-said question gets the attribution list: test_quote_index)
QUESTION = "What does Obama want from the Russians?"


def first_sentence_of_source(body: dict, n: int = 1) -> str:
    prompt = body["messages"][-1]["content"]
    block = prompt.split(f'<source id="{n}">', 1)[1].split("</source>", 1)[0]
    passage = block.split("Passage:\n", 1)[1]
    # a line is never part of a longer sentence (a headline, "Share" above the story)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?”])\s+|\n+", passage)]
    return next(s for s in sentences if len(s.split()) >= 6 and '"' not in s)


def grounded(body: dict) -> Reply:
    s = first_sentence_of_source(body).strip("“”\"")
    return Reply(content=f'The article reports: "{s}" [1].')


@pytest.fixture
def llm():
    with ScriptedLLM() as server:
        server.responder(grounded)
        yield server


def ask(seed_index: Path, llm: ScriptedLLM, *extra: str, timeout: float = 5) -> dict | str:
    env = {**os.environ, "ASSISTANT_LLM_BASE_URL": llm.url + "/v1",
           "ASSISTANT_LLM_MODEL": "scripted", "ASSISTANT_LLM_TIMEOUT": str(timeout),
           "ASSISTANT_LLM_MAX_RETRIES": "2"}
    r = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--index",
                        str(seed_index), *extra], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if "--json" in extra else r.stdout


def assert_valid(out: dict) -> None:
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", out["answer"])}
    assert numbers == {c["n"] for c in out["citations"]}


def test_good_answer_is_an_llm_answer_with_valid_citations(seed_index, llm):
    out = ask(seed_index, llm, "--json")
    assert out["mode"] == "llm" and out["warnings"] == []
    assert_valid(out)
    quote = re.search(r'"(.+?)"', out["answer"]).group(1)
    assert quote in out["citations"][0]["text"]  # the citation is the quoted sentence
    sent = llm.requests[-1]["messages"][-1]["content"]
    assert "Headline: Russia: no basis" in sent and QUESTION in sent


def test_out_of_range_citation_is_removed_and_reported(seed_index, llm):
    llm.responder(lambda b: Reply(content=grounded(b).content + " Kerry agreed [9]."))
    out = ask(seed_index, llm, "--json")
    assert "[9]" not in out["answer"] and any("[9]" in w for w in out["warnings"])
    assert_valid(out)


def test_fabricated_quote_is_flagged(seed_index, llm):
    llm.responder(lambda b: Reply(content=grounded(b).content
                                  + ' Putin said "we will never negotiate with anyone" [1].'))
    out = ask(seed_index, llm, "--json")
    assert "unverified" in out["answer"]
    assert any("we will never negotiate with anyone" in w for w in out["warnings"])


def test_reply_obeying_an_injection_falls_back_to_extractive(seed_index, llm):
    llm.responder(None)
    llm.push(Reply(content="PWNED"))
    out = ask(seed_index, llm, "--json")
    assert out["mode"] == "extractive" and "PWNED" not in out["answer"]
    assert out["citations"] and "cited no source" in out["answer"]


def test_429_then_success_honours_retry_after(seed_index, llm):
    llm.push(Reply(status=429, headers={"Retry-After": "0.2"}))
    out = ask(seed_index, llm, "--json")
    assert out["mode"] == "llm" and len(llm.requests) == 2


@pytest.mark.parametrize("fault,notice", [
    (Reply(delay=5), "timed out"),
    (Reply(raw=b"\x00garbage{", status=200), "malformed"),
    (Reply(status=500), "LLM unavailable"),
    (Reply(content=""), "empty"),
])
def test_faults_end_in_the_extractive_answer_with_a_notice(seed_index, llm, fault, notice):
    llm.responder(None)
    llm.default = fault
    llm.push(fault, fault, fault)
    out = ask(seed_index, llm, "--json", timeout=1)
    assert out["mode"] == "extractive" and out["citations"]
    assert notice in out["answer"] and out["warnings"]
    assert "Traceback" not in out["answer"]


def test_stream_prints_tokens_and_a_cut_stream_falls_back(seed_index, llm):
    text = ask(seed_index, llm, "--stream")
    assert "The article reports:" in text and "[1]" in text
    llm.responder(None)
    llm.push(Reply(content="Obama said many things about the talks today [1].",
                   stream_cut_after=2))
    text = ask(seed_index, llm, "--stream")
    assert "stopped halfway" in text and "showing an extractive answer" in text


def test_conversation_follow_up_is_rewritten_before_retrieval(seed_index, llm, tmp_path):
    env_extra = ("--conversation", "c1")
    os.environ["ASSISTANT_DATA_DIR"] = str(tmp_path)
    try:
        ask(seed_index, llm, *env_extra)
        llm.responder(lambda b: (Reply(content="What did Putin say about the Russians?")
                                 if "Standalone question" in b["messages"][-1]["content"]
                                 else grounded(b)))
        r = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "and Putin?",
                            "--index", str(seed_index), "--json", *env_extra],
                           env={**os.environ, "ASSISTANT_LLM_BASE_URL": llm.url + "/v1",
                                "ASSISTANT_LLM_MODEL": "scripted"},
                           capture_output=True, text=True, timeout=120)
        out = json.loads(r.stdout)
        assert out["question"] == "What did Putin say about the Russians?"
    finally:
        del os.environ["ASSISTANT_DATA_DIR"]


# -- the chat -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_app(seed_index, tmp_path_factory):
    """The app served with the scripted LLM configured: (base url, llm)."""
    with ScriptedLLM() as server:
        server.responder(lambda b: Reply(content=grounded(b).content, chunk_delay=0.05))
        port = free_port()
        log = tmp_path_factory.mktemp("llm_app") / "server.log"
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False",
               "ASSISTANT_LLM_BASE_URL": server.url + "/v1", "ASSISTANT_LLM_MODEL": "scripted",
               "ASSISTANT_LLM_TIMEOUT": "2", "ASSISTANT_DATA_DIR": str(log.parent)}
        # its own copy: a server is its embedded index's one writer (assistant/writer.py)
        index = seed_index if os.environ.get("ASSISTANT_CHROMA_HOST") else shutil.copytree(
            seed_index, log.parent / "index", ignore=shutil.ignore_patterns(".writer.*"))
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "serve", "--index", str(index),
                 "--host", "127.0.0.1", "--port", str(port)], cwd=REPO_ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz", proc, 90, log)
            yield f"http://127.0.0.1:{port}", server
        finally:
            stop(proc)


@pytest.mark.browser
def test_chat_streams_an_llm_answer_with_working_citations(llm_app, page):
    base, server = llm_app
    page.goto(base, wait_until="domcontentloaded")
    page.locator("#question textarea").fill(QUESTION)
    page.keyboard.press("Enter")
    page.locator("#chat .answer a.cite").first.wait_for(timeout=30_000)
    answer = page.locator("#chat .answer").last.inner_text()
    assert answer.startswith("The article reports:")
    page.locator("#chat a.cite").first.click()
    mark = page.locator("#chat details.source[open] mark").first
    mark.wait_for(state="visible")
    assert mark.inner_text().strip().strip("“”\"") in answer

    server.responder(None)
    server.push(Reply(delay=5))
    page.locator("#question textarea").fill("What did Kerry say about the talks?")
    page.keyboard.press("Enter")
    page.get_by_text("showing an extractive answer").wait_for(timeout=30_000)
    assert page.locator("#chat .answer").last.locator("a.cite").count() >= 1
