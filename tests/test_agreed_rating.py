"""The rating agreed at a stock take, end to end: read from Jira and Airtable through their real
clients, carried beside rdsync's own assessment, written on the ticket, used by the report
while no evidence is newer, flagged when stale (RD406) or two levels apart (RD407); and the
problem-solving level a salient item gets (Rule 8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.cli.report import report_data
from connector.sandbox.airtable.seed import BASE_ID, TABLES
from connector.sandbox.airtable.store import stable_id
from connector.sandbox.server import Sandbox
from connector.sync.run import Outcome
from connector.sync.state import StateStore
from mappings.readers import read_paragraph
from reports.document import build_document
from reports.json_out import report_json
from reports.model import ReportData
from rules.model import Rating
from tests.campaign import configure, sync, team_edits

pytestmark = pytest.mark.e2e

AGREED = "P8-O1-I1-T1"  # the demo's target agreed 4 - Green on 2026-11-12 (rdsync: 3)
SALIENT = "P10-O1-I2-T1"  # marked politically salient: Amber/Red (no baseline, RD203)
TODAY = date(2026, 11, 22)


def _key(sandbox: Sandbox, tool: str, ref: str) -> str:
    if tool == "jira":
        return str(sandbox.demo()["keys"][ref])
    return stable_id("rec", "item", ref)


def _session(sandbox: Sandbox, tool: str) -> requests.Session:
    session = requests.Session()
    if tool == "jira":
        session.auth = (sandbox.email, sandbox.token)
    else:
        session.headers["Authorization"] = f"Bearer {sandbox.token}"
    return session


def _agree(sandbox: Sandbox, tool: str, ref: str, option: str, on: date) -> None:
    """What a CRDO records after a stock take: the agreed rating and its date, in the tool."""
    session = _session(sandbox, tool)
    if tool == "jira":
        fields = {
            sandbox.field_id("Agreed likelihood"): {"value": option},
            sandbox.field_id("Agreed on"): on.isoformat(),
        }
        url = f"{sandbox.url}/rest/api/3/issue/{_key(sandbox, tool, ref)}"
        session.put(url, json={"fields": fields}, timeout=30).raise_for_status()
        return
    table = TABLES["target"]
    record = {"id": _key(sandbox, tool, ref), "fields": {"Agreed likelihood": option}}
    record["fields"]["Agreed on"] = on.isoformat()
    body = {"records": [record], "typecast": True}  # a new option is created, as people do
    url = f"{sandbox.url}/v0/{BASE_ID}/{table}"
    session.patch(url, json=body, timeout=30).raise_for_status()


def _report(config: Any, sandbox: Sandbox) -> dict[str, Any]:
    store = StateStore(config.state_path, sandbox.clock)
    try:
        data = report_data(config, store)
    finally:
        store.close()
    assert isinstance(data, ReportData)
    return report_json(build_document(data, charts=False))


def _codes(outcome: Outcome, key: str) -> set[str]:
    return {f.code for f in outcome.findings if f.key == key}


def _written(sandbox: Sandbox, tool: str, ref: str, field: str) -> str:
    """A write-back field of one ticket or record, as the tool holds it, as text."""
    session = _session(sandbox, tool)
    key = _key(sandbox, tool, ref)
    if tool == "jira":
        url = f"{sandbox.url}/rest/api/3/issue/{key}"
        got = session.get(url, params={"fields": sandbox.field_id(field)}, timeout=30)
        value = got.json()["fields"].get(sandbox.field_id(field))
    else:
        url = f"{sandbox.url}/v0/{BASE_ID}/{TABLES['target']}/{key}"
        value = session.get(url, timeout=30).json()["fields"].get(field)
    return read_paragraph(value) or ""


def _demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_sandbox(seed="demo")
    # What the team types here (the test's plain requests) is not paced as rdsync paces its
    # own; the rate limits and rdsync's pacing have their own tests (as in the campaigns).
    sandbox.airtable.rate_limit_per_second = None
    return sandbox


@pytest.fixture(params=["jira", "airtable"])
def site(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> tuple[str, Sandbox, Any]:
    tool = request.param
    sandbox = _demo(make_sandbox)
    return tool, sandbox, configure(tmp_path / tool, sandbox, tool)


def test_an_agreed_rating_is_carried_shown_used_and_goes_stale_with_new_evidence(
    site: tuple[str, Sandbox, Any],
) -> None:
    tool, sandbox, config = site
    key = _key(sandbox, tool, AGREED)
    first = sync(config, sandbox.clock)

    # Set: read through the tool's client, carried beside rdsync's own assessment.
    assessment = first.assessments[key]
    agreed = assessment.agreed
    assert agreed is not None and agreed.rating == Rating.AMBER_GREEN
    assert agreed.on == date(2026, 11, 12) and agreed.in_force
    assert assessment.likelihood == Rating.GREEN  # rdsync keeps its own assessment
    assert assessment.rating_in_force == Rating.AMBER_GREEN
    assert not _codes(first, key) & {"RD406", "RD407"}
    text = _written(sandbox, tool, AGREED, "Likelihood rationale")
    assert "Rated 4 - Green" in text
    assert (
        "Agreed at the stock take on 2026-11-12: 3 - Amber/Green (On trajectory; Green once "
        "the results contracts are renewed.)"
    ) in text
    report = _report(config, sandbox)
    row = next(r for r in report["tables"]["agreed_ratings"] if r["key"] == key)
    assert (row["assessed"], row["agreed"], row["agreed_on"], row["in_force"]) == (
        4,
        3,
        "2026-11-12",
        True,
    )
    targets = next(r for r in report["tables"]["likelihood_counts"] if r["kind"] == "target")
    own_greens = sum(
        1 for a in first.assessments.values() if a.kind == "target" and a.likelihood == 4
    )
    assert targets["green"] == own_greens - 1  # the agreed Amber/Green counts while in force

    # Stale: the team records a new value after the stock take; rdsync's rating stands.
    team_edits(sandbox, tool, TODAY, (("P8-O1-I1", 1_100_000.0),))
    second = sync(config, sandbox.clock)
    stale = second.assessments[key].agreed
    assert stale is not None and not stale.in_force
    assert stale.evidence_on == TODAY
    assert second.assessments[key].rating_in_force == second.assessments[key].likelihood
    assert "RD406" in _codes(second, key)
    text = _written(sandbox, tool, AGREED, "Likelihood rationale")
    assert "new evidence since: a measurement of" in text
    assert "this rating stands until it is agreed again" in text
    report = _report(config, sandbox)
    row = next(r for r in report["tables"]["agreed_ratings"] if r["key"] == key)
    assert row["in_force"] is False and row["agreed_status"].startswith("Not in force")


def test_an_agreement_two_levels_from_the_assessment_is_flagged_on_the_ticket(
    site: tuple[str, Sandbox, Any],
) -> None:
    tool, sandbox, config = site
    key = _key(sandbox, tool, SALIENT)
    first = sync(config, sandbox.clock)
    assert first.assessments[key].likelihood == Rating.AMBER_RED
    _agree(sandbox, tool, SALIENT, "4 - Green", TODAY)
    second = sync(config, sandbox.clock)
    agreed = second.assessments[key].agreed
    assert agreed is not None and agreed.rating == Rating.GREEN and agreed.in_force
    assert "RD407" in _codes(second, key)
    gaps = _written(sandbox, tool, SALIENT, "Rubric gaps")
    assert "was agreed 4 - Green on 2026-11-22; the evidence supports 2 - Amber/Red" in gaps
    report = _report(config, sandbox)
    decision = next(r for r in report["tables"]["decisions"] if r["key"] == key)
    assert "agreed Green at the stock take, rdsync Amber/Red" in decision["why"]


def test_a_salient_item_is_level_3_from_the_tools_field(site: tuple[str, Sandbox, Any]) -> None:
    tool, sandbox, config = site
    key = _key(sandbox, tool, SALIENT)
    outcome = sync(config, sandbox.clock)
    assert outcome.arch.get(key) is not None and outcome.arch.get(key).salient  # type: ignore[union-attr]
    assessment = outcome.assessments[key]
    assert assessment.likelihood == Rating.AMBER_RED and assessment.problem_level == 3
    assert "politically salient factors in play" in (assessment.problem_reason or "")
    written = _written(sandbox, tool, SALIENT, "Likelihood rationale")
    assert "Problem solving: Level 3, intensive problem-solving drive" in written


def test_an_agreed_value_that_is_no_rating_is_a_finding_naming_ticket_and_field(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = _demo(make_sandbox)
    config = configure(tmp_path, sandbox, "airtable")
    _agree(sandbox, "airtable", SALIENT, "Mostly fine", TODAY)  # a new choice, typecast
    outcome = sync(config, sandbox.clock)
    key = _key(sandbox, "airtable", SALIENT)
    found = [f for f in outcome.findings if f.key == key and f.code == "RD901"]
    assert found, "the unreadable agreed rating is reported"
    assert found[0].field == "Agreed likelihood"
    assert "'Mostly fine' is not a rating" in found[0].message
    assert outcome.assessments[key].agreed is None  # rdsync's own rating stands
