"""Entities read beside another kind from the same issue (`facet`), selection by a filled field
(`when`), and relations to the same issue's other entity (`same_issue`)."""

from typing import Any

import pytest

from mappings.config import parse_mapping_text
from mappings.errors import ConfigError
from mappings.graph import Architecture
from mappings.jira import map_jira
from mappings.model import Direction, Strategy, Target

SITE = "https://pmo.atlassian.net/rest/api/3"
NAMES = {
    "summary": "Summary",
    "assignee": "Assignee",
    "customfield_10030": "Target value",
    "customfield_10031": "Target date",
    "customfield_10032": "Desired trend",
    "customfield_10033": "Actual",
}
MAPPING = """
tool = "jira"

[attributes]
name = "summary"
owners = "assignee"

[relations]
parent = { by = "parent" }

[entities.priority]
issue_type = "Initiative"

[entities.indicator]
issue_type = "KPI"
attributes.current_value = "Actual"

[entities.strategy]
issue_type = "Epic"
relations.drives = { by = "same_issue" }

[entities.target]
issue_type = "Epic"
facet = "target"
when = "Target value"
relations.parent = { by = "link", link_type = "Relates", direction = "outward" }

[entities.target.attributes]
target_value = "Target value"
target_date = "Target date"
direction = "Desired trend"
"""
PRIYA = {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Priya Raman"}


def issue(key: str, kind: str, summary: str, **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "self": f"{SITE}/issue/{key.split('-')[1]}",
        "fields": {"summary": summary, "issuetype": {"name": kind}, "labels": [], **fields},
    }


def relates(key: str) -> list[dict[str, Any]]:
    return [{"type": {"name": "Relates"}, "outwardIssue": {"key": key}}]


def mapped() -> Any:
    epic = issue(
        "PMO-12",
        "Epic",
        "Automate straightforward claims",
        assignee=PRIYA,
        parent={"key": "PMO-1"},
        issuelinks=relates("PMO-7"),
        customfield_10030=80,
        customfield_10031="2028-01-16",
        customfield_10032={"value": "Up"},
    )
    bare = issue(
        "PMO-14",
        "Epic",
        "Modernise the claims portal",
        parent={"key": "PMO-1"},
        issuelinks=relates("PMO-7"),
    )
    page = {
        "issues": [
            issue("PMO-1", "Initiative", "Faster benefit decisions"),
            issue("PMO-7", "KPI", "Claims decided within 10 days", customfield_10033=70),
            epic,
            bare,
        ],
        "names": NAMES,
    }
    return map_jira([page], parse_mapping_text(MAPPING))  # type: ignore[arg-type]


def test_an_epic_with_a_target_yields_a_strategy_driving_its_target_facet() -> None:
    out = mapped()
    by_key = {e.key: e for e in out.entities}
    strategy, target = by_key["PMO-12"], by_key["PMO-12#target"]
    assert isinstance(strategy, Strategy) and isinstance(target, Target)
    assert strategy.drives == ["PMO-12#target"] and strategy.parent_key == "PMO-1"
    assert [p.label for p in strategy.owners] == ["Priya Raman"]
    assert target.parent_key == "PMO-7"  # the KPI the Epic relates to
    assert (target.target_value, target.direction) == (80, Direction.INCREASE)
    assert target.url == "https://pmo.atlassian.net/browse/PMO-12"  # the ticket a team opens
    assert out.problems == []
    arch = Architecture(out.entities, out.measurements, out.problems)
    assert [s.key for s in arch.strategies_for("PMO-12#target")] == ["PMO-12"]
    assert arch.priority_of("PMO-12") is not None
    assert not [p for p in arch.problems if p.code in ("RD902", "RD904")]


def test_an_epic_without_the_when_field_is_a_strategy_driving_nothing() -> None:
    out = mapped()
    keys = {e.key for e in out.entities}
    assert "PMO-14" in keys and "PMO-14#target" not in keys
    strategy = next(e for e in out.entities if e.key == "PMO-14")
    assert isinstance(strategy, Strategy) and strategy.drives == []


def test_an_issue_only_a_facet_kind_selects_is_skipped_quietly_when_its_field_is_empty() -> None:
    text = MAPPING.replace(
        '[entities.strategy]\nissue_type = "Epic"', '[entities.strategy]\nissue_type = "Story"'
    )
    text = text.replace('relations.drives = { by = "same_issue" }\n', "")
    out = map_jira(
        [{"issues": [issue("PMO-14", "Epic", "No target")], "names": NAMES}],
        parse_mapping_text(text),  # type: ignore[arg-type]
    )
    assert out.entities == [] and out.problems == []
    assert [s.reason for s in out.skipped] == ["its 'Target value' is empty (entities.target.when)"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            (
                '[relations]\nparent = { by = "parent" }',
                '[relations]\nparent = { by = "same_issue" }',
            ),
            "relations.parent",
        ),
        (('facet = "target"\n', ""), "entities.strategy.relations.drives"),
        (
            (
                '[entities.priority]\nissue_type = "Initiative"',
                '[entities.priority]\nissue_type = "Initiative"\nfacet = "target"',
            ),
            "entities.target.facet",
        ),
        (('facet = "target"', 'facet = "Target!"'), "entities.target.facet"),
    ],
)
def test_facet_mistakes_name_their_key(change: tuple[str, str], key: str) -> None:
    text = MAPPING.replace(*change)
    assert text != MAPPING
    with pytest.raises(ConfigError) as raised:
        parse_mapping_text(text, where="mapping.toml")
    assert raised.value.where == f"mapping.toml: {key}"


def test_when_fields_are_read() -> None:
    mapping = parse_mapping_text(MAPPING)
    assert "Target value" in mapping.field_refs()  # type: ignore[union-attr]
