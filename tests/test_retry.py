"""The one retry policy: what it retries, how long it waits, when it gives up, what it counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from jira.exceptions import JIRAError

from connector.sources import retry as retry_module
from connector.sources.retry import (
    LimitAdvice,
    RetryPolicy,
    ToolUnavailable,
    is_transient,
    retry_after,
    status_of,
)


def response(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made.headers.update(headers or {})
    made.url = "https://dept.atlassian.net/rest/api/3/search/jql"
    return made


def http_error(status: int, headers: dict[str, str] | None = None) -> requests.HTTPError:
    return requests.HTTPError(f"{status} error", response=response(status, headers))


def jira_error(status: int, headers: dict[str, str] | None = None) -> JIRAError:
    return JIRAError("failed", status_code=status, response=response(status, headers))


class Flaky:
    """Fails with the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, value: str = "ok") -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return value


def policy(**kwargs: object) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    made = RetryPolicy(tool="Jira", sleep=slept.append, **kwargs)  # type: ignore[arg-type]
    return made, slept


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (jira_error(429), True),
        (jira_error(503), True),
        (jira_error(500), True),
        (http_error(429), True),
        (http_error(502), True),
        (requests.ConnectionError("reset"), True),
        (requests.ReadTimeout("slow"), True),
        (requests.exceptions.ChunkedEncodingError("dropped"), True),
        (jira_error(400), False),
        (jira_error(401), False),
        (http_error(403), False),
        (http_error(404), False),
        (http_error(422), False),
        (JIRAError("Empty Response!"), False),
        (ValueError("bug"), False),
    ],
)
def test_what_is_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_status_of_reads_both_clients_errors() -> None:
    assert status_of(jira_error(404)) == 404
    assert status_of(http_error(422)) == 422
    assert status_of(requests.ConnectionError()) is None


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert retry_after(jira_error(429, {"Retry-After": "7"})) == 7.0
    assert retry_after(http_error(429, {"Retry-After": "1.5"})) == 1.5
    now = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=12), usegmt=True)
    assert retry_after(http_error(503, {"Retry-After": date}), now=now) == 12.0
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert retry_after(http_error(503, {"Retry-After": past}), now=now) == 0.0
    assert retry_after(http_error(503, {"Retry-After": "soon"})) is None
    assert retry_after(http_error(503)) is None


def test_jira_clouds_reset_stamp_and_beta_retry_after() -> None:
    now = datetime(2026, 3, 26, 16, 0, 20, tzinfo=UTC)

    def wait(**headers: str) -> float | None:
        given = {name.replace("_", "-"): value for name, value in headers.items()}
        return retry_after(http_error(429, given), now=now)

    # A stamp to the minute (as Jira sends it) means that minute's end; one with seconds, itself.
    assert wait(**{"X-RateLimit-Reset": "2026-03-26T16:00Z"}) == 40.0
    assert wait(**{"X-RateLimit-Reset": "2026-03-26T16:00:50Z"}) == 30.0
    assert wait(**{"X-RateLimit-Reset": "2026-03-26T15:58Z"}) == 0.0
    assert wait(**{"X-RateLimit-Reset": "soon"}) is None
    assert wait(Beta_Retry_After="6") == 6.0
    # Retry-After is exact where the stamp is not: it wins; the longer of it and the beta's.
    assert wait(Retry_After="5", **{"X-RateLimit-Reset": "2026-03-26T16:01Z"}) == 5.0
    assert wait(Retry_After="2", Beta_Retry_After="6") == 6.0


def test_a_warning_of_a_limit_jira_is_trying_out_is_logged_once_a_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    advice = LimitAdvice("jira")
    warned = {"Beta-Retry-After": "3", "X-Beta-RateLimit-Reason": "jira-quota-tenant-based"}
    with caplog.at_level("WARNING", logger="rdsync.retry"):
        for _ in range(3):
            advice(response(200, warned))
        advice(response(200))
        advice(response(429, warned))  # a refusal: the policy waits it out, no warning
    assert caplog.text.count("jira-quota-tenant-based") == 1
    assert "Beta-Retry-After 3 s" in caplog.text


def test_retries_transient_errors_waiting_what_the_server_asked() -> None:
    retry, slept = policy()
    flaky = Flaky(jira_error(429, {"Retry-After": "3"}), requests.ConnectionError("reset"))
    assert retry.call("search page 1", flaky, "done") == "done"
    assert flaky.calls == 3
    assert slept[0] == 3.0
    assert 0 <= slept[1] <= 1.0  # exponential (0.5 s x 2 after attempt 2), full jitter
    summary = retry.stats.summary()
    assert summary["retries"] == 2
    assert summary["by_reason"] == {"ConnectionError": 1, "HTTP 429": 1}


def test_a_long_retry_after_is_capped() -> None:
    retry, slept = policy(max_wait_seconds=5)
    retry.call("edit DEL-1", Flaky(http_error(429, {"Retry-After": "3600"})))
    assert slept == [5]


def test_non_transient_errors_are_raised_at_once_unchanged() -> None:
    retry, slept = policy()
    error = jira_error(400)
    flaky = Flaky(error)
    with pytest.raises(JIRAError) as caught:
        retry.call("edit DEL-12", flaky)
    assert caught.value is error and flaky.calls == 1 and slept == []


def test_gives_up_within_the_budget_naming_the_call() -> None:
    retry = RetryPolicy(tool="Airtable", budget_seconds=0.3, initial_wait_seconds=0.05)
    flaky = Flaky(*[http_error(503)] * 1000)
    started = datetime.now(UTC)
    with pytest.raises(ToolUnavailable) as caught:
        retry.call("list Targets page 2", flaky)
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert elapsed < 0.6  # stop_before_delay never starts a wait that ends past the budget
    assert caught.value.where == "list Targets page 2"
    assert "Airtable kept failing (HTTP 503)" in str(caught.value)
    assert "budget_seconds" in str(caught.value)
    assert isinstance(caught.value.__cause__, requests.HTTPError)
    assert retry.stats.summary()["gave_up"] == 1
    assert flaky.calls >= 2


def test_a_retry_after_past_the_budget_gives_up_at_once() -> None:
    retry, slept = policy(budget_seconds=10)
    with pytest.raises(ToolUnavailable):
        retry.call("search", Flaky(jira_error(503, {"Retry-After": "30"}), jira_error(503)))
    assert slept == []


def test_a_call_that_succeeds_at_once_builds_no_retry_machinery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tenacity's Retrying is built only for a call whose first attempt failed (about 15 µs
    a call, 5,000 times in a first sync of 10,000 issues)."""
    built: list[object] = []

    class Counted(retry_module.Retrying):
        def __init__(self, *args: object, **kwargs: object) -> None:
            built.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(retry_module, "Retrying", Counted)
    retry, slept = policy()
    assert [retry.call(f"edit DEL-{n}", Flaky(), str(n)) for n in range(3)] == ["0", "1", "2"]
    assert retry.reach("serverInfo", Flaky()) == "ok"
    assert built == []
    flaky = Flaky(jira_error(503, {"Retry-After": "2"}))
    assert retry.call("edit DEL-9", flaky) == "ok"
    assert len(built) == 1 and flaky.calls == 2 and slept == [2.0]


def test_the_budget_counts_the_first_attempts_own_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first attempt that took 9.8 s of a 10 s budget leaves no room for a 1 s wait."""
    now = [1000.0]
    monkeypatch.setattr(retry_module.time, "monotonic", lambda: now[0])

    def slow_then_refused() -> str:
        now[0] += 9.8
        raise jira_error(503, {"Retry-After": "1"})

    retry, slept = policy(budget_seconds=10)
    with pytest.raises(ToolUnavailable) as caught:
        retry.call("search", slow_then_refused)
    assert slept == [] and "after 1 attempts in 10 s" in str(caught.value)
