"""The assistant inside other tools, each driven by its own official client: the openai SDK
against /v1 (a real server process, and in-process for the auth modes), llama-index's
RetrieverQueryEngine over ArticleRetriever, gradio_client against the chat page's API."""

from __future__ import annotations

import urllib.request

import openai
import pytest
from fastapi.testclient import TestClient

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.errors import DateError
from assistant.integrations.llama_index import ArticleRetriever
from assistant.web.app import create_app
from tests.conftest import SEEDS_DIR

QUESTION = "Who said what about the ceasefire?"


def article_text(base: str, article_id: str) -> str:
    import json

    with urllib.request.urlopen(f"{base}/api/articles/{article_id}", timeout=30) as r:
        return json.loads(r.read())["text"]


def assert_cited_exactly(base: str, citations: list[dict]) -> None:
    assert citations and [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    for c in citations:
        text = article_text(base, c["article_id"])
        assert text[c["start"]:c["end"]] == c["text"]


@pytest.fixture(scope="module")
def client(app_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=app_server + "/v1", api_key="unused", max_retries=0)


# -- the openai SDK against a real `assistant serve` ------------------------------------------


def test_models_lists_the_assistant(client):
    assert [m.id for m in client.models.list().data] == ["article-assistant"]


def test_a_completion_keeps_its_citations(client, app_server):
    reply = client.chat.completions.create(
        model="gpt-4o-mini",  # any name: there is one model
        messages=[{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": QUESTION}], temperature=0.2, max_tokens=50)
    assert reply.object == "chat.completion"
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    body, _, sources = text.partition("\n\nSources:\n")
    assert "[1]" in body and sources.startswith("[1] ")
    citations = choice.message.model_extra["citations"]
    assert_cited_exactly(app_server, citations)
    # the Sources list names every citation the answer's [n] point at
    for c in citations:
        assert f"[{c['n']}] {c['title']}" in sources


def test_a_stream_ends_with_finish_reason_citations_and_done(client, app_server):
    stream = client.chat.completions.create(
        model="article-assistant", stream=True,
        messages=[{"role": "user", "content": QUESTION}])
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    last = chunks[-1].choices[0]
    assert last.finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    extra = last.delta.model_extra
    assert_cited_exactly(app_server, extra["citations"])
    assert text.startswith(extra["answer"].split(" ")[0]) and "\n\nSources:\n[1] " in text
    whole = client.chat.completions.create(
        model="article-assistant", messages=[{"role": "user", "content": QUESTION}])
    # the same answer and sources (the stream's words end in a space the whole one lacks)
    assert whole.choices[0].message.content.split() == text.split()


def test_a_follow_up_turn_is_answered_in_context(client):
    first = client.chat.completions.create(
        model="article-assistant",
        messages=[{"role": "user", "content": "What did Kerry say about the talks?"}])
    follow = client.chat.completions.create(
        model="article-assistant",
        messages=[{"role": "user", "content": "What did Kerry say about the talks?"},
                  {"role": "assistant", "content": first.choices[0].message.content},
                  {"role": "user", "content": "and Lavrov?"}])
    assert "Lavrov" in follow.choices[0].message.content
    assert follow.choices[0].message.model_extra["citations"]


def test_bad_requests_get_openai_errors(client):
    with pytest.raises(openai.BadRequestError, match="too long"):
        client.chat.completions.create(model="m", messages=[
            {"role": "user", "content": "why " * 2000}])
    with pytest.raises(openai.BadRequestError, match="last message must be the user"):
        client.chat.completions.create(model="m", messages=[
            {"role": "assistant", "content": "Hello"}])
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="m", messages=[])
    assert e.value.body["type"] == "invalid_request_error"


# -- auth and limits, in-process ------------------------------------------------------------


@pytest.fixture(scope="module")
def lib(tmp_path_factory) -> Assistant:
    a = Assistant(get_settings(index_dir=tmp_path_factory.mktemp("integrations_index"),
                               data_dir=tmp_path_factory.mktemp("integrations_data")))
    assert a.ingest([SEEDS_DIR], progress=False).ok
    return a


def test_v1_has_the_rest_apis_auth_and_rate_limit(lib, tmp_path):
    settings = get_settings(index_dir=lib.settings.index_dir, data_dir=tmp_path,
                            auth_mode="token", auth_token="secret", rate_limit="2/minute")
    http = TestClient(create_app(settings, lib))
    anonymous = openai.OpenAI(base_url="http://testserver/v1", api_key="wrong",
                              http_client=http, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        anonymous.models.list()
    assert e.value.body["type"] == "authentication_error"
    user = openai.OpenAI(base_url="http://testserver/v1", api_key="secret",
                         http_client=http, max_retries=0)
    for _ in range(2):
        user.chat.completions.create(model="m", messages=[{"role": "user",
                                                           "content": "Obama?"}])
    with pytest.raises(openai.RateLimitError, match="limit of 2 questions per minute") as e:
        user.chat.completions.create(model="m", messages=[{"role": "user", "content": "x?"}])
    assert e.value.response.headers["retry-after"]


# -- llama-index -----------------------------------------------------------------------------


def test_llama_index_query_engine_over_article_retriever(lib):
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import get_response_synthesizer
    from llama_index.core.query_engine import RetrieverQueryEngine

    retriever = ArticleRetriever(lib, k=3)
    # Offline, as docs/integrations.md says: no LLM (llama-index would reach for OpenAI);
    # "no_text" makes llama-index's own synthesizer hand back what the retriever found.
    before = LlamaSettings._llm
    LlamaSettings.llm = None
    try:
        engine = RetrieverQueryEngine(retriever=retriever, response_synthesizer=
                                      get_response_synthesizer(response_mode="no_text"))
        response = engine.query("What did Obama say about Russia?")
    finally:
        LlamaSettings._llm = before
    nodes = response.source_nodes
    assert 1 <= len(nodes) <= 3
    scores = [n.score for n in nodes]
    assert scores == sorted(scores, reverse=True)
    for n in nodes:
        meta = n.node.metadata
        assert set(meta) == {"article_id", "title", "url", "published", "outlet", "start",
                             "end"}
        text = lib.article(meta["article_id"]).text
        assert text[meta["start"]:meta["end"]] == n.node.get_content()
        assert "start" not in n.node.get_content(metadata_mode="llm").split("\n\n")[0]
    assert any("Obama" in n.node.get_content() for n in nodes)


def test_llama_index_retriever_refuses_bad_dates_and_filters_by_date(lib):
    with pytest.raises(DateError):
        ArticleRetriever(lib, since="yesterday-ish")
    published = lib.articles()[0].published
    assert ArticleRetriever(lib, until="1999-01-01").retrieve("Obama Russia") == []
    assert ArticleRetriever(lib, since=published).retrieve("Obama Russia")


# -- gradio_client against the chat page ------------------------------------------------------


def test_gradio_client_gets_a_cited_answer(app_server):
    """The chat page's one public endpoint, /respond (named after its function): the
    history in, the history with the answer (HTML with its [n] links) out."""
    from gradio_client import Client

    gc = Client(app_server + "/", verbose=False)
    assert "/respond" in gc.view_api(return_format="dict", print_info=False)["named_endpoints"]
    history = gc.predict([{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
                         api_name="/respond")
    answer = history[-1]
    assert answer["role"] == "assistant"
    content = str(answer["content"])
    assert 'class="cite"' in content and "[1]" in content
