"""JiraSource end to end against the sandbox, through the real `jira` client, calls counted."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connector.config import AuthRefused, JiraSourceConfig
from connector.mapping_tools.guard import UnfitMapping
from connector.sandbox.server import Sandbox
from connector.sources import jira_history
from connector.sources.base import Patch, Role
from connector.sources.incremental import Cursor
from connector.sources.jira import JiraSource
from connector.sources.jira_write import adf
from connector.sources.retry import RetryPolicy
from connector.sync.plan import normalise_option, normalise_text
from mappings.config import JiraMapping, load_mapping, parse_mapping_text
from mappings.errors import ConfigError
from tests.single_source import SourceRuns

pytestmark = pytest.mark.e2e

SEARCH = "/rest/api/3/search/jql"
EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"
CHANGELOG = "/rest/api/3/issue/{issueIdOrKey}/changelog"
BULK = "/rest/api/3/changelog/bulkfetch"


def fast_retry() -> RetryPolicy:
    return RetryPolicy(
        tool="Jira", budget_seconds=30, max_wait_seconds=0.05, initial_wait_seconds=0.01
    )


def source_for(
    sandbox: Sandbox, mapping: JiraMapping | None = None, token: str | None = None, **settings: Any
) -> JiraSource:
    values: dict[str, Any] = {"url": sandbox.url, "email": sandbox.email, "projects": ["DEL"]}
    values.update(settings)
    config = JiraSourceConfig(type="jira", **values).with_token(token or sandbox.token)
    mapping = mapping or load_mapping("jira")  # type: ignore[assignment]
    assert isinstance(mapping, JiraMapping)
    return JiraSource("jira", config, mapping, retry=fast_retry())


def searches(sandbox: Sandbox) -> list[dict[str, list[str]]]:
    """The query of every search request the sandbox logged, oldest first."""
    return [
        parse_qs(urlsplit(row["url"]).query)
        for row in sandbox.stats()["log"]
        if row["path"] == SEARCH
    ]


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A private demo site: these tests write back, so they never touch the shared one."""
    return make_sandbox(seed="demo")


def test_a_full_read_pages_only_mapped_fields_and_bulk_fetches_the_measured_history(
    demo: Sandbox,
) -> None:
    demo.seed_bulk(240, history=110, seed=4)  # 48 indicators with 110 changes each
    source = source_for(demo)
    source.connect()
    sent = bodies(source, "/changelog/bulkfetch")
    demo.reset_stats()
    result = source.read()
    n = len(result.records)
    assert n == 132 + 240
    assert demo.count("GET", SEARCH) <= math.ceil(n / 100) + 5
    # Search inlines 40 histories with a `total` of 40: rdsync asks the bulk fetch instead,
    # once for up to 1,000 indicators, and no issue's own changelog.
    indicators = [
        key
        for key, issue in result.records.items()
        if issue["fields"]["issuetype"]["name"] == "Indicator"
    ]
    assert len(indicators) == 17 + 48
    assert demo.count("POST", BULK) == 1 == result.counts["changelog_calls"]
    assert demo.count("GET", CHANGELOG) == 0
    assert demo.count() == demo.count("GET", SEARCH) + 1
    asked = json.loads(sent[0])
    value = demo.field_id("Current value")
    assert sorted(asked["issueIdsOrKeys"]) == sorted(result.records[k]["id"] for k in indicators)
    assert asked["fieldIds"] == [value]
    long = [k for k in indicators if len(result.records[k]["changelog"]["histories"]) == 110]
    assert len(long) == 48  # every change of the value field, none cut
    mapped = source.map(result.records)
    assert sum(1 for m in mapped.measurements if m.indicator_key == long[0]) >= 100
    asked_search = searches(demo)[0]
    assert asked_search["maxResults"] == ["100"] and "expand" not in asked_search
    assert set(asked_search["fields"]) == set(source.read_fields())
    assert "customfield_10040" in source.read_fields()  # the write-back likelihood
    assert len(source.read_fields()) < 40  # not *all


def test_the_bulk_fetch_batches_issues_follows_pages_and_loses_no_measurement(
    demo: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.seed_bulk(240, history=110, seed=4)
    whole = source_for(demo)
    expected = sorted(
        (m.indicator_key, m.at, m.value) for m in whole.map(whole.read().records).measurements
    )
    # Smaller batches and pages than Jira's (1,000 issues, 10,000 histories), to see both.
    monkeypatch.setattr(jira_history, "ISSUES", 20)
    monkeypatch.setattr(jira_history, "PAGE", 1000)
    source = source_for(demo)
    source.connect()
    demo.reset_stats()
    result = source.read()
    indicators = [
        i for i in result.records.values() if i["fields"]["issuetype"]["name"] == "Indicator"
    ]
    batches = [indicators[n : n + 20] for n in range(0, len(indicators), 20)]
    pages = [
        max(1, math.ceil(sum(len(i["changelog"]["histories"]) for i in b) / 1000)) for b in batches
    ]
    assert len(batches) == 4 and sum(pages) > len(batches)  # some batches took several pages
    assert demo.count("POST", BULK) == sum(pages) == result.counts["changelog_calls"]
    got = sorted((m.indicator_key, m.at, m.value) for m in source.map(result.records).measurements)
    assert got == expected and len(got) > 5000


def bodies(source: JiraSource, path: str) -> list[str]:
    """The bodies of the requests `source`'s client sends to a path, as they are sent."""
    sent: list[str] = []

    def spy(response: Any, *args: Any, **kwargs: Any) -> None:
        if urlsplit(response.request.url).path.endswith(path):
            sent.append(response.request.body)

    source.client._session.hooks["response"].append(spy)
    return sent


def test_incremental_reads_ask_from_when_the_last_read_began_minus_the_overlap(
    demo: Sandbox,
) -> None:
    """Not from the newest `updated` seen: after a burst of edits that would page the burst
    again at every run until a newer edit came. The read's start is the site's own time
    (the `Date` of its first answer); what the overlap returns again is dropped by version."""
    source = source_for(demo, overlap_seconds=600)
    edited = demo.demo()["keys"]["P1"]
    source.client.issue(edited).update(fields={"summary": "Edited just now"}, notify=False)
    before = demo.clock().replace(microsecond=0)
    first = source.read()
    read_at = first.cursor.read_at
    assert first.full and first.cursor.value is not None and read_at is not None
    assert before <= read_at <= demo.clock()
    assert list(first.cursor.seen) == [edited]  # the rest is older than the overlap
    demo.reset_stats()
    again = source.read(first.cursor)
    since = read_at - source.overlap
    jql = searches(demo)[0]["jql"][0]
    assert f'updated >= "{since:%Y-%m-%d %H:%M}"' in jql
    assert not again.full and again.counts["read"] == 0
    assert again.counts["duplicates"] == 1
    assert demo.stats()["total"] == 2 == again.counts["search_calls"] + again.counts["count_calls"]
    assert Cursor.load(again.cursor.dump()) == again.cursor


def test_the_key_scan_pages_5000_ids_at_a_time(demo: Sandbox) -> None:
    demo.seed_bulk(300, history=2, seed=5)
    source = source_for(demo)
    source.connect()
    demo.reset_stats()
    keys = source.scan_keys()
    assert len(keys) == 432
    assert demo.count("GET", SEARCH) == 1
    asked = searches(demo)[0]
    assert asked["maxResults"] == ["5000"] and asked["fields"] == ["key"]


def test_write_back_then_a_second_sync_writes_nothing(demo: Sandbox, tmp_path: Path) -> None:
    source = source_for(demo)
    sync = SourceRuns(source, tmp_path, demo.clock)
    first = sync()
    assert first.applied is not None and len(first.applied.written) == len(first.patches) > 20
    assert demo.count("PUT", EDIT) == len(first.patches)
    assert all(
        "notifyUsers=false" in row["url"] for row in demo.stats()["log"] if row["method"] == "PUT"
    )
    demo.reset_stats()
    second = sync()
    assert second.reads["jira"].counts["read"] == len(
        first.patches
    )  # our own writes moved `updated`
    assert second.patches == []
    assert demo.count("PUT", EDIT) == 0 and demo.count("POST", COMMENT) == 0
    issue = source.client.issue(first.patches[0].key, fields=",".join(source.field_ids.values()))
    rationale = issue.raw["fields"][source.field_ids["rationale"]]
    assert rationale["type"] == "doc"  # paragraphs travel as ADF on Cloud


def test_an_edit_is_read_alone_and_rewrites_only_the_records_that_change(
    demo: Sandbox, tmp_path: Path
) -> None:
    source = source_for(demo)
    sync = SourceRuns(source, tmp_path, demo.clock)
    sync()
    sync()
    keys = demo.demo()["keys"]
    indicator, target = keys["P4-O2-I1"], keys["P4-O2-I1-T1"]
    value_field = source.field_id("Current value")
    assert value_field is not None
    source.client.issue(indicator).update(fields={value_field: 22.0}, notify=False)
    demo.reset_stats()
    third = sync()
    assert list(third.reads["jira"].records) == [indicator]
    changed = {patch.key for patch in third.patches}
    assert target in changed
    assert demo.count("PUT", EDIT) == len(changed)
    lineage = {target, keys["P4-O2"], keys["P4"]} | {
        e.key for e in third.arch.entities.values() if target in getattr(e, "drives", [])
    }
    assert changed <= lineage
    # 22 is far below the baseline (28.5): the target falls from Green, and says so once.
    likelihood = next(p for p in third.patches if p.key == target).changes.get("likelihood")
    assert likelihood in ("1 - Red", "2 - Amber/Red")
    comments = demo.count("POST", COMMENT)
    assert comments == sum(1 for p in third.patches if p.comment) >= 1
    demo.reset_stats()
    fourth = sync()
    assert fourth.patches == [] and demo.count("PUT", EDIT) == 0


def test_issues_that_leave_the_scope_leave_the_snapshot(demo: Sandbox, tmp_path: Path) -> None:
    source = source_for(demo, projects=[], jql="project = DEL AND statusCategory != Done")
    sync = SourceRuns(source, tmp_path, demo.clock)
    sync()
    gone = next(
        key
        for key, issue in sorted(sync.records.items())
        if issue["fields"]["issuetype"]["name"] == "Milestone"
    )
    done = next(t["id"] for t in source.client.transitions(gone) if t["name"] == "Done")
    source.client.transition_issue(gone, done)
    report = sync()
    assert report.deleted["jira"] == [gone]
    assert gone not in sync.records
    assert gone not in {e.key for e in report.arch.entities.values()}


def test_a_full_sync_drops_what_left_the_scope_from_the_state_too(
    demo: Sandbox, tmp_path: Path
) -> None:
    """The daily full read lists every issue in scope: one it lacks is gone, and the state
    store forgets it (so the next incremental run does not bring it back)."""
    source = source_for(demo, projects=[], jql="project = DEL AND statusCategory != Done")
    sync = SourceRuns(source, tmp_path, demo.clock)
    sync()
    gone = next(
        key
        for key, issue in sorted(sync.records.items())
        if issue["fields"]["issuetype"]["name"] == "Risk"
    )
    done = next(t["id"] for t in source.client.transitions(gone) if t["name"] == "Done")
    source.client.transition_issue(gone, done)
    report = sync(full=True)
    assert report.deleted["jira"] == [gone]
    assert gone not in sync.records


def test_a_missing_option_stops_the_sync_and_a_refused_one_names_the_issue_and_field(
    demo: Sandbox, tmp_path: Path
) -> None:
    mapping = parse_mapping_text(jira_mapping_text().replace("2 - Amber/Red", "2 - Amber-Red"))
    assert isinstance(mapping, JiraMapping)
    source = source_for(demo, mapping=mapping)
    with pytest.raises(UnfitMapping) as caught:
        SourceRuns(source, tmp_path, demo.clock)()
    assert (
        "writeback.options.amber_red: field 'Delivery likelihood' has no option '2 - Amber-Red'"
        in str(caught.value)
    )
    assert demo.count("PUT", EDIT) == demo.count("POST", COMMENT) == 0
    # An option removed after the check (or one a token without admin rights cannot see):
    # Jira refuses that issue, naming it and the field, and the others are written.
    keys = demo.demo()["keys"]
    bad, good = keys["P1-O1-I1-T1"], keys["P1-O1"]
    patches = [
        Patch(source="jira", key=key, changes={"likelihood": option}, field_names=NAMES)
        for key, option in ((bad, "2 - Amber-Red"), (good, "1 - Red"))
    ]
    result = source.apply(patches)
    assert [str(failure) for failure in result.failures] == [
        f"{bad}: field 'Delivery likelihood' has no option '2 - Amber-Red': "
        "add the option in Jira or change [writeback] in the config"
    ]
    assert result.written == [good]


NAMES: dict[Role, str] = {"likelihood": "Delivery likelihood"}


def jira_mapping_text() -> str:
    """The bundled Jira mapping's TOML, for tests that change one setting."""
    return resources.files("mappings.defaults").joinpath("jira.toml").read_text("utf-8")


def test_a_wrong_token_stops_before_any_search(demo: Sandbox) -> None:
    source = source_for(demo, token="not-the-token", token_env="DEL_JIRA_TOKEN")
    demo.reset_stats()
    with pytest.raises(AuthRefused) as caught:
        source.read()
    assert caught.value.where == "sources.jira.token_env"
    assert "DEL_JIRA_TOKEN" in str(caught.value) and "not-the-token" not in str(caught.value)
    assert demo.count("GET", SEARCH) == 0


def test_server_mode_pages_with_start_at_and_writes_plain_text(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    server = make_sandbox(seed="demo", mode="server")
    source = source_for(server, deployment="server", page_size=50)
    sync = SourceRuns(source, tmp_path, server.clock)
    first = sync()
    assert len(first.reads["jira"].records) == 132
    starts = [
        parse_qs(urlsplit(r["url"]).query)["startAt"]
        for r in server.stats()["log"]
        if r["path"] == "/rest/api/2/search"
    ]
    assert starts[:3] == [["0"], ["50"], ["100"]]
    assert first.applied is not None and first.applied.written
    key = first.applied.written[0]
    issue = source.client.issue(key, fields=source.field_ids["rationale"])
    assert isinstance(issue.raw["fields"][source.field_ids["rationale"]], str)
    second = sync()
    assert second.patches == []


def test_faults_do_not_change_the_end_state(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """20% of requests meet a 429, a 503 or a dropped connection: the same fields and
    comments result as on a site without faults."""
    clean = make_sandbox(seed="demo")
    faulty = make_sandbox(seed="demo", anchor=clean.anchor)
    spec = "429:0.07,503:0.07,drop:0.06,seed=11,retry-after=0"
    states = []
    for site in (clean, faulty):
        source = source_for(site)
        sync = SourceRuns(source, tmp_path / ("faulty" if site is faulty else "clean"), site.clock)
        site.set_faults(spec if site is faulty else None)
        sync()
        site.set_faults(None)
        indicator, value_field = site.demo()["keys"]["P4-O2-I1"], source.field_id("Current value")
        assert value_field is not None
        source.client.issue(indicator).update(fields={value_field: 22.0}, notify=False)
        site.set_faults(spec if site is faulty else None)
        changed = sync()
        assert changed.applied is not None and changed.applied.comments >= 1
        sync()
        site.set_faults(None)
        states.append(_write_back_state(source))
    assert faulty.count(status=429) + faulty.count(status=503) + faulty.count(status=0) > 5
    assert source.retry.stats.retries > 5
    assert states[0] == states[1]


def _write_back_state(source: JiraSource) -> dict[str, Any]:
    """Every issue's write-back values (but the time) and its comment count."""
    result = source.read()
    state = {}
    for key, issue in result.records.items():
        fields = issue["fields"]
        values = (
            normalise_option(fields.get(source.field_ids["likelihood"])),
            normalise_text(fields.get(source.field_ids["rationale"])),
            normalise_text(fields.get(source.field_ids["gaps"])),
        )
        comments = source.client._get_json(f"issue/{key}/comment")["total"]
        state[key] = (values, comments)
    return state


def test_adf_holds_one_paragraph_per_line() -> None:
    doc = adf("Evidence of progress: 1 - behind\n\n  Capped: at 2  ")
    assert [p["content"][0]["text"] for p in doc["content"]] == [
        "Evidence of progress: 1 - behind",
        "Capped: at 2",
    ]


def test_a_bad_scope_or_deployment_names_its_config_key(demo: Sandbox) -> None:
    bad_jql = source_for(demo, projects=[], jql="project = DEL AND colour = blue")
    with pytest.raises(ConfigError) as caught:
        bad_jql.read()
    assert caught.value.where == "sources.jira.jql" and "colour" in str(caught.value)
    wrong = source_for(demo, deployment="server")
    with pytest.raises(ConfigError) as caught:
        wrong.read()
    assert caught.value.where == "sources.jira.deployment"
