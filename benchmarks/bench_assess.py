"""Benchmark: the likelihood assessment of a 100,000-entity portfolio against the rules' time.

Run from the repository root:  python benchmarks/bench_assess.py [--portfolio plans|jira]

Two portfolios of about 100,000 entities, from tests/portfolios.py:
- `plans` (the default) builds the Architecture directly from models (no mapping, no I/O): per
  priority 2 outcomes, 4 indicators with 24 monthly measurements each, 8 targets, 5 strategies
  with 4 milestones and 3 risks each, 55 entities, so 1,820 priorities make about 100,000;
  one plan in six has stale data, one strategy in twenty no owner (36,841 findings);
- `jira` maps the 100,000 issues that `bench_map_rules.py` maps (the issue-2 benchmark: clean
  data, 5,714 findings, 8 measurements an indicator from the changelog).

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
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess
from tests.portfolios import PLANS_TODAY, build, jira_portfolio


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
        arch, today = build(priorities), PLANS_TODAY
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
