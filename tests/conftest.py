"""Shared fixtures: the sandbox (empty and demo seeds) on a loopback port, and Jira clients for it.

`sandbox` / `demo_sandbox` hand each test a server shared by its module (empty seed) or the
whole session (demo seed), with the counters reset and no faults, so a test may count the
calls it makes (`sandbox.count("GET", "/rest/api/3/search/jql")`) and inject faults
(`sandbox.set_faults("429:1")`) without disturbing the next test. Data a test creates stays
for the rest of the module (empty) or session (demo): create what you need, and do not rely on
totals you did not make. `make_sandbox(**kwargs)` starts a private one (e.g. `mode="server"`,
`clock=...`). `jira` / `demo_jira` are real `jira.JIRA` clients on them; `jira_for(sandbox)`
makes one for any sandbox. Field ids: `sandbox.field_id("Current value")`; demo issue keys:
`demo_sandbox.demo()["keys"]["P1-O1-I1"]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from connector.clock import Clock
from connector.sandbox.server import Sandbox, start_sandbox

# The day the suite's sandboxes are seeded around and their clocks start on: tests never read
# the machine's date, so the suite passes on any day (`.ci/run` also runs it under faketime).
ANCHOR = date(2026, 11, 22)


def site_clock(anchor: date = ANCHOR) -> Clock:
    """A clock for one sandbox and every run against it: 09:00 UTC on `anchor`, then on."""
    return Clock.starting(anchor)


def jira_client(sandbox: Sandbox, **options: Any) -> Any:
    """The real `jira.JIRA` client for a sandbox: API v3, no retries of its own, a timeout."""
    from jira import JIRA

    return JIRA(
        server=sandbox.url,
        basic_auth=(sandbox.email, sandbox.token),
        options={"rest_api_version": "3", **options},
        max_retries=0,
        timeout=10,
    )


def _fresh(sandbox: Sandbox) -> Sandbox:
    sandbox.set_faults(None)
    sandbox.reset_stats()
    return sandbox


@pytest.fixture(scope="module")
def _empty_sandbox() -> Iterator[Sandbox]:
    with start_sandbox(seed="empty", anchor=ANCHOR, clock=site_clock()) as running:
        yield running


@pytest.fixture(scope="session")
def _demo_sandbox() -> Iterator[Sandbox]:
    with start_sandbox(seed="demo", anchor=ANCHOR, clock=site_clock()) as running:
        yield running


@pytest.fixture
def sandbox(_empty_sandbox: Sandbox) -> Sandbox:
    """A sandbox seeded `empty` (schemes only), shared by the test module."""
    return _fresh(_empty_sandbox)


@pytest.fixture
def demo_sandbox(_demo_sandbox: Sandbox) -> Sandbox:
    """A sandbox seeded `demo` (the portfolio of portfolio.py), shared by the session."""
    return _fresh(_demo_sandbox)


@pytest.fixture
def jira(sandbox: Sandbox) -> Any:
    """`jira.JIRA` on the empty sandbox."""
    return jira_client(sandbox)


@pytest.fixture
def demo_jira(demo_sandbox: Sandbox) -> Any:
    """`jira.JIRA` on the demo sandbox."""
    return jira_client(demo_sandbox)


@pytest.fixture
def jira_for() -> Callable[..., Any]:
    """`jira_for(sandbox, **options)`: the real `jira.JIRA` client for any sandbox."""
    return jira_client


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Starts private sandboxes with any `start_sandbox` arguments; stops them afterwards.
    Without a `clock`, each gets its own `site_clock` of its `anchor` (default ANCHOR)."""
    started: list[Sandbox] = []

    def make(**kwargs: Any) -> Sandbox:
        if kwargs.get("clock") is None:
            kwargs["anchor"] = kwargs.get("anchor") or ANCHOR
            kwargs["clock"] = site_clock(kwargs["anchor"])
        started.append(start_sandbox(**kwargs))
        return started[-1]

    yield make
    for running in started:
        running.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL cluster for the session (`tests/postgres.py`); skips where the machine
    has none, unless RDSYNC_REQUIRE_POSTGRES=1 (`.ci/run`), when that is an error."""
    import os

    from tests.postgres import REQUIRE, NoPostgres, running_postgres

    try:
        with running_postgres() as server:
            yield server
    except NoPostgres as missing:
        if os.environ.get(REQUIRE) == "1":
            raise
        pytest.skip(f"PostgreSQL: {missing}")


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return str(postgres_server.database())
