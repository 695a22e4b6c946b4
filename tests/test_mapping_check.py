"""`rdsync mapping check`: a mapping against a live site, every problem one line with its key and
a suggestion, exit codes, and `--fix` creating write-back fields and options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.mapping_tools.check import check_jira
from connector.mapping_tools.check_airtable import check_airtable
from connector.mapping_tools.schema import airtable_schema, jira_schema
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox
from mappings.config import AirtableMapping, JiraMapping, parse_mapping_text
from mappings.defaults import __file__ as defaults_init
from tests.jira_spec import check as matches_spec
from tests.jira_spec import needs_spec
from tests.test_mapping_discover import airtable_config, jira_config

DEFAULTS = Path(defaults_init).parent
CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"
WRITES = ("PUT", "POST", "DELETE", "PATCH")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def default_with(tool: str, *edits: tuple[str, str]) -> str:
    text = (DEFAULTS / f"{tool}.toml").read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# -- on the sandbox ---------------------------------------------------------------------------

ADMIN_LINE = (
    "account 'Sandbox Admin' in project DEL: may read issues, write ratings, comment, skip "
    "notifications, create fields"
)


@pytest.mark.e2e
def test_four_mistakes_are_reported_at_once_each_with_its_key_and_a_suggestion(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    (tmp_path / "mapping.toml").write_text(
        default_with(
            "jira",
            ('owners = "Accountable owner"', 'owners = "Acountable owner"'),
            ('target_value = "Target value"', 'target_value = "Target date"'),
            ('link_type = "Drives"', 'link_type = "Drivers"'),
            ('amber_green = "3 - Amber/Green"', 'amber_green = "3 - Amber Green"'),
        )
    )
    result = run("mapping", "check", "--config", str(jira_config(tmp_path, sandbox, "DEL")))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        ADMIN_LINE,
        "attributes.owners: no field 'Acountable owner' on the site; "
        "did you mean 'Accountable owner'?",
        "entities.target.attributes.target_value: 'Target date' (date) is no fit: it is read "
        "as a number field; did you mean 'Target value' (number)?",
        "entities.strategy.relations.drives.link_type: no link type 'Drivers' on the site; "
        "did you mean 'Drives'?",
        "writeback.options.amber_green: field 'Delivery likelihood' has no option "
        "'3 - Amber Green'; did you mean '3 - Amber/Green'?",
        f"mapping.toml: 4 problem(s) on {sandbox.url}",
    ]
    assert sandbox.count("PUT") + sandbox.count("POST", "/rest/api/3/field*") == 0


@pytest.mark.e2e
def test_the_bundled_mapping_fits_the_default_site(sandbox: Sandbox, tmp_path: Path) -> None:
    result = run("mapping", "check", "--config", str(jira_config(tmp_path, sandbox, "DEL", "jira")))
    assert result.exit_code == 0, result.output
    assert result.output == f"{ADMIN_LINE}\njira: the mapping fits {sandbox.url}\n"


def test_an_unusable_mapping_exits_2_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("token\n")
    config = tmp_path / "rdsync.toml"
    config.write_text(
        '[sources.jira]\ntype = "jira"\nurl = "https://pmo.example.net"\nemail = "a@b.c"\n'
        'token_file = "t"\nprojects = ["PMO"]\nmapping = "missing.toml"\n'
    )
    result = CliRunner().invoke(main, ["mapping", "check", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'missing.toml'}: no such mapping file" in result.output


def discovered(folder: Path, site: Sandbox) -> Path:
    config = jira_config(folder, site, "PMO")
    result = run(
        "mapping", "discover", "--config", str(config), "--out", str(folder / "mapping.toml")
    )
    assert result.exit_code == 0, result.output
    return config


@pytest.mark.e2e
def test_fix_shows_what_it_would_create_and_creates_nothing_without_yes(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="typical-jira")
    config = discovered(tmp_path, site)
    site.reset_stats()
    result = run("mapping", "check", "--config", str(config), "--fix")
    assert result.exit_code == 1
    assert "--fix will, on" in result.output
    assert (
        "  create select field 'Delivery likelihood' with options 1 - Red, 2 - Amber/Red, "
        "3 - Amber/Green, 4 - Green" in result.output
    )
    assert "not created: pass --yes" in result.output
    assert sum(site.count(method) for method in WRITES) == 0


@pytest.mark.e2e
def test_fix_creates_the_write_back_fields_and_missing_options(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="typical-jira")
    config = discovered(tmp_path, site)
    result = run("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"after --fix:\nmapping.toml: the mapping fits {site.url}\n")
    assert site.count("POST", "/rest/api/3/field") == 4
    session = requests.Session()
    session.auth = (site.email, site.token)
    fields = {f["name"]: f for f in session.get(f"{site.url}/rest/api/3/field", timeout=10).json()}
    assert fields["Delivery likelihood"]["schema"]["custom"] == CUSTOM + "select"
    assert fields["Last assessed"]["schema"]["custom"] == CUSTOM + "datetime"
    # A green option the field lacks (and nothing close to it): --fix adds it.
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(mapping.read_text().replace('green = "4 - Green"', 'green = "4 - On track"'))
    before = run("mapping", "check", "--config", str(config))
    assert before.exit_code == 1
    assert (
        "writeback.options.green: field 'Delivery likelihood' has no option '4 - On track'; "
        "`rdsync mapping check --fix` adds it" in before.output
    )
    fixed = run("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert "  add option(s) '4 - On track' to field 'Delivery likelihood'" in fixed.output
    assert fixed.exit_code == 0, fixed.output
    field_id = fields["Delivery likelihood"]["id"]
    context = session.get(f"{site.url}/rest/api/3/field/{field_id}/context", timeout=10)
    matches_spec(site, context)
    options = session.get(
        f"{site.url}/rest/api/3/field/{field_id}/context/{context.json()['values'][0]['id']}/option",
        timeout=10,
    )
    matches_spec(site, options)
    assert [o["value"] for o in options.json()["values"]][-1] == "4 - On track"


@pytest.mark.e2e
@needs_spec
def test_the_field_endpoints_answer_as_the_spec_says(sandbox: Sandbox) -> None:
    session = requests.Session()
    session.auth = (sandbox.email, sandbox.token)
    api = f"{sandbox.url}/rest/api/3"

    def call(method: str, path: str, expect: int, **kwargs: Any) -> requests.Response:
        response = session.request(method, api + path, timeout=10, **kwargs)
        assert response.status_code == expect, response.text
        matches_spec(sandbox, response)
        return response

    body = {
        "name": "Spec check",
        "type": CUSTOM + "select",
        "searcherKey": CUSTOM + "multiselectsearcher",
    }
    created = call("POST", "/field", 201, json=body).json()
    context = call("GET", f"/field/{created['id']}/context", 200).json()["values"][0]["id"]
    options = f"/field/{created['id']}/context/{context}/option"
    added = call("POST", options, 200, json={"options": [{"value": "Yes"}, {"value": "No"}]})
    assert [o["value"] for o in added.json()["options"]] == ["Yes", "No"]
    assert [o["value"] for o in call("GET", options, 200).json()["values"]] == ["Yes", "No"]
    call("POST", options, 400, json={"options": [{"value": "Yes"}]})
    call("POST", "/field", 400, json={"name": "", "type": "nonsense"})
    call("GET", "/field/summary/context", 404)
    call("GET", f"/field/{created['id']}/context/1/option", 404)


@pytest.mark.e2e
def test_airtable_fix_creates_fields_in_every_rated_table_and_options_by_typecast(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    # This test reads the base with pyairtable's own retries (a few seconds in all), which
    # Airtable's 30 s penalty after a 429 would outlast: the sandbox's, and so rdsync's, is
    # short here.
    site = make_sandbox(seed="demo", airtable_penalty_seconds=0.5)
    (tmp_path / "mapping.toml").write_text(
        default_with(
            "airtable",
            ('rationale = "Likelihood rationale"', 'rationale = "rdsync reasons"'),
            ('green = "4 - Green"', 'green = "4 - On track"'),
            (
                'kinds = ["priority", "outcome", "target", "strategy"]',
                'kinds = ["priority", "strategy"]',
            ),
        )
    )
    config = airtable_config(tmp_path, site)
    config.write_text(config.read_text() + "penalty_seconds = 0.5\n")
    result = run("mapping", "check", "--config", str(config))
    assert result.exit_code == 1
    tables = ("Priorities", "Strategies")
    for table in tables:
        assert f"writeback.rationale: no field 'rdsync reasons' in table '{table}'" in result.output
        assert (
            f"writeback.options.green: field 'Delivery likelihood' in '{table}' has no option "
            "'4 - On track'" in result.output
        )
    held = _likelihoods(site, tables)
    fixed = run("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert fixed.exit_code == 0, fixed.output
    assert "with typecast, then put back" in fixed.output
    for table in _base(site).api.get(_base(site).urls.tables)["tables"]:
        if table["name"] in tables:
            names = {f["name"]: f for f in table["fields"]}
            assert names["rdsync reasons"]["type"] == "multilineText"
            choices = [c["name"] for c in names["Delivery likelihood"]["options"]["choices"]]
            assert choices[-1] == "4 - On track"
    assert _likelihoods(site, tables) == held  # the records written through hold what they held


@pytest.mark.e2e
def test_airtable_fix_creates_the_gaps_field_in_the_tables_of_gap_kinds_too(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Indicators, milestones and risks carry their own rubric gaps (`gap_kinds`): check wants
    the gaps field in their tables as well, and --fix creates it there; no other write-back
    field goes to them."""
    site = make_sandbox(seed="demo")
    text = default_with("airtable", ('gaps = "Rubric gaps"', 'gaps = "What is missing (rdsync)"'))
    assert 'gap_kinds = ["indicator", "milestone", "risk"]' in text
    (tmp_path / "mapping.toml").write_text(text)
    config = airtable_config(tmp_path, site)
    result = run("mapping", "check", "--config", str(config))
    assert result.exit_code == 1
    for table in ("Indicators", "Milestones", "Risks", "Targets"):
        assert (
            f"writeback.gaps: no field 'What is missing (rdsync)' in table '{table}'"
            in result.output
        )
    fixed = run("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert fixed.exit_code == 0, fixed.output
    schema = _base(site).api.get(_base(site).urls.tables)["tables"]
    with_gaps = {
        t["name"] for t in schema if "What is missing (rdsync)" in {f["name"] for f in t["fields"]}
    }
    assert with_gaps == {
        "Priorities",
        "Outcomes",
        "Indicators",
        "Targets",
        "Strategies",
        "Milestones",
        "Risks",
    }


def _base(site: Sandbox) -> Any:
    """pyairtable with its own 429 retries: the sandbox keeps Airtable's 5 requests a second."""
    from pyairtable import Api

    return Api(site.token, endpoint_url=site.url).base(BASE_ID)


def _likelihoods(site: Sandbox, tables: tuple[str, ...]) -> dict[str, Any]:
    """Every record's likelihood in these tables."""
    base = _base(site)
    return {
        record["id"]: record["fields"].get("Delivery likelihood")
        for table in tables
        for record in base.table(table).all()
    }


# -- pure, on hand-made schemas ---------------------------------------------------------------


def jira(*fields: tuple[str, str, str], types: tuple[tuple[str, int], ...] = ()) -> Any:
    return jira_schema(
        [
            {"id": fid, "name": name, "custom": True, "schema": {"custom": CUSTOM + kind}}
            for fid, name, kind in fields
        ]
        + [{"id": "summary", "name": "Summary", "schema": {"type": "string", "system": "summary"}}],
        [{"name": name, "hierarchyLevel": level} for name, level in types],
        [{"name": "Relates", "inward": "relates to", "outward": "relates to"}],
        [{"key": "PMO", "name": "PMO"}],
    )


MINIMAL = """
tool = "jira"
[attributes]
name = "summary"
owners = "Owner"
[entities.priority]
issue_type = "Initiative"
[entities.outcome]
issue_type = "objective"
relations.parent = { by = "parent" }
[entities.strategy]
issue_type = "Initiative"
label = "strategy"
jql = "project = PMO AND labels = strategy"
relations.drives = { by = "link", link_type = "relates to", direction = "outward" }
[entities.strategy.attributes]
team_rating = "Confidence"
rationale = "Why"
[writeback]
likelihood = "Confidence"
rationale = "Likelihood rationale"
gaps = "Rubric gaps"
assessed = "Last assessed"
"""


def test_check_jira_finds_what_only_the_site_can_tell() -> None:
    schema = jira(
        ("customfield_1", "Owner", "userpicker"),
        ("customfield_2", "Owner", "multiuserpicker"),
        ("customfield_3", "Confidence", "select"),
        ("customfield_4", "Why", "textfield"),
        ("customfield_5", "Likelihood rationale", "textarea"),
        ("customfield_6", "Rubric gaps", "textarea"),
        ("customfield_7", "Last assessed", "datetime"),
        types=(("Initiative", 2), ("Objective", 0)),
    )
    mapping = parse_mapping_text(MINIMAL)
    assert isinstance(mapping, JiraMapping)
    problems = check_jira(
        mapping,
        schema,
        options=lambda _fid: ["1 - Red", "2 - Amber/Red", "3 - Amber/Green", "4 - Green"],
        jql_error=lambda jql: "Field 'labels' does not exist." if "labels" in jql else None,
    )
    lines = [p.line() for p in problems]
    assert lines == [
        "attributes.owners: 2 fields are named 'Owner': customfield_1, customfield_2; rdsync "
        'reads none of them: pin the one meant by its id (owners = "customfield_1" or '
        'owners = "customfield_2")',
        "entities.outcome.issue_type: no issue type 'objective' on the site; "
        "did you mean 'Objective'?",
        "entities.strategy.jql: Jira refuses the JQL: Field 'labels' does not exist.; "
        "correct it in Jira's search first",
        "entities.strategy.relations.drives.link_type: 'relates to' is how link type 'Relates' "
        "reads, not its name; did you mean link_type = 'Relates' (direction = \"outward\")?",
        "writeback.likelihood: 'Confidence' (select list) is read by "
        "entities.strategy.attributes.team_rating: rdsync would overwrite what teams type; "
        "give rdsync a field of its own",
    ]
    assert all(not p.note for p in problems)


def test_a_loose_type_is_a_note_that_does_not_fail() -> None:
    schema = jira(("customfield_9", "Baseline", "textfield"), types=(("Target", 0),))
    text = 'tool = "jira"\n[entities.target]\nissue_type = "Target"\nattributes.name = "summary"\n'
    text += 'attributes.baseline_value = "Baseline"\n'
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, JiraMapping)
    (problem,) = check_jira(mapping, schema)
    assert problem.note and problem.line().startswith(
        "note: entities.target.attributes.baseline_value: 'Baseline' (short text) is read as "
        "a number field"
    )


def test_a_parent_field_across_two_hierarchy_levels_is_a_problem() -> None:
    schema = jira(types=(("Initiative", 3), ("Objective", 1)))
    text = (
        'tool = "jira"\n[attributes]\nname = "summary"\n[relations]\nparent = { by = "parent" }\n'
    )
    text += '[entities.priority]\nissue_type = "Initiative"\n'
    text += '[entities.outcome]\nissue_type = "Objective"\n'
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, JiraMapping)
    (problem,) = check_jira(mapping, schema)
    assert problem.key == "entities.outcome.relations.parent"
    assert "'Initiative' is level 3" in problem.message


def test_check_airtable_follows_links_to_their_tables() -> None:
    def table(tid: str, name: str, *fields: dict[str, Any]) -> dict[str, Any]:
        primary = {"id": f"fld{tid}0", "name": "Name", "type": "singleLineText"}
        return {
            "id": tid,
            "name": name,
            "primaryFieldId": primary["id"],
            "fields": [primary, *fields],
            "views": [{"name": "Grid view"}],
        }

    link = {
        "id": "fldL",
        "name": "Goal",
        "type": "multipleRecordLinks",
        "options": {"linkedTableId": "tblP"},
    }
    schema = airtable_schema(
        {"tables": [table("tblP", "Themes"), table("tblO", "Goals"), table("tblI", "KPIs", link)]}
    )
    text = 'tool = "airtable"\n[attributes]\nname = "Name"\n[writeback]\nkinds = []\n'
    text += '[entities.priority]\ntable = "Themes"\n[entities.outcome]\ntable = "Goals"\n'
    text += '[entities.indicator]\ntable = "KPI"\nview = "Grid"\n'
    text += '[entities.strategy]\ntable = "KPIs"\nview = "Grid"\n'
    text += 'relations.drives = { by = "linked_records", field = "Goal" }\n'
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, AirtableMapping)
    lines = [p.line() for p in check_airtable(mapping, schema)]
    assert lines == [
        "entities.indicator.table: no table 'KPI' in the base; did you mean 'KPIs'?",
        "entities.strategy.view: no view 'Grid' in table 'KPIs'; did you mean 'Grid view'?",
        "entities.strategy.relations.drives.field: 'Goal' (linked records) links to 'Themes', "
        "not to 'Goals'; name the field that does",
    ]


def test_fix_plans_each_field_once_with_all_its_missing_options() -> None:
    from connector.mapping_tools.fix import plan
    from connector.mapping_tools.problems import Creation

    planned = plan(
        [
            Creation("likelihood", "Delivery likelihood", "select", ("4 - On track",), "cf_1"),
            Creation("rationale", "Why", "paragraph"),
            Creation("likelihood", "Delivery likelihood", "select", ("1 - Off track",), "cf_1"),
            Creation("rationale", "Why", "paragraph"),
        ]
    )
    assert [c.describe() for c in planned] == [
        "add option(s) '4 - On track', '1 - Off track' to field 'Delivery likelihood'",
        "create paragraph field 'Why'",
    ]


def test_the_guide_s_airtable_base_needs_only_its_write_back_fields_after_the_guide_s_edits() -> (
    None
):
    from connector.mapping_tools.discover_airtable import discover_airtable
    from tests.test_mapping_discover import programme_tracker

    guide = (Path(__file__).resolve().parents[1] / "docs" / "admin-guide.md").read_text()
    airtable = guide[guide.index("## An Airtable base") : guide.index("## What a mapping can say")]
    (edit,) = [b for b in airtable.split("```toml\n")[1:] if 'status = "Stage"' in b]
    schema = programme_tracker()
    text = discover_airtable(schema, site="base", base="appXXXXXXXXXXXXXX").render()
    text = text.replace("[attributes]\n", "[attributes]\n" + edit.split("```")[0], 1)
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, AirtableMapping)
    assert mapping.attributes["done"].true_values == ["Closed"]
    problems = check_airtable(mapping, schema)
    assert problems and all(p.creation is not None for p in problems)  # --fix makes them all
    assert {p.creation.table for p in problems if p.creation} == {
        "Themes",
        "Goals",
        "KPI targets",
        "Projects",
        "KPIs",  # the tables of indicators, milestones and risks get their gaps field
        "Deliverables",
        "RAID log",
    }
    gaps_only = {"KPIs", "Deliverables", "RAID log"}
    assert {p.creation.role for p in problems if p.creation and p.creation.table in gaps_only} == {
        "gaps"
    }
    budget = text.replace(
        "[entities.strategy.attributes]\n", '[entities.strategy.attributes]\nresources = "Budget"\n'
    )
    budgeted = parse_mapping_text(budget)
    assert isinstance(budgeted, AirtableMapping)
    lines = [p.line() for p in check_airtable(budgeted, schema)]
    said = (  # as the guide quotes it
        "entities.strategy.attributes.resources: 'Budget' (number) in 'Projects' is no fit: "
        "it is read as a paragraph (long text)"
    )
    assert any(line.startswith(said) for line in lines)
    assert " ".join(said.split(": ", 1)[1].split()) in " ".join(airtable.split())


PINNED = """
tool = "jira"
[attributes]
name = "summary"
owners = "owner"
[entities.priority]
issue_type = "Initiative"
[writeback]
likelihood = "customfield_9"
rationale = "Likelihood rationale"
gaps = "Rubric gaps"
assessed = "Last assessed"
"""


def test_write_back_fields_match_by_exact_unique_name_or_pinned_id() -> None:
    schema = jira(
        ("customfield_1", "Last Assessed", "datetime"),
        ("customfield_2", "Rubric gaps", "textarea"),
        ("customfield_3", "Rubric gaps", "textarea"),
        ("customfield_4", "Likelihood rationale", "textarea"),
        ("customfield_5", "Owner", "userpicker"),
    )
    mapping = parse_mapping_text(PINNED)
    assert isinstance(mapping, JiraMapping)
    problems = check_jira(mapping, schema, fields_only=True)
    assert [p.line() for p in problems] == [
        "attributes.owners: no field 'owner' on the site; did you mean 'Owner'?",
        "writeback.likelihood: no field has the id 'customfield_9'; pin an id GET /field "
        "lists, or a name",
        "writeback.gaps: 2 fields are named 'Rubric gaps' (customfield_2, customfield_3); pin "
        'the one rdsync owns by its id: gaps = "customfield_2" or gaps = "customfield_3"',
        "writeback.assessed: no field 'Last assessed' on the site; 'Last Assessed' "
        "(customfield_1) differs only in case and is not taken for it: `rdsync mapping check "
        "--fix` creates 'Last assessed' (or, if it is rdsync's own, pin its id: assessed = "
        '"customfield_1")',
    ]
    # --fix creates the exact name beside the team's field, and nothing for an id
    assert [p.creation.describe() for p in problems if p.creation] == [
        "create datetime field 'Last assessed'"
    ]
    # the full check also asks what only `mapping check` needs: issue types, here
    keys = [p.key for p in check_jira(mapping, schema)]
    assert keys[0] == "attributes.owners" and "entities.priority.issue_type" in keys


def test_airtable_write_back_fields_are_named_exactly_never_by_case_or_id() -> None:
    fields = [
        {"id": "fldName0000000000", "name": "Name", "type": "singleLineText"},
        {"id": "fldAssessed000000", "name": "Last assessed", "type": "dateTime"},
    ]
    meta = {
        "tables": [
            {"id": t, "name": n, "primaryFieldId": "fldName0000000000", "fields": fields}
            for t, n in (("tblP", "Themes"), ("tblS", "Projects"))
        ]
    }
    text = 'tool = "airtable"\n[attributes]\nname = "Name"\n[entities.priority]\n'
    text += 'table = "Themes"\n[entities.strategy]\ntable = "Projects"\n[writeback]\n'
    text += 'kinds = ["priority"]\nassessed = "Last Assessed"\ngaps = "fldAssessed000000"\n'
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, AirtableMapping)
    problems = check_airtable(mapping, airtable_schema(meta))
    assert [p.line() for p in problems] == [
        "writeback.gaps: 'fldAssessed000000' is the id of 'Last assessed' (date-time) in "
        "'Themes'; name it: gaps = \"Last assessed\" (the same in every table)",
        "writeback.assessed: no field 'Last Assessed' in table 'Themes'; 'Last assessed' "
        "differs only in case and is not taken for it, and Airtable allows no second field of "
        "that name: name another field for rdsync",
    ]
    assert not any(p.creation for p in problems)


def test_an_optional_field_the_site_lacks_is_a_note_and_labels_feed_a_bool() -> None:
    schema = jira(types=(("Target", 0),))
    text = 'tool = "jira"\n[entities.target]\nissue_type = "Target"\nattributes.name = "summary"\n'
    text += 'attributes.agreed_rating = { field = "Agreed likelihood", optional = true }\n'
    text += 'attributes.agreed_on = "Agreed on"\n'
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, JiraMapping)
    problems = check_jira(mapping, schema)
    assert [(p.key, p.note) for p in problems] == [
        ("entities.target.attributes.agreed_rating", True),  # optional: reads as empty
        ("entities.target.attributes.agreed_on", False),  # not optional: stops every run
    ]
    assert "optional, it reads as empty" in problems[0].message
    labelled = jira(("labels", "Labels", "labels"), types=(("Target", 0),))
    text = 'tool = "jira"\n[entities.target]\nissue_type = "Target"\nattributes.name = "summary"\n'
    text += (
        'attributes.salient = { field = "labels", reader = "bool", true_values = ["salient"] }\n'
    )
    salient = parse_mapping_text(text)
    assert isinstance(salient, JiraMapping)
    assert check_jira(salient, labelled) == []


def test_an_optional_airtable_field_a_table_lacks_is_a_note() -> None:
    table = {
        "id": "tblT",
        "name": "Targets",
        "primaryFieldId": "fldT0",
        "fields": [{"id": "fldT0", "name": "Name", "type": "singleLineText"}],
        "views": [],
    }
    schema = airtable_schema({"tables": [table]})
    text = 'tool = "airtable"\n[entities.target]\ntable = "Targets"\nattributes.name = "Name"\n'
    text += 'attributes.salient = { field = "Politically salient", optional = true }\n'
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, AirtableMapping)
    (problem,) = check_airtable(mapping, schema)
    assert problem.note and problem.key == "entities.target.attributes.salient"
    assert problem.message == (
        "no field 'Politically salient' in table 'Targets': optional, it reads as empty"
    )
