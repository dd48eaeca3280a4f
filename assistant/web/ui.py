"""The Gradio pages: the chat page (Chat and Articles tabs) and the compact /widget.

assistant/web/app.py mounts them (`assistant serve`, `python ui.py`). Both are thin shells
over Assistant; everything from an article or a model reaches the page through
render.py, which escapes it, and the chatbot sanitises HTML on top. Their CSS, the
citation script and the extra <head> HTML are files in static/ (`gradio_options`).
"""

from __future__ import annotations

import html
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import gradio as gr

from ..config import parse_interval
from ..errors import AssistantError
from ..text import plural
from ..types import Answer, Job
from .api import filter_articles
from .context import Web
from .messages import message_sources, message_text, turns_from_messages
from .render import answer_html, notice_html
from .uploads import UploadReport

log = logging.getLogger("assistant.web")

EXAMPLES = [
    "Who said what about the ceasefire?",
    "What did Obama say about Russia?",
    "What could a deal in Syria include?",
]
ARTICLE_COLUMNS = ["Published", "Title", "Outlet", "Chunks", "Story", "ID"]
ARTICLES_SHOWN = 300
PEOPLE_COLUMNS = ["Person", "Statements", "Articles", "Latest"]
PEOPLE_SHOWN = 30
DRAFT_EVERY = 0.1  # seconds between two drafts of a streamed answer

STATIC = Path(__file__).parent / "static"
# Clicking [n] opens source card n of the same answer and flashes the cited sentence. Works in
# the page, in an iframe and inside the <gradio-app> web component (shadow DOM or not).
CITE_SCRIPT = (STATIC / "cite.js").read_text(encoding="utf-8")
CITE_JS = f"<script>\n{CITE_SCRIPT}</script>"
# Gradio runs `js` on load also where it does not control <head> (the web component).
LOAD_JS = "() => {\n" + CITE_SCRIPT + "}"
PAGE_CSS = [STATIC / "chat.css"]
WIDGET_CSS = [STATIC / "chat.css", STATIC / "widget.css"]
# Gradio scopes `css` to its content (.contain): the page's outer padding needs <head>.
PAGE_HEAD = [STATIC / "page-head.html"]
WIDGET_HEAD = [STATIC / "widget-head.html"]


def theme() -> gr.themes.Base:
    """Gradio's default look with the system's fonts: nothing is fetched from the internet
    (an intranet page often cannot reach Google Fonts)."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto",
                                   "Helvetica", "Arial", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas",
                                        "monospace"])


def gradio_options(*, widget: bool) -> dict[str, Any]:
    """The look of a page, for gr.mount_gradio_app: theme, CSS, <head> and load script."""
    return dict(theme=theme(), css_paths=WIDGET_CSS if widget else PAGE_CSS, js=LOAD_JS,
                head=CITE_JS, head_paths=WIDGET_HEAD if widget else PAGE_HEAD)


# -- chat ------------------------------------------------------------------------------------


def chat_panel(web: Web, *, compact: bool, source: str) -> gr.Chatbot:
    """Chatbot, question box, new-conversation and feedback controls, with their events."""
    assistant = web.assistant

    chatbot = gr.Chatbot(
        elem_id="chat", height="calc(100vh - 160px)" if compact else "62vh",
        min_height=260 if compact else 360, sanitize_html=True, render_markdown=False,
        # Gradio's copy button would copy the HTML: answers carry a "Copy answer" link instead.
        buttons=[], feedback_options=("Like", "Dislike"), show_label=False,
        placeholder=None if compact else
        "<b>Ask about the articles.</b> Every answer cites its sources: click [n] to see the "
        "passage.",
        examples=[{"text": q} for q in (EXAMPLES[:2] if compact else EXAMPLES)],
        autoscroll=True, layout="panel" if compact else None,
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(placeholder="Ask about the articles…", elem_id="question",
                              show_label=False, submit_btn=True, scale=8, max_length=4000,
                              autofocus=not compact)
    new_chat = gr.Button("New conversation", elem_id="new-conversation", size="sm",
                         variant="secondary", scale=0, min_width=160)
    # static/cite.js moves this under the answer whose thumb was clicked: the comment box
    # and its thanks belong to the answer they rate.
    with gr.Column(elem_id="feedback"):
        feedback_note = gr.HTML("", elem_id="feedback-status", padding=False)
        with gr.Column(visible=False, elem_id="feedback-box") as feedback_box:
            comment = gr.Textbox(label="Thanks! Anything to add? (optional)", lines=2,
                                 max_length=2000, elem_id="feedback-comment")
            send_comment = gr.Button("Send comment", size="sm", elem_id="feedback-send")
    votes = gr.State({})  # message index -> feedback id, this page only
    last_vote = gr.State(None)

    def add_question(message: str, history: list):
        message = (message or "").strip()
        if not message:
            return gr.update(), history, gr.update(), gr.update()
        # The chatbot renders HTML: what the user typed is shown as typed, never as markup.
        # A comment box left open on an earlier answer closes with the next question.
        return ("", [*history, {"role": "user", "content": html.escape(message)}],
                gr.update(visible=False), "")

    def add_example(history: list, evt: gr.SelectData):
        text = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value)
        return [*history, {"role": "user", "content": html.escape(text)}], \
            gr.update(visible=False), ""

    def answer(history: list, request: gr.Request):
        if not history or history[-1].get("role") != "user":
            return
        question_text = message_text(history[-1]["content"])
        who = web.identity(request)
        wait = web.limiter.hit(who.key)
        if wait:
            yield [*history, {"role": "assistant",
                              "content": notice_html(web.limiter.message(wait))}]
            return
        partial, shown = "", 0.0
        try:
            for piece in assistant.ask_stream(question_text,
                                              history=turns_from_messages(history[:-1])):
                if isinstance(piece, Answer):
                    yield [*history, {"role": "assistant", "content": answer_html(piece)}]
                    continue
                partial += piece
                # At most one draft per DRAFT_EVERY: each update is a diff, an SSE event and
                # a render; per word, an extractive answer would cost ~100 of them.
                if time.monotonic() - shown >= DRAFT_EVERY:
                    shown = time.monotonic()
                    yield [*history, {"role": "assistant", "content":
                                      f'<div class="draft">{html.escape(partial)}</div>'}]
        except Exception as e:  # noqa: BLE001 - the reader gets a sentence, never "Error"
            reason = str(e) if isinstance(e, AssistantError) else (
                "something went wrong on the server (it is in the log)")
            log.exception("answering %r failed", question_text[:200])
            yield [*history, {"role": "assistant", "content": notice_html(
                f"The assistant could not answer just now: {reason}. Please try again in a "
                f"moment.")}]
            return

    private = {"api_visibility": "private"}
    # Several people answered at once (Gradio's default is one at a time per event); the
    # REST API shares the same library calls from its own thread pool.
    # per page, the rest wait in line (Settings.answers_limit: docs/deploy.md "Under load")
    answering = {"show_progress": "minimal", "concurrency_limit": web.settings.answers_limit,
                 "concurrency_id": "answer"}
    question.submit(add_question, [question, chatbot],
                    [question, chatbot, feedback_box, feedback_note], queue=False,
                    **private).then(answer, chatbot, chatbot, api_name="respond", **answering)
    chatbot.example_select(add_example, chatbot, [chatbot, feedback_box, feedback_note],
                           queue=False, **private).then(
        answer, chatbot, chatbot, **answering, **private)

    def vote(history: list, known: dict, evt: gr.LikeData, request: gr.Request):
        idx = evt.index if isinstance(evt.index, int) else evt.index[0]
        if not (0 <= idx < len(history)) or history[idx].get("role") != "assistant":
            return known, None, gr.update(), gr.update(), ""
        value = 1 if evt.liked is True else -1 if evt.liked is False else 0
        who = web.identity(request)
        if idx in known:
            web.feedback.update(known[idx], user=who.key, vote=value)
            fid = known[idx]
        else:
            asked = next((message_text(m["content"]) for m in reversed(history[:idx])
                          if m.get("role") == "user"), "")
            content = history[idx]["content"]
            fid = web.feedback.add(value, asked, message_text(content),
                                   sources=message_sources(content), user=who.key,
                                   source=source)
            known = {**known, idx: fid}
        if value == 0:
            return known, None, gr.update(visible=False), gr.update(value=""), ""
        return known, fid, gr.update(visible=True), gr.update(value=""), ""

    chatbot.like(vote, [chatbot, votes], [votes, last_vote, feedback_box, comment,
                                           feedback_note], queue=False, **private)

    def save_comment(text: str, fid, request: gr.Request):
        if fid is not None and (text or "").strip():
            web.feedback.update(fid, user=web.identity(request).key, comment=text.strip())
        return gr.update(visible=False), "", "Thanks, your comment was saved." if fid else ""

    send_comment.click(save_comment, [comment, last_vote], [feedback_box, comment,
                                                            feedback_note], queue=False,
                       **private)
    comment.submit(save_comment, [comment, last_vote], [feedback_box, comment, feedback_note],
                   queue=False, **private)

    def start_over():
        return [], "", {}, None, gr.update(visible=False), ""

    outputs = [chatbot, question, votes, last_vote, feedback_box, feedback_note]
    new_chat.click(start_over, None, outputs, queue=False, **private)
    chatbot.clear(start_over, None, outputs, queue=False, **private)
    return chatbot


# -- articles --------------------------------------------------------------------------------


def _article_rows(web: Web, query: str) -> tuple[list[list], str]:
    infos = web.assistant.articles()
    found = filter_articles(infos, query or "")
    sizes = Counter(a.story for a in infos)
    # wire copies: the members of a story of several articles say so, the same id each
    rows = [[a.published or "undated", a.title or "(untitled)", a.outlet or "", a.chunks,
             f"{sizes[a.story]} articles · story {a.story}" if sizes[a.story] > 1 else "", a.id]
            for a in found[:ARTICLES_SHOWN]]
    shown = (f"{len(found)} of {plural(len(infos), 'article')}" if query
             else plural(len(infos), "article"))
    if len(found) > ARTICLES_SHOWN:
        shown += f" (first {ARTICLES_SHOWN} shown: search to narrow)"
    return rows, f'<span id="article-count">{html.escape(shown)}</span>'


def job_progress_html(job: Job) -> str:
    """A job as the Articles tab shows it while it runs (and if it fails)."""
    state = {"queued": "Waiting for the indexer…", "running": "Indexing…",
             "failed": "Indexing failed", "cancelled": "Cancelled", "done": "Done"}
    counted = f" {job.done} of {plural(job.total, 'article')}" if job.total else ""
    error = f": {job.error}" if job.error and job.state == "failed" else ""
    return (f'<div class="upload-progress"><p id="upload-progress" data-state="{job.state}">'
            f'{html.escape(state.get(job.state, job.state) + counted + error)}'
            f' <small>(job {html.escape(job.id)})</small></p></div>')


def jobs_list_html(jobs: list[Job]) -> str:
    """The newest jobs of the write queue, for admins."""
    if not jobs:
        return '<p class="jobs-empty">No jobs yet.</p>'
    rows = "".join(
        f'<tr class="job" data-state="{html.escape(j.state)}"><td>{html.escape(j.id)}</td>'
        f'<td>{html.escape(j.kind)}</td><td>{html.escape(j.state)}</td>'
        f'<td>{f"{j.done} of {j.total}" if j.total else ""}</td>'
        f'<td>{html.escape(((j.result or {}).get("summary") or j.error)[:200])}</td></tr>'
        for j in jobs)
    return ('<table class="jobs"><thead><tr><th>Job</th><th>Kind</th><th>State</th>'
            f'<th>Articles</th><th>Result</th></tr></thead><tbody>{rows}</tbody></table>')


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t)) if t else "never"


def feeds_list_html(feeds: list) -> str:
    """The registered feeds, for admins: last poll, new items, items, the last error."""
    if not feeds:
        return '<p class="feeds-empty">No feeds yet.</p>'
    rows = "".join(
        f'<tr class="feed" data-failing="{str(bool(f.failures)).lower()}">'
        f'<td>{html.escape(f.title or "")}<br><small>{html.escape(f.url)}</small></td>'
        f'<td>{f.every / 60:g} min</td><td>{_when(f.last_poll)}</td><td>{f.new_items}</td>'
        f'<td>{f.items}</td><td>{html.escape(f.last_error[:200]) if f.failures else "ok"}'
        f'</td></tr>' for f in feeds)
    return ('<table class="feeds"><thead><tr><th>Feed</th><th>Every</th><th>Last poll</th>'
            '<th>New</th><th>Items</th><th>Status</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>')


def upload_report_html(report) -> str:
    cls = {"indexed": "indexed", "partly indexed": "partly", "failed": "failed",
           "refused": "refused"}
    rows = "".join(
        f'<tr class="file-result"><td>{html.escape(f.name)}</td>'
        f'<td class="{cls.get(f.status, "")}">{html.escape(f.status)}</td>'
        f'<td>{html.escape("; ".join(f.messages) or (str(f.articles) + " article(s)"))}'
        f'</td></tr>' for f in report.files)
    return (f'<div class="upload-report"><p id="upload-summary">{html.escape(report.summary)}'
            f'</p><table><thead><tr><th>File</th><th>Result</th><th>Details</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')


def articles_panel(web: Web) -> tuple[gr.Dataframe, gr.Column, Any]:
    with gr.Row():
        search = gr.Textbox(placeholder="Search titles, outlets, authors, dates…",
                            show_label=False, elem_id="article-search", scale=6)
        count = gr.HTML("", elem_id="article-count-box", padding=False)
    table = gr.Dataframe(headers=ARTICLE_COLUMNS, datatype=["str"] * 6, interactive=False,
                         wrap=True, elem_id="articles-table", max_height=480,
                         column_widths=["11%", "40%", "12%", "7%", "14%", "16%"])
    people = people_panel(web)
    with gr.Column(visible=False, elem_id="admin-panel", variant="panel") as admin:
        gr.HTML("<b>Admin</b>: add or remove articles.", padding=True)
        files = gr.File(file_count="multiple", type="filepath", elem_id="upload-files",
                        label=f"Upload articles ({web.uploads.limits_text()})")
        report = gr.HTML("", elem_id="upload-report")
        with gr.Row():
            delete_id = gr.Textbox(label="Article ID (click a row to pick it)",
                                   elem_id="delete-id", scale=4)
            delete_btn = gr.Button("Delete article", variant="stop", elem_id="delete-article",
                                   scale=1)
        deleted = gr.HTML("", elem_id="delete-result")
        with gr.Row():
            jobs_html = gr.HTML("", elem_id="jobs-list")
        with gr.Row():
            cancel_id = gr.Textbox(label="Job ID", elem_id="cancel-id", scale=4)
            cancel_btn = gr.Button("Cancel job", elem_id="cancel-job", scale=1)
            jobs_btn = gr.Button("Refresh jobs", elem_id="refresh-jobs", scale=1)
        gr.HTML("<b>News feeds</b>: RSS/Atom feeds and sitemaps the server polls.",
                padding=True)
        feeds_html = gr.HTML("", elem_id="feeds-list")
        with gr.Row():
            feed_url = gr.Textbox(label="Feed or sitemap URL", elem_id="feed-url", scale=4)
            feed_every = gr.Textbox(label="Every", placeholder=web.settings.feed_every,
                                    elem_id="feed-every", scale=1)
        with gr.Row():
            add_feed_btn = gr.Button("Add feed", elem_id="add-feed", scale=1)
            poll_feed_btn = gr.Button("Poll now", elem_id="poll-feed", scale=1)
            remove_feed_btn = gr.Button("Remove feed", variant="stop", elem_id="remove-feed",
                                        scale=1)
        feed_result = gr.HTML("", elem_id="feed-result")

    def refresh(query: str):
        rows, shown = _article_rows(web, query)
        return rows, shown

    private = {"api_visibility": "private"}
    search.change(refresh, search, [table, count], queue=False, **private)

    def pick(evt: gr.SelectData):
        row = evt.row_value if isinstance(evt.row_value, list) else []
        return row[ARTICLE_COLUMNS.index("ID")] if len(row) == len(ARTICLE_COLUMNS) \
            else gr.update()

    table.select(pick, None, delete_id, queue=False, **private)

    def index_files(paths: list[str] | None, query: str, request: gr.Request):
        """Queue the files, then follow the job: its progress, then its report."""
        if not web.identity(request).admin:
            raise gr.Error("Uploading needs the admin role.")
        if not paths:
            yield gr.update(), gr.update(), gr.update(), gr.update()
            return
        job = web.uploads.submit([(Path(p).name, Path(p)) for p in paths])
        last = None
        while not job.final:
            if (job.state, job.done, job.total) != last:
                last = (job.state, job.done, job.total)
                yield job_progress_html(job), None, gr.update(), gr.update()
            time.sleep(0.3)
            job = web.jobs.get(job.id) or job
        rows, shown = _article_rows(web, query)
        if job.state == "done" and job.result is not None:
            yield (upload_report_html(UploadReport.from_json(job.result)), None, rows, shown)
        else:
            yield job_progress_html(job), None, rows, shown

    uploaded = files.upload(index_files, [files, search], [report, files, table, count],
                            show_progress="full", **private)

    def delete(article_id: str, query: str, request: gr.Request):
        if not web.identity(request).admin:
            raise gr.Error("Deleting needs the admin role.")
        article_id = (article_id or "").strip()
        if not article_id:
            return "Pick an article first.", gr.update(), gr.update(), gr.update()
        ok = web.assistant.delete(article_id)
        msg = f"Deleted {article_id}." if ok else f"No article with id {article_id}."
        rows, shown = _article_rows(web, query)
        return html.escape(msg), "", rows, shown

    delete_btn.click(delete, [delete_id, search], [deleted, delete_id, table, count], **private)

    def show_jobs(request: gr.Request):
        if not web.identity(request).admin:
            raise gr.Error("The job list needs the admin role.")
        return jobs_list_html(web.jobs.list(limit=10))

    def cancel(job_id: str, request: gr.Request):
        if not web.identity(request).admin:
            raise gr.Error("Cancelling needs the admin role.")
        job_id = (job_id or "").strip()
        if job_id:
            web.jobs.cancel(job_id)  # an unknown id: QueueError, shown by Gradio
        return jobs_list_html(web.jobs.list(limit=10)), ""

    def feeds_view(request: gr.Request):
        if not web.identity(request).admin:
            raise gr.Error("The feeds need the admin role.")
        return feeds_list_html(web.assistant.list_feeds())

    def feed_action(action: str):
        def run(url: str, every: str, request: gr.Request):
            if not web.identity(request).admin:
                raise gr.Error("Feeds need the admin role.")
            url = (url or "").strip()
            if not url:
                return "Enter a feed URL first.", gr.update()
            try:
                if action == "add":
                    seconds = parse_interval(every, "Every") if (every or "").strip() else None
                    feed = web.assistant.add_feed(url, seconds)
                    msg = (f"Added {feed.title or feed.url}: polled now, then every "
                           f"{feed.every / 60:g} min.")
                elif action == "poll":
                    if web.assistant.feeds.get(url) is None:
                        raise gr.Error(f"{url} is not a registered feed.")
                    job = web.jobs.submit("poll_feed", {"url": url})
                    msg = f"Polling {url} (job {job.id})."
                else:
                    ok = web.assistant.remove_feed(url)
                    msg = (f"Removed {url}; its articles stay." if ok
                           else f"{url} is not a registered feed.")
            except AssistantError as e:  # a refused address, not a feed, a bad interval
                msg = f"{url}: {e}"
            return (f'<p class="feed-message">{html.escape(msg)}</p>',
                    feeds_list_html(web.assistant.list_feeds()))

        return run

    for button, action in ((add_feed_btn, "add"), (poll_feed_btn, "poll"),
                           (remove_feed_btn, "remove")):
        button.click(feed_action(action), [feed_url, feed_every], [feed_result, feeds_html],
                     **private)
    jobs_btn.click(feeds_view, None, feeds_html, queue=False, **private)
    jobs_btn.click(show_jobs, None, jobs_html, queue=False, **private)
    cancel_btn.click(cancel, cancel_id, [jobs_html, cancel_id], queue=False, **private)
    uploaded.then(show_jobs, None, jobs_html, queue=False, **private)
    return table, admin, (search, count, feeds_html, people)


def _people_rows(web: Web, about: str) -> list[list]:
    return [[s.name, s.quotes, s.articles, s.latest or "undated"]
            for s in web.assistant.speakers(about=(about or "").strip() or None,
                                            limit=PEOPLE_SHOWN)]


def people_panel(web: Web) -> gr.Dataframe:
    """People: who the articles quote most (about a topic, if given); picking one shows
    their statements, newest first, dated and cited like an answer."""
    with gr.Accordion("People: who is quoted", open=False, elem_id="people"):
        about = gr.Textbox(placeholder="About… (a topic, optional; Enter to apply)",
                           show_label=False, elem_id="people-about")
        table = gr.Dataframe(headers=PEOPLE_COLUMNS, datatype=["str", "number", "number", "str"],
                             interactive=False, wrap=True, elem_id="people-table",
                             max_height=320, column_widths=["46%", "18%", "16%", "20%"])
        statements = gr.HTML("", elem_id="person-statements")
    private = {"api_visibility": "private"}
    about.submit(lambda topic: (_people_rows(web, topic), ""), about, [table, statements],
                 queue=False, **private)

    def pick(topic: str, evt: gr.SelectData):
        row = evt.row_value if isinstance(evt.row_value, list) else []
        if not row:
            return gr.update()
        found = web.assistant.person(str(row[0]), about=(topic or "").strip() or None)
        return answer_html(found)

    table.select(pick, about, statements, queue=False, **private)
    return table


# -- pages -----------------------------------------------------------------------------------


def header_html(signed_in: str) -> str:
    who = f'<div id="whoami">{html.escape(signed_in)}</div>' if signed_in else ""
    return ('<div id="app-header"><div><h1>Article assistant</h1><p>Short answers from your '
            'articles, with numbered citations: click [n] to see the passage.</p></div>'
            f'{who}</div>')


def build_demo(web: Web) -> gr.Blocks:
    """The chat page: Chat and Articles tabs; admins also upload and delete."""
    with gr.Blocks(title="Article assistant") as demo:
        who = gr.HTML(header_html(""), padding=False, elem_id="app-header-box")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                chat_panel(web, compact=False, source="chat")
            with gr.Tab("Articles", id="articles-tab", elem_id="articles-tab"):
                table, admin, (search, count, feeds_html, people) = articles_panel(web)

        def on_load(request: gr.Request):
            me = web.identity(request)
            rows, shown = _article_rows(web, "")
            label = "" if me.kind == "local" else (
                f"Signed in as {me.name}" + (" (admin)" if me.admin else ""))
            feeds = feeds_list_html(web.assistant.list_feeds()) if me.admin else ""
            return (header_html(label), rows, shown, gr.update(visible=me.admin), feeds,
                    _people_rows(web, ""))

        demo.load(on_load, None, [who, table, count, admin, feeds_html, people], queue=False,
                  show_progress="hidden", api_visibility="private")
    return demo


def build_widget(web: Web) -> gr.Blocks:
    """/widget: the chat alone, compact, for an iframe or <gradio-app> on another page."""
    with gr.Blocks(title="Article assistant", fill_height=True) as widget:
        gr.HTML('<div id="widget-header">Ask the article assistant</div>', padding=False)
        chat_panel(web, compact=True, source="widget")
    return widget

