"""Raw Jira issues onto entities: fields by name, links, parents, changelogs, and bad input."""

from collections import Counter
from datetime import date
from typing import Any

import pytest

import mappings.jira as jira_module
from mappings.config import JiraMapping, load_mapping, parse_mapping_text
from mappings.errors import InputError
from mappings.jira import map_jira
from mappings.model import Direction, EntityKind, Indicator, Strategy, Target

SITE = "https://nsw-delivery.atlassian.net/rest/api/3"
NAMES = {
    "summary": "Summary",
    "customfield_10040": "Accountable owner",
    "customfield_10041": "Unit",
    "customfield_10042": "Data source",
    "customfield_10043": "Current value",
    "customfield_10044": "Baseline value",
    "customfield_10045": "Baseline date",
    "customfield_10046": "Target value",
    "customfield_10047": "Target date",
    "customfield_10048": "Direction",
    "customfield_10049": "Trajectory",
    "customfield_10015": "Start date",
    "customfield_10051": "Rationale",
    "customfield_10052": "Scale",
    "customfield_10053": "Resources",
    "customfield_10054": "Definition of success",
    "customfield_10055": "Delivery chain",
    "customfield_10056": "Mitigation",
    "customfield_10057": "Impact",
    "customfield_10058": "Difficulty",
    "customfield_10059": "Department",
}
OWNER = {"accountId": "712020:mehta", "displayName": "Dr Anil Mehta", "active": True}
IN_PROGRESS = {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}


def jira() -> JiraMapping:
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    return mapping


def issue(key: str, kind: str, summary: str | None = "A ticket", **fields: Any) -> dict[str, Any]:
    number = key.split("-")[1]
    return {
        "id": f"1{number}",
        "self": f"{SITE}/issue/1{number}",
        "key": key,
        "fields": {
            "summary": summary,
            "issuetype": {"name": kind, "hierarchyLevel": 0},
            "status": IN_PROGRESS,
            "labels": [],
            "updated": "2025-06-27T14:05:00.000+1000",
            "customfield_10059": {"value": "NSW Health"},
            **fields,
        },
    }


def history(created: str, value: str, field: str = "Current value") -> dict[str, Any]:
    fid = "customfield_10043" if field == "Current value" else "status"
    item = {"field": field, "fieldtype": "custom", "fieldId": fid, "toString": value}
    return {"id": created, "created": created, "items": [item]}


def page(*issues: dict[str, Any], names: dict[str, str] = NAMES) -> dict[str, Any]:
    return {"issues": list(issues), "names": names, "isLast": True}


def test_fields_by_name_parents_links_and_urls() -> None:
    target = issue(
        "DEL-8",
        "Target",
        "81% of patients through ED in four hours by June 2027",
        parent={"key": "DEL-7", "fields": {"summary": "Patients through ED in four hours"}},
        customfield_10044=74,
        customfield_10045="2024-07-01",
        customfield_10046="81%",
        customfield_10047="2027-06-30",
        customfield_10048={"value": "Increase", "id": "10100"},
        customfield_10049={
            "type": "doc",
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "2025-06-30: 76"}]},
                {"type": "paragraph", "content": [{"type": "text", "text": "2026-06-30: 78.5"}]},
            ],
        },
    )
    strategy = issue(
        "DEL-17",
        "Strategy",
        "Patient flow redesign",
        duedate="2027-06-30",
        customfield_10015="2024-07-01",
        customfield_10040=[OWNER],
        issuelinks=[
            {"type": {"name": "Drives"}, "outwardIssue": {"key": "DEL-8"}},
            {"type": {"name": "Drives"}, "inwardIssue": {"key": "DEL-2"}},
            {"type": {"name": "Blocks"}, "outwardIssue": {"key": "DEL-9"}},
        ],
    )
    records = map_jira([page(target, strategy)], jira())
    assert records.problems == [] and records.skipped == [] and records.notes == []
    t, s = records.entities
    assert isinstance(t, Target) and isinstance(s, Strategy)
    assert (t.parent_key, t.baseline_value, t.target_value) == ("DEL-7", 74, 81)
    assert (t.target_date, t.direction) == (date(2027, 6, 30), Direction.INCREASE)
    assert [(p.at, p.value) for p in t.trajectory] == [
        (date(2025, 6, 30), 76),
        (date(2026, 6, 30), 78.5),
    ]
    assert t.url == "https://nsw-delivery.atlassian.net/browse/DEL-8"
    assert (t.department, t.status, t.done, t.source) == (
        "NSW Health",
        "In Progress",
        False,
        "jira",
    )
    assert s.drives == ["DEL-8"]  # outward Drives only, from the strategy's side
    assert (s.start_date, s.end_date) == (date(2024, 7, 1), date(2027, 6, 30))
    assert [o.name for o in s.owners] == ["Dr Anil Mehta"]


def test_measurements_from_the_changelog_and_the_current_value() -> None:
    indicator = issue(
        "DEL-7",
        "Indicator",
        "Patients through ED in four hours",
        customfield_10041="%",
        customfield_10042="Bureau of Health Information",
        customfield_10043=76.1,
    )
    indicator["changelog"] = {
        "histories": [  # newest first, as Jira lists them
            history("2025-06-27T09:14:00.000+1000", "76.1"),
            history("2025-03-31T17:00:00.000+1100", "75.5"),
            history("2025-03-31T09:00:00.000+1100", "75.3"),  # corrected the same day
            history("2024-12-31T09:00:00.000+1100", "74,9"),  # unreadable
            history("2024-12-30T09:00:00.000+1100", "Done", field="status"),
            history("2024-07-01T09:00:00.000+1000", "74"),
        ]
    }
    records = map_jira([page(indicator)], jira())
    assert [(m.at, m.value) for m in records.measurements] == [
        (date(2024, 7, 1), 74),
        (date(2025, 3, 31), 75.5),
        (date(2025, 6, 27), 76.1),  # the current value equals the last change: not repeated
    ]
    assert {m.source for m in records.measurements} == {"Bureau of Health Information"}
    [problem] = records.problems
    assert (problem.code, problem.key, problem.field) == ("RD901", "DEL-7", "Current value")
    assert "'74,9'" in problem.message and "2024-12-31" in problem.message
    indicator["fields"]["customfield_10043"] = 77
    later = map_jira([page(indicator)], jira()).measurements[-1]
    assert (later.at, later.value) == (date(2025, 6, 27), 77)  # the current value at `updated`
    indicator["changelog"] = {"histories": []}
    [only] = map_jira([page(indicator)], jira()).measurements
    assert (only.at, only.value) == (date(2025, 6, 27), 77)


def test_a_bad_value_never_drops_the_record() -> None:
    target = issue(
        "DEL-104",
        "Target",
        "15% fewer children re-reported",
        customfield_10044="n/a",
        customfield_10047="31/02/2025",
        customfield_10046=26.4,
    )
    records = map_jira([page(target)], jira())
    [entity] = records.entities
    assert isinstance(entity, Target)
    assert (entity.baseline_value, entity.target_date, entity.target_value) == (None, None, 26.4)
    assert [(p.code, p.key, p.field) for p in records.problems] == [
        ("RD901", "DEL-104", "Baseline value"),
        ("RD901", "DEL-104", "Target date"),
    ]
    assert "'n/a'" in records.problems[0].message
    assert "'31/02/2025'" in records.problems[1].message


def test_unknown_types_are_skipped_and_missing_required_fields_are_rd904() -> None:
    records = map_jira([page(issue("DEL-109", "Bug", "Dashboard shows the wrong quarter"))], jira())
    assert [(s.key, s.reason) for s in records.skipped] == [
        ("DEL-109", "issue type 'Bug' is not in the mapping")
    ]
    records = map_jira(
        [page(issue("DEL-110", "Risk", None), {"id": "10111", "key": "DEL-111"})], jira()
    )
    assert records.entities == []
    assert [(p.code, p.key, p.field) for p in records.problems] == [
        ("RD904", "DEL-110", "Summary"),
        ("RD904", "DEL-111", None),
    ]
    assert "entities.risk.required" in records.problems[0].fix


def test_single_issues_field_names_and_unknown_fields() -> None:
    single = issue("DEL-3", "Indicator", "New jobs", customfield_10041="jobs")
    records = map_jira([single], jira())  # no names: custom fields by name cannot resolve
    assert isinstance(records.entities[0], Indicator) and records.entities[0].unit is None
    assert any("'Unit'" in note for note in records.notes)
    records = map_jira([single], jira(), field_names=NAMES)
    assert records.entities[0].unit == "jobs"  # type: ignore[attr-defined]


def test_labels_jql_kinds_links_as_parents_and_fields_holding_keys() -> None:
    mapping = parse_mapping_text(
        """
        tool = "jira"
        attributes.name = "summary"
        relations.parent = { by = "link", link_type = "Hierarchy", direction = "inward" }
        [entities.outcome]
        issue_type = "Epic"
        label = "rd-outcome"
        [entities.indicator]
        issue_type = "Epic"
        label = "rd-indicator"
        [entities.target]
        jql = "project = DEL AND issuetype = Goal"
        [entities.strategy]
        issue_type = "Initiative"
        relations.drives = { by = "field", field = "Moves targets" }
        """
    )
    assert isinstance(mapping, JiraMapping)
    hierarchy = {"type": {"name": "Hierarchy"}, "inwardIssue": {"key": "DEL-1"}}
    outcome = issue("DEL-2", "Epic", labels=["rd-outcome"], issuelinks=[hierarchy])
    both = issue("DEL-3", "Epic", labels=["rd-outcome", "rd-indicator"])
    two_parents = issue(
        "DEL-5",
        "Epic",
        labels=["rd-indicator"],
        issuelinks=[hierarchy, {**hierarchy, "inwardIssue": {"key": "DEL-9"}}],
    )
    strategy = issue("DEL-6", "Initiative", customfield_10090="DEL-4, DEL-8")
    names = {"customfield_10090": "Moves targets"}
    records = map_jira([page(outcome, both, two_parents, strategy, names=names)], mapping)
    assert {e.key: e.parent_key for e in records.entities} == {
        "DEL-2": "DEL-1",
        "DEL-5": "DEL-1",
        "DEL-6": None,
    }
    assert records.entities[2].drives == ["DEL-4", "DEL-8"]  # type: ignore[attr-defined]
    assert [(p.code, p.key) for p in records.problems] == [("RD904", "DEL-3"), ("RD901", "DEL-5")]
    assert "matches outcome and indicator" in records.problems[0].message
    goal = issue("DEL-4", "Goal")
    assert map_jira([page(goal)], mapping).skipped[0].key == "DEL-4"  # JQL alone never matches
    [fetched] = map_jira([page(goal)], mapping, kind=EntityKind.TARGET).entities
    assert isinstance(fetched, Target)


def test_the_plan_is_compiled_once_per_distinct_names(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = jira_module.compile_plan

    def counting(mapping: JiraMapping, names: dict[str, str]) -> Any:
        calls.append(len(names))
        return original(mapping, names)

    monkeypatch.setattr(jira_module, "compile_plan", counting)
    pages = [page(issue(f"DEL-{n}", "Priority")) for n in range(1, 6)]
    assert len(map_jira(pages, jira()).entities) == 5
    assert calls == [len(NAMES)]


def test_input_that_is_not_jira_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a Jira search response"):
        map_jira([{"records": []}], jira())


def test_the_current_value_is_dated_by_updated_even_when_updated_is_not_mapped() -> None:
    mapping = parse_mapping_text(
        """
        tool = "jira"
        attributes.name = "summary"
        [entities.indicator]
        issue_type = "Indicator"
        [measurements]
        field = "Current value"
        """
    )
    assert isinstance(mapping, JiraMapping)
    indicator = issue("DEL-3", "Indicator", "New jobs", customfield_10043="45,900")
    [measurement] = map_jira([page(indicator)], mapping).measurements
    assert (measurement.at, measurement.value) == (date(2025, 6, 27), 45_900)
    indicator["fields"]["customfield_10043"] = "about 46k"
    records = map_jira([page(indicator)], mapping)
    assert records.measurements == []
    assert [(p.code, p.field) for p in records.problems] == [("RD901", "Current value")]


def test_data_center_parents_from_parent_link_and_epic_link_owners_and_wiki_markup() -> None:
    """The jira-dc mapping: Advanced Roadmaps' Parent Link (an object holding the parent in
    `data`, or the key alone), Jira Software's Epic Link (a key), users by key, wiki text."""
    mapping = load_mapping("jira-dc")
    assert isinstance(mapping, JiraMapping)
    names = {**NAMES, "customfield_10200": "Parent Link", "customfield_10101": "Epic Link"}
    unlicensed = {"hasEpicLinkFieldDependency": False, "showField": False}
    priority = issue("DEL-1", "Priority", customfield_10200=unlicensed)
    outcome = issue(
        "DEL-2",
        "Outcome",
        customfield_10200={
            "hasEpicLinkFieldDependency": False,
            "showField": True,
            "data": {"id": 10001, "key": "DEL-1", "keyNum": 1, "summary": "Jobs"},
        },
        customfield_10040=[
            {"name": "jashby", "key": "JIRAUSER10100", "displayName": "Jonathan Ashby"}
        ],
    )
    indicator = issue("DEL-3", "Indicator", customfield_10200="DEL-2")
    target = issue(
        "DEL-4",
        "Target",
        customfield_10101="DEL-3",
        customfield_10200=None,
        customfield_10049="h3. Intermediate targets\n# *2026-06-30*: 58\n# 2027-06-30: 61",
    )
    strategy = issue("DEL-5", "Strategy", customfield_10051="* *Why:* peers model it")
    risk = issue("DEL-6", "Risk", customfield_10101="DEL-5", customfield_10056="h2. Plan")
    records = map_jira(
        [page(priority, outcome, indicator, target, strategy, risk, names=names)], mapping
    )
    parents = {e.key: e.parent_key for e in records.entities}
    assert parents == {
        "DEL-1": None,
        "DEL-2": "DEL-1",
        "DEL-3": "DEL-2",
        "DEL-4": "DEL-3",
        "DEL-5": None,
        "DEL-6": "DEL-5",
    }
    by_key = {e.key: e for e in records.entities}
    assert [(o.id, o.name, o.email) for o in by_key["DEL-2"].owners] == [
        ("JIRAUSER10100", "Jonathan Ashby", None)
    ]
    t = by_key["DEL-4"]
    assert isinstance(t, Target)
    [problem] = records.problems  # the heading is no point of the trajectory
    assert (problem.code, problem.key, problem.field) == ("RD901", "DEL-4", "Trajectory")
    assert "'Intermediate targets'" in problem.message and t.trajectory == []
    target["fields"]["customfield_10049"] = "# *2026-06-30*: 58\n# 2027-06-30: _61_"
    [t] = map_jira([page(target, names=names)], mapping).entities
    assert [(p.at, p.value) for p in t.trajectory] == [  # type: ignore[attr-defined]
        (date(2026, 6, 30), 58),
        (date(2027, 6, 30), 61),
    ]
    assert by_key["DEL-5"].rationale == "Why: peers model it"  # type: ignore[attr-defined]


def test_an_object_the_read_holds_once_is_read_once_a_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A status, option or user names itself by `self`, and a read holds each once
    (`connector.sources.compact.Shared`): mapping reads it once, yet each entity gets a list
    of its own, and a value that cannot be read is a problem on every issue that holds it."""
    calls: list[tuple[str, str]] = []
    original = jira_module.reader_for

    def counting(name: str, true_values: Any = (), *, tool: str = "") -> Any:
        read = original(name, true_values, tool=tool)

        def counted(raw: Any) -> Any:
            if isinstance(raw, dict) and "self" in raw:
                calls.append((name, raw["self"]))
            return read(raw)

        return counted

    monkeypatch.setattr(jira_module, "reader_for", counting)
    status = {"self": f"{SITE}/status/3", **IN_PROGRESS}
    owner = {"self": f"{SITE}/user?accountId=1", **OWNER}
    unit = {"self": f"{SITE}/customFieldOption/7", "value": {"not": "text"}}
    held = {"status": status, "customfield_10040": owner, "customfield_10041": unit}
    issues = [issue(f"DEL-{n}", "Indicator", **held) for n in range(1, 4)]
    records = map_jira([page(*issues)], jira())
    assert len(records.entities) == 3
    read = Counter(calls)
    assert read == {
        ("select", status["self"]): 1,  # the status, as a select and as done or not
        ("bool", status["self"]): 1,
        ("users", owner["self"]): 1,
        ("text", unit["self"]): 3,  # not read: asked again on each issue, and said on each
    }
    first, second = records.entities[0].owners, records.entities[1].owners
    assert first == second and first is not second
    assert [(p.code, p.key) for p in records.problems] == [
        ("RD901", "DEL-1"),
        ("RD901", "DEL-2"),
        ("RD901", "DEL-3"),
    ]
