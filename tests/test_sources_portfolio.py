"""One portfolio across a Jira site and an Airtable base, each holding priorities of two
departments: the report and the stock takes cover the whole portfolio or one department, and
say when each source was last read (a failed source's records are older)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.report import scheduled_stocktakes
from connector.cli.routines import stocktakes
from connector.cli.status import gather
from connector.config import load_config
from connector.sandbox.seeds.draft import HEALTH, JOBS
from connector.sandbox.server import Sandbox
from connector.sync.daemon import stocktake_due
from connector.sync.state import StateStore
from mappings.model import Priority
from tests.campaign import configure_sources, sync
from tests.conftest import site_clock

pytestmark = pytest.mark.e2e
SHORT_RETRY = {"budget_seconds": 2.0, "max_wait_seconds": 0.5, "initial_wait_seconds": 0.05}


def _report(config_path: Path, out: Path, *department: str) -> dict[str, object]:
    args = ["report", "--config", str(config_path), "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(main, args + (["--department", *department] if department else []))
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*.json")
    return dict(json.loads(path.read_text()))


def test_report_and_stock_takes_cover_the_portfolio_or_a_department_across_sources(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    clock = site_clock()
    jira, base = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    sources = {"hr": (jira, "jira", {}), "plans": (base, "airtable", {})}
    config = configure_sources(tmp_path, sources, retry=SHORT_RETRY)
    sync(config, clock)
    clock.advance(timedelta(hours=1))
    base.set_faults("airtable:503:1")
    second = sync(config, clock)
    assert list(second.failed) == ["plans"]  # its records of the first run stand in
    priorities = list(second.arch.of_kind(Priority))
    jobs = {p.key for p in priorities if p.department == JOBS}
    assert {p.source for p in priorities if p.key in jobs} == {"hr", "plans"}
    assert {p.source for p in priorities if p.department == HEALTH} == {"hr", "plans"}

    path = tmp_path / "rdsync.toml"
    whole = _report(path, tmp_path / "all")
    heat = whole["tables"]["heat_map"]  # type: ignore[index]
    assert {row["priority_key"] for row in heat} - {None} == {p.key for p in priorities}
    one = _report(path, tmp_path / "jobs", JOBS)
    assert one["department"] == JOBS
    shown = {row["priority_key"] for row in one["tables"]["heat_map"]}  # type: ignore[index]
    assert shown - {None} == jobs
    read = {k: datetime.fromisoformat(v) for k, v in one["data_as_of"].items()}  # type: ignore[attr-defined]
    assert read["hr"] - read["plans"] >= timedelta(hours=1)  # plans: as of the first run

    # `[reports] department`: the daemon's stock takes and routines are that department's,
    # staggered over its priorities from both sources, each pack once in a cycle.
    path.write_text(path.read_text() + f'\n[reports]\nout = "packs"\ndepartment = "{JOBS}"\n')
    config = load_config(path)
    store = StateStore(config.state_path, clock)
    try:
        today = clock.today()
        assert set(stocktakes(config, store, today)) == jobs
        # `rdsync status` names the next pack the daemon will make: a priority of the
        # department, on the day the department's own stagger gives it.
        due = gather(config, store, clock)["next"]["stocktake"]
        on = datetime.fromisoformat(due["at"]).astimezone(UTC).date()
        order = sorted(jobs)
        assert due["priorities"] and set(due["priorities"]) <= jobs
        weeks = config.schedule.stocktake_weeks
        assert due["priorities"] == [
            k for i, k in enumerate(order) if stocktake_due(i, len(order), weeks, on)
        ]
        for day in range(7 * config.schedule.stocktake_weeks):
            scheduled_stocktakes(config, store, today + timedelta(days=day))
    finally:
        store.close()
    packs = sorted(p.name for p in (tmp_path / "packs" / "stocktakes").glob("*.pdf"))
    assert len(packs) == len(jobs)
    made = CliRunner().invoke(
        main,
        ["stocktake", "--config", str(path), "--department", JOBS, "--out", str(tmp_path / "h")],
    )
    assert made.exit_code == 0, made.output
    assert {line.split()[0] for line in made.output.splitlines() if " pdf: " in line} == jobs
