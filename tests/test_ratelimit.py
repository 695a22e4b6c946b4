"""The client-side limiter keeps any sliding window under the rate, per key, across threads."""

from __future__ import annotations

import json
import threading
import time

import pytest

from connector.sources.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def max_in_window(starts: list[float], window: float) -> int:
    starts = sorted(starts)
    return max(sum(1 for s in starts if first <= s < first + window) for first in starts)


def test_the_first_calls_go_at_once_then_the_window_holds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, margin=0.05, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(23):
        limiter.acquire("appA")
        starts.append(clock.now)
    assert starts[:5] == [100.0] * 5
    assert starts[5] == pytest.approx(101.05)
    assert max_in_window(starts, 1.05) == 5
    # 23 calls: 5 per 1.05 s, so the last one starts after four full windows.
    assert starts[-1] == pytest.approx(100 + 4 * 1.05)


def test_keys_are_limited_separately() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, margin=0, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire(key) for key in ("a", "a", "b", "b")]
    assert waits == [0, 0, 0, 0]
    assert limiter.acquire("a") == pytest.approx(1.0)


def test_an_idle_limiter_lets_calls_through_without_waiting() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.acquire()
    clock.now += 2
    assert limiter.acquire() == 0
    assert limiter.calls == 6


def test_threads_share_the_limit() -> None:
    seen = threading.local()

    def clock() -> float:  # called under the limiter's lock: this thread's "now"
        seen.now = time.monotonic()
        return float(seen.now)

    limiter = RateLimiter(10, per=0.2, margin=0.01, clock=clock)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(6):
            wait = limiter.acquire("base")
            with lock:
                starts.append(seen.now + wait)  # the slot this call was given

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 30
    assert max_in_window(starts, 0.21) == 10
    assert max(starts) - min(starts) >= 2 * 0.21 - 1e-9  # 30 calls span three windows


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_a_slot_counts_the_window_from_when_its_call_ended() -> None:
    """Requests that arrive late (a loaded machine) still never crowd the server's window."""
    clock = FakeClock()
    limiter = RateLimiter(5, margin=0.01, clock=clock, sleep=clock.sleep)
    ends = []
    for _ in range(12):
        with limiter.slot("appA"):
            clock.now += 0.2  # the request takes 0.2 s; it reached the server at some point in it
        ends.append(clock.now)
    # Any request arrives before it ends; after the 5th, each starts a window after an end.
    starts = [end - 0.2 for end in ends]
    for i in range(5, 12):
        assert starts[i] >= ends[i - 5] + 1.01 - 1e-9
    assert max_in_window(ends, 1.0) <= 5


def test_a_call_counted_against_two_keys_waits_for_the_fuller() -> None:
    """Airtable: 5 a second per base and 50 per token across bases."""
    clock = FakeClock()
    limiter = RateLimiter(5, margin=0, clock=clock, sleep=clock.sleep)
    limiter.set_rate("token", 6)
    waits = [limiter.acquire("base:a", "token") for _ in range(5)]
    assert waits == [0] * 5
    assert limiter.acquire("base:b", "token") == 0  # another base: the token has room for one
    assert limiter.acquire("base:b", "token") == pytest.approx(1.0)  # now the token is full
    assert limiter.acquire("base:c") == 0  # a key of its own is not held back


def test_a_penalty_holds_its_keys_back_and_no_other() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, margin=0, clock=clock, sleep=clock.sleep)
    limiter.acquire("base:a", "token")
    limiter.penalise("base:a", seconds=30)
    limiter.penalise("base:a", seconds=5)  # a shorter one never cuts a running penalty
    assert limiter.acquire("base:b", "token") == 0
    assert limiter.acquire("base:a", "token") == pytest.approx(30.0)
    assert limiter.acquire("base:a") == 0  # and once it is over, calls go at once


def test_windows_and_penalties_carry_over_to_a_new_limiter() -> None:
    """A new process takes up the last one's state: it never bursts into a full window."""
    clock = FakeClock()
    first = RateLimiter(5, margin=0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        first.acquire("base:a")
    first.penalise("token", seconds=30)
    kept = json.loads(json.dumps(first.dump()))  # as the state store keeps it
    clock.now += 0.5
    second = RateLimiter(5, margin=0, clock=clock, sleep=clock.sleep)
    second.load(kept)
    assert second.reserve("base:a") == pytest.approx(0.5)
    assert second.reserve("token") == pytest.approx(29.5)
    clock.now += 40
    assert second.dump() == {"slots": {}, "blocked": {}}  # what has passed is not kept


def test_shared_limiter_is_kept_in_postgresql_when_given_its_url() -> None:
    """The state store's URL picks the limiter every process shares; without, this process's."""
    from connector.config import AirtableSourceConfig, Config, JiraSourceConfig
    from connector.sources.build import shared_limiter
    from connector.sources.jira_pace import UNPACED, site_key
    from connector.sources.pg_ratelimit import PgRateLimiter

    def jira(url: str, rate: float | None, project: str = "DEL") -> JiraSourceConfig:
        keys = {"email": "a@b.gov", "projects": [project], "requests_per_second": rate}
        return JiraSourceConfig(type="jira", url=url, **keys)

    sources = {
        "dept-a": jira("https://Ops.example.gov/jira/", 8),
        "dept-b": jira("https://ops.example.gov/jira", 3, "OPS"),  # the same site: the lower rate
        "cloud": jira("https://x.atlassian.net", None),
        "at": AirtableSourceConfig(type="airtable", base="appAAAAAA", token_env="T").with_token(
            "t"
        ),
    }
    config = Config(sources=sources)  # type: ignore[arg-type]
    local = shared_limiter(config)
    assert isinstance(local, RateLimiter)
    shared = shared_limiter(config, url="postgresql://rdsync@127.0.0.1:1/db")
    assert isinstance(shared, PgRateLimiter) and shared.shared and not local.shared
    assert shared._rates[site_key(sources["dept-a"])] == 3  # type: ignore[arg-type]
    assert shared._rates["jira:https://x.atlassian.net"] == UNPACED
    assert site_key(jira("https://me:secret@Ops.example.gov:8443/jira", None)) == (
        "jira:https://ops.example.gov:8443/jira"
    )
