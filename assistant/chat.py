"""Conversations: history per conversation id, and follow-ups made standalone.

Retrieval sees one question at a time, so "and what did Putin say?" must become "what did
Putin say about the ceasefire?" before it is searched. With an LLM configured the LLM does
the rewrite (it reads the whole exchange); offline, or when the LLM fails, a few plain
rules borrow the names and topic of the previous question.

History lives in one small SQLite file, so it survives restarts and page reloads, and each
answer is stored whole (citations and their passages) so a reloaded chat still opens them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .answer import prompts
from .db import SQLite
from .types import Answer

FILE_NAME = "conversations.sqlite3"
REWRITE_TURNS = 6  # turns of history the LLM sees when rewriting


@dataclass
class Turn:
    role: str  # "user" | "assistant"
    content: str  # what the user typed, or the answer text
    standalone: str = ""  # user turns: the question as it was searched
    answer: Answer | None = None  # assistant turns: the whole answer, citations included


class Conversations:
    """Turns per conversation id in `<data_dir>/conversations.sqlite3`.

    A connection per call: Gradio and FastAPI call from worker threads, and sqlite3
    connections must not cross threads.
    """

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript("""
                CREATE TABLE IF NOT EXISTS turns (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    conversation TEXT NOT NULL,
                    role TEXT NOT NULL,
                    content TEXT NOT NULL,
                    standalone TEXT NOT NULL DEFAULT '',
                    answer TEXT,
                    created REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation, id);
            """)

    def _db(self):
        return SQLite(self.path)

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:16]

    def add(self, conversation_id: str, question: str, answer: Answer,
            standalone: str = "") -> None:
        """Record one exchange: the question (and its standalone form) and the answer."""
        now = time.time()
        with self._db() as db:
            db.execute("INSERT INTO turns (conversation, role, content, standalone, created) "
                       "VALUES (?, 'user', ?, ?, ?)",
                       (conversation_id, question, standalone or question, now))
            db.execute("INSERT INTO turns (conversation, role, content, answer, created) "
                       "VALUES (?, 'assistant', ?, ?, ?)",
                       (conversation_id, answer.answer, json.dumps(asdict(answer)), now))

    def history(self, conversation_id: str, limit: int = 50) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT role, content, standalone, answer FROM turns "
                              "WHERE conversation = ? ORDER BY id DESC LIMIT ?",
                              (conversation_id, limit)).fetchall()
        return [Turn(role, content, standalone or "",
                     Answer.from_json(json.loads(answer)) if answer else None)
                for role, content, standalone, answer in reversed(rows)]

    def delete(self, conversation_id: str) -> bool:
        with self._db() as db:
            return db.execute("DELETE FROM turns WHERE conversation = ?",
                              (conversation_id,)).rowcount > 0


# -- follow-up rewriting ---------------------------------------------------------------------

_MARKER = re.compile(r"^(?:and|but|also|so|then|ok(?:ay)?|well)\b[\s,]*", re.I)
_WHAT_ABOUT = re.compile(r"^(?:what|how)\s+about\s+", re.I)
_PERSON = re.compile(r"\b(he|she|him|her|his|they|them|their)\b", re.I)
_PLURAL = {"they", "them", "their"}
_POSSESSIVE = {"his", "their"}  # "her" is ambiguous (object or possessive): left as a name
# "about it", "on that": the thing discussed before.
_THING = re.compile(r"\b(about|on|of|over|regarding|with)\s+(it|that|this|those)\b", re.I)
_TOPIC = re.compile(r"\b(about|regarding|concerning|on|over)\s+(.+?)[\s?.!]*$", re.I)
_CAPS = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_QWORDS = set("""what who whom whose which when where why how did does do is are was were
can could would should will has have had the a an and but also so then ok okay well tell
give show list i""".split())


def entities(text: str) -> list[str]:
    """Capitalised names ("Obama", "Vladimir Putin"), minus a capitalised question word."""
    out = []
    for m in _CAPS.finditer(text):
        words = m.group(0).split()
        while words and words[0].lower().strip(".'’") in _QWORDS:
            words.pop(0)
        if words:
            out.append(" ".join(words).rstrip("."))
    return out


def looks_like_followup(question: str) -> bool:
    q = question.strip()
    return bool(_MARKER.match(q) or _WHAT_ABOUT.match(q) or _THING.search(q)
                or (_PERSON.search(q) and not entities(q)) or len(q.split()) <= 3)


def rule_rewrite(question: str, previous: str) -> str:
    """Offline rewrite of a follow-up, borrowing names and topic from the previous question."""
    if not previous or not looks_like_followup(question):
        return question
    body = _MARKER.sub("", question.strip()).rstrip(" ?.!")
    prev = previous.strip().rstrip(" ?.!")
    prev_names, topic = entities(prev), _TOPIC.search(prev)
    about = _WHAT_ABOUT.match(body)
    words = body.split()
    if about or (0 < len(words) <= 3 and words[0].lower() not in _QWORDS):
        # "what about Putin?" / "Putin?": the same question about someone or something else.
        new = body[about.end():] if about else body
        if entities(new) and prev_names:
            return prev.replace(prev_names[0], new, 1) + "?"
        if topic:
            return prev[:topic.start(2)] + new + "?"
        return f"{prev} {new}?"
    if len(words) <= 2:  # "Why?", "How so?": no words to build on, search both
        return f"{question.strip()} ({prev}?)"
    changed = False
    if prev_names and not entities(body):
        m = _PERSON.search(body)
        if m:
            pron = m.group(1).lower()
            name = " and ".join(prev_names[:2]) if pron in _PLURAL else prev_names[0]
            name += "'s" if pron in _POSSESSIVE else ""
            body, changed = body[:m.start()] + name + body[m.end():], True
    if topic and _THING.search(body):
        body, changed = _THING.sub(lambda m: f"{m.group(1)} {topic.group(2)}", body, 1), True
    elif topic and not _TOPIC.search(body):
        # "and what did Putin say" + "about the ceasefire"
        body, changed = f"{body} {topic.group(1)} {topic.group(2)}", True
    if not changed:  # can't tell what it refers to: searching both still finds it
        return f"{question.strip()} ({prev}?)"
    return body + "?"


def _clean_rewrite(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = lines[0] if lines else ""
    out = re.sub(r"^(?:standalone question|question)\s*:\s*", "", out, flags=re.I)
    out = out.strip().strip("\"“”'").strip()
    return out if 0 < len(out) <= 500 else ""


def rewrite_followup(question: str, history: Sequence[Turn], llm=None) -> str:
    """The question as a standalone one, for retrieval. `llm`: an LLMAnswerer, or None."""
    # The last question as it was searched; histories without that (a Gradio chat's) are
    # replayed through the rules, so "and Merkel?" after "what about Putin?" still works.
    previous = ""
    for t in history:
        if t.role == "user":
            previous = t.standalone or rule_rewrite(t.content, previous)
    if not previous:
        return question
    if llm is not None:
        recent = [(t.role, t.standalone or t.content if t.role == "user" else t.content)
                  for t in history[-REWRITE_TURNS:]]
        try:
            text, _ = llm.complete(prompts.rewrite_messages(question, recent),
                                   max_tokens=llm.rewrite_max_tokens)
            rewritten = _clean_rewrite(text)
            if rewritten:
                return rewritten
        except Exception:  # noqa: BLE001 - any LLM fault: the rules still work
            pass
    return rule_rewrite(question, previous)
