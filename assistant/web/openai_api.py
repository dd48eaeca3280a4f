"""An OpenAI-compatible chat endpoint at /v1 that keeps its citations.

Open WebUI, LibreChat and any app on the openai SDK talk to the assistant as to a model:

GET  /v1/models            one model, "article-assistant" (any name is accepted in requests)
POST /v1/chat/completions  the last user message is the question, earlier turns the
                           conversation (a follow-up is made standalone, as in the chat)

The reply is a standard `chat.completion` (or a `chat.completion.chunk` stream ending with a
`finish_reason` and `data: [DONE]`) whose content is the answer with its [n] markers and a
short "Sources" list that plain clients can show. Structured clients also get the citations
— the same objects as `assistant ask --json` — in one extra field, `citations`, of the
message (and of the last chunk's delta, with the checked answer text as `answer`: an LLM's
streamed words may have been corrected by the checker, the `answer` is what to keep).
Same auth and rate limits as the REST API; errors in OpenAI's shape (web/app.py).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from itertools import chain
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..types import Answer, Citation
from .api import rate_limited
from .auth import Identity
from .context import Web
from .messages import message_text, turns_from_messages

MODEL = "article-assistant"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: Any = ""


class ChatRequest(BaseModel):
    """What the openai SDK sends; options that mean nothing here (temperature, max_tokens,
    top_p, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=500)
    stream: bool = False


def sources_text(citations: list[Citation]) -> str:
    """The plain-text "Sources" list: one line per [n], title, outlet, date and link."""
    if not citations:
        return ""
    lines = ["", "", "Sources:"]
    for c in citations:
        about = ", ".join(x for x in (c.outlet, c.published) if x)
        lines.append(f"[{c.n}] {c.title or c.article_id}" + (f" ({about})" if about else "")
                     + (f" {c.url}" if c.url else ""))
    return "\n".join(lines)


def build_openai_router(web: Web) -> APIRouter:
    assistant = web.assistant
    router = APIRouter(prefix="/v1", tags=["openai"])

    asker = rate_limited(web)

    @router.get("/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0,
                                            "owned_by": "article-assistant"}]}

    @router.post("/chat/completions", response_model=None)
    def chat(req: ChatRequest, _: Identity = Depends(asker)):
        said = [m.model_dump() for m in req.messages if m.role in ("user", "assistant")]
        if not said or said[-1]["role"] != "user":
            raise HTTPException(400, "the last message must be the user's question")
        question = assistant.check_question(message_text(said[-1]["content"]))
        history = turns_from_messages(said[:-1])
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not req.stream:
            answer = assistant.ask(question, history=history)
            message = {"role": "assistant",
                       "content": answer.answer + sources_text(answer.citations),
                       **_extra(answer)}
            return {"id": cid, "object": "chat.completion", "created": created,
                    "model": req.model or MODEL,
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
        pieces = assistant.ask_stream(question, history=history)
        first = next(pieces)  # retrieval happens here: a store fault is a 503, not a broken stream
        return StreamingResponse(_chunks(first, pieces, cid, created, req.model or MODEL),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return router


def _extra(answer: Answer) -> dict:
    data = answer.to_json()
    return {"citations": data["citations"], "warnings": data["warnings"]}


def _chunks(first, rest, cid: str, created: int, model: str) -> Iterator[str]:
    def chunk(delta: dict, finish: str | None = None) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created,
                "model": model, "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    shown = ""
    final: Answer | None = None
    try:
        for piece in chain([first], rest):
            if isinstance(piece, Answer):
                final = piece
                break
            shown += piece
            yield chunk({"content": piece})
    except Exception as e:  # noqa: BLE001 - the stream is open: end it with the reason
        yield chunk({"content": f"\n\n(The answer broke off: {e})"}, "stop")
        yield "data: [DONE]\n\n"
        return
    if final is not None:
        if final.answer.strip() != shown.strip():
            # The checker changed what was streamed (a flagged quote, a fallback): say so,
            # and give the checked answer whole.
            yield chunk({"content": ("\n\n" if shown else "") + final.answer})
        tail = sources_text(final.citations)
        if tail:
            yield chunk({"content": tail})
        yield chunk({"answer": final.answer, **_extra(final)}, "stop")
    else:
        yield chunk({}, "stop")
    yield "data: [DONE]\n\n"
