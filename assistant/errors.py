"""Every error the assistant raises on purpose, under one base.

Each message is worded for the person who sees it (a CLI user, an API client, a chat
reader): what went wrong and what to do. The shells map the base in one place each:
the CLI prints `error: <message>` and exits 1 (assistant/cli.py), the REST API answers
`{"detail": <message>}` with the class's `status` (assistant/web/app.py). Anything else
that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base of the assistant's own errors; str() is the user-facing message."""

    status = 500  # the HTTP status the REST API answers with


class ConfigError(AssistantError, ValueError):
    """A setting that cannot work (an unknown auth mode, a malformed origin…)."""


class QuestionError(AssistantError, ValueError):
    """A question or a search query the assistant refuses to run (too long)."""

    status = 422


class DateError(AssistantError, ValueError):
    """A date filter that is not a date."""

    status = 422


class LoadError(AssistantError):
    """A file (or a path) that cannot become an article; str() is a one-line reason."""

    status = 422

    def __init__(self, reason: str, path: Path | str | None = None):
        super().__init__(reason)
        self.path = Path(path) if path is not None else None


class StoreError(AssistantError, RuntimeError):
    """A problem with the index the user can act on (wrong model, server down...)."""

    status = 503


class EmbedderError(AssistantError, RuntimeError):
    """The embedding model cannot be loaded (missing package, bad folder, bad file)."""

    status = 503


class QuoteModelError(AssistantError, RuntimeError):
    """Quote extraction needs spaCy and its English model, and they are missing."""

    status = 503


class LLMError(AssistantError):
    """An endpoint fault, worded for the user: "timed out after 5 s"."""

    status = 502


class QueueError(AssistantError):
    """The job queue cannot take or report work (its Redis is down, an unknown job id)."""

    status = 503


class Cancelled(AssistantError):
    """A job stopped at a user's request (between two batches: nothing half-written)."""

    status = 409


class AuthError(AssistantError):
    """A request without (or with the wrong) credentials: 401, or 403 for a forbidden role."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


__all__ = ["AssistantError", "AuthError", "Cancelled", "ConfigError", "DateError",
           "EmbedderError", "LLMError", "LoadError", "QueueError", "QuestionError",
           "QuoteModelError", "StoreError"]
