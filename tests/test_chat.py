"""Conversations: follow-ups become standalone questions; history survives restarts."""

from __future__ import annotations

import pytest

from assistant.answer.llm import LLMAnswerer
from assistant.chat import Conversations, Turn, entities, rewrite_followup, rule_rewrite
from assistant.config import Settings
from assistant.types import Answer, Citation
from assistant.web.messages import turns_from_messages
from assistant.web.render import answer_html
from testkit.llm_server import Reply, ScriptedLLM

OBAMA = "What did Obama say about the ceasefire?"


@pytest.mark.parametrize("followup, standalone", [
    ("and what did Putin say?", "what did Putin say about the ceasefire?"),
    ("What about Putin?", "What did Putin say about the ceasefire?"),
    ("how about Vladimir Putin?", "What did Vladimir Putin say about the ceasefire?"),
    ("Putin?", "What did Putin say about the ceasefire?"),
    ("what about the sanctions?", "What did Obama say about the sanctions?"),
    ("What else did he say?", "What else did Obama say about the ceasefire?"),
    ("What did Putin say about it?", "What did Putin say about the ceasefire?"),
    ("Why?", "Why? (What did Obama say about the ceasefire?)"),
])
def test_rule_rewrite_borrows_names_and_topic(followup, standalone):
    assert rule_rewrite(followup, OBAMA) == standalone


@pytest.mark.parametrize("question", [
    "Who said what about the ceasefire?",
    "What could a deal in Syria include?",
    "What did Merkel and Putin discuss in Hangzhou?",
])
def test_standalone_questions_are_left_alone(question):
    assert rule_rewrite(question, OBAMA) == question


def test_plural_pronoun_takes_both_names():
    prev = "What did Kerry and Lavrov discuss in Hangzhou?"
    assert rule_rewrite("Did they agree?", prev) == "Did Kerry and Lavrov agree?"


def test_entities_skip_question_words():
    assert entities("What did Vladimir Putin tell Merkel?") == ["Vladimir Putin", "Merkel"]


def history_of(*questions: str) -> list[Turn]:
    turns = []
    for q in questions:
        turns += [Turn("user", q, q), Turn("assistant", "Some answer [1].")]
    return turns


def test_no_history_means_no_rewrite():
    assert rewrite_followup("and what did Putin say?", []) == "and what did Putin say?"


def test_offline_rewrite_uses_the_standalone_form_of_the_last_question():
    turns = history_of(OBAMA)
    turns += [Turn("user", "what about Putin?", "What did Putin say about the ceasefire?"),
              Turn("assistant", "Putin said … [1]")]
    assert rewrite_followup("and Merkel?", turns) == "What did Merkel say about the ceasefire?"


def _answerer(server: ScriptedLLM) -> LLMAnswerer:
    return LLMAnswerer(Settings(llm_base_url=server.url + "/v1", llm_model="m",
                                llm_timeout=2.0, llm_max_retries=0))


def test_llm_rewrites_the_followup_from_the_conversation():
    with ScriptedLLM() as server:
        server.push(Reply("Standalone question: “What did Putin say about the Syria ceasefire?”"))
        out = rewrite_followup("and what did Putin say?", history_of(OBAMA), _answerer(server))
        assert out == "What did Putin say about the Syria ceasefire?"
        prompt = server.requests[0]["messages"][-1]["content"]
        assert f"User: {OBAMA}" in prompt and "Assistant: Some answer [1]." in prompt
        assert prompt.index(OBAMA) < prompt.index("Last question: and what did Putin say?")


@pytest.mark.parametrize("reply", [Reply(status=500), Reply(""), Reply(raw=b"garbage")],
                         ids=["500", "empty", "garbage"])
def test_llm_failure_falls_back_to_the_rules(reply):
    with ScriptedLLM() as server:
        server.push(reply)
        out = rewrite_followup("and what did Putin say?", history_of(OBAMA), _answerer(server))
        assert out == "what did Putin say about the ceasefire?"


def _answer() -> Answer:
    cite = Citation(n=1, article_id="a1", title="Talks", url="https://example.org/a",
                    published="2016-09-05", text="Obama spoke.", start=10, end=22,
                    passage="Intro. Obama spoke. More.", passage_start=3)
    return Answer(question=OBAMA, answer="Obama spoke [1].", mode="llm", citations=[cite],
                  warnings=["removed citation [5]: no such source"])


def test_history_persists_across_instances(tmp_path):
    first = Conversations(tmp_path / "data")
    cid = first.new_id()
    first.add(cid, OBAMA, _answer())
    first.add(cid, "and Putin?", Answer("and Putin?", "The articles don't cover this."),
              standalone="What did Putin say about the ceasefire?")
    first.add("other", "Unrelated?", Answer("Unrelated?", "No."))

    again = Conversations(tmp_path / "data")  # a restart: same file, new object
    turns = again.history(cid)
    assert [(t.role, t.content) for t in turns] == [
        ("user", OBAMA), ("assistant", "Obama spoke [1]."),
        ("user", "and Putin?"), ("assistant", "The articles don't cover this.")]
    assert turns[2].standalone == "What did Putin say about the ceasefire?"
    # The whole answer comes back, passage context included, so a reloaded chat still
    # opens its citations.
    assert turns[1].answer == _answer()
    assert again.history(cid, limit=2)[0].content == "and Putin?"
    assert len(again.history("other")) == 2 and again.history("nobody") == []
    assert again.delete(cid) and again.history(cid) == [] and not again.delete(cid)


def test_turns_from_a_gradio_history():
    messages = [
        {"role": "user", "content": OBAMA},
        {"role": "assistant", "content": answer_html(_answer())},
        {"role": "user", "content": [{"type": "text", "text": "what about Putin?"}]},
        {"role": "assistant", "content": "The articles don&#x27;t cover this."},
    ]
    turns = turns_from_messages(messages)
    assert [(t.role, t.content) for t in turns] == [
        ("user", OBAMA), ("assistant", "Obama spoke [1]."),
        ("user", "what about Putin?"), ("assistant", "The articles don't cover this.")]
    assert rewrite_followup("and Merkel?", turns) == "What did Merkel say about the ceasefire?"
