"""`rdsync mapping discover`: synonyms, skeletons that load, and the bundled mappings found again
on the sandbox sites they describe."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.mapping_tools.discover import discover_jira
from connector.mapping_tools.discover_airtable import discover_airtable
from connector.mapping_tools.schema import airtable_schema, jira_schema
from connector.mapping_tools.synonyms import ATTRIBUTE_SYNONYMS, KIND_SYNONYMS, match, normal
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox
from mappings.config import AirtableMapping, JiraMapping, load_mapping, parse_mapping_text


def jira_config(
    folder: Path, sandbox: Sandbox, project: str, mapping: str = "mapping.toml"
) -> Path:
    (folder / "jira.token").write_text(sandbox.token + "\n")
    path = folder / "rdsync.toml"
    path.write_text(
        f'[sources.jira]\ntype = "jira"\nurl = "{sandbox.url}"\nemail = "{sandbox.email}"\n'
        f'token_file = "jira.token"\nprojects = ["{project}"]\nmapping = "{mapping}"\n'
    )
    return path


def airtable_config(folder: Path, sandbox: Sandbox, mapping: str = "mapping.toml") -> Path:
    (folder / "airtable.token").write_text(sandbox.token + "\n")
    path = folder / "rdsync.toml"
    path.write_text(
        f'[sources.airtable]\ntype = "airtable"\nbase = "{BASE_ID}"\n'
        f'endpoint_url = "{sandbox.url}"\ntoken_file = "airtable.token"\nmapping = "{mapping}"\n'
    )
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("name", "table", "item"),
    [
        ("KPIs", KIND_SYNONYMS, "indicator"),
        ("Strategic Priorities", KIND_SYNONYMS, "priority"),
        ("Objective", KIND_SYNONYMS, "outcome"),
        ("SRO (Senior Responsible Owner)", ATTRIBUTE_SYNONYMS, "owners"),
        ("Acountable owner", ATTRIBUTE_SYNONYMS, "owners"),  # a typo still matches
        ("Unit of measure", ATTRIBUTE_SYNONYMS, "unit"),
        ("Mitigation plan", ATTRIBUTE_SYNONYMS, "mitigation"),
    ],
)
def test_names_sites_use_match_our_synonyms(name: str, table: Any, item: str) -> None:
    assert match(name, table[item]) is not None


@pytest.mark.parametrize(
    ("name", "item"),
    [("Story point estimate", "current_value"), ("Team", "owners"), ("Start date", "target_date")],
)
def test_unrelated_names_do_not_match(name: str, item: str) -> None:
    assert match(name, ATTRIBUTE_SYNONYMS[item]) is None


def test_normal_forms_fold_case_punctuation_and_plurals() -> None:
    assert normal("KPIs") == normal("kpi") == "kpi"
    assert normal("Priorities") == "priority"
    assert normal("SRO (Senior Responsible Owner)") == "sro senior responsible owner"


def schema_of(fields: list[tuple[str, str, dict[str, Any]]], types: list[tuple[str, int]]) -> Any:
    return jira_schema(
        [
            {"id": fid, "name": name, "schema": schema, "custom": "custom" in schema}
            for fid, name, schema in fields
        ],
        [{"name": name, "hierarchyLevel": level} for name, level in types],
        [{"name": "Relates", "inward": "relates to", "outward": "relates to"}],
        [{"key": "OPS", "name": "Operations"}],
    )


CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"


def test_a_skeleton_loads_as_it_is_with_gaps_as_comments_and_evidence_beside_guesses() -> None:
    schema = schema_of(
        [
            ("summary", "Summary", {"type": "string", "system": "summary"}),
            ("assignee", "Assignee", {"type": "user", "system": "assignee"}),
            ("customfield_10050", "KPI owner", {"type": "string", "custom": CUSTOM + "textfield"}),
            ("customfield_10051", "Actual", {"type": "number", "custom": CUSTOM + "float"}),
            ("customfield_10052", "Actual", {"type": "number", "custom": CUSTOM + "float"}),
        ],
        [("Theme", 2), ("Epic", 1), ("Metric", 0), ("Bug", 0)],
    )
    skeleton = discover_jira(schema, site="https://ops.example.net", project=None)
    text = skeleton.render()
    mapping = parse_mapping_text(text, where="skeleton")
    assert isinstance(mapping, JiraMapping)
    assert [k.value for k in mapping.entities] == ["priority", "indicator", "strategy"]
    assert "# [entities.outcome]" in text and '# project = ""' in text
    # A user field that is no user picker is never an owner; the assignee stands in.
    assert mapping.attributes["owners"].field == "assignee"
    # Two fields named "Actual": the skeleton names one by its id, which cannot be ambiguous.
    assert mapping.measurements is not None and mapping.measurements.field == "customfield_10051"
    assert "issue_type = \"Theme\"  # hierarchy level 2: named 'theme'" in text
    assert "entities.strategy.relations.drives: no link type says 'drives'" in skeleton.unmatched
    assert text.startswith("# rdsync mapping, written by `rdsync mapping discover`")


LINK, TEXT, LONG, NUMBER, DATE = (
    "multipleRecordLinks",
    "singleLineText",
    "multilineText",
    "number",
    "date",
)
PROGRAMME_TRACKER: dict[str, list[tuple[str, str, str | None]]] = {
    "Themes": [],
    "Goals": [("Theme", LINK, "Themes")],
    "KPIs": [("Goal", LINK, "Goals"), ("Unit", TEXT, None), ("Latest value", NUMBER, None),
             ("Source", TEXT, None)],
    "KPI targets": [("KPI", LINK, "KPIs"), ("Baseline", NUMBER, None),
                    ("Baseline date", DATE, None), ("Target", NUMBER, None),
                    ("Target date", DATE, None), ("Direction", "singleSelect", None)],
    "Projects": [("Moves", LINK, "KPI targets"), ("Start date", DATE, None),
                 ("End date", DATE, None), ("Business case", LONG, None),
                 ("Budget", "currency", None)],
    "Deliverables": [("Project", LINK, "Projects"), ("Due date", DATE, None),
                     ("Done", "checkbox", None)],
    "RAID log": [("Project", LINK, "Projects"), ("Response", LONG, None)],
    "Readings": [("KPI", LINK, "KPIs"), ("Date", DATE, None), ("Value", NUMBER, None),
                 ("Source", TEXT, None)],
}  # fmt: skip
COMMON = [
    ("Name", "singleLineText", None),
    ("Lead", "singleCollaborator", None),
    ("Directorate", "singleSelect", None),
    ("Stage", "singleSelect", None),
    ("Modified", "lastModifiedTime", None),
]


def programme_tracker() -> Any:
    """The base of docs/admin-guide.md, "An Airtable base of its own shape"."""
    ids = {name: f"tbl{n:014d}" for n, name in enumerate(PROGRAMME_TRACKER)}
    tables = []
    for name, own in PROGRAMME_TRACKER.items():
        fields = []
        for n, (field, kind, linked) in enumerate(
            [*COMMON, *own] if name != "Readings" else [COMMON[0], *own]
        ):
            options: dict[str, Any] = {}
            if linked:
                options["linkedTableId"] = ids[linked]
            if field == "Stage":
                options["choices"] = [{"name": s} for s in ("Planning", "Delivering", "Closed")]
            fields.append(
                {
                    "id": f"fld{n:03d}{ids[name][3:]}",
                    "name": field,
                    "type": kind,
                    "options": options,
                }
            )
        tables.append(
            {
                "id": ids[name],
                "name": name,
                "primaryFieldId": fields[0]["id"],
                "fields": fields,
                "views": [{"name": "Grid view"}],
            }
        )
    return airtable_schema({"tables": tables})


def test_an_airtable_base_of_its_own_shape_is_discovered_as_the_admin_guide_says() -> None:
    skeleton = discover_airtable(programme_tracker(), site="base appX", base="appXXXXXXXXXXXXXX")
    mapping = parse_mapping_text(skeleton.render(), where="skeleton")
    assert isinstance(mapping, AirtableMapping)
    tables = {kind.value: entity.table for kind, entity in mapping.entities.items()}
    assert tables == {
        "priority": "Themes",
        "outcome": "Goals",
        "indicator": "KPIs",
        "target": "KPI targets",
        "strategy": "Projects",
        "milestone": "Deliverables",
        "risk": "RAID log",
    }
    common = {name: spec.field for name, spec in mapping.attributes.items()}
    assert common == {
        "name": "Name",
        "owners": "Lead",
        "department": "Directorate",
        "updated": "Modified",
    }
    entities = {kind.value: entity for kind, entity in mapping.entities.items()}
    assert entities["outcome"].relations["parent"].field == "Theme"
    assert entities["strategy"].relations["drives"].field == "Moves"
    assert entities["milestone"].attributes["done"].field == "Done"
    assert "resources" not in entities["strategy"].attributes
    assert entities["risk"].attributes["mitigation"].field == "Response"
    assert mapping.measurements is not None
    assert (mapping.measurements.table, mapping.measurements.indicator) == ("Readings", "KPI")
    assert (mapping.measurements.date, mapping.measurements.value) == ("Date", "Value")


def strip_origin(mapping: Any) -> dict[str, Any]:
    data: dict[str, Any] = mapping.model_dump()
    data.pop("jira", None)
    data.pop("airtable", None)
    return data


@pytest.mark.e2e
def test_discover_on_the_default_jira_site_finds_the_bundled_mapping(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = jira_config(tmp_path, sandbox, "DEL")
    result = run(
        "mapping", "discover", "--config", str(config), "--out", str(tmp_path / "mapping.toml")
    )
    assert result.exit_code == 0, result.output
    found = load_mapping(tmp_path / "mapping.toml")
    assert strip_origin(found) == strip_origin(load_mapping("jira"))
    assert found.jira.project == "DEL"  # type: ignore[union-attr]
    assert "0 item(s) left" in result.output


@pytest.mark.e2e
def test_discover_on_the_default_airtable_base_finds_the_bundled_mapping(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = airtable_config(tmp_path, sandbox)
    result = run("mapping", "discover", "--config", str(config))
    assert result.exit_code == 0, result.output
    found = parse_mapping_text(result.output, where="stdout")
    assert strip_origin(found) == strip_origin(load_mapping("airtable"))


@pytest.mark.e2e
def test_discover_on_a_typical_site_leaves_targets_and_drives_to_the_admin(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="typical-jira")
    config = jira_config(tmp_path, site, "PMO")
    out = tmp_path / "mapping.toml"
    result = run("mapping", "discover", "--config", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = tomllib.loads(out.read_text())
    assert raw["entities"]["strategy"]["issue_type"] == "Epic"
    assert raw["attributes"]["owners"] == "SRO (Senior Responsible Owner)"
    assert raw["entities"]["indicator"]["attributes"]["current_value"] == "Actual"
    assert "target" not in raw["entities"]
    assert "entities.target: no issue type looks like a target" in result.output
    again = run("mapping", "discover", "--config", str(config), "--out", str(out))
    assert again.exit_code == 2 and "--force" in again.output  # never overwrites an edited file


def test_discover_names_the_source_when_a_config_has_several(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("x\n")
    config = tmp_path / "rdsync.toml"
    config.write_text(
        '[sources.a]\ntype = "jira"\nurl = "https://a.example"\nemail = "a@b.c"\ntoken_file = "t"\n'
        'projects = ["AA"]\n[sources.b]\ntype = "jira"\nurl = "https://b.example"\n'
        'email = "a@b.c"\ntoken_file = "t"\nprojects = ["BB"]\n'
    )
    result = CliRunner().invoke(main, ["mapping", "discover", "--config", str(config)])
    assert result.exit_code == 2
    assert "sources: the config has 2 sources (a, b); say which one" in result.output
    assert "Pass --source NAME." in result.output


@pytest.mark.parametrize(
    "value",
    ['Owner "primary"', "C:\\owners\\list", "Équipe responsable", "tab\there", ["a", 'b"c']],
)
def test_skeleton_values_are_toml_whatever_the_site_named_things(value: Any) -> None:
    from connector.mapping_tools.skeleton import toml_value

    assert tomllib.loads(f"key = {toml_value(value)}")["key"] == value
