"""`rdsync jira dashboard` end to end: the real `jira` client against the sandbox, writes counted
in the sandbox's log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from connector.cli import main
from connector.config import load_config
from connector.sandbox.server import Sandbox
from connector.sources.jira_boards import PIE_CHART, TWO_DIMENSIONAL, fall_phrase
from connector.sync.plan import DesiredValues, _comment
from mappings.errors import ConfigError
from tests.campaign import configure
from tests.conftest import jira_client

WRITES = ("POST", "PUT", "DELETE")
FILTERS = {
    "rdsync: Red and Amber/Red",
    "rdsync: Stale data",
    "rdsync: Items by accountable owner",
    "rdsync: Fell since the last assessment",
}


def _config(folder: Path, sandbox: Sandbox, section: str) -> Path:
    configure(folder, sandbox)
    path = folder / "rdsync.toml"
    path.write_text(path.read_text() + f"\n[jira_dashboard]\n{section}", encoding="utf-8")
    return path


def _run(path: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["jira", "dashboard", "--config", str(path), *extra])


def _writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.stats()["log"] if e["method"] in WRITES]


@pytest.fixture
def site(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


def _mine(sandbox: Sandbox) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Our filters by name, our dashboard, its gadgets with their `config`, read back."""
    client = jira_client(sandbox)
    filters = {f["name"]: f for f in client._get_json("filter/my") if f["name"] in FILTERS}
    boards = client._get_json("dashboard", params={"filter": "my"})["dashboards"]
    (board,) = [b for b in boards if b["name"] == "rdsync: Results and Delivery"]
    gadgets = client._get_json(f"dashboard/{board['id']}/gadget")["gadgets"]
    for gadget in gadgets:
        path = f"dashboard/{board['id']}/items/{gadget['id']}/properties/config"
        gadget["config"] = client._get_json(path)["value"]
    return filters, board, gadgets


def test_the_dashboard_is_created_then_a_second_run_writes_nothing(
    site: Sandbox, tmp_path: Path
) -> None:
    path = _config(tmp_path, site, 'share_group = "jira-software-users"\n')
    first = _run(path)
    assert first.exit_code == 0, first.output
    filters, board, gadgets = _mine(site)
    assert set(filters) == FILTERS
    likelihood = site.field_id("Delivery likelihood").removeprefix("customfield_")
    low = filters["rdsync: Red and Amber/Red"]["jql"]
    assert f'cf[{likelihood}] in ("1 - Red", "2 - Amber/Red")' in low
    assert low.startswith('(project in (DEL) AND issuetype in ("Priority", ')
    fell = filters["rdsync: Fell since the last assessment"]["jql"]
    assert 'comment ~ "\\"Delivery likelihood changed from 4 - Green to 1 - Red\\""' in fell
    for found in (*filters.values(), board):
        assert [s["group"]["name"] for s in found["sharePermissions"]] == ["jira-software-users"]
    assert len(gadgets) == 6
    shown = {g["title"]: g for g in gadgets}
    pie = shown["Delivery likelihood"]
    rated = filters["rdsync: Items by accountable owner"]["id"]
    assert pie["uri"] == PIE_CHART and pie["position"] == {"row": 0, "column": 1}
    assert pie["config"]["projectOrFilterId"] == f"filter-{rated}"
    assert pie["config"]["statType"] == f"customfield_{likelihood}"
    levels = shown["Level against Delivery likelihood"]
    assert levels["uri"] == TWO_DIMENSIONAL and levels["config"]["ystattype"] == "issuetype"
    red = shown["Red and Amber/Red"]
    assert red["config"]["filterId"] == filters["rdsync: Red and Amber/Red"]["id"]
    assert len(_writes(site)) == 4 + 1 + 6 + 6  # filters, dashboard, gadgets, their configs

    site.reset_stats()
    second = _run(path)
    assert second.exit_code == 0, second.output
    assert _writes(site) == []
    assert "wrote 0 change(s); 17 already as wanted" in second.output


def test_a_changed_group_updates_in_place(site: Sandbox, tmp_path: Path) -> None:
    path = _config(tmp_path, site, 'share_group = "jira-software-users"\n')
    assert _run(path).exit_code == 0
    before, board, _gadgets = _mine(site)
    site.add_group("delivery-leads")
    path.write_text(path.read_text().replace("jira-software-users", "delivery-leads"))
    site.reset_stats()
    result = _run(path)
    assert result.exit_code == 0, result.output
    assert (
        sorted(_writes(site))
        == [("PUT", "/rest/api/3/dashboard/{id}")] + [("PUT", "/rest/api/3/filter/{id}")] * 4
    )
    after, board_after, gadgets = _mine(site)
    assert {f["id"] for f in after.values()} == {f["id"] for f in before.values()}
    assert board_after["id"] == board["id"] and len(gadgets) == 6
    for found in (*after.values(), board_after):
        assert [s["group"]["name"] for s in found["sharePermissions"]] == ["delivery-leads"]


def test_an_edit_made_in_jira_is_put_back_and_the_dry_run_writes_nothing(
    site: Sandbox, tmp_path: Path
) -> None:
    path = _config(tmp_path, site, 'share_group = "jira-software-users"\n')
    dry = _run(path, "--dry-run")
    assert dry.exit_code == 0 and _writes(site) == []
    assert "would create filter 'rdsync: Stale data'" in dry.output
    assert _run(path).exit_code == 0
    filters, board, gadgets = _mine(site)
    client = jira_client(site)
    stale = filters["rdsync: Stale data"]
    client._session.put(client._get_url(f"filter/{stale['id']}"), json={"jql": "project = DEL"})
    moved = next(g for g in gadgets if g["title"] == "Stale data")
    client._session.put(
        client._get_url(f"dashboard/{board['id']}/gadget/{moved['id']}"),
        json={"position": {"row": 0, "column": 0}},
    )
    site.reset_stats()
    assert _run(path).exit_code == 0
    writes = _writes(site)
    assert ("PUT", "/rest/api/3/filter/{id}") in writes
    assert not [w for w in writes if w[0] == "POST"]
    again, _board, gadgets = _mine(site)
    assert again["rdsync: Stale data"]["jql"] == stale["jql"]
    places = {g["title"]: (g["position"]["column"], g["position"]["row"]) for g in gadgets}
    assert places["Stale data"] == (0, 2) and places["Red and Amber/Red"] == (0, 0)
    site.reset_stats()
    assert _run(path).exit_code == 0 and _writes(site) == []


def test_a_site_without_the_likelihood_field_stops_before_any_write(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    bare = make_sandbox(seed="typical-jira")
    path = _config(tmp_path, bare, 'share_group = "jira-software-users"\n')
    result = _run(path)
    assert result.exit_code == 2
    assert "writeback.likelihood" in result.output and "'Delivery likelihood'" in result.output
    assert "Traceback" not in result.output
    assert _writes(bare) == []


def test_on_data_center_only_the_filters_are_kept_and_it_exits_2_saying_why(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    server = make_sandbox(seed="demo", mode="server")
    path = _config(tmp_path, server, 'share_group = "jira-software-users"\n')
    text = path.read_text().replace('type = "jira"', 'type = "jira"\ndeployment = "server"')
    path.write_text(text)
    first = _run(path)
    assert first.exit_code == 2, first.output
    assert "Data Center has no REST API to create a dashboard" in first.output
    assert "sources.jira.deployment" in first.output and "Traceback" not in first.output
    assert (
        sorted(_writes(server))
        == [("POST", "/rest/api/2/filter")] * 4
        + [("POST", "/rest/api/2/filter/{id}/permission")] * 4
    )
    assert not [e for e in server.stats()["log"] if "dashboard" in e["path"]]
    client = jira_client(server, rest_api_version="2")
    mine = {f["name"]: f for f in client._get_json("filter/favourite")}
    assert set(mine) == FILTERS
    assert all(
        [s["group"]["name"] for s in f["sharePermissions"]] == ["jira-software-users"]
        for f in mine.values()
    )
    server.reset_stats()
    second = _run(path)
    assert second.exit_code == 2 and _writes(server) == []
    assert "0 write(s), 8 already as wanted" in second.output
    server.add_group("delivery-leads")
    path.write_text(path.read_text().replace("jira-software-users", "delivery-leads"))
    server.reset_stats()
    assert _run(path).exit_code == 2
    assert (
        sorted(_writes(server))
        == [("DELETE", "/rest/api/2/filter/{id}/permission/{permissionId}")] * 4
        + [("POST", "/rest/api/2/filter/{id}/permission")] * 4
    )
    again = {f["name"]: f for f in client._get_json("filter/favourite")}
    assert {f["id"] for f in again.values()} == {f["id"] for f in mine.values()}
    assert all(
        [s["group"]["name"] for s in f["sharePermissions"]] == ["delivery-leads"]
        for f in again.values()
    )


def test_the_config_section_is_checked_naming_its_keys(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="empty")
    path = _config(tmp_path / "a", site, 'share_group = ""\n')
    with pytest.raises(ConfigError, match=r"jira_dashboard\.share_group"):
        load_config(path)
    path = _config(tmp_path / "b", site, 'share_group = "x"\nsource = "airtable"\n')
    with pytest.raises(ConfigError, match="jira_dashboard"):
        load_config(path)
    path = _config(tmp_path / "c", site, 'share_group = "x"\nrows = "summary"\n')
    with pytest.raises(ConfigError, match=r"jira_dashboard\.rows"):
        load_config(path)
    configure(tmp_path / "d", site)
    result = _run(tmp_path / "d" / "rdsync.toml")
    assert result.exit_code == 2 and "jira_dashboard" in result.output
    assert _writes(site) == []


def test_an_unknown_group_names_the_config_key(site: Sandbox, tmp_path: Path) -> None:
    path = _config(tmp_path, site, 'share_group = "nobody-has-this"\n')
    result = _run(path)
    assert result.exit_code == 2
    assert "jira_dashboard.share_group" in result.output and "nobody-has-this" in result.output


def test_the_fall_filter_searches_the_words_of_rdsyncs_rating_comment() -> None:
    for before, after in (("4 - Green", "1 - Red"), ("3 - Amber/Green", "2 - Amber/Red")):
        comment = _comment(
            before, DesiredValues(likelihood=after, assessed=datetime(2026, 11, 22, tzinfo=UTC))
        )
        assert comment is not None and fall_phrase(before, after) in comment
