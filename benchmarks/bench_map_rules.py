"""Benchmark: map raw Jira JSON onto entities, assemble the architecture, run all rules.

    python benchmarks/bench_map_rules.py [--entities 100000] [--no-tracemalloc]

Generates a portfolio as the pages of 100 issues that `search/jql?expand=names,changelog`
returns (custom fields by id with `names`, ADF paragraphs, user pickers, select options,
`Drives` links, parents, changelogs of `Current value`), lazily, one page at a time, as the
connector receives them (`tests.portfolios.pages`). Times two passes over the same generated
pages:

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
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mappings.config import JiraMapping, load_mapping
from mappings.graph import Architecture
from mappings.jira import map_jira
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from tests.portfolios import JIRA_TODAY as TODAY
from tests.portfolios import pages


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


def judged(entities: int, phases: dict[str, float] | None = None) -> tuple[int, int, float, float]:
    """Generate, map, assemble and judge as a sync does (both rule phases and the likelihood
    of every assessed entity): entities, assessments, seconds, CPU seconds. The seconds of each
    step (generate + map, assemble, rules, assess) are printed, and put in `phases` if given."""
    from connector.config import Config
    from connector.sync.steps import judge_portfolio

    spent: defaultdict[str, float] = defaultdict(float)
    start, cpu = time.perf_counter(), time.process_time()
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    records = map_jira(pages(entities), mapping)
    mapped = time.perf_counter()
    arch = Architecture(records.entities, records.measurements, records.problems)
    assembled = time.perf_counter()
    _, assessments = judge_portfolio(arch, Config(), TODAY, {}, seconds=spent)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    steps = {"generate + map": mapped - start, "assemble": assembled - mapped, **spent}
    shown = ", ".join(f"{name} {step:.2f} s" for name, step in steps.items())
    print(f"  map + rules + assess, {len(arch):,} entities: {shown}", flush=True)
    if phases is not None:
        phases |= steps
    return len(arch), len(assessments), seconds, cpu_seconds


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
    _, assessments, judged_s, judged_cpu = judged(args.entities)
    work = judged_s - gen_s
    print(f"map + rules + assess:       {work:6.2f} s  ({judged_cpu:.2f} s CPU with generation)")
    print(f"assessments:                {assessments:,}")
    print(f"peak memory (ru_maxrss):    {_rss_mb():6.1f} MB  (process, after judging)")
    if not args.no_tracemalloc:
        tracemalloc.start()
        pipeline(args.entities)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak memory (tracemalloc):  {peak / 2**20:6.1f} MB  (Python allocations)")


if __name__ == "__main__":
    main()
