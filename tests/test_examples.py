"""The bundled examples: up to date, one portfolio in both formats, exactly the planted gaps."""

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.check import load_export
from mappings.airtable import map_airtable
from mappings.config import AirtableMapping, JiraMapping, load_mapping
from mappings.jira import map_jira

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import airtable_real  # noqa: E402
import build_examples  # noqa: E402
from airtable_json import record_id  # noqa: E402
from portfolio import PLANTED  # noqa: E402

README_GAP = re.compile(r"^- (RD\d{3}) – (\S+) / (\S+) – (.+)$")
README_REAL_GAP = re.compile(r"^- (RD\d{3}) – (rec\w{14}) \((DEL-\d+)\) – (.+)$")


def test_the_json_is_what_the_builder_writes(tmp_path: Path) -> None:
    written = build_examples.build(tmp_path)
    assert len(written) == 21
    for path in written:
        committed = EXAMPLES / path.relative_to(tmp_path)
        assert committed.read_text("utf-8") == path.read_text("utf-8"), (
            f"{committed} is stale: run python examples/build_examples.py"
        )


def test_the_readme_lists_the_planted_gaps() -> None:
    listed = [
        README_GAP.match(line).groups()  # type: ignore[union-attr]
        for line in (EXAMPLES / "README.md").read_text("utf-8").splitlines()
        if README_GAP.match(line)
    ]
    assert listed == [(code, key, record_id(key), what) for code, key, what in PLANTED]


@pytest.mark.parametrize("tool", ["jira", "airtable"])
def test_check_reports_exactly_the_planted_gaps(tool: str) -> None:
    result = CliRunner().invoke(
        main, ["check", "--input", str(EXAMPLES / tool), "--format", "json"]
    )
    assert result.exit_code == 1, result.stderr
    found = sorted((row["code"], row["key"]) for row in json.loads(result.stdout))
    key = (lambda k: k) if tool == "jira" else record_id
    assert found == sorted((code, key(ref)) for code, ref, _ in PLANTED)
    assert "0 records skipped" in result.stderr
    assert "note:" not in result.stderr


def test_both_formats_hold_the_same_portfolio() -> None:
    jira_mapping, airtable_mapping = load_mapping("jira"), load_mapping("airtable")
    assert isinstance(jira_mapping, JiraMapping)
    assert isinstance(airtable_mapping, AirtableMapping)
    jira = map_jira(load_export(EXAMPLES / "jira").pages, jira_mapping)
    export = load_export(EXAMPLES / "airtable")
    airtable = map_airtable(export.tables, export.schema, airtable_mapping)
    assert len(jira.entities) == len(airtable.entities) == 33
    records = {entity.key: entity for entity in airtable.entities}
    ignored = {"key", "source", "url", "parent_key", "updated", "drives", "status", "owners"}
    for ours in jira.entities:
        theirs = records[record_id(ours.key)]
        assert ours.model_dump(exclude=ignored) == theirs.model_dump(exclude=ignored)
        assert [o.name for o in ours.owners] == [o.name for o in theirs.owners]
        assert (ours.parent_key and record_id(ours.parent_key)) == theirs.parent_key
        assert [record_id(k) for k in getattr(ours, "drives", [])] == getattr(theirs, "drives", [])
        assert ours.updated == theirs.updated
    assert Counter(m.at for m in jira.measurements) == Counter(m.at for m in airtable.measurements)
    assert len(jira.measurements) == 20


# -- Jira Data Center (jira-dc/) ---------------------------------------------------------------

DC_GAP = re.compile(r"^- (RD\d{3}) – (DEL-\d+) – (.+)$")


def test_the_data_center_json_is_what_the_builder_writes(tmp_path: Path) -> None:
    written = build_examples.build_data_center(tmp_path)
    committed = sorted((EXAMPLES / "jira-dc").glob("*.json"))
    assert [path.name for path in committed] == sorted(path.name for path in written)
    for path in written:
        assert (EXAMPLES / "jira-dc" / path.name).read_text("utf-8") == path.read_text("utf-8"), (
            f"examples/jira-dc/{path.name} is stale: run python examples/build_examples.py"
        )


def test_the_readme_lists_the_data_center_gaps() -> None:
    text = (EXAMPLES / "README.md").read_text("utf-8")
    section = text.split("## Jira Data Center", 1)[1].split("\n## ", 1)[0]
    listed = [DC_GAP.match(line).groups() for line in section.splitlines() if DC_GAP.match(line)]  # type: ignore[union-attr]
    assert listed == PLANTED


def test_check_reports_exactly_the_planted_gaps_on_data_center() -> None:
    result = CliRunner().invoke(
        main,
        ["check", "--input", str(EXAMPLES / "jira-dc"), "--mapping", "jira-dc", "--format", "json"],
    )
    assert result.exit_code == 1, result.stderr
    found = {(row["code"], row["key"]) for row in json.loads(result.stdout)}
    assert found == {(code, key) for code, key, _ in PLANTED}
    assert "0 records skipped" in result.stderr and "note:" not in result.stderr


def test_the_data_center_export_holds_the_cloud_portfolio() -> None:
    """Parents from Parent Link and Epic Link, owners by user key, trajectories from wiki
    markup, history from changelogs without fieldId: the same entities as on Cloud."""
    cloud_mapping, dc_mapping = load_mapping("jira"), load_mapping("jira-dc")
    assert isinstance(cloud_mapping, JiraMapping) and isinstance(dc_mapping, JiraMapping)
    cloud = map_jira(load_export(EXAMPLES / "jira").pages, cloud_mapping)
    center = map_jira(load_export(EXAMPLES / "jira-dc").pages, dc_mapping)
    assert center.problems == [] and center.skipped == [] and center.notes == []
    theirs = {entity.key: entity for entity in cloud.entities}
    assert len(center.entities) == len(theirs) == 33
    for ours in center.entities:
        twin = theirs[ours.key]
        assert ours.model_dump(exclude={"url", "owners"}) == twin.model_dump(
            exclude={"url", "owners"}
        )
        assert [o.name for o in ours.owners] == [o.name for o in twin.owners]
        assert all(o.email is None and "@" not in o.id for o in ours.owners)
        assert ours.url == f"https://jira.example.gov/browse/{ours.key}"
    assert center.measurements == cloud.measurements


def test_the_readme_lists_the_planted_gaps_of_the_real_base() -> None:
    listed = [
        README_REAL_GAP.match(line).groups()  # type: ignore[union-attr]
        for line in (EXAMPLES / "README.md").read_text("utf-8").splitlines()
        if README_REAL_GAP.match(line)
    ]
    assert listed == [
        (code, record_id(ref), ref, what) for code, ref, what in airtable_real.PLANTED
    ]


def test_check_reports_exactly_the_planted_gaps_of_the_real_base() -> None:
    """Lookups, formula errors, percent fields, rich text and zoned date-times: every finding
    is planted and every planted one is found."""
    result = CliRunner().invoke(
        main, ["check", "--input", str(EXAMPLES / "airtable-real"), "--format", "json"]
    )
    assert result.exit_code == 1, result.stderr
    found = sorted((row["code"], row["key"]) for row in json.loads(result.stdout))
    assert found == sorted((code, record_id(ref)) for code, ref, _ in airtable_real.PLANTED)
    assert "0 records skipped" in result.stderr
    assert "note:" not in result.stderr


def test_the_real_base_holds_the_same_portfolio_as_the_plain_one() -> None:
    """Read through its shapes, the real base says what the plain export says: the same
    targets (baselines from lookups, percent values, rich-text trajectories), strategies and
    readings, each dated as the team entered it; only the failed formulas read as empty."""
    mapping = load_mapping("airtable")
    assert isinstance(mapping, AirtableMapping)
    plain, real = (load_export(EXAMPLES / name) for name in ("airtable", "airtable-real"))
    ours = map_airtable(plain.tables, plain.schema, mapping)
    theirs = map_airtable(real.tables, real.schema, mapping)
    mine = {e.key: e for e in ours.entities}
    assert len(theirs.entities) == len(airtable_real.REFS)
    for entity in theirs.entities:
        expected = mine[entity.key].model_dump(exclude={"url", "current_value"})
        assert entity.model_dump(exclude={"url", "current_value"}) == expected, entity.key
    indicators = {e.key for e in theirs.entities if e.kind == "indicator"}
    readings = sorted((m.indicator_key, m.at, round(m.value, 6)) for m in theirs.measurements)
    assert readings == sorted(
        (m.indicator_key, m.at, round(m.value, 6))
        for m in ours.measurements
        if m.indicator_key in indicators
    )
