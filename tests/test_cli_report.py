"""`rdsync report --department` and `rdsync stocktake --priority` with a name or key the last
sync does not have: exit 2, listing the ones it has, and no report written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox.server import start_sandbox
from connector.sync.state import StateStore
from mappings.model import BaseEntity, Priority
from tests.campaign import configure, sync
from tests.conftest import ANCHOR, site_clock
from tests.test_report_pdf import needs_pdftotext, pdf_text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[BaseEntity]]]:
    folder = tmp_path_factory.mktemp("report")
    with start_sandbox(seed="demo", anchor=ANCHOR, clock=site_clock()) as sandbox:
        config = configure(folder, sandbox)
        sync(config, sandbox.clock, full=True)
    store = StateStore(config.state_path)
    found = store.outputs()
    store.close()
    assert found is not None
    yield folder / "rdsync.toml", found[1].entities


def test_an_unknown_department_exits_2_and_lists_the_departments(
    synced: tuple[Path, list[BaseEntity]], tmp_path: Path
) -> None:
    config, entities = synced
    priorities = [e for e in entities if isinstance(e, Priority)]
    departments = sorted({p.department for p in priorities if p.department})
    assert len(departments) >= 2
    out = tmp_path / "reports"
    args = ["report", "--config", str(config), "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--department", departments[0][:-1]])
    assert result.exit_code == 2
    said = f"--department: no priority of the last sync is in department '{departments[0][:-1]}'"
    assert said in result.output
    assert f"Did you mean '{departments[0]}'" in result.output
    assert "The departments are: " + "; ".join(departments) in result.output
    assert "Traceback" not in result.output and not out.exists()
    made = CliRunner().invoke(main, [*args, "--department", departments[0]])
    assert made.exit_code == 0, made.output
    assert [p.suffix for p in out.iterdir()] == [".json"]


def test_a_key_that_is_no_priority_exits_2_and_lists_the_priorities(
    synced: tuple[Path, list[BaseEntity]], tmp_path: Path
) -> None:
    config, entities = synced
    keys = sorted(e.key for e in entities if isinstance(e, Priority))
    outcome = next(e.key for e in entities if e.kind.value == "outcome")
    args = ["stocktake", "--config", str(config), "--out", str(tmp_path)]
    said = {"DEL-9999": "no DEL-9999", outcome: f"{outcome} is an outcome, not a priority"}
    for key, what in said.items():
        result = CliRunner().invoke(main, [*args, "--priority", key])
        assert result.exit_code == 2, result.output
        assert f"--priority: in the last sync, {what}" in result.output
        assert f"Give the key of a priority: {', '.join(keys)}." in result.output
    assert not list(tmp_path.iterdir())


@needs_pdftotext
def test_the_pdf_is_the_print_edition_unless_the_full_one_is_asked_for(
    synced: tuple[Path, list[BaseEntity]], tmp_path: Path
) -> None:
    """`--pdf-edition full` prints every chart, as `[reports] pdf = "full"` does; by default the
    PDF is the print edition, with its ledger of every target."""
    from connector.cli.report import build_reports
    from connector.config import load_config
    from connector.sync.stores import open_store

    config_path, entities = synced
    args = ["report", "--config", str(config_path), "--format", "pdf", "--out"]
    runs: dict[str, list[str]] = {"print": [], "full": ["--pdf-edition", "full"]}
    printed: dict[str, str] = {}
    for name, more in runs.items():
        result = CliRunner().invoke(main, [*args, str(tmp_path / name), *more])
        assert result.exit_code == 0, result.output
        printed[name] = pdf_text(next((tmp_path / name).glob("*.pdf")))
    assert "Every target's figures" in printed["print"] and "Trajectories" not in printed["print"]
    assert "Trajectories" in printed["full"] and "Every target's figures" not in printed["full"]
    bad = CliRunner().invoke(main, [*args, str(tmp_path / "bad"), "--pdf-edition", "poster"])
    assert bad.exit_code == 2 and "--pdf-edition" in bad.output and "Traceback" not in bad.output
    text = config_path.read_text(encoding="utf-8")
    assert text.count("[reports]\n") == 1
    configured = config_path.with_name("rdsync-full.toml")  # beside it: same relative paths
    configured.write_text(text.replace("[reports]\n", '[reports]\npdf = "full"\n'), "utf-8")
    config = load_config(configured)
    assert config.reports.pdf == "full"
    store = open_store(config)
    try:
        paths = build_reports(config, store, tmp_path / "configured", ["pdf"])
    finally:
        store.close()
    assert "Trajectories" in pdf_text(paths["pdf"])
    targets = [e for e in entities if e.kind.value == "target"]
    assert targets and all(t.key in printed["print"] for t in targets)
