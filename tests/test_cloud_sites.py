"""Jira Cloud sites as they really run, end to end through the real `jira` client: an account
that is no administrator, histories longer than search shows, fields that share a name, the
gateway scoped tokens go through, and rate limits."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.cli.demo import TOKEN_FILE, demo_config
from connector.config import Config, JiraSourceConfig, load_config
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.jira.limits import Limits
from connector.sandbox.server import Sandbox
from connector.sources.build import build_sources
from connector.sources.jira import JiraSource
from connector.sources.retry import RetryPolicy
from mappings.config import JiraMapping, load_mapping
from mappings.defaults import __file__ as defaults_init
from mappings.errors import ConfigError
from mappings.jira import compile_plan
from tests.campaign import sync, team_edits
from tests.conftest import jira_client

pytestmark = pytest.mark.e2e

EDIT = "/rest/api/3/issue/{issueIdOrKey}"
ASSESSED = "project = DEL AND issuetype in (Priority, Outcome, Target, Strategy)"
CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"


def config_for(
    folder: Path,
    site: Sandbox,
    *,
    email: str | None = None,
    token: str | None = None,
    url: str | None = None,
    mapping: str | None = None,
    **keys: str,
) -> Path:
    """The config `rdsync demo` writes, for another account, URL or mapping, keys added."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TOKEN_FILE).write_text((token or site.token) + "\n", encoding="utf-8")
    text = demo_config(url or site.url, email or site.email, "jira", BASE_ID)
    extra = "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys.items())
    if mapping is not None:
        (folder / "mapping.toml").write_text(mapping, encoding="utf-8")
        text = text.replace('mapping = "jira"\n', 'mapping = "mapping.toml"\n', 1)
    text = text.replace('projects = ["DEL"]\n', f'projects = ["DEL"]\n{extra}', 1)
    (folder / "rdsync.toml").write_text(text, encoding="utf-8")
    return folder / "rdsync.toml"


def edits(site: Sandbox) -> list[dict[str, Any]]:
    """Every issue edit the site answered: its status and whether it asked for no e-mails."""
    return [
        {
            "status": row["status"],
            "quiet": parse_qs(urlsplit(row["url"]).query).get("notifyUsers") == ["false"],
        }
        for row in site.stats()["log"]
        if row["method"] == "PUT" and row["path"] == EDIT
    ]


def rated(site: Sandbox) -> dict[str, str]:
    """Each assessed issue's likelihood option as the site holds it (empty: not rated)."""
    field = site.field_id("Delivery likelihood")
    issues = jira_client(site).enhanced_search_issues(ASSESSED, maxResults=0, fields=[field])
    return {i.key: (i.raw["fields"].get(field) or {}).get("value", "") for i in issues}


# -- an account that is no administrator ------------------------------------------------------


def test_an_ordinary_account_rates_every_assessed_item_and_lets_jira_notify(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    token = site.add_account("rater@example.gov", "Rae Rater", role="user")
    config = load_config(config_for(tmp_path, site, email="rater@example.gov", token=token))
    site.reset_stats()
    outcome = sync(config, site.clock, full=True)
    assert outcome.errors == [] and outcome.counts["refused"] == 0
    holds = rated(site)
    assert len(holds) > 40 and all(holds.values())  # every assessed item carries its rating
    # Every rated item is written, and so is each unrated one carrying gaps (its own ticket).
    assert {p.key for p in outcome.patches} >= set(holds)
    assert outcome.counts["written"] == len(outcome.patches)
    made = edits(site)
    assert len(made) == len(outcome.patches)
    assert all(e["status"] == 204 and not e["quiet"] for e in made)
    assert site.count("GET", "/rest/api/3/mypermissions") == 1  # asked once, for project DEL
    for role in ("admin", "project-admin"):  # either may spare the watchers their e-mails
        other = make_sandbox(seed="demo")
        email = f"{role}@example.gov"
        token = other.add_account(email, role.title(), role=role)
        path = config_for(tmp_path / role, other, email=email, token=token)
        other.reset_stats()
        again = sync(load_config(path), other.clock, full=True)
        assert again.counts["written"] == len(outcome.patches) and again.counts["refused"] == 0
        assert all(e["status"] == 204 and e["quiet"] for e in edits(other)), role


def test_a_quiet_edit_refused_after_all_is_sent_again_and_the_setting_is_obeyed(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    token = site.add_account("lead@example.gov", "Lee Lead", role="project-admin")
    path = config_for(tmp_path / "auto", site, email="lead@example.gov", token=token)
    config = load_config(path)
    first = sync(config, site.clock, dry_run=True)  # nothing written, nothing asked
    assert site.count("GET", "/rest/api/3/mypermissions") == 0 and first.patches
    # The right is withdrawn after rdsync asked (the lead stepped down): the edits go again.
    (source,) = build_sources(config, site.clock).values()
    assert isinstance(source, JiraSource) and source.notifications.quiet("DEL-1") is True
    site.add_account("lead@example.gov", "Lee Lead", role="user")
    applied = source.apply(first.patches[:3])
    assert applied.written == [p.key for p in first.patches[:3]] and not applied.failures
    assert [e["status"] for e in edits(site)][-4:] == [403, 204, 204, 204]
    member = site.add_account("member@example.gov", "Mo Member")
    strict = config_for(
        tmp_path / "strict",
        site,
        email="member@example.gov",
        token=member,
        notifications="suppress",
    )
    outcome = sync(load_config(strict), site.clock, full=True)
    assert outcome.counts["written"] == 0 and outcome.counts["refused"] == len(outcome.patches)
    send = config_for(
        tmp_path / "send", site, email=site.email, token=site.token, notifications="send"
    )
    site.reset_stats()
    sync(load_config(send), site.clock, full=True)
    assert edits(site) and not any(e["quiet"] for e in edits(site))
    assert site.count("GET", "/rest/api/3/mypermissions") == 0


def test_mapping_check_says_what_the_account_may_and_may_not_do(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    token = site.add_account("rater@example.gov", "Rae Rater")
    path = config_for(tmp_path, site, email="rater@example.gov", token=token)
    result = cli("mapping", "check", "--config", str(path))
    assert result.exit_code == 0, result.output  # it can sync: what it lacks are notes
    lines = result.output.splitlines()
    assert lines[0] == (
        "account 'Rae Rater' in project DEL: may read issues, write ratings, comment; may not "
        "skip notifications (needs Administer Projects), create fields (needs Administer Jira)"
    )
    assert (
        "note: account: may not skip notifications in project DEL: Jira e-mails watchers of "
        'each edit; grant it Administer Projects, or set notifications = "send"' in lines
    )
    strict = config_for(
        tmp_path / "strict", site, email="rater@example.gov", token=token, notifications="suppress"
    )
    refused = cli("mapping", "check", "--config", str(strict))
    assert refused.exit_code == 1
    assert (
        "account: may not skip notifications in project DEL: Jira refuses every edit; grant it "
        'Administer Projects, or set notifications = "auto"' in refused.output
    )


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# -- fields that share a name -------------------------------------------------------------------


def test_a_read_field_two_fields_share_stops_the_sync_until_its_id_is_pinned(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    seeded = site.field_id("Start date")
    session = requests.Session()
    session.auth = (site.email, site.token)
    body = {"name": "Start date", "type": CUSTOM + "datepicker"}
    namesake = session.post(f"{site.url}/rest/api/3/field", json=body, timeout=10).json()["id"]
    path = config_for(tmp_path, site)
    result = cli("sync", "--config", str(path))
    assert result.exit_code == 2, result.output
    told = "context 'Default Configuration Scheme for Start date': global, all issue types"
    assert (
        f"entities.strategy.attributes.start_date: 2 fields are named 'Start date': {seeded} "
        f"({told}), {namesake} ({told}); rdsync reads none of them: pin the one meant by its "
        f'id (start_date = "{seeded}" or start_date = "{namesake}")' in result.output
    )
    assert site.count("PUT") == 0
    text = (Path(defaults_init).parent / "jira.toml").read_text("utf-8")
    pinned = text.replace('start_date = "Start date"', f'start_date = "{seeded}"', 1)
    config = load_config(config_for(tmp_path / "pinned", site, mapping=pinned))
    outcome = sync(config, site.clock, full=True)
    dated = {
        e.key: getattr(e, "start_date", None)
        for e in outcome.arch.entities.values()
        if e.kind.value == "strategy"
    }
    issues = jira_client(site).enhanced_search_issues(
        "project = DEL AND issuetype = Strategy", maxResults=0, fields=[seeded]
    )
    held = {i.key: i.raw["fields"][seeded] for i in issues if i.raw["fields"].get(seeded)}
    assert len(held) > 5 and {k: str(v) for k, v in dated.items() if v} == held


def test_reading_and_writing_resolve_a_name_to_the_same_field(demo_sandbox: Sandbox) -> None:
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    values = {"url": demo_sandbox.url, "email": demo_sandbox.email, "projects": ["DEL"]}
    config = JiraSourceConfig(type="jira", **values).with_token(demo_sandbox.token)
    source = JiraSource("jira", config, mapping)
    source.connect()
    plan = compile_plan(mapping, source.names)
    read = {p.label: p.field_id for plans in plan.fields.values() for p in plans}
    assert read and all(source.field_id(name) == fid for name, fid in read.items())
    assert plan.measure is not None
    assert mapping.measurements is not None
    assert source.field_id(mapping.measurements.field) == plan.measure.field_id


# -- the gateway of scoped tokens and service accounts -------------------------------------------


def test_through_the_gateway_links_still_open_the_site(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    config = load_config(config_for(tmp_path, site, url=site.gateway_url))
    site.reset_stats()
    outcome = sync(config, site.clock, full=True)
    assert outcome.counts["written"] > 40 and not outcome.errors
    log = site.stats()["log"]
    assert log and all(row["url"].startswith(f"/ex/jira/{site.cloud_id}/rest/") for row in log)
    links = {key: e.url for key, e in outcome.arch.entities.items()}
    assert links == {key: f"{site.url}/browse/{key.partition('#')[0]}" for key in links}
    named = load_config(
        config_for(tmp_path / "named", site, url=site.gateway_url, site_url="https://dept.example")
    )
    again = sync(named, site.clock, full=True)
    links = {key: e.url for key, e in again.arch.entities.items()}
    assert links == {key: f"https://dept.example/browse/{key.partition('#')[0]}" for key in links}


@pytest.mark.parametrize(
    "url", ["https://dept.atlassian.net", "https://api.atlassian.com/ex/jira/1a2b-3c4d"]
)
def test_a_personal_access_token_for_a_cloud_site_is_refused_at_load(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "t").write_text("secret\n")
    path = tmp_path / "rdsync.toml"
    path.write_text(
        f'[sources.jira]\ntype = "jira"\nurl = "{url}"\nauth = "pat"\ntoken_file = "t"\n'
        'projects = ["DEL"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "sources.jira" in caught.value.where
    text = str(caught.value)
    assert "no personal access tokens" in text and 'auth = "token"' in text
    assert "secret" not in text


# -- rate limits --------------------------------------------------------------------------------


def test_the_per_issue_write_limit_is_waited_out_and_its_reason_logged(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_sandbox(seed="demo")
    config: Config = load_config(config_for(tmp_path, site))
    sync(config, site.clock, full=True)
    team_edits(site, "jira")
    # One write an issue a second: a rating's edit and its comment meet the limit, and the
    # retry policy waits the real second Retry-After asks (the sandbox counts real time).
    site.jira.limits = Limits(issue_writes=((1, 1.0),))
    site.reset_stats()
    with caplog.at_level(logging.WARNING, logger="rdsync.retry"):
        outcome = sync(config, site.clock)
    assert outcome.counts["comments"] >= 1 and outcome.counts["refused"] == 0
    limited = site.count(status=429)
    assert limited >= 1
    assert outcome.counts["written"] == len(outcome.patches)
    assert "Jira rate-limited the call (jira-per-issue-on-write)" in caplog.text
    assert ": comment DEL-" in caplog.text


def test_the_burst_limit_is_waited_out(
    make_sandbox: Callable[..., Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    site = make_sandbox(seed="demo")
    values = {"url": site.url, "email": site.email, "projects": ["DEL"]}
    config = JiraSourceConfig(type="jira", **values).with_token(site.token)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    source = JiraSource("jira", config, mapping, retry=RetryPolicy(tool="Jira"))
    source.connect()
    # One search a second: the second page meets the limit and waits a real second for it.
    site.jira.limits = Limits(burst=1)
    site.reset_stats()
    with caplog.at_level(logging.WARNING, logger="rdsync.retry"):
        result = source.read()
    assert len(result.records) == 132
    assert site.count("GET", "/rest/api/3/search/jql", 429) >= 1
    assert site.count("POST", "/rest/api/3/changelog/bulkfetch", 200) == 1
    assert "(jira-burst-based)" in caplog.text
    assert source.retry.stats.summary()["by_reason"]["HTTP 429"] >= 1


@pytest.mark.parametrize(
    ("spec", "low", "high"),
    [
        ("retry-after=7", 7, 7),
        ("retry-after=date:9", 8, 9),  # an HTTP date is to the second
        ("retry-after=beta:4", 4, 4),
        ("retry-after=reset:30", 30, 90),  # a stamp to the minute: that minute's end
    ],
)
def test_the_retry_policy_waits_what_jira_cloud_asks(
    demo_sandbox: Sandbox, spec: str, low: float, high: float
) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # no real wait: note it and let the next try through
        slept.append(seconds)
        demo_sandbox.set_faults(None)

    policy = RetryPolicy(tool="Jira", sleep=sleep, clock=demo_sandbox.clock, max_wait_seconds=120)
    client = jira_client(demo_sandbox)
    demo_sandbox.set_faults(f"myself:429:1,{spec},reason=jira-burst-based")
    asked = demo_sandbox.clock()
    assert policy.call("myself", client.myself)["displayName"] == "Sandbox Admin"
    assert len(slept) == 1 and low <= slept[0] <= high
    if "reset" in spec:
        end = asked + timedelta(seconds=slept[0])
        assert end.second == 0 or end.second == 59  # the minute's end, give or take the call
