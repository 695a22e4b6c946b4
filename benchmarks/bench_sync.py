"""Benchmark: whole sync runs of a 10,000-issue Jira site against the bare-read floor.

    python benchmarks/bench_sync.py [--issues 10000]

Seeds a sandbox with `--issues` synthetic issues (1,000 plans of 10) and times, through
`SyncRun` exactly as `rdsync sync` runs it:

- the bare-read floor: the `jira` client paging the same JQL, fields and changelogs, nothing
  else (bench_jira_read.bare);
- the first sync (every plan rated and written back), then one that absorbs our own writes;
- a full reconciliation (`--full`: read everything, judge, write nothing): against the floor;
- a no-change resync: its API calls and writes (the promise: one search page, no write);
- an incremental sync after 1% of the issues changed (a team edits 100 indicators).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_jira_read import bare
from connector.clock import Clock
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sources.jira import JiraSource
from tests.campaign import configure, sync

EDIT = "/rest/api/3/issue/{issueIdOrKey}"


def _timed(work: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def _writes(sandbox: Sandbox) -> int:
    return sandbox.count("PUT", EDIT) + sandbox.count("POST", EDIT + "/comment")


def _change(sandbox: Sandbox, count: int) -> int:
    """A team edits the current value of `count` indicators, one issue each."""
    session = requests.Session()
    session.auth = (sandbox.email, sandbox.token)
    jql = "project = DEL AND issuetype = Indicator"
    params: dict[str, str | int] = {"jql": jql, "fields": "key", "maxResults": count}
    url = f"{sandbox.url}/rest/api/3/search/jql"
    found = session.get(url, params=params, timeout=60).json()["issues"]
    value = sandbox.field_id("Current value")
    for n, issue in enumerate(found):
        url = f"{sandbox.url}/rest/api/3/issue/{issue['key']}"
        session.put(url, json={"fields": {value: 40.0 + n % 50}}, timeout=60).raise_for_status()
    return len(found)


def measure(issues: int = 10_000) -> dict[str, Any]:
    """The figures of the module doc, by name, and `notes`: lines of detail for the CLI."""
    notes: list[str] = []
    clock = Clock()  # one clock for the site and every run against it
    with (
        start_sandbox(seed="empty", clock=clock) as sandbox,
        tempfile.TemporaryDirectory() as folder,
    ):
        _, seeded = _timed(lambda: sandbox.seed_bulk(issues, history=12))
        notes.append(f"seeded {issues:,} issues in {seeded:.1f} s")
        config = configure(Path(folder), sandbox)
        probe = JiraSource("jira", config.sources["jira"], _mapping())  # type: ignore[arg-type]
        probe.connect()
        jql, fields = f"{probe.scope_jql} ORDER BY key ASC", probe.read_fields()
        count, floor = _timed(lambda: bare(sandbox, jql, fields))
        assert count == issues, count
        notes.append(f"bare read floor: {floor:.2f} s for {count:,} issues")
        sandbox.reset_stats()
        _, first_s = _timed(lambda: sync(config, clock, full=True))
        first_calls, first_writes = sandbox.stats()["total"], _writes(sandbox)
        notes.append(f"first sync: {first_s:.1f} s, {first_calls:,} calls, {first_writes:,} writes")
        second = sync(config, clock)  # reads back the issues our own writes touched
        notes.append(f"second sync (absorbs our writes): read {second.counts['read']:,}")
        full, full_s = _timed(lambda: sync(config, clock, full=True))
        notes.append(f"full reconciliation: {full_s:.2f} s, {full.counts['written']} written")
        sandbox.reset_stats()
        quiet = sync(config, clock)
        calls, writes = sandbox.stats()["total"], _writes(sandbox)
        notes.append(
            f"no-change resync: {calls} calls, {writes} writes, read {quiet.counts['read']}"
        )
        changed = _change(sandbox, issues // 100)
        sandbox.reset_stats()
        step, step_s = _timed(lambda: sync(config, clock))
        notes.append(
            f"after {changed} edits: {step_s:.2f} s, read {step.counts['read']}, "
            f"{step.counts['written']} written, {sandbox.stats()['total']} calls"
        )
    return {
        "floor_seconds": floor,
        "first_seconds": first_s,
        "first_calls": first_calls,
        "first_writes": first_writes,
        "full_seconds": full_s,
        "full_writes": full.counts["written"],
        "quiet_calls": calls,
        "quiet_writes": writes,
        "step_seconds": step_s,
        "step_read": step.counts["read"],
        "step_writes": step.counts["written"],
        "notes": notes,
    }


def _mapping() -> Any:
    from mappings.config import load_mapping

    return load_mapping("jira")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    found = measure(args.issues)
    for line in found["notes"]:
        print(line)
    print(f"ratio full sync / bare read: {found['full_seconds'] / found['floor_seconds']:.2f}")


if __name__ == "__main__":
    main()
