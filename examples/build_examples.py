"""Writes the example portfolio as raw Jira and Airtable JSON (and its A&E part as a real base
holds it), and the bad-input example.

    python examples/build_examples.py [--out DIR]

The JSON files in examples/ are this script's output; tests/test_examples.py checks that they
are up to date, so edit portfolio.py and rerun rather than editing JSON by hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import airtable_json
import airtable_real
import jira_dc_json
import jira_json
from portfolio import ITEMS, NSW, Item

HERE = Path(__file__).resolve().parent

# Bad input: each item carries one of the problems `rdsync check` must survive.
BAD_ITEMS: list[Item] = [
    Item("DEL-101", "Priority", "Protecting our kids", NSW, "2025-06-02T09:00",
         owners=("mehta",)),
    Item("DEL-102", "Outcome", "Fewer children re-reported at risk of significant harm", NSW,
         "2025-06-02T09:05", parent="DEL-101", owners=("raman",)),
    Item("DEL-103", "Indicator", "Children re-reported at risk within 12 months", NSW,
         "2025-06-20T10:00", parent="DEL-102",
         fields={"Unit": "%", "Data source": "Department of Communities and Justice"},
         history=(("2024-07-01", 31.0), ("2024-12-31", 30.1), ("2025-06-20", 29.4))),
    Item("DEL-104", "Target", "15% fewer children re-reported by 2027", NSW,
         "2025-06-03T11:00", parent="DEL-103",
         fields={"Baseline value": "n/a", "Baseline date": "2024-07-01",
                 "Target value": 26.4, "Target date": "31/02/2025", "Direction": "Decrease",
                 "Trajectory": "2025-06-30: 29.5\n2026-06-30: 28"}),
    Item("DEL-105", "Outcome", "Safer homes", NSW, "2025-06-04T09:00", parent="DEL-107",
         owners=("raman",)),
    Item("DEL-106", "Outcome", "Earlier help for families", NSW, "2025-06-04T09:01",
         parent="DEL-105", owners=("raman",)),
    Item("DEL-107", "Outcome", "Fewer children in care", NSW, "2025-06-04T09:02",
         parent="DEL-106", owners=("raman",)),
    Item("DEL-108", "Strategy", "Intensive family preservation", NSW, "2025-06-05T14:00",
         owners=("nguyen",), drives=("DEL-999",),
         fields={"Start date": "2024-07-01", "End date": "2027-06-30"}),
    Item("DEL-109", "Bug", "Dashboard shows the wrong quarter", NSW, "2025-06-06T08:30"),
    Item("DEL-110", "Risk", "", NSW, "2025-06-06T08:40", parent="DEL-108",
         fields={"Mitigation": "Weekly case reviews."}),
    Item("DEL-111", "Milestone", "Caseworkers trained in all districts", NSW,
         "2025-06-06T08:50", parent="OPS-7", fields={"Due date": "2025-12-31"}),
]  # fmt: skip


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def build(out: Path) -> list[Path]:
    """Write every example file under `out`; returns the paths written."""
    written: list[Path] = []
    for number, page in enumerate(jira_json.search_pages(ITEMS, page_size=20), start=1):
        written.append(out / "jira" / f"search-page-{number}.json")
        write_json(written[-1], page)
    written.append(out / "airtable" / "meta.json")
    write_json(written[-1], airtable_json.schema())
    for table, response in airtable_json.table_responses(ITEMS).items():
        written.append(out / "airtable" / f"{table}.json")
        write_json(written[-1], response)
    written.append(out / "airtable-real" / "meta.json")
    write_json(written[-1], airtable_real.schema())
    for table, response in airtable_real.table_responses().items():
        written.append(out / "airtable-real" / f"{table}.json")
        write_json(written[-1], response)
    written.append(out / "bad" / "jira" / "search.json")
    write_json(written[-1], jira_json.search_pages(BAD_ITEMS, page_size=100)[0])
    return written


def build_data_center(out: Path) -> list[Path]:
    """Write the Data Center export (jira-dc/) under `out`; returns the paths written."""
    written: list[Path] = []
    for number, page in enumerate(jira_dc_json.search_pages(ITEMS, page_size=20), start=1):
        written.append(out / "jira-dc" / f"search-startat-{(number - 1) * 20}.json")
        write_json(written[-1], page)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args()
    for path in [*build(args.out), *build_data_center(args.out)]:
        print(path)


if __name__ == "__main__":
    main()
