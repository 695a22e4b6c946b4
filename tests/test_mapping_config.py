"""The mapping config: bundled defaults, the schema's checks, and errors that name the key."""

from pathlib import Path

import pytest

from mappings.config import (
    AirtableMapping,
    JiraMapping,
    RatingOptions,
    attributes_of,
    load_mapping,
    parse_mapping_text,
)
from mappings.errors import ConfigError
from mappings.model import EntityKind

MINIMAL = """
tool = "jira"
[attributes]
name = "summary"
[entities.priority]
issue_type = "Priority"
"""


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_mapping_text(text, where="site.toml")
    return caught.value


def test_bundled_defaults_map_every_kind_and_the_write_back() -> None:
    jira = load_mapping("jira")
    airtable = load_mapping("airtable")
    assert isinstance(jira, JiraMapping) and isinstance(airtable, AirtableMapping)
    for mapping in (jira, airtable):
        assert set(mapping.entities) == set(EntityKind)
        assert mapping.writeback.likelihood == "Delivery likelihood"
        assert mapping.writeback.options.option(2) == "2 - Amber/Red"
    assert jira.origin == "mappings/defaults/jira.toml"
    assert jira.attributes_for(EntityKind.STRATEGY)["end_date"].field == "duedate"
    assert jira.relations_for(EntityKind.STRATEGY)["drives"].link_type == "Drives"
    assert jira.relations_for(EntityKind.TARGET)["parent"].by == "parent"
    assert jira.measurements is not None and jira.measurements.field == "Current value"
    assert airtable.relations_for(EntityKind.TARGET)["parent"].field == "Indicator"
    assert airtable.measurements is not None and airtable.measurements.table == "Measurements"
    done = airtable.attributes_for(EntityKind.MILESTONE)["done"]
    assert (done.reader, done.true_values) == ("bool", ["Done"])


def test_jql_and_fields_for_the_connector() -> None:
    jira = load_mapping("jira")
    assert isinstance(jira, JiraMapping)
    assert jira.jql_for(EntityKind.RISK) == 'project = "DEL" AND issuetype = "Risk"'
    refs = jira.field_refs()
    assert {"Accountable owner", "Current value", "duedate", "issuelinks", "parent"} <= set(refs)
    custom = parse_mapping_text(
        MINIMAL.replace('issue_type = "Priority"', 'jql = "filter = 10042"')
    )
    assert isinstance(custom, JiraMapping)
    assert custom.jql_for(EntityKind.PRIORITY) == "filter = 10042"


def test_attribute_shorthand_and_overrides() -> None:
    mapping = parse_mapping_text(
        MINIMAL
        + """
[entities.priority.attributes]
name = { field = "customfield_10077", reader = "paragraph" }
team_rating = "Team likelihood"
"""
    )
    attributes = mapping.attributes_for(EntityKind.PRIORITY)
    assert attributes["name"].field == "customfield_10077"
    assert attributes["name"].reader_name("name") == "paragraph"
    assert attributes["team_rating"].reader_name("team_rating") == "rating"


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (
            MINIMAL.replace("issue_type", "isue_type"),
            "site.toml: entities.priority.isue_type",
            "unknown key 'isue_type' (did you mean 'issue_type'?); allowed: issue_type, label, jql",
        ),
        (
            MINIMAL + "[entities.priority.attributes]\nunit = 'Unit'\n",
            "site.toml: entities.priority.attributes.unit",
            "'unit' is an attribute of: indicator",
        ),
        (
            MINIMAL + "[entities.priorty]\nissue_type = 'X'\n",
            "site.toml: entities.priorty",
            "unknown key 'priorty' (did you mean 'priority'?)",
        ),
        (
            MINIMAL.replace('name = "summary"', 'name = { field = "summary", reader = "nmber" }'),
            "site.toml: attributes.name.reader",
            "'nmber' is not allowed; expected 'text', 'paragraph'",
        ),
        (
            MINIMAL + "[entities.outcome]\nissue_type = 'Outcome'\n"
            "relations.drives = { by = 'link', link_type = 'Drives', direction = 'outward' }\n",
            "site.toml: entities.outcome.relations.drives",
            "only a strategy drives",
        ),
        (
            MINIMAL + "[entities.strategy]\nissue_type = 'S'\nrelations.drives = { by = 'link' }\n",
            "site.toml: entities.strategy.relations.drives",
            "needs link_type and direction",
        ),
        (
            MINIMAL + "[entities.risk]\nissue_type = 'Risk'\nrequired = ['name', 'mitigation']\n",
            "site.toml: entities.risk.required[1]",
            "'mitigation' is required but not mapped",
        ),
        (
            MINIMAL + "[entities.risk]\ntable = 'Risks'\n",
            "site.toml: entities.risk.table",
            "unknown key 'table'",
        ),
        (
            MINIMAL + "[entities.risk]\nattributes.mitigation = 'Mitigation'\n",
            "site.toml: entities.risk",
            "needs issue_type, label or jql",
        ),
        (
            MINIMAL.replace('name = "summary"', 'drives = "Drives"'),
            "site.toml: attributes.drives",
            "'drives' is a relation",
        ),
        (
            'tool = "airtable"\n[entities.priority]\nview = "All"\n',
            "site.toml: entities.priority.table",
            "missing key 'table'",
        ),
        ('tool = "jra"\n', "site.toml: tool", "tool is 'jra'; allowed: jira, airtable"),
        (
            MINIMAL + "[writeback]\nlikelihood = 'Delivery likelihood'\nkinds = ['milestones']\n",
            "site.toml: writeback.kinds[0]",
            "'milestones' is not allowed",
        ),
        (
            MINIMAL + "[entities.priority.relations.parnt]\nby = 'parent'\n",
            "site.toml: entities.priority.relations.parnt",
            "unknown key 'parnt' (did you mean 'parent'?); allowed: parent, drives",
        ),
    ],
)
def test_errors_name_the_key_path_and_what_is_allowed(text: str, where: str, says: str) -> None:
    error = _error(text)
    assert error.where == where
    assert says in error.message
    assert error.fix and where.split(": ")[1] in error.fix


def test_several_problems_are_listed_together() -> None:
    error = _error(MINIMAL + "[entities.risk]\ntable = 'R'\n[measurements]\nfeld = 'x'\n")
    assert error.message.startswith("3 problems in the mapping:")
    for line in (
        "site.toml: entities.risk.table: unknown key 'table'",
        "site.toml: measurements.field: missing key 'field'",
        "site.toml: measurements.feld: unknown key 'feld' (did you mean 'field'?)",
    ):
        assert line in error.message


def test_toml_syntax_errors_name_line_and_column() -> None:
    error = _error('tool = "jira"\n[entities.priority]\nissue_type = "Priority\n')
    assert error.where == "site.toml"
    assert "line 3, column" in error.message


def test_files_by_path_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.origin == str(path)
    with pytest.raises(ConfigError, match="no such mapping file") as caught:
        load_mapping(tmp_path / "absent.toml")
    assert caught.value.where == str(tmp_path / "absent.toml")
    assert "--mapping jira" in (caught.value.fix or "")


def test_rating_options_both_ways() -> None:
    options = RatingOptions(red="Red", amber_red="Amber/Red", amber_green="Amber/Green")
    assert [options.option(r) for r in (1, 4)] == ["Red", "4 - Green"]
    assert options.rating_of("Amber/Green") == 3
    assert options.rating_of("Blue") is None


def test_attribute_names_are_the_models_fields() -> None:
    assert "mitigation" in attributes_of(EntityKind.RISK)
    assert "drives" not in attributes_of(EntityKind.STRATEGY)
    assert {"key", "url", "parent_key", "kind", "source"}.isdisjoint(
        attributes_of(EntityKind.TARGET)
    )
