"""How fast the sandbox serves a Jira search page: 100 issues x 20 fields out of 50,000.

    /work/venv/bin/python benchmarks/bench_sandbox_search.py [--issues 50000] [--pages 60]

Prints the seeding time and the median (and p90) wall time of a `GET /rest/api/3/search/jql`
page as a client sees it, plus the time the server spent inside the request.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import requests

from connector.sandbox.server import start_sandbox

FIELDS = [
    "summary",
    "issuetype",
    "status",
    "parent",
    "updated",
    "created",
    "duedate",
    "labels",
    "Accountable owner",
    "Unit",
    "Data source",
    "Current value",
    "Baseline value",
    "Baseline date",
    "Target value",
    "Target date",
    "Direction",
    "Trajectory",
    "Delivery likelihood",
    "Last assessed",
]


def measure(issues: int = 50_000, pages: int = 60) -> dict[str, Any]:
    """Seed, then page `pages` search pages; client wall times and server times, in ms."""
    with start_sandbox(seed="empty") as sandbox:
        started = time.perf_counter()
        sandbox.seed_bulk(issues, history=6)
        seeded = time.perf_counter() - started
        fields = ",".join(
            sandbox.field_id(name) if " " in name or name[0].isupper() else name for name in FIELDS
        )
        session = requests.Session()
        session.auth = (sandbox.email, sandbox.token)
        url = sandbox.url + "/rest/api/3/search/jql"
        params: dict[str, str | int] = {
            "jql": "project = DEL ORDER BY key",
            "fields": fields,
            "maxResults": 100,
        }
        session.get(url, params=params, timeout=30).raise_for_status()  # warm-up
        sandbox.reset_stats()
        wall: list[float] = []
        token = None
        for _ in range(pages):
            begun = time.perf_counter()
            response = session.get(
                url, params={**params, "nextPageToken": token} if token else params, timeout=30
            )
            wall.append((time.perf_counter() - begun) * 1000)
            body = response.json()
            assert len(body["issues"]) == 100 and len(body["issues"][0]["fields"]) == len(FIELDS)
            token = body.get("nextPageToken")
        inside = [entry["ms"] for entry in sandbox.stats()["log"]]
    return {
        "issues": issues,
        "pages": pages,
        "seeded_seconds": seeded,
        "median_ms": statistics.median(wall),
        "p90_ms": statistics.quantiles(wall, n=10)[-1],
        "inside_ms": statistics.median(inside),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()
    found = measure(args.issues, args.pages)
    print(f"seeded {args.issues} issues in {found['seeded_seconds']:.1f} s")
    print(f"page of 100 issues x {len(FIELDS)} fields, {args.pages} pages:")
    print(f"  median {found['median_ms']:.1f} ms, p90 {found['p90_ms']:.1f} ms (client wall time)")
    print(f"  median {found['inside_ms']:.1f} ms inside the server")


if __name__ == "__main__":
    main()
