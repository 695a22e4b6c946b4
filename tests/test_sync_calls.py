"""A sync costs what changed (issue 19): the calls of a daemon's no-change and 1%-changed syncs,
counted in the sandbox's request log, through the real clients, on Jira Cloud, Jira Data
Center and Airtable; the daemon keeps its clients (no sign-in, field list or mapping check
again at every run)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.config import Config
from connector.sandbox.server import Sandbox
from connector.sync.daemon import Daemon
from tests.campaign import configure, team_edits
from tests.single_source import SourceRuns
from tests.test_jira_source import source_for

pytestmark = pytest.mark.e2e

SEARCH = ("GET", "/rest/api/3/search/jql")
COUNT = ("POST", "/rest/api/3/search/approximate-count")
BULK = ("POST", "/rest/api/3/changelog/bulkfetch")
WRITES = ("PUT", "POST")
READ_PATHS = {SEARCH, COUNT, BULK, ("GET", "/rest/api/2/search")}


def asked(sandbox: Sandbox) -> Counter[tuple[str, str]]:
    """The requests the sandbox answered since its last reset, by method and path template."""
    return Counter((row["method"], row["path"]) for row in sandbox.stats()["log"])


def writes(calls: Counter[tuple[str, str]]) -> int:
    return sum(n for (method, path), n in calls.items() if (method, path) not in READ_PATHS)


def cycle(daemon: Daemon, sandbox: Sandbox, **sync: Any) -> Counter[tuple[str, str]]:
    """One scheduled sync, the site's clock moved on by the schedule first; its requests."""
    sandbox.clock.advance(timedelta(minutes=daemon.config.schedule.sync_minutes))
    sandbox.reset_stats()
    daemon.last = daemon.sync(**sync)  # type: ignore[attr-defined]
    return asked(sandbox)


def daemon_for(folder: Path, sandbox: Sandbox, tool: str, **source: Any) -> Daemon:
    config: Config = configure(folder, sandbox, tool, source=source)
    return Daemon(config, clock=sandbox.clock)


@pytest.mark.parametrize("deletions", ["full_sync", "every_sync"])
def test_a_daemon_on_jira_cloud_reads_what_changed_and_nothing_else(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, deletions: str
) -> None:
    site = make_sandbox(seed="demo")
    daemon = daemon_for(tmp_path, site, "jira", deletions=f'"{deletions}"')
    try:
        first = cycle(daemon, site)
        assert first[("GET", "/rest/api/3/serverInfo")] == 1 and writes(first) > 20
        absorbed = cycle(daemon, site)  # reads back the issues its own writes touched
        assert writes(absorbed) == 0
        quiet = cycle(daemon, site)
        # One search (and, with deletions looked for in every sync, the scope's count: the
        # key scan runs only when it differs); no sign-in, field list or mapping check again.
        counted = Counter({COUNT: 1}) if deletions == "every_sync" else Counter()
        assert quiet == Counter({SEARCH: 1}) + counted
        team_edits(site, "jira")  # three indicators, three issues
        step = cycle(daemon, site)
        reads = sum(step[path] for path in READ_PATHS)
        assert reads <= math.ceil(3 / 100) + 2
        assert step[SEARCH] == 1 and step[BULK] == 1
        # Writes only where a write-back value changed: one edit a patch, each with changes.
        patches = daemon.last.patches  # type: ignore[attr-defined]
        assert patches and all(patch.changes for patch in patches)
        assert step[("PUT", "/rest/api/3/issue/{issueIdOrKey}")] == len(patches)
        assert writes(step) == len(patches) + sum(1 for patch in patches if patch.comment)
        after = cycle(daemon, site)
        assert writes(after) == 0 and sum(after[path] for path in READ_PATHS) <= 2
    finally:
        daemon.store.close()


def test_the_daemon_signs_in_once_until_its_daily_full_sync(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    daemon = daemon_for(tmp_path, site, "jira")
    try:
        cycle(daemon, site)
        site.clock.advance(timedelta(minutes=15))
        site.reset_stats()
        daemon.sync()
        daemon.sync()
        two = asked(site)
        learnt = ("serverInfo", "myself", "field", "context", "option", "mypermissions")
        assert [p for _, p in two if p.rsplit("/", 1)[-1] in learnt or "/field/" in p] == []
        full = cycle(daemon, site, full=True)  # the daily full sync learns the site anew
        assert full[("GET", "/rest/api/3/serverInfo")] == 1
        assert full[("GET", "/rest/api/3/myself")] == 1 and full[("GET", "/rest/api/3/field")] == 1
    finally:
        daemon.store.close()


def test_data_center_no_change_is_one_search_that_also_counts_the_scope(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    server = make_sandbox(seed="demo", mode="server")
    scope = "project = DEL AND statusCategory != Done"
    source = source_for(server, deployment="server", projects=[], jql=scope)
    sync = SourceRuns(source, tmp_path, server.clock)
    sync()
    server.clock.advance(timedelta(minutes=15))
    sync()  # reads back its own writes
    server.clock.advance(timedelta(minutes=15))
    server.reset_stats()
    quiet = sync()
    assert asked(server) == Counter({("GET", "/rest/api/2/search"): 1})
    assert quiet.reads["jira"].total == len(sync.records) and quiet.patches == []
    # An issue that leaves the scope changes the count: the key scan finds it in that sync.
    gone = next(
        key
        for key, issue in sorted(sync.records.items())
        if issue["fields"]["issuetype"]["name"] == "Risk"
    )
    done = next(t["id"] for t in source.client.transitions(gone) if t["name"] == "Done")
    source.client.transition_issue(gone, done)
    server.clock.advance(timedelta(minutes=15))
    server.reset_stats()
    after = sync()
    assert after.deleted["jira"] == [gone]
    assert asked(server)[("GET", "/rest/api/2/search")] == 2  # the search, then the key scan


def test_airtable_no_change_is_at_most_one_request_a_table(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    site.airtable.rate_limit_per_second = None  # a 429 retried would count twice
    daemon = daemon_for(tmp_path, site, "airtable", requests_per_second=50)
    try:
        cycle(daemon, site)
        cycle(daemon, site)  # reads back its own writes
        quiet = cycle(daemon, site)
        tables = len(daemon.sources["airtable"].tables()) if daemon.sources else 0
        assert 0 < sum(quiet.values()) <= tables  # no schema, no id scan: kept from the last
        assert all(method == "GET" and path == "/v0/{base_id}/{table}" for method, path in quiet)
    finally:
        daemon.store.close()
