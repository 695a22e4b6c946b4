"""The fuzz campaign: 10,000 malformed Jira issues and 10,000 Airtable records, mapped, ruled
and judged as a sync does; none may crash it, and each must show as an RD9xx finding.

    python benchmarks/campaign_fuzz.py [--records 10000] [--most 10] [--seed 1]

The strategies and the property are those of `tests/test_fuzz_records.py` (real demo records,
broken 1..`--most` at a time the ways real data breaks); this runs them until `--records`
records of each tool have been broken, and prints the count and the findings' codes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from connector.sandbox.server import start_sandbox
from tests.test_fuzz_records import TODAY, Site, airtable_site, check_site, flagged, jira_site

ROUND = 200  # examples per hypothesis run; runs repeat, each with its own seed


def fuzz(site: Site, records: int, most: int, first_seed: int) -> tuple[Counter[str], int]:
    """Break `records` records of the site, `most` at most per example.

    Returns the codes the broken records were flagged with (a record may have several; the
    key "records" counts the records) and the number of examples."""
    codes: Counter[str] = Counter()
    examples = 0

    @settings(
        max_examples=ROUND,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        nonlocal examples
        for found in check_site(site, data, most).values():
            codes.update(found)
            codes["records"] += 1
        examples += 1

    run = 0
    while codes["records"] < records:
        seed(first_seed * 1000 + run)(prop)()
        run += 1
    return codes, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="to break, per tool")
    parser.add_argument("--most", type=int, default=10, help="records broken per example")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("rdsync").setLevel(logging.ERROR)  # one warning per record is noise here
    with start_sandbox(seed="demo", anchor=TODAY) as sandbox:
        sandbox.airtable.rate_limit_per_second = None
        sites = {"jira": jira_site(sandbox), "airtable": airtable_site(sandbox)}
    passed = 0
    for tool, site in sites.items():
        site.planted = set(flagged(site, dict(site.records)))
        started = time.monotonic()
        try:
            codes, examples = fuzz(site, args.records, args.most, args.seed)
        except AssertionError as failure:  # hypothesis has shrunk it: show it and go on
            print(f"{tool}: FAILED\n{failure}")
            continue
        passed += 1
        broken = codes.pop("records")
        shown = ", ".join(f"{code} {n:,}" for code, n in sorted(codes.items()))
        print(
            f"{tool}: {broken:,} malformed records in {examples:,} portfolios, "
            f"{time.monotonic() - started:.0f} s: 0 crashes, {broken:,}/{broken:,} shown as "
            f"RD9xx findings ({shown})"
        )
    print(f"fuzz campaign: {passed}/{len(sites)} tools passed")
    sys.exit(0 if passed == len(sites) else 1)


if __name__ == "__main__":
    main()
