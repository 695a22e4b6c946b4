"""Never write where we should not: `rdsync sync` (and the daemon, and `--dry-run`) check the
mapping against the site before anything is read or written, and a field is matched by its
exact, unique name or by its id, never by a guess. Real clients, the sandbox, the CLI."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.cli.demo import TOKEN_FILE
from connector.config import load_config
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox
from connector.sync.daemon import Daemon
from mappings.defaults import __file__ as defaults_init
from tests.campaign import snapshot, sync

pytestmark = pytest.mark.e2e

DEFAULTS = Path(defaults_init).parent
CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"
EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"
STAMPS = [f"2026-10-{day:02d}T08:00:00.000+0000" for day in range(1, 7)]


def mapping(tool: str, *edits: tuple[str, str]) -> str:
    """The bundled mapping of a tool with some text replaced (each replacement must apply)."""
    text = (DEFAULTS / f"{tool}.toml").read_text("utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def configure(folder: Path, site: Sandbox, **mappings: str) -> Path:
    """A config with a source per tool named, each with its own mapping file."""
    (folder / TOKEN_FILE).write_text(site.token + "\n", encoding="utf-8")
    text = ""
    for tool, body in mappings.items():
        (folder / f"{tool}.toml").write_text(body, encoding="utf-8")
        if tool == "jira":
            text += f'[sources.jira]\ntype = "jira"\nurl = "{site.url}"\nemail = "{site.email}"\n'
            text += 'projects = ["DEL"]\n'
        else:
            text += f'[sources.airtable]\ntype = "airtable"\nbase = "{BASE_ID}"\n'
            text += f'endpoint_url = "{site.url}"\nrequests_per_second = 50\n'
        text += f'token_file = "{TOKEN_FILE}"\nmapping = "{tool}.toml"\n\n'
    text += '[state]\npath = "state.sqlite"\n'
    (folder / "rdsync.toml").write_text(text, encoding="utf-8")
    return folder / "rdsync.toml"


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def jira_session(site: Sandbox) -> requests.Session:
    session = requests.Session()
    session.auth = (site.email, site.token)
    return session


def new_field(site: Sandbox, name: str, kind: str = "datetime") -> str:
    """A custom field a team adds in Jira (a name Jira lets repeat); its id."""
    searcher = {"datetime": "datetimerange", "textarea": "textsearcher"}[kind]
    body = {"name": name, "type": CUSTOM + kind, "searcherKey": CUSTOM + searcher}
    response = jira_session(site).post(f"{site.url}/rest/api/3/field", json=body, timeout=10)
    response.raise_for_status()
    return str(response.json()["id"])


def team_dates(site: Sandbox, field_id: str) -> dict[str, Any]:
    """Six rated issues get a date in a team's field; returns what each holds."""
    keys = site.demo()["keys"]
    rated = [keys[ref] for ref in ("P1", "P1-O1", "P1-O1-I1-T1", "P2", "P2-O1", "P3")]
    session = jira_session(site)
    for key, stamp in zip(rated, STAMPS, strict=True):
        url = f"{site.url}/rest/api/3/issue/{key}"
        session.put(url, json={"fields": {field_id: stamp}}, timeout=10).raise_for_status()
    return held(site, field_id, rated)


def held(site: Sandbox, field_id: str, keys: list[str]) -> dict[str, Any]:
    session = jira_session(site)
    return {
        key: session.get(f"{site.url}/rest/api/3/issue/{key}", timeout=10)
        .json()["fields"]
        .get(field_id)
        for key in keys
    }


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A private demo site: these tests change its fields."""
    return make_sandbox(seed="demo")


def test_a_field_both_read_and_written_stops_the_sync_before_any_put(
    demo: Sandbox, tmp_path: Path
) -> None:
    config = configure(
        tmp_path,
        demo,
        jira=mapping("jira", ('rationale = "Likelihood rationale"', 'rationale = "Rationale"')),
    )
    before = snapshot(demo, "jira")
    demo.reset_stats()
    for dry in ((), ("--dry-run",)):
        result = cli("sync", "--config", str(config), *dry)
        assert result.exit_code == 2, result.output
        assert (
            f"{tmp_path / 'jira.toml'}: writeback.rationale: 'Rationale' (paragraph) is read "
            "by entities.strategy.attributes.rationale: rdsync would overwrite what teams "
            "type; give rdsync a field of its own" in result.output
        )
        assert "fix: Correct those keys of the mapping" in result.output
    assert demo.count("PUT") == demo.count("POST", COMMENT) == 0
    assert demo.count(path="/rest/api/3/search/jql") == 0  # nothing was read either
    assert snapshot(demo, "jira").team == before.team  # the teams' text is as it was


def test_a_typo_in_a_mapped_field_stops_the_sync_with_no_write_and_no_comment(
    demo: Sandbox, tmp_path: Path
) -> None:
    good = configure(tmp_path, demo, jira=mapping("jira"))
    sync(load_config(good), demo.clock)  # rated once: a typo would now change ratings
    typo = mapping("jira", ('target_value = "Target value"', 'target_value = "Targt value"'))
    config = configure(tmp_path, demo, jira=typo)
    before = snapshot(demo, "jira")
    demo.reset_stats()
    result = cli("sync", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert (
        "jira.toml: entities.target.attributes.target_value: no field 'Targt value' on the "
        "site; did you mean 'Target value'?" in result.output
    )
    assert demo.count("PUT", EDIT) == demo.count("POST", COMMENT) == 0
    assert snapshot(demo, "jira").state() == before.state()


def test_a_case_variant_is_suggested_never_adopted_and_fix_creates_the_exact_name(
    demo: Sandbox, tmp_path: Path
) -> None:
    theirs = new_field(demo, "Last Checked")  # a team's own field
    dates = team_dates(demo, theirs)
    config = configure(
        tmp_path,
        demo,
        jira=mapping("jira", ('assessed = "Last assessed"', 'assessed = "Last checked"')),
    )
    demo.reset_stats()
    result = cli("sync", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert (
        f"writeback.assessed: no field 'Last checked' on the site; 'Last Checked' ({theirs}) "
        "differs only in case and is not taken for it: `rdsync mapping check --fix` creates "
        "'Last checked'" in result.output
    )
    assert demo.count("PUT") == 0
    fixed = cli("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert fixed.exit_code == 0, fixed.output
    assert "  created datetime field 'Last checked' (customfield_" in fixed.output
    assert demo.count("POST", "/rest/api/3/field") == 1
    ours = [
        f["id"]
        for f in jira_session(demo).get(f"{demo.url}/rest/api/3/field", timeout=10).json()
        if f["name"] == "Last checked"
    ]
    assert len(ours) == 1 and ours[0] != theirs
    sync(load_config(config), demo.clock)
    assert held(demo, theirs, list(dates)) == dates  # the team's dates, untouched
    assert all(held(demo, ours[0], list(dates)).values())  # ours, written


def test_a_name_two_fields_share_stops_the_sync_and_a_pinned_id_is_the_only_one_written(
    demo: Sandbox, tmp_path: Path
) -> None:
    seeded = demo.field_id("Last assessed")
    namesake = new_field(demo, "Last assessed")  # Jira allows a second field of one name
    dates = team_dates(demo, namesake)
    config = configure(tmp_path, demo, jira=mapping("jira"))
    demo.reset_stats()
    result = cli("sync", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert (
        f"writeback.assessed: 2 fields are named 'Last assessed' ({seeded}, {namesake}); pin "
        f'the one rdsync owns by its id: assessed = "{seeded}" or assessed = "{namesake}"'
        in result.output
    )
    assert demo.count("PUT") == 0
    pinned = mapping("jira", ('assessed = "Last assessed"', f'assessed = "{seeded}"'))
    config = configure(tmp_path, demo, jira=pinned)
    assert cli("mapping", "check", "--config", str(config)).exit_code == 0
    outcome = sync(load_config(config), demo.clock)
    assert outcome.counts["written"] > 0 and not outcome.errors
    assert held(demo, namesake, list(dates)) == dates
    assert all(held(demo, seeded, list(dates)).values())


def test_the_daemon_syncs_the_sources_that_fit_and_says_why_it_skipped_one(
    demo: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    demo.airtable.rate_limit_per_second = None
    typo = mapping("airtable", ('target_value = "Target value"', 'target_value = "Targt value"'))
    config = load_config(configure(tmp_path, demo, jira=mapping("jira"), airtable=typo))
    daemon = Daemon(config, clock=demo.clock)
    demo.reset_stats()
    with caplog.at_level(logging.WARNING, logger="rdsync.sync"):
        outcome = daemon.sync()
    daemon.store.close()
    assert outcome.counts["written"] > 0 and demo.count("PUT", EDIT) == outcome.counts["written"]
    assert demo.count("PATCH") == 0  # nothing written to the base
    assert demo.count("GET", "/v0/{base_id}/{table}") == 0  # nor read from it
    problem = (
        f"{tmp_path / 'airtable.toml'}: entities.target.attributes.target_value: no field "
        "'Targt value' in table 'Targets'; did you mean 'Target value'?"
    )
    health = json.loads(config.health_path.read_text("utf-8"))
    assert health["sources"] == {
        "jira": {"status": "synced", "read": outcome.counts["read"]},
        "airtable": {
            "status": "skipped",
            "why": "its mapping does not fit the site: nothing was read or written through it",
            "problems": [problem],
        },
    }
    assert "source=airtable skipped this run" in caplog.text and problem in caplog.text
