"""`rdsync mapping preview`: a sample read, each record shown as it maps, and nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.mapping_tools.preview import Sample, _selections, render
from connector.sandbox.jira.jql import Clause, Junction, Node, parse
from connector.sandbox.seeds.typical import typical_summary
from connector.sandbox.server import Sandbox
from mappings.config import JiraMapping, load_mapping
from mappings.jira import map_jira
from mappings.model import EntityKind
from tests.test_admin_guide import apply_edit, steps
from tests.test_mapping_discover import airtable_config, jira_config

READS = {("POST", "/rest/api/3/search/jql"), ("POST", "/rest/api/3/search")}


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def writes(site: Sandbox) -> list[dict[str, Any]]:
    """Every request the sandbox served that was not a read."""
    return [
        row
        for row in site.stats()["counts"]
        if row["method"] != "GET" and (row["method"], row["path"]) not in READS
    ]


@pytest.mark.e2e
def test_preview_shows_how_the_typical_site_maps_and_writes_nothing(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="typical-jira")
    config = jira_config(tmp_path, site, "PMO")
    run("mapping", "discover", "--config", str(config), "--out", str(tmp_path / "mapping.toml"))
    mapping = tmp_path / "mapping.toml"
    for edit in (step for step in steps() if step.startswith("# Edit")):
        mapping.write_text(apply_edit(mapping.read_text(), edit))
    site.reset_stats()
    result = run("mapping", "preview", "--config", str(config), "--limit", "40")
    assert result.exit_code == 0, result.output
    assert writes(site) == []
    keys = typical_summary(site.store)["keys"]
    lines = result.output.splitlines()
    at = lines.index(f"{keys['E5']} (Epic)")
    facet = lines.index(f"  → target {keys['E5']}#target: 'Match employers with apprentices'")
    block = lines[facet : facet + 12]
    assert at < facet and f"      {'parent':<19} {keys['K3']}" in block  # the KPI it relates to
    # E5 has a target but no baseline: the facet says so.
    assert f"      {'empty':<19} owners, department, baseline_value, baseline_date" in block
    assert f"{keys['T1']} (Task): not mapped" in lines
    assert "  skipped: issue type 'Task' is not in the mapping" in lines
    assert lines[-1].endswith("3 not mapped; 0 unreadable values. Nothing was written.")


@pytest.mark.e2e
def test_preview_of_an_airtable_base_shows_unreadable_values_and_writes_nothing(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    config = airtable_config(tmp_path, site, mapping="airtable")
    result = run("mapping", "preview", "--config", str(config), "--limit", "500")
    assert result.exit_code == 0, result.output
    assert writes(site) == []
    unreadable = [line for line in result.output.splitlines() if line.startswith("  ! RD901")]
    assert len(unreadable) == 1 and "to be agreed with the districts by spring" in unreadable[0]
    assert "      measurements        " in result.output


def test_render_groups_entities_problems_and_skips_by_record() -> None:
    mapping = load_mapping("jira")
    names = {"customfield_1": "Current value", "customfield_2": "Unit"}
    issues = [
        {
            "key": "DEL-3",
            "fields": {
                "summary": "Beds available",
                "issuetype": {"name": "Indicator"},
                "customfield_1": "n/a",
                "customfield_2": "beds",
            },
        },
        {"key": "DEL-4", "fields": {"summary": "Fix the printer", "issuetype": {"name": "Bug"}}},
    ]
    sample = Sample(records={"DEL-3": "Indicator", "DEL-4": "Bug"})
    sample.mapped = map_jira([{"issues": issues, "names": names}], mapping)  # type: ignore[arg-type]
    lines = render(sample, mapping)
    assert lines[:3] == [
        "DEL-3 (Indicator)",
        "  → indicator DEL-3: 'Beds available'",
        "      unit                beds",
    ]
    assert (
        "      empty               owners, department, status, updated, data_source, current_value"
        in lines
    )
    assert any(
        line.startswith("  ! RD901 DEL-3: field 'Current value' holds 'n/a'") for line in lines
    )
    assert lines[lines.index("DEL-4 (Bug): not mapped") + 1] == (
        "  skipped: issue type 'Bug' is not in the mapping"
    )
    assert lines[-1] == (
        "read 2 records: 1 indicator; 1 not mapped; 1 unreadable values. Nothing was written."
    )


# An issue type named to close the quote and add clauses that read another project.
EVIL_TYPE = 'Target" OR project = OPS OR issuetype = "Target'


def _clauses(node: Node | None) -> list[Node | None]:
    """The top-level AND parts of a parsed JQL (the whole query when it is no AND)."""
    return list(node.parts) if isinstance(node, Junction) and node.op == "and" else [node]


def test_preview_jql_quotes_issue_types_and_labels() -> None:
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    entities = dict(mapping.entities)
    entities[EntityKind.TARGET] = entities[EntityKind.TARGET].model_copy(
        update={"issue_type": EVIL_TYPE}
    )
    evil = mapping.model_copy(update={"entities": entities})
    selections = [jql for jql, _ in _selections(evil, "project in (DEL)")]
    assert selections, "one search per issue type, and one for the rest"
    for jql in selections:  # the sandbox parses JQL as Jira does
        parts = _clauses(parse(jql).where)
        assert len(parts) == 2 and all(isinstance(p, Clause) for p in parts), jql
    target = next(jql for jql in selections if "= " in jql and "Target" in jql)
    assert _clauses(parse(target).where)[1] == Clause("issuetype", "=", (EVIL_TYPE,), False)
    rest = _clauses(parse(selections[-1]).where)[1]
    assert isinstance(rest, Clause) and rest.op == "not in" and EVIL_TYPE in rest.values
    entities[EntityKind.TARGET] = entities[EntityKind.TARGET].model_copy(
        update={"issue_type": None, "label": 'kpi" OR labels = "x'}
    )
    labelled = mapping.model_copy(update={"entities": entities})
    jql = next(j for j, _ in _selections(labelled, "project in (DEL)") if "labels" in j)
    assert jql == 'project in (DEL) AND labels = "kpi\\" OR labels = \\"x"'


@pytest.mark.e2e
def test_a_quote_in_a_mapped_issue_type_cannot_widen_the_preview(
    demo_sandbox: Sandbox, tmp_path: Path
) -> None:
    other = {"project": {"key": "OPS"}, "issuetype": {"name": "Risk"}, "summary": "Not ours"}
    requests.post(
        f"{demo_sandbox.url}/rest/api/3/issue",
        json={"fields": other},
        auth=(demo_sandbox.email, demo_sandbox.token),
        timeout=10,
    ).raise_for_status()  # an issue of another project, outside the configured scope
    text = (Path(__file__).parents[1] / "mappings/defaults/jira.toml").read_text()
    evil = text.replace('issue_type = "Target"', f"issue_type = '{EVIL_TYPE}'")
    (tmp_path / "mapping.toml").write_text(evil, encoding="utf-8")
    config = jira_config(tmp_path, demo_sandbox, "DEL")
    result = run("mapping", "preview", "--config", str(config), "--limit", "500")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    read = [line.split()[0] for line in lines if re.match(r"[A-Z]+-\d+ \(", line)]
    assert read and all(key.startswith("DEL-") for key in read), read  # no OPS issue
    refused = [line for line in lines if line.startswith("refused: ")]
    assert len(refused) == 2  # the type's own search, and the one for the rest (`not in`)
    assert all("does not exist for the field 'issuetype'" in line for line in refused)
