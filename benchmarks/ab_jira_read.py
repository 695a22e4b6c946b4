"""A/B: the Jira read + map of two or more source trees against the bare read, on one site.

    python benchmarks/ab_jira_read.py before=/tmp/before after=. [--issues 10000] [--runs 5]

For telling apart changes worth a few percent on a noisy machine, where `bench_jira_read.py`
(one tree, bare and connector alternated) moves more from run to run than the change does. One
site is seeded and served (benchmarks/served.py); then, `--runs` times, the bare client's read
(`bench_jira_read.bare`) and each tree's `JiraSource.read` + `map` run in turn, each in a fresh
process (its tree on PYTHONPATH) timing itself. Prints each side's best and median wall time,
its median CPU time, and both as ratios to the bare read's. Trees are unpacked copies, e.g.
`git archive <rev> | tar -x -C /tmp/before`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.served import served  # noqa: E402
from connector.config import JiraSourceConfig  # noqa: E402
from connector.sources.jira import JiraSource  # noqa: E402
from mappings.config import JiraMapping, load_mapping  # noqa: E402

# Run in each fresh process, with its tree first on the path: prints [wall, CPU] seconds.
# Each side is its tree's own `bench_jira_read` function (`bare`, or `connector`: read + map).
CHILD = """
import json, sys, time
from types import SimpleNamespace
from benchmarks.bench_jira_read import bare, connector
from mappings.config import load_mapping
a = json.loads(sys.argv[1])
site = SimpleNamespace(url=a["url"], email=a["email"], token=a["token"])
site.field_id = lambda name: a["value"]
mapping = load_mapping("jira")
wall, cpu = time.perf_counter(), time.process_time()
if a["side"] == "bare":
    bare(site, a["jql"], a["fields"])
else:
    connector(site, mapping)
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu]))
"""


def timed(tree: Path, args: dict[str, Any]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-2000:]}")
    wall, cpu = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", help="name=path of a source tree")
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    trees = {name: Path(path).resolve() for name, path in (t.split("=", 1) for t in options.trees)}
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    with served(options.issues) as (site, _):
        config = JiraSourceConfig(type="jira", url=site.url, email=site.email, projects=["DEL"])
        probe = JiraSource("jira", config.with_token(site.token), mapping)
        probe.connect()
        args = {
            "url": site.url,
            "email": site.email,
            "token": site.token,
            "jql": f"{probe.scope_jql} ORDER BY key ASC",
            "fields": probe.read_fields(),
            "value": site.field_id("Current value"),
        }
        found: dict[str, list[tuple[float, float]]] = {"bare": [], **{n: [] for n in trees}}
        for _ in range(options.runs):
            found["bare"].append(timed(ROOT, {**args, "side": "bare"}))
            for name, tree in trees.items():
                found[name].append(timed(tree, {**args, "side": "connector"}))
    best = min(wall for wall, _ in found["bare"])
    middle = statistics.median(wall for wall, _ in found["bare"])
    print(f"{options.issues:,} issues, {options.runs} runs of each side, in turn")
    for name, times in found.items():
        walls = [wall for wall, _ in times]
        cpu = statistics.median(c for _, c in times)
        print(
            f"{name:<10} best {min(walls):5.2f} s ({min(walls) / best:.2f}x)  median "
            f"{statistics.median(walls):5.2f} s ({statistics.median(walls) / middle:.2f}x)  "
            f"CPU median {cpu:5.2f} s"
        )


if __name__ == "__main__":
    main()
