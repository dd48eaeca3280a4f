"""The web app: REST endpoints and the Gradio chat on one FastAPI app."""

from __future__ import annotations

import logging

import gradio as gr
from fastapi import FastAPI
from pydantic import BaseModel, Field

from .config import Settings, get_settings
from .core import Assistant

log = logging.getLogger("assistant")


class AskRequest(BaseModel):
    question: str = Field(..., max_length=4000)
    conversation: str | None = Field(None, max_length=100)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    import ui

    settings = settings or get_settings()
    assistant = assistant or Assistant(settings)
    seeded = assistant.ensure_seeded()
    if seeded is not None:
        log.warning("indexed seeds: %s", seeded.summary())

    app = FastAPI(title="Article assistant", version="0.1.0")
    app.state.assistant = assistant

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True, "articles": assistant.store.count_articles()}

    @app.post("/api/ask")
    def ask(req: AskRequest) -> dict:
        return assistant.ask(req.question, conversation=req.conversation).to_json()

    demo = ui.build_demo(assistant)
    return gr.mount_gradio_app(app, demo, path="/", css=ui.CSS, head=ui.CITE_JS)


def serve(settings: Settings | None = None) -> None:
    import uvicorn

    settings = settings or get_settings()
    app = create_app(settings)
    print(f"Serving the chat on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
