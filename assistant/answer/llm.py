"""Fluent answers from any OpenAI-compatible endpoint, checked before anyone sees them.

The LLM only ever improves on the offline answer, never replaces trust in it: every fault
(timeout, refused connection, 429 after retries, 5xx, a malformed, empty or half-streamed
reply) and every answer that cites no source ends in the extractive answer, with a one-line
notice saying what went wrong. Nothing here raises to the caller.

Retries are ours, not the openai client's (it gets max_retries=0). The client does honour
Retry-After, but trusts it up to 120 s per try (openai._constants.MAX_RETRY_AFTER_DELAY), so
two retries could hold a chat reply for four minutes. Here 429 and 5xx are retried at most
`llm_max_retries` times, sleeping Retry-After (or 0.5 s, 1 s, 2 s…) but never more than
MAX_RETRY_WAIT seconds in all; a server that asks for longer gets the fallback at once.
Timeouts and refused connections are not retried (they already cost the user their wait);
instead the endpoint is skipped for COOLDOWN seconds, so a dead server costs one timeout,
not one per question (and not two when a follow-up is also rewritten by the LLM).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence

import openai

from ..config import Settings
from ..errors import LLMError
from ..quotes.speakers import matches
from ..types import Answer, Citation, Hit
from . import prompts
from . import claims
from .checking import check, says_not_covered
from .extractive import NOT_COVERED, relevant_hits

MAX_RETRY_WAIT = 8.0  # seconds of sleeping between retries, all retries together
BACKOFF = 0.5  # first retry delay when the server gives no Retry-After
COOLDOWN = 15.0  # seconds to skip an endpoint that timed out or refused the connection
STREAM_DEADLINE = 4  # x llm_timeout: a stream that trickles forever still ends

log = logging.getLogger("assistant")


def _retry_after(err: openai.APIStatusError) -> float | None:
    try:
        headers = err.response.headers
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        return float(headers["retry-after"]) if "retry-after" in headers else None
    except (AttributeError, ValueError, TypeError):
        return None  # an HTTP-date or garbage: use our own backoff


class LLMAnswerer:
    def __init__(self, settings: Settings, client: openai.OpenAI | None = None):
        self.base_url = settings.llm_base_url or None
        self.model = settings.llm_model
        self.timeout = settings.llm_timeout
        self.max_retries = settings.llm_max_retries
        self.min_score = settings.min_score
        # Every request is bounded: a base model that never stops would otherwise generate
        # until the timeout (measured: 4,700 tokens in 120 s), and the reader waits for it.
        self.max_tokens = settings.llm_max_tokens
        self.rewrite_max_tokens = settings.llm_rewrite_max_tokens
        self._max_tokens_key = "max_tokens"  # OpenAI's reasoning models want another name
        # Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the client needs one.
        api_key = settings.llm_api_key.get_secret_value() or "not-needed"
        self.client = client or openai.OpenAI(base_url=self.base_url, api_key=api_key,
                                              timeout=self.timeout, max_retries=0)
        self._temperature = True  # dropped for models that refuse it (OpenAI reasoning models)
        self._down_until = 0.0
        self._down_reason = ""

    # -- talking to the endpoint -----------------------------------------------------------

    def _model_name(self) -> str:
        if not self.model:  # llama.cpp / vLLM serve one model: ask which
            self.model = self.client.models.list().data[0].id
        return self.model

    def _create_once(self, max_tokens: int | None = None, **params):
        params["model"] = self._model_name()
        params[self._max_tokens_key] = max_tokens or self.max_tokens
        if self._temperature:
            params["temperature"] = 0  # grounded answers, not creative ones
        for _ in range(3):  # each refused option is dropped or renamed once
            try:
                return self.client.chat.completions.create(**params)
            except openai.BadRequestError as e:
                said = str(e).lower()
                if self._temperature and "temperature" in said:
                    self._temperature = False
                    params.pop("temperature")
                elif self._max_tokens_key == "max_tokens" and "max_tokens" in said:
                    self._max_tokens_key = "max_completion_tokens"
                    params["max_completion_tokens"] = params.pop("max_tokens")
                else:
                    raise
        return self.client.chat.completions.create(**params)

    def _describe(self, e: BaseException, tries: int = 1) -> str:
        if isinstance(e, LLMError):
            return str(e)
        if isinstance(e, openai.APITimeoutError) or "Timeout" in type(e).__name__:
            return f"timed out after {self.timeout:g} s"
        if isinstance(e, openai.APIConnectionError):
            # Not the URL: notices reach chat users, the endpoint's address is the operator's.
            return "could not connect to the LLM server"
        if isinstance(e, openai.RateLimitError):
            return "rate limited (HTTP 429)" + (f" after {tries} tries" if tries > 1 else "")
        if isinstance(e, openai.APIStatusError):
            if e.status_code >= 500:
                return f"server error (HTTP {e.status_code})"
            body = e.body if isinstance(e.body, dict) else {}
            msg = str(body.get("message") or re.sub(r"^Error code: \d+ - ", "", e.message))
            msg = " ".join(msg.split())[:100]
            return f"request refused (HTTP {e.status_code}{': ' + msg if msg else ''})"
        if isinstance(e, ValueError):  # a 200 whose body is not JSON
            return "malformed reply (not JSON)"
        return f"unexpected error ({type(e).__name__})"

    def _call(self, **params):
        """One chat completion (or stream), with bounded retries; LLMError on any fault."""
        if time.monotonic() < self._down_until:
            raise LLMError(self._down_reason)
        waited, tries = 0.0, 1
        while True:
            try:
                return self._create_once(**params)
            except (openai.RateLimitError, openai.InternalServerError) as e:
                delay = _retry_after(e)
                delay = BACKOFF * 2 ** (tries - 1) if delay is None else max(0.0, delay)
                if tries > self.max_retries or waited + delay > MAX_RETRY_WAIT:
                    log.warning("LLM %s gave up after %d attempt(s): %r", self.client.base_url, tries, e)
                    raise LLMError(self._describe(e, tries)) from e
                time.sleep(delay)
                waited += delay
                tries += 1
            except Exception as e:  # noqa: BLE001 - every fault becomes a readable notice
                reason = self._describe(e)
                log.warning("LLM %s failed: %r", self.client.base_url, e)
                if isinstance(e, openai.APIConnectionError):
                    self._down_until = time.monotonic() + COOLDOWN
                    self._down_reason = reason
                raise LLMError(reason) from e

    def complete(self, messages: list[dict], max_tokens: int | None = None) -> tuple[str, str]:
        """(text, finish_reason) of a non-streamed completion of at most max_tokens
        (default: llm_max_tokens); LLMError on any fault."""
        resp = self._call(messages=messages, max_tokens=max_tokens)
        # Quirks of the client: a non-JSON content type comes back as a str, and JSON of the
        # wrong shape as an unvalidated object whose attributes may be missing.
        try:
            choice = resp.choices[0]
            content, finish = choice.message.content, choice.finish_reason
        except Exception as e:  # noqa: BLE001
            raise LLMError("malformed reply") from e
        if content is not None and not isinstance(content, str):
            raise LLMError("malformed reply")
        if not (content or "").strip():
            raise LLMError("empty reply")
        return content, str(finish or "")

    # -- answers ---------------------------------------------------------------------------

    def _relevant(self, hits: Sequence[Hit]) -> list[Hit]:
        return relevant_hits(list(hits), self.min_score)

    def answer(self, question: str, hits: Sequence[Hit], fallback: Callable[[], Answer]) -> Answer:
        hits = self._relevant(hits)
        if not hits:  # nothing to ground an answer in: don't let the model improvise
            return Answer(question=question, answer=NOT_COVERED, mode="llm")
        try:
            text, finish = self.complete(prompts.messages(question, hits))
        except LLMError as e:
            return _fallback(fallback, f"LLM unavailable: {e}")
        return self._checked(question, text, hits, fallback, finish)

    def stream(self, question: str, hits: Sequence[Hit],
               fallback: Callable[[], Answer]) -> Iterator[str | Answer]:
        """Text deltas as they arrive (citations already renumbered), then the final checked
        Answer, which supersedes the streamed text (it may add quote flags or be a fallback)."""
        hits = self._relevant(hits)
        if not hits:
            yield Answer(question=question, answer=NOT_COVERED, mode="llm")
            return
        live = claims.ClaimStream([_source(h) for h in hits], [h.url for h in hits])
        parts: list[str] = []
        finish = ""
        stream = None
        try:
            stream = self._call(messages=prompts.messages(question, hits), stream=True)
            if isinstance(stream, (str, bytes, dict)) or not hasattr(stream, "__iter__"):
                raise LLMError("malformed reply (not a stream)")
            deadline = time.monotonic() + self.timeout * STREAM_DEADLINE
            for chunk in stream:
                choices = getattr(chunk, "choices", None)
                if not choices:  # usage-only chunks
                    continue
                delta = getattr(getattr(choices[0], "delta", None), "content", None)
                if isinstance(delta, str) and delta:
                    parts.append(delta)
                    out = live.feed(delta)
                    if out:
                        yield out
                finish = getattr(choices[0], "finish_reason", None) or finish
                if time.monotonic() > deadline:
                    raise LLMError(f"the reply took longer than {self.timeout * STREAM_DEADLINE:g} s")
            if not finish:  # the server closed the stream without saying it was done
                raise LLMError("the reply stopped halfway")
            if not "".join(parts).strip():
                raise LLMError("empty reply")
        except Exception as e:  # noqa: BLE001 - includes faults raised while iterating
            reason = self._describe(e)
            if not isinstance(e, LLMError):
                log.warning("LLM %s stream failed: %r", self.client.base_url, e)
            if stream is not None and reason.startswith(("could not connect", "unexpected")):
                reason = "the reply stopped halfway"  # the connection broke mid-stream
            yield _fallback(fallback, f"LLM unavailable: {reason}")
            return
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # noqa: BLE001 - the connection is gone already
                    pass
        tail = live.finish()
        if tail:
            yield tail
        yield self._checked(question, "".join(parts), hits, fallback, finish, live.claims)

    def synthesise(self, question: str, hits: Sequence[Hit], listed: Answer) -> Answer:
        """A who-said answer with an LLM: the verified attribution list (`listed`, what the
        offline answer shows; `hits` are its citations as sources, in its order) under the
        model's short summary citing the same numbers. The summary is checked like any
        answer (quotes, numbers, links) and a speaker it names who is not in the list is
        flagged; whatever the model replies, the list is shown whole."""
        try:
            text, finish = self.complete(prompts.synthesis_messages(question, hits))
        except LLMError as e:
            notice = f"LLM unavailable: {e} — showing the attributions only."
            return Answer(question=question, answer=f"({notice})\n{listed.answer}",
                          mode="extractive", citations=listed.citations,
                          warnings=[notice, *listed.warnings])
        checked = check(text, [h.text for h in hits], [h.url for h in hits])
        if not checked.used or says_not_covered(checked.text):
            return Answer(question=question, answer=listed.answer, mode="extractive",
                          citations=listed.citations, warnings=[
                              "LLM summary discarded: it cited no attribution", *listed.warnings])
        # The list keeps its numbers: the summary's [k] (renumbered by check) are mapped back
        summary = re.sub(r"\[(\d+)\]", lambda m: f"[{checked.used[int(m.group(1)) - 1]}]"
                         if int(m.group(1)) <= len(checked.used) else m.group(0), checked.text)
        # Names, figures and dates of the summary held to the statements it cites.
        facts = claims.Claims([claims.Source(c.passage or c.text, c.title, c.outlet, (),
                                             c.published) for c in listed.citations])
        verified = facts.verify(summary, sentences=False)
        summary = verified.text
        warnings = checked.warnings + verified.warnings
        for at, name in reversed(speakers_not_listed(summary, _LISTED.findall(listed.answer))):
            summary = summary[:at] + " ⚠[not among the speakers found]" + summary[at:]
            warnings.insert(0, f"the summary has {name} speaking, but no statement by "
                               f"{name} was found in the articles")
        if finish == "length":
            warnings.append("the LLM's answer was cut off at its length limit")
        return Answer(question=question, answer=f"{summary}\n\n{listed.answer}", mode="llm",
                      citations=listed.citations, warnings=warnings + listed.warnings)

    def _checked(self, question: str, text: str, hits: list[Hit],
                 fallback: Callable[[], Answer], finish: str,
                 checker: claims.Claims | None = None) -> Answer:
        """checker: the hits' claim checker, when a stream has read them already."""
        checked = check(text, [h.text for h in hits], [h.url for h in hits])
        if not checked.used:
            if says_not_covered(checked.text):
                # Canonical wording: anything else the model added is uncited.
                return Answer(question=question, answer=NOT_COVERED, mode="llm")
            return _fallback(fallback, "LLM answer discarded: it cited no source")
        checker = checker or claims.Claims([_source(h) for h in hits])
        verified = checker.verify(checked.text, checked.used)
        warnings = checked.warnings + verified.warnings
        if finish == "length":
            warnings.append("the LLM's answer was cut off at its length limit")
        citations = [Citation.from_hit(n, hits[k - 1], hits[k - 1].start + s, hits[k - 1].start + e)
                     for n, (k, s, e) in enumerate(verified.cites, 1)]
        return Answer(question=question, answer=verified.text, mode="llm",
                      citations=citations, warnings=warnings)


_SPEAKING = (r"said|says|told|tells|warned|argued|stated|added|insisted|claimed|urged|"
             r"criticised|criticized|praised|denied|accused|noted|stressed|called|explained|"
             r"announced|admitted|suggested|promised")
_NAME = r"(?:[Tt]he\s+)?[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|of|for))*"
_SPEAKER_CLAIMS = [re.compile(rf"(?P<name>{_NAME})\s+(?:has\s+|had\s+)?(?:{_SPEAKING})\b"),
                   re.compile(rf"\baccording to (?P<name>{_NAME})")]
_NOT_NAMES = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "there", "who"}
_LISTED = re.compile(r"^\*\*(.+?)\*\*\s*$", re.M)


def speakers_not_listed(text: str, listed: Sequence[str]) -> list[tuple[int, str]]:
    """(end offset, name) of each speaker the text has speaking ("X said", "according to
    X") who is none of the listed speakers ("Obama" is "Barack Obama")."""
    out = []
    for pattern in _SPEAKER_CLAIMS:
        for m in pattern.finditer(text):
            name = m.group("name").strip()
            if name.lower() in _NOT_NAMES or name.split()[0].lower() in _NOT_NAMES:
                continue
            if not any(matches(name, who) or matches(who, name) for who in listed):
                out.append((m.end("name"), name))
    return sorted(set(out))


def _source(hit: Hit) -> claims.Source:
    return claims.Source(hit.text, hit.title, hit.outlet, hit.authors, hit.published)


def _fallback(fallback: Callable[[], Answer], reason: str) -> Answer:
    """The extractive answer, with what went wrong on its first line and in warnings."""
    notice = f"{reason} — showing an extractive answer."
    ans = fallback()
    ans.answer = f"({notice})\n{ans.answer}"
    ans.warnings = [notice, *ans.warnings]
    return ans
