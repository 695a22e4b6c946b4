"""Benchmark: how long `rdsync --help` takes, against starting Python and doing nothing.

    python benchmarks/bench_startup.py [--runs 15]

Each command runs `--runs` times in a fresh process, alternately; prints the median wall time
of each and their difference: what importing click and the command group costs (subcommand
modules load only when run, so heavy libraries never load for `--help`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RDSYNC = Path(sys.executable).with_name("rdsync")


def _once(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(runs: int = 15) -> dict[str, Any]:
    """Median seconds of `rdsync --help` and of `python -c pass`, `runs` of each."""
    help_command = (
        [str(RDSYNC), "--help"]
        if RDSYNC.exists()
        else [sys.executable, "-m", "connector.cli", "--help"]
    )
    bare = [sys.executable, "-c", "pass"]
    _once(help_command)  # warm the file cache: the first start reads every .pyc from disk
    times: dict[str, list[float]] = {"help": [], "python": []}
    for _ in range(runs):
        times["help"].append(_once(help_command))
        times["python"].append(_once(bare))
    return {
        "command": " ".join(Path(part).name for part in help_command[:1]) + " --help",
        "help_seconds": statistics.median(times["help"]),
        "python_seconds": statistics.median(times["python"]),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    found = measure(args.runs)
    help_s, python_s = found["help_seconds"], found["python_seconds"]
    print(f"{found['command']}: median {help_s * 1000:.0f} ms of {args.runs} runs")
    print(f"python -c pass: median {python_s * 1000:.0f} ms")
    print(f"rdsync's own start-up: {(help_s - python_s) * 1000:.0f} ms ({help_s / python_s:.1f}x)")


if __name__ == "__main__":
    main()
