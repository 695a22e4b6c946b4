"""Jira Cloud's rate limits, off until a test turns them on: the per-issue write limit and the
burst limit per endpoint and method, answered with 429 and the headers Atlassian documents.

    sandbox.jira.limits = Limits(issue_writes=((2, 1.0), (10, 30.0)), burst=10)

Windows slide over real (monotonic) time, as the client's waits are real; the reset stamp
reads the sandbox's clock, as every date the sandbox sends does.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from connector.sandbox.faults import reset_stamp
from connector.sandbox.jira.errors import JiraHTTPError

# Requests that write to the one issue their path names: an edit, a comment, a transition.
ISSUE_WRITES = frozenset({"issue_edit", "comment_add", "transition"})
LIMITED = "Rate limit exceeded."


@dataclass
class Limits:
    """`issue_writes`: (writes, seconds) windows per issue, each enforced; `burst`: requests a
    second per endpoint and method. Atlassian publishes no fixed numbers for API-token
    traffic, so a test picks its own."""

    issue_writes: tuple[tuple[int, float], ...] = ()
    burst: int | None = None
    clock: Callable[[], float] = time.monotonic
    _seen: dict[tuple[str, ...], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, endpoint: str, method: str, issue: str | None, now: datetime) -> None:
        """Count the request, or raise Jira's 429 for the first limit it would break."""
        checks: list[tuple[tuple[str, ...], int, float, str]] = []
        if self.burst:
            checks.append((("burst", endpoint, method), self.burst, 1.0, "jira-burst-based"))
        if issue is not None and endpoint in ISSUE_WRITES:
            for count, seconds in self.issue_writes:
                where: tuple[str, ...] = ("issue", issue.upper(), str(seconds))
                checks.append((where, count, seconds, "jira-per-issue-on-write"))
        with self._lock:
            moment = self.clock()
            for where, count, seconds, reason in checks:
                window = self._seen.setdefault(where, deque())
                while window and window[0] <= moment - seconds:
                    window.popleft()
                if len(window) >= count:
                    wait = window[0] + seconds - moment
                    raise _limited(reason, count, wait, now)
            for where, *_rest in checks:
                self._seen[where].append(moment)


def _limited(reason: str, count: int, wait: float, now: datetime) -> JiraHTTPError:
    after = max(1, math.ceil(wait))  # Jira sends whole seconds
    return JiraHTTPError(
        429,
        LIMITED,
        headers={
            "Retry-After": str(after),
            "X-RateLimit-Reset": reset_stamp(now, after),
            "RateLimit-Reason": reason,
            "X-RateLimit-Limit": str(count),
            "X-RateLimit-Remaining": "0",
        },
    )
