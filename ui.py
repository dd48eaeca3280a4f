"""The Gradio chat: `python ui.py` serves it (same app as `assistant serve`)."""

from __future__ import annotations

import html

import gradio as gr

from assistant.chat import turns_from_messages
from assistant.core import Assistant
from assistant.render import answer_html
from assistant.types import Answer

EXAMPLES = [
    "Who said what about the ceasefire?",
    "What did Obama say about Russia?",
    "What could a deal in Syria include?",
]

# Clicking [n] opens source card n of the same answer and flashes the cited sentence.
CITE_JS = """
<script>
document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a.cite');
  if (!a) return;
  ev.preventDefault();
  const card = document.getElementById(a.getAttribute('href').slice(1));
  if (!card) return;
  card.open = true;
  card.classList.add('flash');
  setTimeout(() => card.classList.remove('flash'), 1500);
  card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
});
</script>
"""

CSS = """
.answer { line-height: 1.55; }
a.cite { text-decoration: none; font-weight: 600; padding: 0 1px; cursor: pointer; }
.sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; }
details.source { margin: .25em 0; }
details.source summary { cursor: pointer; }
details.source blockquote { margin: .3em 0 .3em .8em; font-size: .95em; }
details.source mark { background: #ffe58a; color: #111; padding: 0 2px; }
details.source.flash { outline: 2px solid #f0b400; border-radius: 4px; }
.warnings { margin-top: .4em; font-size: .9em; color: #b45309; }
"""


def build_demo(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list):
        # Gradio keeps the history (and restores it on reload with save_history=True); the
        # rewrite reads it so "and what did Putin say?" searches the right thing.
        partial = ""
        for piece in assistant.ask_stream(message, history=turns_from_messages(history)):
            if isinstance(piece, Answer):
                yield answer_html(piece)
            else:
                partial += piece
                yield html.escape(partial)

    with gr.Blocks(title="Article assistant") as demo:
        gr.ChatInterface(
            respond,
            chatbot=gr.Chatbot(height=560, sanitize_html=True, render_markdown=False, elem_id="chat",
                               buttons=["copy"]),
            textbox=gr.Textbox(placeholder="Ask about the articles…", elem_id="question",
                               submit_btn=True),
            examples=EXAMPLES,
            title="Article assistant",
            description="Short answers from your articles, with numbered citations: "
                        "click [n] to see the passage.",
            api_name="respond",
        )
    return demo


if __name__ == "__main__":
    from assistant.server import serve

    serve()
