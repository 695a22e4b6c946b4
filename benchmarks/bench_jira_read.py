"""Benchmark: a full Jira read through the connector (with mapping) against bare client paging.

Run from the repository root:  python benchmarks/bench_jira_read.py [--issues 10000] [--runs 5]

Seeds a sandbox with `--issues` synthetic issues (project DEL, 12 changes of `Current value`
per indicator) into a state file, serves it from a process of its own as a real site is served
from elsewhere (benchmarks/served.py), and times, alternately, `--runs` times each:

- bare: `jira.JIRA` construction and `enhanced_search_issues(json_result=True)` paging the
  same JQL and fields as the connector, 100 a page, then the same `changelog/bulkfetch`
  requests for the indicators' `Current value`, doing nothing else;
- connector: `JiraSource.read()` (sign-in, field list, paging under the retry policy, the
  boundary bookkeeping, the bulk changelog fetch) and `JiraSource.map()` onto entities.

It prints the best time of each, issues per second and the ratio connector / bare (aim <= 1.25),
and the best client CPU time of each (this process's, all its threads: what the ratio is made
of once the site's own time is taken out, and far steadier than wall time on a shared machine).
With the site in this process, both sides' garbage collections would walk the site's own stored
data too (about 0.45 s of a bare read of 10,000 issues), and the connector's freezing of the
heap during a read would spare it that walk: a saving no real site would give.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jira import JIRA

from benchmarks.served import Site, served
from connector.config import JiraSourceConfig
from connector.sources.jira import JiraSource
from mappings.config import JiraMapping, load_mapping


def bare(sandbox: Site, jql: str, fields: list[str]) -> int:
    """The calls a full read makes, nothing more: search pages, then the indicators' history."""
    client = JIRA(
        server=sandbox.url,
        basic_auth=(sandbox.email, sandbox.token),
        options={"rest_api_version": "3"},
        max_retries=0,
        timeout=60,
    )
    token: str | None = None
    issues, indicators = 0, []
    while True:
        page = client.enhanced_search_issues(
            jql, nextPageToken=token, maxResults=100, fields=list(fields), json_result=True
        )
        assert isinstance(page, dict)
        issues += len(page["issues"])
        indicators += [
            i["id"] for i in page["issues"] if i["fields"]["issuetype"]["name"] == "Indicator"
        ]
        token = page.get("nextPageToken")
        if not token:
            break
    url, value = client._get_url("changelog/bulkfetch"), sandbox.field_id("Current value")
    for start in range(0, len(indicators), 1000):
        body: dict[str, Any] = {"issueIdsOrKeys": indicators[start : start + 1000]}
        body |= {"fieldIds": [value], "maxResults": 10_000}
        while True:
            answer = client._session.post(url, data=json.dumps(body)).json()
            if not answer.get("nextPageToken"):
                break
            body["nextPageToken"] = answer["nextPageToken"]
    return issues


def connector(sandbox: Site, mapping: JiraMapping) -> tuple[int, int]:
    config = JiraSourceConfig(
        type="jira", url=sandbox.url, email=sandbox.email, projects=["DEL"], timeout_seconds=60
    ).with_token(sandbox.token)
    source = JiraSource("jira", config, mapping)
    result = source.read()
    mapped = source.map(result.records)
    return len(result.records), len(mapped.entities)


def measure(issues: int = 10_000, runs: int = 5) -> dict[str, Any]:
    """Seed, then time bare paging and connector + map alternately; the best of each."""
    logging.getLogger("jira").setLevel(logging.WARNING)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    with served(issues) as (sandbox, seeded):
        probe = JiraSource(
            "jira",
            JiraSourceConfig(
                type="jira", url=sandbox.url, email=sandbox.email, projects=["DEL"]
            ).with_token(sandbox.token),
            mapping,
        )
        probe.connect()
        jql, fields = f"{probe.scope_jql} ORDER BY key ASC", probe.read_fields()
        times: dict[str, list[float]] = {"bare": [], "connector": []}
        cpu: dict[str, list[float]] = {"bare": [], "connector": []}  # this process's, all threads
        for _ in range(runs):
            started, busy = time.perf_counter(), time.process_time()
            count = bare(sandbox, jql, fields)
            times["bare"].append(time.perf_counter() - started)
            cpu["bare"].append(time.process_time() - busy)
            started, busy = time.perf_counter(), time.process_time()
            read, entities = connector(sandbox, mapping)
            times["connector"].append(time.perf_counter() - started)
            cpu["connector"].append(time.process_time() - busy)
            assert read == count == issues, (read, count)
    return {
        "issues": issues,
        "seeded_seconds": seeded,
        "fields": len(fields),
        "entities": entities,
        "bare_seconds": min(times["bare"]),
        "connector_seconds": min(times["connector"]),
        "bare_cpu_seconds": min(cpu["bare"]),
        "connector_cpu_seconds": min(cpu["connector"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    found = measure(args.issues, args.runs)
    issues, best_bare, best_connector = (
        found["issues"],
        found["bare_seconds"],
        found["connector_seconds"],
    )
    print(f"seeded {issues:,} issues in {found['seeded_seconds']:.1f} s")
    print(f"fields asked: {found['fields']}; entities mapped: {found['entities']:,}")
    print(f"bare client paging: {best_bare:6.2f} s  ({issues / best_bare:8,.0f} issues/s)")
    print(
        f"connector + map:    {best_connector:6.2f} s  ({issues / best_connector:8,.0f} issues/s)"
    )
    print(f"ratio connector / bare: {best_connector / best_bare:.2f} (aim <= 1.25)")
    bare_cpu, connector_cpu = found["bare_cpu_seconds"], found["connector_cpu_seconds"]
    print(f"client CPU, best of each: bare {bare_cpu:.2f} s, connector + map {connector_cpu:.2f} s")


if __name__ == "__main__":
    main()
