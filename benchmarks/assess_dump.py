"""Every assessment of a benchmark portfolio as JSON lines, and their digest: run it before and
after a change to the likelihood code to prove the change leaves every rating and text as it was.

    python benchmarks/assess_dump.py [--portfolio plans|jira] [--priorities 300] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess
from rules.model import Rating
from tests.portfolios import PLANS_TODAY, build, jira_portfolio


def dump(portfolio: str, priorities: int) -> str:
    """The assessments, one JSON object a line, by key. Every third priority and every second
    outcome of the plans portfolio was Red or Amber/Red before, so triage runs as in a sync."""
    if portfolio == "jira":
        arch, today = jira_portfolio(priorities * 55)
        previous: dict[str, Rating] = {}
    else:
        arch, today = build(priorities), PLANS_TODAY
        previous = {f"P{p}": Rating.RED for p in range(0, priorities, 3)}
        previous |= {f"P{p}-O0": Rating.AMBER_RED for p in range(0, priorities, 2)}
    config = RulesConfig()
    ctx = RuleContext(today=today, thresholds=config.thresholds, previous=previous)
    assessed = assess(arch, run_rules(arch, config, ctx), ctx)
    return "\n".join(a.model_dump_json() for a in assessed.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", choices=("plans", "jira"), default="plans")
    parser.add_argument("--priorities", type=int, default=300, help="x 55 entities")
    parser.add_argument("--out", type=Path, help="write the JSON lines here")
    args = parser.parse_args()
    text = dump(args.portfolio, args.priorities)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(f"{hashlib.sha256(text.encode()).hexdigest()}  {text.count(chr(10)) + 1} assessments")


if __name__ == "__main__":
    main()
