"""Focus and coordination on the demo: its planted interdependencies and work that serves no
priority, read through the real clients, kept in state, and shown in every report format."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from openpyxl import load_workbook

from connector.cli.demo import DEMO_WORK
from connector.cli.explanation import explain
from connector.cli.report import build_reports, build_stocktakes, report_data
from connector.config import Config
from connector.sandbox.airtable.seed import stable_id
from connector.sandbox.seeds import focus, portfolio
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from reports.json_out import SCHEMA_FILE
from rules.dependencies import BLOCKS, SHARED_DEPARTMENTS, SHARED_STRATEGY
from tests.campaign import configure, sync
from tests.conftest import ANCHOR

SEARCH = "/rest/api/3/search/jql"


def demo_config(folder: Path, sandbox: Sandbox, tool: str) -> Config:
    """The config `rdsync demo` writes, with the demo's wider scope of all work."""
    return configure(folder, sandbox, tool, source={"work": DEMO_WORK[tool].split(" = ", 1)[1]})


def keys_of(sandbox: Sandbox, tool: str) -> Callable[[str], str]:
    """A portfolio ref (S1-M2, or a work item W7) -> its key in that tool."""
    if tool == "jira":
        known = {**sandbox.demo()["keys"], **sandbox.demo()["work"]}
        return lambda ref: str(known[ref])
    return lambda ref: stable_id("rec", "work" if ref.startswith("W") else "item", ref)


def expected_share() -> tuple[int, int, float, float]:
    """(items, unaligned, effort, unaligned effort) of the seed's work, from the seed itself."""
    out = [w for w in focus.WORK if w.serves is None]
    effort = sum(w.effort for w in focus.WORK)
    return len(focus.WORK), len(out), effort, sum(w.effort for w in out)


@pytest.mark.parametrize("tool", ["jira", "airtable"])
def test_the_demo_shows_its_planted_dependencies_and_unaligned_work(
    tool: str, make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed="demo")
    key = keys_of(sandbox, tool)
    config = demo_config(tmp_path, sandbox, tool)
    outcome = sync(config, sandbox.clock)

    store = StateStore(config.state_path, sandbox.clock)
    try:
        data = report_data(config, store)
        paths = build_reports(config, store, tmp_path / "reports")
    finally:
        store.close()
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(report)
    tables = report["tables"]

    # every planted "blocks" link between priorities is a dependency with its two tickets
    waits = {tuple(row["tickets"].split(", ")) for row in tables["dependencies"]
             if row["dependency"] == BLOCKS}  # fmt: skip
    assert waits == {(key(a), key(b)) for a, b in focus.BLOCKS}
    shared = {row["key"] for row in tables["dependencies"] if row["dependency"] == SHARED_STRATEGY}
    assert shared == {key(ref) for ref in focus.EXTRA_DRIVES}
    departments = {
        row["key"] for row in tables["dependencies"] if row["dependency"] == SHARED_DEPARTMENTS
    }
    assert departments == {key(ref) for ref in focus.DEPARTMENT_OF}

    # RD408 flags the one blocker whose strategy is at risk, and nothing else
    flagged = {f.key for f in outcome.findings if f.code == "RD408"}
    assert flagged == {key(ref) for ref in focus.AT_RISK}
    critical = tables["critical_dependencies"]
    assert [row["key"] for row in critical] == [key(ref) for ref in focus.AT_RISK]
    assert all(row["likelihood"] <= 2 for row in critical)

    # all work: the share serving no priority, by count and effort, and its largest items
    items, unaligned, effort, unaligned_effort = expected_share()
    everything = tables["unaligned_work"][-1]
    assert (everything["department"], everything["work_team"]) == ("All departments", "All")
    assert (everything["work_items"], everything["unaligned"]) == (items, unaligned)
    assert everything["unaligned_share"] == round(100 * unaligned / items, 1)
    assert everything["unaligned_effort_share"] == round(100 * unaligned_effort / effort, 1)
    largest = [row["key"] for row in tables["unaligned_items"]]
    out = sorted((w for w in focus.WORK if w.serves is None), key=lambda w: -w.effort)
    assert largest == [key(w.ref) for w in out]
    assert data.work is not None and len(data.work) == items

    # the section in HTML links each dependency's tickets, and draws its matrix
    html = paths["html"].read_text(encoding="utf-8")
    section = html[html.index('id="focus"') : html.index('id="findings"')]
    assert section.count("<svg") == 2  # the priority matrix and the work bar
    for pair in focus.BLOCKS:
        for ref in pair:
            assert f'href="{data.architecture.entities[key(ref)].url}"' in section
    biggest = next(i for i in data.work if i.key == largest[0])
    assert f'href="{biggest.url}"' in section  # a work item links like any key

    book = load_workbook(paths["xlsx"])
    sheet = book["unaligned_items"]
    assert sheet["A2"].value == largest[0] and sheet["A2"].hyperlink.target == biggest.url
    assert book["dependencies"].max_row == len(tables["dependencies"]) + 1


def test_all_work_is_read_with_a_few_fields_and_never_written(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed="demo")
    config = demo_config(tmp_path, sandbox, "jira")
    sandbox.reset_stats()
    sync(config, sandbox.clock)
    log = sandbox.stats()["log"]
    work_searches = [r for r in log if r["path"] == SEARCH and "Epic" in r["url"]]
    assert work_searches, "the wider scope was read by search/jql"
    key = keys_of(sandbox, "jira")
    epics = "|".join(re.escape(key(w.ref)) for w in focus.WORK)
    on_epic = re.compile(rf"/issue/({epics})(?:[/?]|$)")
    writes = [r for r in log if r["method"] in ("PUT", "POST", "DELETE")]
    assert writes, "the sync wrote its ratings back"
    assert [r["url"] for r in writes if on_epic.search(r["url"])] == []


def test_explain_and_the_stock_take_pack_of_a_priority_name_its_ties(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed="demo")
    key = keys_of(sandbox, "jira")
    config = demo_config(tmp_path, sandbox, "jira")
    sync(config, sandbox.clock)
    blocker = focus.AT_RISK[0]
    waiting = next(b for a, b in focus.BLOCKS if a == blocker)
    built = portfolio.build(ANCHOR)
    priority = _priority_of(built, blocker)
    store = StateStore(config.state_path, sandbox.clock)
    try:
        body = explain(config, store, key(priority))
        packs = build_stocktakes(config, store, [key(priority)], tmp_path / "packs")
        other = explain(config, store, key(_priority_of(built, waiting)))
    finally:
        store.close()
    ties = body["focus"]
    assert [c["key"] for c in ties["critical"]] == [key(blocker)]
    assert ties["critical"][0]["direction"] == "others wait on it"
    assert [c["direction"] for c in other["focus"]["critical"]] == ["this priority waits on it"]
    assert any(key(waiting) in d["tickets"] for d in ties["dependencies"])
    work = ties["work"]
    department = built.item(priority).fields["Department"]
    mine = [w for w in focus.WORK if w.department == department]
    assert (work["work_items"], work["unaligned"]) == (
        len(mine),
        sum(1 for w in mine if w.serves is None),
    )
    html = packs[key(priority)]["html"].read_text(encoding="utf-8")
    assert "Interdependencies with other priorities" in html
    assert f">{key(blocker)}</a>" in html and "others wait on it" in html


def _priority_of(built: portfolio.Portfolio, ref: str) -> str:
    """The priority whose plan holds a milestone: its strategy drives that priority's target."""
    strategy = built.item(built.item(ref).parent or "")
    target = strategy.drives[0]
    item = built.item(target)
    while item.parent:
        item = built.item(item.parent)
    return item.ref


def test_the_trend_since_the_last_report(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """The next report compares the unaligned share with the last report's: an epic linked
    to a strategy between the two lowers it."""
    from tests.conftest import jira_client

    sandbox = make_sandbox(seed="demo")
    key = keys_of(sandbox, "jira")
    config = demo_config(tmp_path, sandbox, "jira")
    sync(config, sandbox.clock)
    store = StateStore(config.state_path, sandbox.clock)
    try:
        build_reports(config, store, tmp_path / "first")
    finally:
        store.close()
    items, unaligned, _effort, _out = expected_share()
    linked = next(w for w in focus.WORK if w.serves is None)
    jira_client(sandbox).create_issue_link("Relates", key(linked.ref), key("S1"))
    sandbox.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    sync(config, sandbox.clock)
    store = StateStore(config.state_path, sandbox.clock)
    try:
        paths = build_reports(config, store, tmp_path / "second", ["json", "html"])
    finally:
        store.close()
    everything = json.loads(paths["json"].read_text())["tables"]["unaligned_work"][-1]
    before, now = round(100 * unaligned / items, 1), round(100 * (unaligned - 1) / items, 1)
    assert (everything["previous_share"], everything["unaligned_share"]) == (before, now)
    assert everything["share_change"] == round(now - before, 1)
    assert f"{before - now:g} points down since the previous report" in paths["html"].read_text(
        encoding="utf-8"
    )


def test_a_work_scope_that_does_not_fit_stops_before_any_write(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    from mappings.errors import ConfigError

    sandbox = make_sandbox(seed="demo")
    bad = '{ jql = "project = DEL AND issuetype = Epic", team = "Squad" }'
    config = configure(tmp_path, sandbox, "jira", source={"work": bad})
    sandbox.reset_stats()
    with pytest.raises(ConfigError) as refused:
        sync(config, sandbox.clock)
    assert refused.value.where == "sources.jira.work.team"
    assert "no field 'Squad'" in refused.value.message
    assert sandbox.count("PUT") == 0
    with pytest.raises(ConfigError, match="work scope is a table"):
        configure(tmp_path / "a", sandbox, "airtable", source={"work": '{ jql = "x" }'})


def test_the_cost_of_all_work_on_10000_issues(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """10,000 issues of all work: the first read asks for a few fields, 100 issues a call; a
    later read asks for keys only (5,000 a call), what was updated since and what is new."""
    from connector.sources.build import build_sources
    from connector.sources.work import read_work

    sandbox = make_sandbox(seed="empty")
    first, last = sandbox.seed_bulk(10_000, history=0)
    scope = '{ jql = "project = DEL", team = "Team", effort = "Effort" }'
    config = configure(tmp_path, sandbox, "jira", source={"work": scope})
    source = build_sources(config, sandbox.clock)["jira"]
    source.ensure_connected()  # type: ignore[attr-defined]
    sandbox.reset_stats()
    items = read_work(source) or []
    full_calls = sandbox.count(path=SEARCH)
    assert len(items) == 10_000 and {items[0].key, items[-1].key} == {first, last}
    assert full_calls == 10_000 // config.sources["jira"].page_size  # type: ignore[union-attr]
    asked = [parse_qs(urlsplit(r["url"]).query) for r in sandbox.stats()["log"]]
    wanted = {"summary", "updated", "parent", "issuelinks", *map(sandbox.field_id, ("Team",
              "Effort", "Department"))}  # fmt: skip
    assert all(set(",".join(q["fields"]).split(",")) == wanted for q in asked)
    assert all("expand" not in q or "changelog" not in q["expand"][0] for q in asked)

    sandbox.reset_stats()
    again = read_work(source, items) or []
    assert sandbox.count(path=SEARCH) == 3  # two pages of keys, one of what changed
    assert [i.key for i in again] == [i.key for i in items]
