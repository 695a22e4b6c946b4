"""Benchmark: the likelihood assessment of a 100,000-entity portfolio against the rules' time.

Run from the repository root:  python benchmarks/bench_assess.py [--portfolio plans|jira]

Two portfolios of about 100,000 entities:
- `plans` (the default) builds the Architecture directly from models (no mapping, no I/O): per
  priority 2 outcomes, 4 indicators with 24 monthly measurements each, 8 targets, 5 strategies
  with 4 milestones and 3 risks each, 55 entities, so 1,820 priorities make about 100,000;
  one plan in six has stale data, one strategy in twenty no owner (36,841 findings);
- `jira` maps the 100,000 issues of `bench_map_rules.py` (the issue-2 benchmark: clean data,
  5,714 findings, 8 measurements an indicator from the changelog).

It times, alternately, the rules a sync runs before the likelihood (`run_rules`, architecture
phase), the likelihood (`rules.likelihood.assess`), and the rules it runs after (RD403,
RD405: the assessment phase), and prints each and the ratios; the likelihood should add no more
than the rules take (ratio <= 1). It also times the likelihood on a context of its own, which
does not find the facts the rules computed for the run (`RuleContext.trend`, `.progress`,
`.required`, `.by_kind`): what `assess` costs when called alone.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mappings.graph import Architecture
from mappings.model import (
    Direction,
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Person,
    Priority,
    Risk,
    Strategy,
    Target,
    TrajectoryPoint,
    _Entity,
)
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess

TODAY = date(2026, 11, 22)
PEOPLE = [Person(id=f"557058:{n:05d}", name=f"Lead {n}") for n in range(400)]


def _target(rnd: random.Random, key: str, parent: str, base: float, sign: int) -> Target:
    direction = Direction.INCREASE if sign > 0 else Direction.DECREASE
    start, end = TODAY - timedelta(days=730), TODAY + timedelta(days=rnd.randint(200, 1400))
    goal = base + sign * rnd.uniform(10, 60)
    mid = start + (end - start) / 2
    return Target(
        key=key,
        parent_key=parent,
        baseline_value=base,
        baseline_date=start,
        target_value=goal,
        target_date=end,
        direction=direction,
        trajectory=[TrajectoryPoint(at=mid, value=(base + goal) / 2)] if rnd.random() < 0.7 else [],
    )


def _strategy(rnd: random.Random, key: str, drives: list[str]) -> list[_Entity]:
    owners = [rnd.choice(PEOPLE)] if rnd.random() < 0.95 else []
    found: list[_Entity] = [
        Strategy(
            key=key,
            drives=drives,
            owners=owners,
            start_date=TODAY - timedelta(days=rnd.randint(100, 900)),
            end_date=TODAY + timedelta(days=rnd.randint(100, 1200)),
            rationale="theory of action",
            resources="team of 6" if rnd.random() < 0.9 else None,
            delivery_chain="department → regions → sites" if rnd.random() < 0.85 else None,
            success_definition="target met on trajectory",
        )
    ]
    for m in range(4):
        due = TODAY + timedelta(days=rnd.randint(-400, 400))
        done = due < TODAY and rnd.random() < 0.8
        found.append(Milestone(key=f"{key}-M{m}", parent_key=key, due=due, done=done))
    for r in range(3):
        mitigation = "weekly check" if rnd.random() < 0.9 else None
        found.append(Risk(key=f"{key}-R{r}", parent_key=key, mitigation=mitigation))
    return found


def build(priorities: int, seed: int = 7) -> Architecture:
    """A deterministic portfolio of `priorities` plans of 55 entities each."""
    rnd = random.Random(seed)
    entities: list[_Entity] = []
    measurements: list[Measurement] = []
    for p in range(priorities):
        pk = f"P{p}"
        entities.append(Priority(key=pk, owners=[rnd.choice(PEOPLE)], department=f"D{p % 40}"))
        targets: list[str] = []
        for o in range(2):
            ok = f"{pk}-O{o}"
            entities.append(Outcome(key=ok, parent_key=pk, owners=[rnd.choice(PEOPLE)]))
            for i in range(2):
                ik = f"{ok}-I{i}"
                entities.append(Indicator(key=ik, parent_key=ok, unit="%", data_source="returns"))
                base = rnd.uniform(20, 80)
                sign = rnd.choice([1, -1])
                slope = sign * rnd.uniform(-0.5, 2)  # most indicators move toward their targets
                last = rnd.choice([30, 30, 30, 30, 30, 200])  # one in six goes stale
                for month in range(24):
                    at = TODAY - timedelta(days=last + 30 * (23 - month))
                    value = base + slope * month + rnd.uniform(-1, 1)
                    measurements.append(Measurement(indicator_key=ik, at=at, value=value))
                for t in range(2):
                    targets.append(f"{ik}-T{t}")
                    entities.append(_target(rnd, f"{ik}-T{t}", ik, base, sign))
        for s in range(5):  # every target driven: strategy s drives targets s and s + 5
            drives = targets[s::5]
            entities += _strategy(rnd, f"{pk}-S{s}", drives)
    return Architecture(entities, measurements)


def jira_portfolio(entities: int = 100_000) -> tuple[Architecture, date]:
    """The issue-2 benchmark's portfolio, mapped, and the day it is judged on."""
    from benchmarks.bench_map_rules import TODAY as MAPPED_ON
    from benchmarks.bench_map_rules import pages
    from mappings.config import JiraMapping, load_mapping
    from mappings.jira import map_jira

    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    records = map_jira(pages(entities), mapping)
    return Architecture(records.entities, records.measurements, records.problems), MAPPED_ON


def measure(priorities: int = 1820, repeat: int = 5, portfolio: str = "plans") -> dict[str, Any]:
    """Build the portfolio, then time the two rule phases and the assessment, alternately,
    `repeat` times each (so that a busy machine slows all alike); the best of each.

    Each round has a context of its own, as each sync run does (the rules fit each
    indicator's trend and the likelihood reads the fit: `RuleContext.trend`). Each timing starts
    from a collected heap (`gc.collect()`), with the collector running as it does in a sync: a
    full collection that another phase's garbage would trigger is not charged to the phase that
    happens to cross the threshold.
    """
    started = time.perf_counter()
    if portfolio == "jira":
        arch, today = jira_portfolio(priorities * 55)
    else:
        arch, today = build(priorities), TODAY
    built = time.perf_counter() - started
    config = RulesConfig()
    rules_s, rating_s, assess_s, alone_s = [], [], [], []
    for _ in range(repeat):
        ctx = RuleContext(today=today, thresholds=config.thresholds)  # one a run, as a sync
        gc.collect()
        started = time.process_time()
        findings = run_rules(arch, config, ctx)
        rules_s.append(time.process_time() - started)
        gc.collect()
        started = time.process_time()
        assessed = assess(arch, findings, ctx)
        assess_s.append(time.process_time() - started)
        alone = RuleContext(today=today, thresholds=config.thresholds)  # facts not shared
        gc.collect()
        started = time.process_time()
        assess(arch, findings, alone)
        alone_s.append(time.process_time() - started)
        judged = ctx.model_copy(update={"assessments": assessed})
        gc.collect()
        started = time.process_time()
        rated = run_rules(arch, config, judged, phase="assessment")
        rating_s.append(time.process_time() - started)
    return {
        "portfolio": portfolio,
        "entities": len(arch),
        "measurements": sum(map(len, arch.measurements.values())),
        "built_seconds": built,
        "rules_seconds": min(rules_s),
        "rating_rules_seconds": min(rating_s),
        "assess_seconds": min(assess_s),
        "assess_alone_seconds": min(alone_s),
        "findings": len(findings),
        "rating_findings": len(rated),
        "assessments": len(assessed),
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", choices=("plans", "jira"), default="plans")
    parser.add_argument("--priorities", type=int, default=1820, help="x 55 entities")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best of each is shown")
    args = parser.parse_args()
    found = measure(args.priorities, args.repeat, args.portfolio)
    print(
        f"portfolio {found['portfolio']}: {found['entities']:,} entities, "
        f"{found['measurements']:,} measurements, built in {found['built_seconds']:.1f} s"
    )
    best = f"s CPU, best of {args.repeat}"
    rules, rating, judged = (
        found["rules_seconds"],
        found["rating_rules_seconds"],
        found["assess_seconds"],
    )
    print(f"rules, architecture phase: {rules:6.2f} {best}  ({found['findings']:,} findings)")
    print(f"likelihood (assess):       {judged:6.2f} {best}  ({found['assessments']:,} assessed)")
    print(f"rules, assessment phase:   {rating:6.2f} {best}  (RD403, RD405)")
    alone = found["assess_alone_seconds"]
    print(f"likelihood alone:          {alone:6.2f} {best}  (a context the rules did not fill)")
    print(f"ratio assess / architecture-phase rules:              {judged / rules:.2f}")
    print(f"ratio assess / all rules:                             {judged / (rules + rating):.2f}")
    print(f"ratio (assess + assessment-phase rules) / the others: {(judged + rating) / rules:.2f}")


if __name__ == "__main__":
    main()
