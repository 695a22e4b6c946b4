"""The one retry policy for Jira and Airtable calls: transient failures only, within a budget."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from http.client import BadStatusLine
from typing import Any, TypeVar

import requests
from jira.exceptions import JIRAError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_any,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base
from urllib3.exceptions import NameResolutionError, NewConnectionError, ProtocolError

from connector.clock import SYSTEM, Clock
from mappings.errors import RdsyncError

T = TypeVar("T")
log = logging.getLogger("rdsync.retry")
# Why Jira Cloud refused (jira-burst-based, jira-per-issue-on-write, jira-quota-...): the header
# of a limit it enforces, then that of one it is trying out.
REASON_HEADERS = ("RateLimit-Reason", "X-RateLimit-Reason", "X-Beta-RateLimit-Reason")

# requests raises these for refused, reset and dropped connections and for timeouts;
# ChunkedEncodingError is a connection that dropped in the middle of a body.
TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class ToolUnavailable(RdsyncError):
    """A call kept failing with transient errors until the retry budget ran out."""

    exit_code = 3


class CertificateRefused(RdsyncError):
    """The site's TLS certificate could not be verified: never retried, as it will not heal."""


# The first call to a site: a connection that cannot be made at all is, at that point, far more
# often a wrong URL than an outage, so it is retried this long, not for the whole budget (with
# the connect timeout and the process start, a wrong address fails well within 10 s).
REACH_SECONDS = 3.0
# No TCP connect to a site that is up takes this long (the SYN is resent at 1 s, then 3 s):
# a wrong host or a firewall that drops is otherwise silent for the whole read timeout.
CONNECT_SECONDS = 3.0


def connect_failure(error: BaseException) -> str | None:
    """Why no HTTP exchange could be had at all (refused, unknown host, no answer, not HTTP),
    or None when the error is of another kind (a dropped connection, a status, ...)."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"no answer to connect within {CONNECT_SECONDS:.0f} s"
    if not isinstance(error, requests.ConnectionError) or isinstance(
        error, requests.exceptions.SSLError
    ):
        return None
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", None)
    if isinstance(reason, NameResolutionError):
        return "its host name does not resolve"
    if isinstance(reason, NewConnectionError):
        return "the connection was refused" if "refused" in str(reason) else "no connection"
    if isinstance(cause, ProtocolError) and any(isinstance(a, BadStatusLine) for a in cause.args):
        return "what answers at that port does not speak HTTP"
    return None


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a JIRAError or requests.HTTPError (pyairtable raises those)."""
    if isinstance(error, JIRAError):
        if error.status_code is not None:
            return int(error.status_code)
        response = error.response
    elif isinstance(error, requests.HTTPError):
        response = error.response
    else:
        return None
    return None if response is None else int(response.status_code)


def is_transient(error: BaseException) -> bool:
    """Connection errors, timeouts, 429 and 5xx: worth another try. 4xx other than 429 is not,
    nor a certificate that fails verification (requests counts it as a connection error)."""
    if isinstance(error, requests.exceptions.SSLError):
        return False
    if isinstance(error, TRANSIENT_EXCEPTIONS):
        return True
    status = status_of(error)
    return status is not None and (status == 429 or status >= 500)


def _headers(error: BaseException) -> Mapping[str, str]:
    response = getattr(error, "response", None)
    return getattr(response, "headers", None) or {}


def retry_after(error: BaseException, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait, if it said.

    `Retry-After` (seconds or an HTTP date) and Jira Cloud's `Beta-Retry-After` (seconds, for
    limits it is trying out): the longer of those given. Without either, Jira Cloud's
    `X-RateLimit-Reset`, an ISO 8601 stamp: to the minute, it means the end of that minute,
    as the reset (request time plus the wait) may fall anywhere in it."""
    return asked_wait(_headers(error), now or SYSTEM.now())


def asked_wait(headers: Mapping[str, str], now: datetime) -> float | None:
    """`retry_after` read from a response's headers."""
    asked = [
        wait
        for name in ("Retry-After", "Beta-Retry-After")
        if (wait := _seconds(headers.get(name), now)) is not None
    ]
    if asked:
        return max(asked)
    return _until_reset(headers.get("X-RateLimit-Reset"), now)


def _seconds(value: str | None, now: datetime) -> float | None:
    """A wait given as seconds or as an HTTP date."""
    if not value:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _until_reset(value: str | None, now: datetime) -> float | None:
    """Seconds until an X-RateLimit-Reset stamp (e.g. 2026-03-26T16:01Z, or with seconds)."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if re.fullmatch(r"[^T]+T\d{2}:\d{2}(\+00:00)?", text):  # to the minute: its end
        when += timedelta(minutes=1)
    return max(0.0, (when - now).total_seconds())


def limit_reason(headers: Mapping[str, str]) -> str | None:
    """Jira Cloud's reason for a 429 (or for a warning), when it gives one."""
    return next((str(headers[name]) for name in REASON_HEADERS if headers.get(name)), None)


class LimitAdvice:
    """A response hook for Jira Cloud's warnings: `Beta-Retry-After` on an answered call says a
    limit Atlassian is trying out would have refused it. Logged once a reason; a 429 that
    carries it is waited out by the policy."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.seen: set[str] = set()

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        wait = response.headers.get("Beta-Retry-After")
        if wait is None or response.status_code == 429:
            return
        reason = limit_reason(response.headers) or "a limit"
        if reason not in self.seen:
            self.seen.add(reason)
            log.warning(
                "%s: Jira would have rate-limited a call (%s, Beta-Retry-After %s s); "
                "not enforced yet",
                self.source,
                reason,
                wait,
            )


def describe_failure(error: BaseException) -> str:
    status = status_of(error)
    if status is not None:
        return f"HTTP {status}"
    return type(error).__name__


class RetryStats:
    """Retries made in a run, by reason, for the run summary; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_reason: Counter[str] = Counter()
        self.waited_seconds = 0.0
        self.gave_up = 0

    @property
    def retries(self) -> int:
        return sum(self.by_reason.values())

    def record(self, reason: str, wait: float) -> None:
        with self._lock:
            self.by_reason[reason] += 1
            self.waited_seconds += wait

    def record_give_up(self) -> None:
        with self._lock:
            self.gave_up += 1

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "retries": sum(self.by_reason.values()),
                "by_reason": dict(sorted(self.by_reason.items())),
                "waited_seconds": round(self.waited_seconds, 3),
                "gave_up": self.gave_up,
            }


class _Unreachable(stop_base):
    """Stop once a call that never got a connection has been retried for `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if error is None or connect_failure(error) is None:
            return False
        return (state.seconds_since_start or 0.0) + (state.upcoming_sleep or 0.0) >= self.seconds


class RetryPolicy:
    """Retry transient failures with Retry-After or exponential backoff, inside a time budget.

    `stop_before_delay` never starts a wait that would end past the budget, so a call takes
    at most about `budget_seconds` plus one request's own timeout.
    """

    def __init__(
        self,
        *,
        budget_seconds: float = 120.0,
        max_wait_seconds: float = 60.0,
        initial_wait_seconds: float = 0.5,
        tool: str = "the tool",
        stats: RetryStats | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock = SYSTEM,
    ) -> None:
        self.budget_seconds = budget_seconds
        self.clock = clock  # what a Retry-After date or a reset stamp is measured from
        self.max_wait_seconds = max_wait_seconds
        self.tool = tool
        self.stats = stats or RetryStats()
        self._sleep = sleep
        self._backoff = wait_random_exponential(
            multiplier=initial_wait_seconds, max=max_wait_seconds
        )

    @classmethod
    def from_config(
        cls,
        config: Any,
        *,
        tool: str,
        stats: RetryStats | None = None,
        clock: Clock = SYSTEM,
    ) -> RetryPolicy:
        """From a `[retry]` table (connector.config.RetryConfig)."""
        return cls(
            budget_seconds=config.budget_seconds,
            max_wait_seconds=config.max_wait_seconds,
            initial_wait_seconds=config.initial_wait_seconds,
            tool=tool,
            stats=stats,
            clock=clock,
        )

    def wait_seconds(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after(error, self.clock.now()) if error is not None else None
        if asked is not None:
            return min(asked, self.max_wait_seconds)
        return float(self._backoff(state))

    def _before_sleep(self, what: str, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.stats.record(describe_failure(error) if error else "unknown", wait)
        reason = limit_reason(_headers(error)) if error is not None else None
        if reason is not None:
            log.warning(
                "%s: %s rate-limited the call (%s); waiting %.1f s", what, self.tool, reason, wait
            )

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)`, retried on transient errors; `what` names the call in errors.

        Non-transient errors (400, 401, 403, 404, ...) are raised at once, unchanged.
        """
        return self._call(what, fn, args, kwargs, first=False)

    def reach(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The first call to a site: as `call`, but a connection that cannot be made at all
        gives up after REACH_SECONDS (429 and 5xx keep the whole budget)."""
        return self._call(what, fn, args, kwargs, first=True)

    def _call(self, what: str, fn: Callable[..., T], args: Any, kwargs: Any, *, first: bool) -> T:
        # Almost every call succeeds at once: tenacity's machinery (about 15 µs a call) is only
        # built for one whose first attempt failed, and then replays that attempt's error.
        started = time.monotonic()
        try:
            return fn(*args, **kwargs)
        except requests.exceptions.SSLError as error:
            raise certificate_refused(self.tool, what, error) from None
        except Exception as error:
            if not is_transient(error):
                raise
            failed = error
        return self._retried(what, fn, args, kwargs, first=first, started=started, failed=failed)

    def _retried(
        self,
        what: str,
        fn: Callable[..., T],
        args: Any,
        kwargs: Any,
        *,
        first: bool,
        started: float,
        failed: BaseException,
    ) -> T:
        """The call retried after its first attempt failed with `failed`, as if tenacity had
        made that attempt: the same attempt numbers, waits and budget, counted from `started`."""
        replay = [failed]

        def attempt(*args: Any, **kwargs: Any) -> T:
            if replay:
                raise replay.pop()
            return fn(*args, **kwargs)

        def since_started(state: RetryCallState) -> None:
            state.start_time = started  # the budget includes the first attempt's own time

        stop = stop_before_delay(self.budget_seconds)
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            wait=self.wait_seconds,
            stop=stop_any(stop, _Unreachable(min(REACH_SECONDS, self.budget_seconds)))
            if first
            else stop,
            before=since_started,
            before_sleep=partial(self._before_sleep, what),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt, *args, **kwargs)
        except requests.exceptions.SSLError as error:
            raise certificate_refused(self.tool, what, error) from None
        except Exception as error:
            if not is_transient(error):
                raise
            self.stats.record_give_up()
            attempts = retrying.statistics.get("attempt_number", 1)
            raise ToolUnavailable(
                f"{self.tool} kept failing ({describe_failure(error)}) after {attempts} "
                f"attempts in {time.monotonic() - started:.0f} s",
                where=what,
                fix="Check that the site is up and reachable, then run again; a longer outage "
                "can be ridden out by raising [retry] budget_seconds.",
            ) from error


def certificate_refused(tool: str, what: str, error: BaseException) -> CertificateRefused:
    """The error for a certificate that failed verification, with the reason OpenSSL gave."""
    found = re.search(r"certificate verify failed: ([^(]+)", str(error))
    reason = found[1].strip() if found else "the TLS handshake failed"
    return CertificateRefused(
        f"{tool}'s TLS certificate could not be verified: {reason}",
        where=what,
        fix="Fix the site's certificate chain, or give Python the CA that signed it "
        "(REQUESTS_CA_BUNDLE=/path/to/ca.pem). For a Jira source on a network you trust, "
        "verify_tls = false turns the check off (and rdsync warns at every start).",
    )
