"""The rate limiter kept in PostgreSQL: Airtable's per-base and per-token limits, and the lock-out
after a 429, hold across processes (workers), as the sandbox counts them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyairtable
import pytest

from connector.clock import Clock
from connector.config import AirtableSourceConfig
from connector.sandbox.server import Sandbox
from connector.sources.airtable import AirtableSource
from connector.sources.airtable_pace import airtable_limiter, pace_keys
from connector.sources.pg_ratelimit import LimiterUnavailable, PgRateLimiter
from connector.sources.retry import RetryPolicy, ToolUnavailable, status_of
from mappings.config import AirtableMapping, load_mapping
from tests.limit_workers import SPAWN, Admissions, Job, hold_a_slot, run_workers

# -- one process, the database's clock ------------------------------------------------------


def test_five_go_at_once_then_the_sixth_waits_for_the_window(postgres_url: str) -> None:
    limiter = PgRateLimiter(postgres_url, 5)
    waits = [limiter.reserve("base:a") for _ in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] > 0
    # The sixth starts when the first leaves the 1.05 s window, on the database's clock.
    starts = limiter.dump()["slots"]["base:a"]
    assert starts[5] - starts[0] == pytest.approx(1.05, abs=1e-6)
    assert limiter.reserve("base:b") == 0.0  # another key has a window of its own


def test_a_call_counted_against_two_keys_waits_for_the_fuller(postgres_url: str) -> None:
    limiter = PgRateLimiter(postgres_url, 5)
    limiter.set_rate("token", 6)
    assert [limiter.reserve("base:a", "token") for _ in range(5)] == [0.0] * 5
    assert limiter.reserve("base:b", "token") == 0.0  # the token had room for one more
    assert limiter.reserve("base:b", "token") > 0  # now it is full
    assert limiter.reserve("base:c") == 0.0


def test_two_connections_share_windows_and_penalties(postgres_url: str) -> None:
    first, second = PgRateLimiter(postgres_url, 5), PgRateLimiter(postgres_url, 5)
    for _ in range(5):
        first.reserve("base:a")
    assert second.reserve("base:a") > 0  # the other's five fill the window
    first.penalise("token:x", seconds=30)
    first.penalise("token:x", seconds=5)  # a shorter one never cuts a running penalty
    assert 29 < second.reserve("token:x", "base:z") <= 30
    kept = second.dump()
    assert len(kept["slots"]["base:a"]) == 6 and set(kept["blocked"]) == {"token:x"}
    third = PgRateLimiter(postgres_url, 5)
    third.load({"slots": {}, "blocked": {"token:y": kept["blocked"]["token:x"]}})
    assert 29 < third.reserve("token:y") <= 30


def test_a_slot_counts_the_window_from_the_calls_end(postgres_url: str) -> None:
    limiter = PgRateLimiter(postgres_url, 1, margin=0)
    with limiter.slot("base:a"):
        pass
    ended = limiter.dump()["slots"]["base:a"][0]
    with limiter.slot("base:a") as waited:  # one a second: this one waits for the first
        assert waited > 0.9
    assert limiter.dump()["slots"]["base:a"][-1] >= ended + 1.0


def test_a_worker_killed_in_a_request_holds_no_place(postgres_url: str) -> None:
    """Its session ends with it: the place it held is free at once, not after longest_call."""
    entered = SPAWN.Event()
    worker = SPAWN.Process(target=hold_a_slot, args=(postgres_url, "base:a", entered))
    worker.start()
    try:
        assert entered.wait(timeout=60)
        limiter = PgRateLimiter(postgres_url, 1, longest_call=20)
        limiter.set_rate("base:a", 1)
        assert limiter.reserve("base:b") == 0.0
        started = limiter.waited_seconds
        worker.kill()
        worker.join(timeout=10)
        limiter.reserve("base:a")  # one place, held by the dead worker's running call
        assert limiter.waited_seconds - started < 2.0
    finally:
        worker.kill()


def test_a_database_that_does_not_answer_is_a_clear_error() -> None:
    limiter = PgRateLimiter("postgresql://rdsync@127.0.0.1:1/none?connect_timeout=2", 5)
    with pytest.raises(LimiterUnavailable) as raised:
        limiter.reserve("base:a")
    assert raised.value.where == "[state] url"


# -- worker processes against the sandbox -----------------------------------------------------


def _base(site: Sandbox) -> str:
    api = pyairtable.Api(site.token, endpoint_url=site.url, retry_strategy=None)
    return str(api.bases()[0].id)


def _add_bases(site: Sandbox, count: int) -> list[str]:
    """More bases on the sandbox, reachable with the same token (empty: a schema to read)."""
    added = [f"appWorker{n:04d}xyz" for n in range(count)]
    with site.airtable.lock:
        for n, base in enumerate(added):
            site.airtable.store.add_base(base, f"Department {n}")
        site.airtable.conn.commit()
    return added


@pytest.fixture
def site(make_sandbox: Callable[..., Sandbox]) -> tuple[Sandbox, Admissions]:
    """A private demo sandbox with Airtable's limits on (5 a second per base), watched."""
    sandbox = make_sandbox(seed="demo", airtable_penalty_seconds=6.0)
    admissions = Admissions()
    admissions.watch(sandbox.airtable)
    return sandbox, admissions


@pytest.mark.e2e
@pytest.mark.slow
def test_workers_on_one_base_never_crowd_its_window(
    site: tuple[Sandbox, Admissions], postgres_url: str
) -> None:
    """Four processes, one base: at most 5 in any 1.05 s as the sandbox admits them, no 429,
    and the base served near its limit."""
    sandbox, admissions = site
    base = _base(sandbox)
    job = Job(postgres_url, sandbox.url, sandbox.token, base, calls=8)
    reported = run_workers([job] * 4)
    assert [errors for _, _, errors in reported] == [[]] * 4
    assert sandbox.count(status=429) == 0
    assert len(admissions.moments[f"base:{base}"]) == 32
    assert admissions.most_in(f"base:{base}", 1.05) <= 5
    assert sum(waited for _, waited, _ in reported) > 4 * 4  # each was held back
    rate = admissions.rate(f"base:{base}", 5)
    print(f"one base, 4 workers: {rate:.2f} requests/s against 5/s")
    assert 4.0 <= rate <= 5.0


@pytest.mark.e2e
@pytest.mark.slow
def test_the_token_limit_holds_across_the_bases_of_several_workers(
    site: tuple[Sandbox, Admissions], postgres_url: str
) -> None:
    """Four workers on four bases: each base could take 5 a second, the token (here 8 a
    second, Airtable's is 50) takes fewer; no 429 from either limit."""
    sandbox, admissions = site
    sandbox.airtable.token_limit_per_second = 8
    bases = _add_bases(sandbox, 4)
    jobs = [
        Job(postgres_url, sandbox.url, sandbox.token, base, calls=6, token_requests_per_second=8)
        for base in bases
    ]
    reported = run_workers(jobs)
    assert [errors for _, _, errors in reported] == [[]] * 4
    assert sandbox.count(status=429) == 0
    assert len(admissions.moments["token"]) == 24
    assert admissions.most_in("token", 1.05) <= 8
    assert all(admissions.most_in(f"base:{base}", 1.05) <= 5 for base in bases)
    rate = admissions.rate("token", 8)
    print(f"one token, 4 bases, 4 workers: {rate:.2f} requests/s against 8/s")
    assert 6.0 <= rate <= 8.0


def _offend(sandbox: Sandbox, base: str, db: str) -> None:
    """One worker, its base's rate set too high (10 a second), until Airtable answers 429."""
    config = AirtableSourceConfig(
        type="airtable",
        base=base,
        endpoint_url=sandbox.url,
        token_env="AT_TOKEN",
        requests_per_second=10,
        penalty_seconds=6.0,  # the sandbox's, shortened for the test
    ).with_token(sandbox.token)
    clock = Clock()
    limiter = airtable_limiter([config], clock, None, url=db)
    mapping = load_mapping("airtable")
    assert isinstance(mapping, AirtableMapping)
    once = RetryPolicy(tool="Airtable", budget_seconds=0.001)  # no retry: stop at the 429
    source = AirtableSource("airtable", config, mapping, retry=once, limiter=limiter, clock=clock)
    tables = source.api.build_url("meta/bases", base, "tables")
    with pytest.raises(ToolUnavailable) as refused:
        for _ in range(20):
            source.call("schema", source.api.request, "GET", tables)
    assert status_of(refused.value.__cause__ or refused.value) == 429
    blocked: dict[str, Any] = limiter.dump()["blocked"]
    assert set(blocked) == set(pace_keys(config))


@pytest.mark.e2e
@pytest.mark.slow
def test_a_429_met_by_one_worker_holds_the_others_back(
    site: tuple[Sandbox, Admissions], postgres_url: str
) -> None:
    """Airtable refuses a base for 30 s (here 6) after a 429: the workers that did not meet it
    wait it out too, and send nothing that Airtable would refuse."""
    sandbox, admissions = site
    base = _base(sandbox)
    job = Job(postgres_url, sandbox.url, sandbox.token, base, calls=2, penalty_seconds=6.0)
    reported = run_workers([job] * 3, before=lambda: _offend(sandbox, base, postgres_url))
    assert [errors for _, _, errors in reported] == [[]] * 3
    assert sandbox.count(status=429) == 1  # the offender's alone
    # Each worker started inside the penalty and was held back by it.
    assert all(waited > 3.0 for _, waited, _ in reported)
    assert admissions.most_in(f"base:{base}", 1.05) <= 5
