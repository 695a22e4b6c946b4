"""Jira's pacing per site, shared by worker processes through PostgreSQL: the site's
`requests_per_second` holds across them, and a 429 one of them meets holds the others back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connector.config import JiraSourceConfig
from connector.sandbox.jira.limits import Limits
from connector.sandbox.server import Sandbox
from connector.sources.jira import JiraSource
from connector.sources.jira_pace import site_key, site_rates
from connector.sources.pg_ratelimit import PgRateLimiter
from connector.sources.retry import RetryPolicy, ToolUnavailable
from mappings.config import JiraMapping, load_mapping
from tests.limit_workers import Admissions, JiraJob, run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_sites_pace_holds_across_workers(
    make_sandbox: Callable[..., Sandbox], postgres_url: str
) -> None:
    """Jira Cloud's burst limit (here 3 a second for an endpoint): three workers, each paced at
    3 a second for the site, together send no more than 3 a second and meet no 429."""
    site = make_sandbox(seed="demo")
    admissions = Admissions()
    site.jira.limits = Limits(burst=3)
    admissions.watch_jira(site.jira.limits)
    job = JiraJob(postgres_url, site.url, site.email, site.token, 6, requests_per_second=3)
    reported = run_workers([job] * 3, before=admissions.moments.clear)
    assert [errors for _, _, errors in reported] == [[]] * 3
    assert site.count(status=429) == 0
    assert len(admissions.moments["myself"]) == 18
    assert admissions.most_in("myself", 1.05) <= 3
    rate = admissions.rate("myself", 3)
    print(f"one Jira site, 3 workers: {rate:.2f} requests/s against 3/s")
    assert 2.4 <= rate <= 3.0


def _meet_a_429(site: Sandbox, db: str) -> None:
    """This process asks Jira once and is told to wait 5 s (jira-burst-based)."""
    config = JiraSourceConfig(type="jira", url=site.url, email=site.email, projects=["DEL"])
    config = config.with_token(site.token)
    limiter = PgRateLimiter(db, 5)
    for key, rate in site_rates([config]).items():
        limiter.set_rate(key, rate)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    source = JiraSource("jira", config, mapping, retry=RetryPolicy(tool="Jira"), limiter=limiter)
    source.connect()
    source.retry = RetryPolicy(tool="Jira", budget_seconds=0.001)  # no retry: stop at the 429
    site.set_faults("myself:429:1,retry-after=5,reason=jira-burst-based")
    with pytest.raises(ToolUnavailable):
        source.call("myself", source.client.myself)
    site.set_faults(None)
    assert set(limiter.dump()["blocked"]) == {site_key(config)}


def test_a_429_one_worker_meets_holds_the_others_back(
    make_sandbox: Callable[..., Sandbox], postgres_url: str
) -> None:
    site = make_sandbox(seed="demo")
    job = JiraJob(postgres_url, site.url, site.email, site.token, 2)
    reported = run_workers([job] * 3, before=lambda: _meet_a_429(site, postgres_url))
    assert [errors for _, _, errors in reported] == [[]] * 3
    assert site.count(status=429) == 1  # Jira asked once; the others waited, not retried
    assert all(waited > 3.5 for _, waited, _ in reported)  # most of the 5 s was still to run
