"""`rdsync sandbox serve` as a user runs it: URL on the first line, serving until SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

RDSYNC = Path(sys.executable).with_name("rdsync")  # the venv's console script

pytestmark = pytest.mark.e2e


def test_serve_prints_its_url_first_and_stops_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.db"
    command = [
        str(RDSYNC),
        "sandbox",
        "serve",
        "--seed",
        "empty",
        "--state",
        str(state),
        "--token",
        "t0ken",
        "--faults",
        "issue_get:503:1",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        info = requests.get(
            f"{url}/rest/api/3/serverInfo", auth=("admin@example.gov", "t0ken"), timeout=10
        )
        assert info.json()["deploymentType"] == "Cloud"
        faulted = requests.get(
            f"{url}/rest/api/3/issue/DEL-1", auth=("admin@example.gov", "t0ken"), timeout=10
        )
        assert faulted.status_code == 503
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert state.exists()


def test_a_bad_fault_spec_is_a_usage_error() -> None:
    done = subprocess.run(
        [str(RDSYNC), "sandbox", "serve", "--faults", "429:2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert (
        "Invalid value for --faults: fault item '429:2': rate '2' must be a number from 0 to 1"
        in done.stderr
    )
