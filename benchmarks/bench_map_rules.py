"""Benchmark: map raw Jira JSON onto entities, assemble the architecture, run all rules.

    python benchmarks/bench_map_rules.py [--entities 100000] [--no-tracemalloc]

Generates a portfolio as the pages of 100 issues that `search/jql?expand=names,changelog`
returns (custom fields by id with `names`, ADF paragraphs, user pickers, select options,
`Drives` links, parents, changelogs of `Current value`), lazily, one page at a time, as the
connector receives them. Times two passes over the same generated pages:

- baseline: generate the pages and walk every issue's JSON (touching each field);
- pipeline: generate the pages, `map_jira`, `Architecture(...)`, `run_rules` (all rules).

Map + assemble + rules is the pipeline minus the generation time. A third pass under
tracemalloc gives the peak of Python allocations; ru_maxrss is the process peak.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mappings.config import JiraMapping, load_mapping
from mappings.graph import Architecture
from mappings.jira import map_jira
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules

SITE = "https://bench.atlassian.net/rest/api/3"
TODAY = date(2025, 6, 30)
FIELDS = {
    "Accountable owner": "customfield_10040",
    "Unit": "customfield_10041",
    "Data source": "customfield_10042",
    "Current value": "customfield_10043",
    "Baseline value": "customfield_10044",
    "Baseline date": "customfield_10045",
    "Target value": "customfield_10046",
    "Target date": "customfield_10047",
    "Direction": "customfield_10048",
    "Trajectory": "customfield_10049",
    "Start date": "customfield_10015",
    "Rationale": "customfield_10051",
    "Scale": "customfield_10052",
    "Resources": "customfield_10053",
    "Definition of success": "customfield_10054",
    "Delivery chain": "customfield_10055",
    "Mitigation": "customfield_10056",
    "Impact": "customfield_10057",
    "Difficulty": "customfield_10058",
    "Department": "customfield_10059",
}
NAMES = {fid: name for name, fid in FIELDS.items()} | {
    "summary": "Summary",
    "status": "Status",
    "duedate": "Due date",
    "updated": "Updated",
    "parent": "Parent",
    "issuelinks": "Linked Issues",
}
F = FIELDS
# One unit of the portfolio: a priority, 2 outcomes, 4 indicators and targets, 4 strategies
# (each driving one target) with 3 milestones and 2 risks each: 35 issues.
UNIT: list[tuple[str, int | None]] = [("Priority", None)]
UNIT += [("Outcome", 0)] * 2
UNIT += [("Indicator", 1 + i // 2) for i in range(4)]
UNIT += [("Target", 3 + i) for i in range(4)]
UNIT += [("Strategy", None)] * 4
UNIT += [("Milestone", 11 + i // 3) for i in range(12)]
UNIT += [("Risk", 11 + i // 2) for i in range(8)]
STATUS = {
    "open": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
    "done": {"name": "Done", "statusCategory": {"key": "done"}},
}


def _adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]}
            for line in text.splitlines()
        ],
    }


def _user(n: int) -> dict[str, Any]:
    return {"accountId": f"712020:bench-{n:06d}", "displayName": f"Leader {n}", "active": True}


def _changelog(key: str, n: int) -> dict[str, Any]:
    histories = []
    for step in range(8):
        day = date(2024, 7, 1) + timedelta(days=45 * step)
        histories.append(
            {
                "id": f"{n}{step}",
                "created": f"{day.isoformat()}T09:00:00.000+1000",
                "items": [
                    {
                        "field": "Current value",
                        "fieldtype": "custom",
                        "fieldId": F["Current value"],
                        "fromString": None,
                        "toString": f"{1000 + 40 * step + n % 7:,}",
                    }
                ],
            }
        )
    return {"startAt": 0, "maxResults": 8, "total": 8, "histories": histories[::-1]}


_PROFILE_TEXT = _adf("A theory of action.\nIn two paragraphs.")
STRATEGY_PROFILE = {
    F["Start date"]: "2024-07-01",
    "duedate": "2027-06-30",
    F["Rationale"]: _PROFILE_TEXT,
    F["Scale"]: _PROFILE_TEXT,
    F["Resources"]: _PROFILE_TEXT,
    F["Definition of success"]: _PROFILE_TEXT,
    F["Delivery chain"]: _PROFILE_TEXT,
    F["Impact"]: {"value": "3 - High"},
    F["Difficulty"]: {"value": "2 - Moderate"},
}


def _fields(kind: str, n: int, unit: int, parent: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "summary": f"{kind} {n}: a realistic summary of about this length",
        "issuetype": {"name": kind},
        "status": STATUS["done" if kind == "Milestone" and n % 3 == 0 else "open"],
        "labels": [],
        "updated": "2025-06-20T10:00:00.000+1000",
        "parent": {"key": parent} if parent else None,
        "issuelinks": [],
        F["Department"]: {"value": f"Department {unit // 5}"},
    }
    if kind in ("Priority", "Outcome", "Strategy"):
        fields[F["Accountable owner"]] = [_user(n % 20000)]
    if kind == "Indicator":
        fields[F["Unit"]] = "%"
        fields[F["Data source"]] = "Quarterly survey"
        fields[F["Current value"]] = 1280 + n % 7
    elif kind == "Target":
        fields |= {
            F["Baseline value"]: 1000,
            F["Baseline date"]: "2024-07-01",
            F["Target value"]: 1600,
            F["Target date"]: "2027-06-30",
            F["Direction"]: {"value": "Increase"},
            F["Trajectory"]: _adf("2025-06-30: 1,200\n2026-06-30: 1,400"),
        }
    elif kind == "Strategy":
        fields |= STRATEGY_PROFILE
    elif kind == "Milestone":
        fields["duedate"] = "2025-03-31" if n % 3 == 0 else "2025-12-31"
    elif kind == "Risk" and n % 5:
        fields[F["Mitigation"]] = _adf("Weekly review with the delivery unit.")
    return fields


def _unit_issues(unit: int) -> list[dict[str, Any]]:
    base = unit * len(UNIT)
    keys = [f"BEN-{base + i + 1}" for i in range(len(UNIT))]
    issues = []
    for i, (kind, parent_index) in enumerate(UNIT):
        n = base + i + 1
        parent = keys[parent_index] if parent_index is not None else None
        fields = _fields(kind, n, unit, parent)
        issue: dict[str, Any] = {"id": str(n), "self": f"{SITE}/issue/{n}", "key": keys[i]}
        if kind == "Strategy":
            target = keys[7 + (i - 11)]
            link = {"type": {"name": "Drives"}, "outwardIssue": {"key": target}}
            fields["issuelinks"] = [link]
        if kind == "Indicator":
            issue["changelog"] = _changelog(keys[i], n)
        issue["fields"] = fields
        issues.append(issue)
    return issues


def pages(entities: int, page_size: int = 100) -> Iterator[dict[str, Any]]:
    """The search/jql responses for a portfolio of about `entities` issues, lazily."""
    buffer: list[dict[str, Any]] = []
    for unit in range(max(1, entities // len(UNIT))):
        buffer.extend(_unit_issues(unit))
        while len(buffer) >= page_size:
            yield {"issues": buffer[:page_size], "names": NAMES, "nextPageToken": "t"}
            buffer = buffer[page_size:]
    if buffer:
        yield {"issues": buffer, "names": NAMES}


def _walk(node: Any) -> int:
    if isinstance(node, dict):
        return sum(_walk(value) for value in node.values()) + 1
    if isinstance(node, list):
        return sum(_walk(value) for value in node) + 1
    return 1


def baseline(entities: int) -> tuple[int, float, float]:
    """Generate the pages and walk every issue: the cost of the input alone.

    Returns the issues walked, the seconds in all, and the seconds spent generating.
    """
    start = time.perf_counter()
    generated = 0.0
    issues = 0
    it = pages(entities)
    while True:
        t0 = time.perf_counter()
        page = next(it, None)
        generated += time.perf_counter() - t0
        if page is None:
            break
        for issue in page["issues"]:
            _walk(issue)
            issues += 1
    return issues, time.perf_counter() - start, generated


def pipeline(entities: int) -> tuple[int, int, float, float]:
    """Generate, map, assemble and run every rule: entities, findings, seconds, CPU seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    records = map_jira(pages(entities), mapping)
    arch = Architecture(records.entities, records.measurements, records.problems)
    config = RulesConfig()
    findings = run_rules(arch, config, RuleContext(today=TODAY, thresholds=config.thresholds))
    return len(arch), len(findings), time.perf_counter() - start, time.process_time() - cpu


def judged(entities: int) -> tuple[int, int, float, float]:
    """Generate, map, assemble and judge as a sync does (both rule phases and the likelihood
    of every assessed entity): entities, assessments, seconds, CPU seconds."""
    from connector.config import Config
    from connector.sync_core import judge

    start, cpu = time.perf_counter(), time.process_time()
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    records = map_jira(pages(entities), mapping)
    arch = Architecture(records.entities, records.measurements, records.problems)
    _, assessments = judge(arch, Config(), TODAY, {})
    return len(arch), len(assessments), time.perf_counter() - start, time.process_time() - cpu


def measure(entities: int = 100_000) -> dict[str, Any]:
    """The three passes (input alone, map + rules, map + rules + likelihood) and the peak
    memory of the process (run it in a process of its own for a fair figure)."""
    issues, base_s, gen_s = baseline(entities)
    mapped, findings, pipe_s, _ = pipeline(entities)
    _, assessments, judged_s, _ = judged(entities)
    return {
        "issues": issues,
        "entities": mapped,
        "findings": findings,
        "assessments": assessments,
        "baseline_seconds": base_s,
        "generation_seconds": gen_s,
        "map_rules_seconds": pipe_s - gen_s,
        "map_rules_assess_seconds": judged_s - gen_s,
        "peak_rss_mb": _rss_mb(),
    }


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the memory pass")
    args = parser.parse_args()
    issues, base_s, gen_s = baseline(args.entities)
    mapped, findings, pipe_s, pipe_cpu = pipeline(args.entities)
    rss = _rss_mb()
    work_s = pipe_s - gen_s
    print(f"issues generated:           {issues:,} in pages of 100")
    print(f"baseline (generate + walk): {base_s:6.2f} s  (generation alone {gen_s:.2f} s)")
    print(f"pipeline (generate + map + assemble + rules): {pipe_s:6.2f} s ({pipe_cpu:.2f} s CPU)")
    print(f"map + assemble + rules:     {work_s:6.2f} s  = {mapped / work_s:,.0f} entities/s")
    print(f"ratio pipeline / baseline:  {pipe_s / base_s:5.1f}x")
    print(f"entities mapped:            {mapped:,}; findings: {findings:,}")
    print(f"peak memory (ru_maxrss):    {rss:6.1f} MB  (process, after the pipeline)")
    if not args.no_tracemalloc:
        tracemalloc.start()
        pipeline(args.entities)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak memory (tracemalloc):  {peak / 2**20:6.1f} MB  (Python allocations)")


if __name__ == "__main__":
    main()
