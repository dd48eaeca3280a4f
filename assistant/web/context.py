"""Everything the web layer shares: settings, the Assistant, the job queue and the feed
scheduler, auth, limits, feedback, uploads."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from ..config import Settings
from ..core import Assistant
from ..feeds import FeedScheduler
from ..jobs import JobQueue
from ..types import Job
from .auth import Authenticator, Identity, identity_of, is_loopback
from .feedback import FeedbackStore
from .ratelimit import RateLimiter
from .uploads import Uploads


@dataclass
class Web:
    settings: Settings
    assistant: Assistant
    jobs: JobQueue = field(init=False)
    scheduler: FeedScheduler = field(init=False)
    auth: Authenticator = field(init=False)
    limiter: RateLimiter = field(init=False)
    feedback: FeedbackStore = field(init=False)
    uploads: Uploads = field(init=False)
    origins: list[str] = field(init=False)
    root_path: str = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings  # validated when it was built (assistant/config.py)
        self.auth = Authenticator(s)
        self.limiter = RateLimiter(s.rate)
        self.origins = s.origins
        self.root_path = s.root_path
        self.feedback = FeedbackStore(s.data_dir)
        self.jobs = JobQueue(s, self.execute)
        self.scheduler = FeedScheduler(self.assistant.feeds, self.jobs.submit, self.jobs.get,
                                       s.feed_tick)
        self.uploads = Uploads(self.assistant, self.jobs, s.data_dir, s.upload_max_mb,
                               s.upload_max_files)

    def execute(self, job: Job, progress) -> dict:
        """What a queued job does: an upload is the web's own kind, the rest the library's."""
        if job.kind == "upload":
            return self.uploads.run(job, progress)
        return self.assistant.execute(job, progress)

    def identity(self, request) -> Identity:
        """The caller of a FastAPI request or a Gradio event (gr.Request)."""
        found = identity_of(request) if isinstance(request, HTTPConnection) else None
        if found is None:
            found = self.auth.identity_for(getattr(request, "username", None))
        if found is None and self.auth.open:
            client = getattr(request, "client", None)
            host = getattr(client, "host", "") if client is not None else ""
            found = Identity("local", "local user", is_loopback(host), f"local:{host}")
        if found is None:  # cannot happen behind AuthMiddleware; refuse rather than guess
            return Identity("anonymous", "anonymous", False, "anonymous")
        return found
