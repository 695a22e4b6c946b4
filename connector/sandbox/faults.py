"""Injected faults, decided per request from a spec like "429:0.1,503:0.05,drop:0.05,seed=7".

Grammar (comma-separated items, spaces ignored):

    [SCOPE:]KIND:RATE   KIND is 429, 500, 502, 503, slow or drop; RATE a fraction 0..1
    seed=N              the random seed (default 0): the same requests in the same order
                        meet the same faults
    retry-after=N       the Retry-After of a 429 or 503, in seconds (default 1)
    retry-after=date:N  ... as an HTTP date N seconds ahead
    retry-after=reset:N ... left out, and X-RateLimit-Reset (Jira Cloud's ISO 8601 stamp, to
                        the minute) the minute N seconds ahead falls in
    retry-after=beta:N  ... left out, and Beta-Retry-After N (Jira Cloud's header for limits
                        it is trying out)
    retry-after=none    ... left out
    reason=TEXT         a 429's RateLimit-Reason (e.g. jira-burst-based); none by default
    delay=S             how long a slow response waits, in seconds (default 0.5)

SCOPE picks endpoints by name ("jira.search_jql", "jira.issue_edit", "airtable.<name>"): a glob
over the name; without a dot it also matches the name after "jira."/"airtable.", and without
a "*" it matches as a prefix. So "search:429:0.2" hits every Jira search endpoint, "airtable"
every Airtable one. A SCOPE may end in "@ID": then only requests whose path names that issue
(key or id) or record apply, as when one broken issue fails while the site serves the rest:
"@DEL-7:500:1" fails every request on DEL-7 (its edit, comments, changelog), and
"issue_edit@DEL-7:500:1" only its edits. Searches name no issue in their path, so they still
list it. Rates of the items that apply to a request add up; one random draw per request picks
at most one fault.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

KINDS = ("429", "500", "502", "503", "slow", "drop")


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message names the item and the fix."""


@dataclass(frozen=True)
class FaultRule:
    scope: str | None
    kind: str
    rate: float
    target: str | None = None  # the issue key or id, or record id, the request's path names

    def applies(self, endpoint: str | None, target: str | None = None) -> bool:
        if self.target is not None and target != self.target:
            return False
        if self.scope is None:
            return True
        if endpoint is None:
            return False
        pattern = self.scope if "*" in self.scope else self.scope + "*"
        short = endpoint.split(".", 1)[-1]
        return fnmatch.fnmatchcase(endpoint, pattern) or (
            "." not in self.scope and fnmatch.fnmatchcase(short, pattern)
        )


@dataclass(frozen=True)
class FaultSpec:
    rules: tuple[FaultRule, ...] = ()
    seed: int = 0
    retry_after: str = "1"  # "N", "date:N" or "none"
    delay: float = 0.5
    reason: str | None = None
    text: str = ""

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        rules: list[FaultRule] = []
        options: dict[str, str] = {}
        for raw in (text or "").split(","):
            item = raw.strip().replace(" ", "")
            if not item:
                continue
            if "=" in item:
                key, _, value = item.partition("=")
                options[key] = _option(key, value, item)
            else:
                rules.append(_rule(item))
        return cls(
            rules=tuple(rules),
            seed=int(options.get("seed", "0")),
            retry_after=options.get("retry-after", "1"),
            delay=float(options.get("delay", "0.5")),
            reason=options.get("reason"),
            text=text or "",
        )


def _rule(item: str) -> FaultRule:
    parts = item.split(":")
    if len(parts) not in (2, 3):
        raise FaultSpecError(
            f"fault item '{item}' is not [SCOPE:]KIND:RATE; "
            "write e.g. '429:0.1' or 'search:503:0.2'"
        )
    scope, _, target = (parts[0] if len(parts) == 3 else "").partition("@")
    if len(parts) == 3 and "@" in parts[0] and not target:
        raise FaultSpecError(f"fault item '{item}': name the issue or record after '@'")
    kind, rate_text = parts[-2], parts[-1]
    if kind not in KINDS:
        raise FaultSpecError(f"fault item '{item}': kind '{kind}' is not one of {', '.join(KINDS)}")
    try:
        rate = float(rate_text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(
            f"fault item '{item}': rate '{rate_text}' must be a number from 0 to 1"
        )
    return FaultRule(scope or None, kind, rate, target or None)


def _option(key: str, value: str, item: str) -> str:
    stamped = value.partition(":")
    valid = {
        "seed": value.isdigit(),
        "retry-after": value.isdigit()
        or value == "none"
        or (stamped[0] in ("date", "reset", "beta") and stamped[2].isdigit()),
        "delay": value.replace(".", "", 1).isdigit(),
        "reason": value.replace("-", "").isalnum(),
    }
    if key not in valid:
        raise FaultSpecError(
            f"fault option '{item}': unknown option; use seed=, retry-after=, delay= or reason="
        )
    if not valid[key]:
        raise FaultSpecError(
            f"fault option '{item}': bad value; e.g. seed=7, retry-after=2, retry-after=date:2, "
            "retry-after=reset:60, retry-after=beta:2, retry-after=none, delay=0.5, "
            "reason=jira-burst-based"
        )
    return value


@dataclass(frozen=True)
class Fault:
    kind: str
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject; thread-safe. Dates in
    headers are read from `now`, the sandbox's clock."""

    def __init__(
        self, spec: FaultSpec | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self.spec = FaultSpec()
        self._random = random.Random(0)
        self.set(spec or FaultSpec())

    def set(self, spec: FaultSpec) -> None:
        with self._lock:
            self.spec = spec
            self._random = random.Random(spec.seed)

    def decide(self, endpoint: str | None, target: str | None = None) -> Fault | None:
        """The fault for a request to `endpoint` whose path names `target` (an issue or a
        record), if any."""
        with self._lock:
            draw = self._random.random()
            spec = self.spec
        total = 0.0
        for rule in spec.rules:
            if not rule.applies(endpoint, target):
                continue
            total += rule.rate
            if draw < total:
                return self._fault(rule.kind, spec)
        return None

    def _fault(self, kind: str, spec: FaultSpec) -> Fault:
        if kind == "slow":
            return Fault(kind, delay=spec.delay)
        if kind not in ("429", "503"):
            return Fault(kind)
        reason = (("RateLimit-Reason", spec.reason),) if spec.reason and kind == "429" else ()
        return Fault(kind, headers=self._wait_headers(spec.retry_after) + reason)

    def _wait_headers(self, given: str) -> tuple[tuple[str, str], ...]:
        form, _, seconds = given.partition(":")
        if form == "none":
            return ()
        if form == "date":
            when = self._now() + timedelta(seconds=int(seconds))
            return (("Retry-After", format_datetime(when, usegmt=True)),)
        if form == "reset":
            return (("X-RateLimit-Reset", reset_stamp(self._now(), int(seconds))),)
        if form == "beta":
            return (("Beta-Retry-After", seconds),)
        return (("Retry-After", given),)


def reset_stamp(now: datetime, seconds: float) -> str:
    """X-RateLimit-Reset as Jira Cloud sends it: the request's time plus the wait, in ISO 8601
    to the minute (yyyy-MM-ddTHH:mmZ)."""
    return (now.astimezone(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%MZ")
