"""Benchmark: write back 2,000 Airtable records at Airtable's 5 requests per second per base.

Run from the repository root:  python benchmarks/bench_airtable_writeback.py [--records 2000]

Creates `--records` targets in a sandbox base (its rate limit lifted while seeding), reads
them through `AirtableSource`, plans a full write-back (likelihood, rationale, gaps, last
assessed) for every one, then turns the sandbox's 5-per-second limit on and times
`AirtableSource.apply`: `batch_update`, 10 records a request, under the client-side limiter.
It prints records per second (aim >= 45) and the 429s the sandbox answered (aim 0).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyairtable

from connector.config import AirtableSourceConfig
from connector.sandbox.server import start_sandbox
from connector.sources.airtable import AirtableSource
from connector.sources.ratelimit import RateLimiter
from connector.sync.plan import DesiredValues, plan_writeback
from mappings.config import AirtableMapping, load_mapping

RATINGS = ("1 - Red", "2 - Amber/Red", "3 - Amber/Green", "4 - Green")


def desired(index: int, now: datetime) -> DesiredValues:
    return DesiredValues(
        likelihood=RATINGS[index % 4],
        rationale=(
            f"Degree of the challenge: {index % 4 + 1} - needs 2.{index % 10} a year\n"
            "Evidence of progress: 2 - 61.0 against 64.5 planned"
        ),
        gaps="RD309 target-without-trajectory: no intermediate targets — Fix: add a trajectory",
        assessed=now,
    )


def measure(records: int = 2000) -> dict[str, Any]:
    """Write back `records` targets under the 5-per-second limit; what it took."""
    mapping = load_mapping("airtable")
    assert isinstance(mapping, AirtableMapping)
    with start_sandbox(seed="empty") as sandbox:
        sandbox.airtable.rate_limit_per_second = None
        api = pyairtable.Api(sandbox.token, endpoint_url=sandbox.url, retry_strategy=None)
        base = api.bases()[0]
        base.table("Targets").batch_create(
            [{"Name": f"Target {i:05d}", "Target value": 50 + i % 40} for i in range(records)]
        )
        config = AirtableSourceConfig(
            type="airtable", base=base.id, endpoint_url=sandbox.url, requests_per_second=5
        ).with_token(sandbox.token)
        reader = AirtableSource("airtable", config, mapping, limiter=RateLimiter(1000))
        read = reader.read().records
        now = datetime.now(UTC)
        want = {rid: desired(i, now) for i, rid in enumerate(sorted(read))}
        patches = plan_writeback(
            want, reader.current_values(read), reader.field_names(), source="airtable"
        )
        assert len(patches) == records
        writer = AirtableSource("airtable", config, mapping)  # the limiter: 5 a second
        writer.table_of = dict(reader.table_of)
        sandbox.airtable.rate_limit_per_second = 5
        sandbox.reset_stats()
        started = time.perf_counter()
        result = writer.apply(patches)
        seconds = time.perf_counter() - started
        refused = sandbox.count(status=429)
        requests = sandbox.count("PATCH")
    assert not result.failures, result.failures[:3]
    return {
        "written": len(result.written),
        "requests": requests,
        "seconds": seconds,
        "per_second": len(result.written) / seconds,
        "refused": refused,
        "retries": writer.retry.stats.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    found = measure(args.records)
    print(
        f"wrote {found['written']:,} records in {found['requests']} requests "
        f"in {found['seconds']:.1f} s"
    )
    print(f"records per second: {found['per_second']:.1f} (aim >= 45)")
    print(f"429s received: {found['refused']} (aim 0); retries: {found['retries']}")


if __name__ == "__main__":
    main()
