"""Sources that share keys: two sites each with a project DEL keep their own ratings and
comments; a ticket two sources of one site both read is flagged and written by neither."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connector.config import load_config
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from mappings.errors import ConfigError
from tests.campaign import configure_sources, snapshot, sync, team_edits
from tests.conftest import site_clock

pytestmark = pytest.mark.e2e
EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"


def test_two_sites_with_the_same_keys_keep_their_own_ratings_and_comments(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """The two sites share department and people, so their ratings may weigh each other (a
    leader of strategies on both); but each ticket carries its own site's rating, texts name
    the site's own keys plainly, and an edit on one site writes nothing on the other."""
    clock = site_clock()
    hr, ops = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    assert hr.demo()["keys"] == ops.demo()["keys"]  # DEL-1 .. DEL-132 on both sites
    team_edits(hr, "jira")  # the sites now differ: their ratings must not mix
    config = configure_sources(tmp_path, {"hr": (hr, "jira", {}), "ops": (ops, "jira", {})})
    first = sync(config, clock)
    target = hr.demo()["keys"]["P1-O1-I1-T1"]
    assert {f"hr:{target}", f"ops:{target}"} <= set(first.assessments)
    assert target not in first.assessments
    assert not [f for f in first.findings if "read twice" in f.message]
    rated = [p for p in first.patches if "likelihood" in p.changes]  # the others: gaps only
    wrote = {(p.source, p.key): p.changes["likelihood"] for p in rated}
    assert len(wrote) == 2 * 59 and first.counts["written"] == len(first.patches)
    assert wrote[("hr", target)] != wrote[("ops", target)]  # the edit moved hr's only
    for name, sandbox in (("hr", hr), ("ops", ops)):
        owned = snapshot(sandbox, "jira").owned
        for (source, key), option in wrote.items():
            if source == name:
                assessment = first.assessments[f"{name}:{key}"]
                assert owned[key][0] == option and int(str(option)[0]) == assessment.likelihood
                assert "hr:" not in owned[key][1] and "ops:" not in owned[key][1]

    team_edits(ops, "jira")
    hr.reset_stats()
    second = sync(config, clock)
    assert hr.count("PUT", EDIT) == 0 and hr.count("POST", COMMENT) == 0  # nobody touched hr
    assert {p.source for p in second.patches} == {"ops"} and second.counts["comments"] == 10
    assert snapshot(hr, "jira").duplicates == snapshot(ops, "jira").duplicates == 0
    assert sum(snapshot(hr, "jira").tokens.values()) == 0
    assert sync(config, clock).patches == []
    store = StateStore(config.state_path)
    try:
        assert {("hr", target), ("ops", target)} <= set(store.previous_ratings())
    finally:
        store.close()


def test_a_ticket_two_sources_of_one_site_both_read_is_written_by_neither(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed="demo")
    sources = {
        "delivery": (sandbox, "jira", {}),
        "targets": (sandbox, "jira", {"jql": "project = DEL AND issuetype = Target"}),
    }
    config = configure_sources(tmp_path, sources)
    outcome = sync(config, sandbox.clock)
    keys = sandbox.demo()["keys"]
    targets = {key for ref, key in keys.items() if "-T" in ref}
    flagged = {f.key for f in outcome.findings if f.code == "RD904" and "read twice" in f.message}
    assert {f"delivery:{t}" for t in targets} | {f"targets:{t}" for t in targets} <= flagged
    assert not {p.key for p in outcome.patches} & targets
    owned = snapshot(sandbox, "jira").owned
    assert all(owned[t][0] == "" for t in targets)  # no rating written on a shared ticket
    assert owned[keys["P1"]][0] and outcome.counts["refused"] == 0  # the others are rated
    assert sync(config, sandbox.clock).patches == []


def test_two_sources_of_one_site_sharing_a_project_stop_at_load(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("t\n")
    table = 'type = "jira"\nurl = "{}"\nemail = "a@b.c"\ntoken_file = "token"\nprojects = {}\n'
    text = (
        "[sources.hr]\n"
        + table.format("https://dept.atlassian.net", '["DEL", "HR"]')
        + "[sources.ops]\n"
        + table.format("https://DEPT.atlassian.net/", '["OPS", "DEL"]')
    )
    (tmp_path / "rdsync.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "rdsync.toml")
    assert "sources.hr and sources.ops both read project DEL" in str(caught.value)
    other = text.replace("DEPT.atlassian.net", "other.atlassian.net")
    (tmp_path / "rdsync.toml").write_text(other)
    assert set(load_config(tmp_path / "rdsync.toml").sources) == {"hr", "ops"}
