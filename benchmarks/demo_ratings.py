"""The demo portfolio's ratings by kind, and the items that moved since another run of this script.

Run from a checkout's root:  PYTHONPATH=. python benchmarks/demo_ratings.py [--json FILE]
[--compare FILE]. It assesses the sandbox's demo portfolio on its anchor day (2026-11-22) with
the default config and every rule, as docs/likelihood.md's worked example does, and prints the
count of each rating by kind. `--json` keeps each item's rating, five judgements and row;
`--compare` reads such a file (e.g. made on an older checkout: the script needs nothing but
`assess`) and lists every item whose rating or judgements differ, with its row now.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess
from rules.model import LABELS
from tests.likelihood_cases import demo

KINDS = ("target", "strategy", "outcome", "priority")


def ratings() -> dict[str, dict[str, Any]]:
    """Each assessed item of the demo: kind, rating, its five ratings and the table's row."""
    case = demo()
    judged = assess(case.arch, run_rules(case.arch, RulesConfig(), case.ctx), case.ctx)
    return {
        key: {
            "kind": a.kind,
            "rating": int(a.likelihood),
            "judgements": [rating for _, rating, _ in a.judged],
            "row": getattr(a, "row", ""),  # an older checkout has no row
        }
        for key, a in judged.items()
    }


def counts(items: dict[str, dict[str, Any]]) -> list[str]:
    found = Counter((item["kind"], item["rating"]) for item in items.values())
    return [
        f"{kind:<9} " + "  ".join(f"{LABELS[r]} {found[kind, r]:>2}" for r in (1, 2, 3, 4))
        for kind in KINDS
    ]


def moves(before: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for key, item in now.items():
        was = before.get(key)
        if was is None or (was["rating"], was["judgements"]) == (
            item["rating"],
            item["judgements"],
        ):
            continue
        judged = (
            "-".join(map(str, was["judgements"])) + " → " + "-".join(map(str, item["judgements"]))
        )
        lines.append(f"{key:<13} {was['rating']} → {item['rating']}  {judged}  row {item['row']}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write each item's rating and row here")
    parser.add_argument("--compare", type=Path, help="a --json file of another run")
    args = parser.parse_args()
    items = ratings()
    print("\n".join(counts(items)))
    if args.json:
        args.json.write_text(json.dumps(items, indent=1, sort_keys=True), encoding="utf-8")
    if args.compare:
        print("\n".join(moves(json.loads(args.compare.read_text(encoding="utf-8")), items)))


if __name__ == "__main__":
    main()
