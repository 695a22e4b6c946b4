"""References across sources: strategies kept in an Airtable base drive targets and outcomes
kept on two Jira sites, named in a mapped text field by browse URL, REST URL, key or
qualified key; one that names no ticket is an RD902 naming the field, the record and the
value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from jira import JIRA
from pyairtable import Api

from connector.sandbox.airtable.seed import BASE_ID, TABLES
from connector.sandbox.server import Sandbox
from mappings import defaults
from tests.campaign import _record_id, configure_sources, sync
from tests.conftest import site_clock

pytestmark = pytest.mark.e2e
FIELD = "Jira target"


def _mapping(folder: Path) -> Path:
    """The bundled Airtable mapping, its strategies' drives read from the text field FIELD
    (the admin guide's way: `relations.drives = { by = "field", field = "..." }`)."""
    text = (Path(defaults.__file__).parent / "airtable.toml").read_text(encoding="utf-8")
    old = 'relations.drives = { by = "linked_records", field = "Drives" }'
    assert old in text
    path = folder / "plans.toml"
    path.write_text(text.replace(old, f'relations.drives = {{ by = "field", field = "{FIELD}" }}'))
    return path


def test_airtable_strategies_drive_jira_tickets_by_url_or_key(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    clock = site_clock()
    hr, ops = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    plans = make_sandbox(seed="demo", clock=clock)
    keys = hr.demo()["keys"]  # the same on both sites
    target, other, outcome = keys["P1-O1-I1-T1"], keys["P2-O1-I1-T1"], keys["P1-O1"]
    ops_id = JIRA(ops.url, basic_auth=(ops.email, ops.token)).issue(outcome).id
    named = {  # strategy -> what its team typed, and the key it must resolve to (None: RD902)
        "S1": (f"{hr.url}/browse/{target}", target),  # only hr reads targets: plain
        "S2": (other, other),
        "S3": (f"{ops.url}/rest/api/3/issue/{ops_id}", f"ops:{outcome}"),  # the self URL
        "S4": (f"{ops.url}/rest/api/3/issue/{outcome}", f"ops:{outcome}"),
        "S5": (f"hr:{outcome}", f"hr:{outcome}"),
        "S6": (outcome, None),  # both sites hold it
        "S7": ("https://elsewhere.example/browse/DEL-1", None),  # a site no source reads
        "S8": ("DEL-9999", None),
    }
    table = Api(plans.token, endpoint_url=plans.url).table(BASE_ID, TABLES["strategy"])
    table.create_field(FIELD, "singleLineText")
    table.batch_update([{"id": _record_id(s), "fields": {FIELD: v}} for s, (v, _) in named.items()])
    sources = {
        "hr": (hr, "jira", {}),
        "ops": (ops, "jira", {"jql": "project = DEL AND issuetype != Target"}),
        "plans": (plans, "airtable", {"mapping": str(_mapping(tmp_path))}),
    }
    outcome_run = sync(configure_sources(tmp_path, sources), clock)
    arch = outcome_run.arch
    unresolved = {f.key: f for f in outcome_run.findings if f.code == "RD902"}
    for ref, (value, key) in named.items():
        record = _record_id(ref)
        assert arch.get(record) is not None, ref
        if key is not None:
            assert [e.key for e in arch.drives(record)] == [key], ref
            assert record in arch.driver_keys(key)
            continue
        assert arch.drives(record) == [], ref
        message = unresolved[record].message
        assert f"{record} drives {value} (field '{FIELD}')" in message, message
    assert "(hr:" in unresolved[_record_id("S6")].message  # says which keys it could mean
    assert "a site no source reads" in unresolved[_record_id("S7")].message
    assert "not in the mapped scope" in unresolved[_record_id("S8")].message
    # the Airtable strategy counts for the Jira target it drives: rated, and written back
    assert f"{_record_id('S1')}" in outcome_run.assessments
    assert {p.source for p in outcome_run.patches} == {"hr", "ops", "plans"}
    assert sync(configure_sources(tmp_path, sources), clock).patches == []
