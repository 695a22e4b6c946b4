"""Routines end to end on the demo portfolio: update requests to a real SMTP server (aiosmtpd)
and as Jira mentions through the sandbox, each once per stock take; the pack attached once;
what was requested and not done listed as missed updates at the stock take.

The sandbox's clock starts on 2026-11-22. After a first sync, the team's edits and a second
sync on 2026-11-23, the priorities' stock takes (8-week cycle, staggered by sorted key) fall
on: DEL-132 2026-11-23 (today), DEL-21 11-28, DEL-33 12-03, DEL-45 12-08, DEL-61 12-13,
DEL-71 12-18, ... With lead_days = 21, the requests of DEL-21 to DEL-61 are due.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from connector.cli import main
from connector.clock import Clock
from connector.config import Config, load_config
from connector.sandbox.seeds.portfolio import PEOPLE
from connector.sandbox.server import Sandbox
from tests.campaign import configure, sync, team_edits

DAY = date(2026, 11, 23)
# Who gets which lines before each stock take in the window, read off the demo seed: the
# stale re-offending count (planted RD205), the activity indicator with no data (RD204) and
# the items whose rating the team's edits lowered (three, and with the decision table the
# outcome DEL-34 and priority DEL-33 above them, which roll up to Amber/Red), the owners of
# DEL-46 (two: RD108) and of the unowned outcome DEL-49 (RD107, its leader is the
# priority's), DEL-64 (RD201) and DEL-66 (RD102).
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("DEL-21", "sofia.rossi@dhss.example.gov"): {"DEL-23"},
    ("DEL-33", "priya.natarajan@dhss.example.gov"): {
        *("DEL-33", "DEL-34", "DEL-37", "DEL-36", "DEL-39", "DEL-43")
    },
    ("DEL-45", "grace.kowalski@djsc.example.gov"): {"DEL-46"},
    ("DEL-45", "owen.whitehorse@dhss.example.gov"): {"DEL-46", "DEL-49"},
    ("DEL-61", "chloe.gagnon@dhss.example.gov"): {"DEL-64", "DEL-66"},
}
CC = "delivery.unit@example.gov"


@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    got: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.got.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:  # a free loopback port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def routines_config(folder: Path, site: Sandbox, port: int) -> Config:
    configure(folder, site, "jira")
    path = folder / "rdsync.toml"
    path.write_text(
        path.read_text()
        + f"""
[routines]
lead_days = 21
channels = ["email", "comment"]
pack = ["attach", "email"]
cc = ["{CC}"]

[routines.smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
sender = "delivery@example.gov"
""",
        encoding="utf-8",
    )
    return load_config(path)


def two_syncs(config: Config, site: Sandbox) -> Clock:
    """A sync, the team's edits (three ratings fall), a day on, a second sync."""
    clock = site.clock
    assert isinstance(clock, Clock)
    sync(config, clock)
    team_edits(site, "jira")
    clock.advance(timedelta(days=1))
    sync(config, clock)
    assert clock.today() == DAY
    return clock


def requests_received(inbox: Inbox) -> dict[tuple[str, str], EmailMessage]:
    """The update requests, by (priority, addressee)."""
    found: dict[tuple[str, str], EmailMessage] = {}
    for recipients, message in inbox.got:
        if not str(message["Subject"]).startswith("Before the "):
            continue
        priority = str(message["Subject"]).split()[2]
        if message["Cc"] is not None:
            assert recipients[-1] == CC and str(message["Cc"]) == CC
        key = (priority, str(message["To"]))
        assert key not in found, f"{key} got two requests"
        found[key] = message
    return found


def keys_listed(message: EmailMessage) -> set[str]:
    text = message.get_body(("plain",))
    assert text is not None
    return {line[2:].split()[0] for line in text.get_content().splitlines() if line[:2] == "- "}


def mentions(site: Sandbox, key: str) -> list[str]:
    """The accountIds mentioned in the issue's comments, one per mentioning comment."""
    session = requests.Session()
    session.auth = (site.email, site.token)
    url = f"{site.url}/rest/api/3/issue/{key}/comment"
    comments = session.get(url, params={"maxResults": 100}, timeout=10).json()["comments"]
    found = []
    for comment in comments:
        first = comment["body"]["content"][0]["content"][0]
        if first["type"] == "mention":
            found.append(first["attrs"]["id"])
    return found


def attachments(site: Sandbox, key: str) -> list[dict[str, Any]]:
    session = requests.Session()
    session.auth = (site.email, site.token)
    url = f"{site.url}/rest/api/3/issue/{key}"
    issue = session.get(url, params={"fields": "attachment"}, timeout=10).json()
    files: list[dict[str, Any]] = issue["fields"]["attachment"]
    for item in files:
        item["bytes"] = session.get(item["content"], timeout=10).content
    return files


def run_command(config: Config, clock: Clock, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """`rdsync routines --config FILE`, in this process, on the site's clock."""
    monkeypatch.setattr("connector.clock.SYSTEM", clock)
    path = config.resolve(Path("rdsync.toml"))
    result = CliRunner().invoke(main, ["routines", "--config", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_sends_each_owner_their_list_once(
    make_sandbox: Callable[..., Sandbox],
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    site = make_sandbox(seed="demo")
    config = routines_config(tmp_path, site, port)
    clock = two_syncs(config, site)

    dry = run_command(config, clock, monkeypatch, "--dry-run")
    assert "would send: update request e-mail to sofia.rossi@dhss.example.gov" in dry
    assert inbox.got == [] and mentions(site, "DEL-21") == []

    first = run_command(config, clock, monkeypatch)
    got = requests_received(inbox)
    assert {key: keys_listed(message) for key, message in got.items()} == EXPECTED
    priya = got[("DEL-33", "priya.natarajan@dhss.example.gov")]
    html = priya.get_body(("html",))
    assert html is not None and f'href="{site.url}/browse/DEL-37"' in html.get_content()
    text = priya.get_body(("plain",))
    assert text is not None
    assert "Delivery likelihood fell from Amber/Green to Amber/Red" in text.get_content()
    assert "Fix: Enter the latest value of" in text.get_content()

    people = {p.email: p.jira_account_id for p in PEOPLE}
    for (priority, address), _ in EXPECTED.items():
        assert mentions(site, priority).count(people[address]) == 1
    assert mentions(site, "DEL-71") == []  # its stock take is 25 days away

    # Today's stock take: DEL-132's pack, attached once and e-mailed to its attendees.
    files = attachments(site, "DEL-132")
    assert [f["filename"] for f in files] == ["stocktake-del-132-2026-11-23.pdf"]
    assert files[0]["bytes"].startswith(b"%PDF")
    packs = [m for _, m in inbox.got if str(m["Subject"]).startswith("Stock take pack")]
    assert [str(m["To"]) for m in packs] == ["mateo.garcia@djsc.example.gov"]
    assert "sent: stock take pack" in first

    count = len(inbox.got)
    second = run_command(config, clock, monkeypatch)
    assert len(inbox.got) == count, "a second run sent mail again"
    assert "sent:" not in second.replace("already sent:", "")
    for priority, _ in EXPECTED:
        assert len(mentions(site, priority)) == len({a for p, a in EXPECTED if p == priority})
    assert len(attachments(site, "DEL-132")) == 1


def test_the_daemon_sends_them_on_its_schedule(
    make_sandbox: Callable[..., Sandbox], smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    from connector.cli.routines import scheduled_routines
    from connector.sync.daemon import Daemon

    inbox, port = smtp
    site = make_sandbox(seed="demo")
    config = routines_config(tmp_path, site, port)
    clock = two_syncs(config, site)
    daemon = Daemon(
        config,
        routiner=lambda store, on: scheduled_routines(config, store, on),
        clock=clock,
    )
    try:
        daemon.plan()
        assert [j.job_func.args[0] for j in daemon.scheduler.jobs][-1] == "routines"
        daemon._job("routines", daemon.routines)
        assert daemon.failures == {}
        assert set(requests_received(inbox)) == set(EXPECTED)
        count = len(inbox.got)
        daemon._job("routines", daemon.routines)
        assert len(inbox.got) == count
    finally:
        daemon.store.close()


def test_what_was_asked_and_not_done_is_missed_at_the_stock_take(
    make_sandbox: Callable[..., Sandbox],
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    _, port = smtp
    site = make_sandbox(seed="demo")
    config = routines_config(tmp_path, site, port)
    clock = two_syncs(config, site)
    run_command(config, clock, monkeypatch)  # the requests of DEL-21 ... DEL-61 go out

    # Before DEL-33's stock take Priya enters the activity measure DEL-37 asked for; nobody
    # touches the stale re-offending count DEL-23 that Sofia was asked for.
    session = requests.Session()
    session.auth = (site.email, site.token)
    url = f"{site.url}/rest/api/3/issue/DEL-37"
    value = {"fields": {site.field_id("Current value"): 41.0}}
    session.put(url, json=value, timeout=10).raise_for_status()
    folder = config.resolve(config.reports.out) / "stocktakes"
    for day, priority in ((date(2026, 11, 28), "DEL-21"), (date(2026, 12, 3), "DEL-33")):
        clock.advance(timedelta(days=(day - clock.today()).days))
        sync(config, clock)
        output = run_command(config, clock, monkeypatch)
        assert f"stock take pack stocktake-{priority.lower()}-{day}.pdf attached" in output
        assert len(attachments(site, priority)) == 1

    sofia = (folder / "stocktake-del-21-2026-11-28.html").read_text(encoding="utf-8")
    missed = sofia.split("<h3>Missed updates</h3>")[1].split("</table>")[0]
    assert "Sofia Rossi" in missed and "DEL-23" in missed
    priya = (folder / "stocktake-del-33-2026-12-03.html").read_text(encoding="utf-8")
    missed = priya.split("<h3>Missed updates</h3>")[1].split("<h3>")[0]
    assert "Enter the latest value" not in missed  # DEL-37 was measured in time

    result = CliRunner().invoke(
        main,
        ["report", "--config", str(config.resolve(Path("rdsync.toml"))), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(next(config.resolve(config.reports.out).glob("*.json")).read_text())
    rows = report["tables"]["missed_updates"]
    assert {(r["person"], r["priority_key"], r["key"], r["need"]) for r in rows} >= {
        ("Sofia Rossi", "DEL-21", "DEL-23", "measurement")
    }
    assert not any(r["key"] == "DEL-37" and r["need"] == "measurement" for r in rows)
    assert all(r["requested_on"] == "2026-11-23" for r in rows), rows


def capacity_of(assessment: Any) -> tuple[int, str]:
    found = [j for j in assessment.judgements if j.name == "Capacity to drive progress"]
    return int(found[0].rating), found[0].rationale


def test_missed_updates_count_against_capacity_in_the_next_sync(
    make_sandbox: Callable[..., Sandbox],
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector.sync.state import StateStore
    from connector.sync.steps import judge_portfolio
    from mappings.graph import Architecture

    _, port = smtp
    site = make_sandbox(seed="demo")
    config = routines_config(tmp_path, site, port)
    clock = two_syncs(config, site)
    run_command(config, clock, monkeypatch)
    clock.advance(timedelta(days=5))  # DEL-21's stock take: Sofia never entered DEL-23
    run_command(config, clock, monkeypatch)
    sync(config, clock)

    store = StateStore(config.state_path, clock)
    try:
        _, outputs = store.newest_outputs()
        stored = store.assessments()
        arch = Architecture(outputs.entities, store.measurements(), outputs.problems)
    finally:
        store.close()
    sofia = next(p.jira_account_id for p in PEOPLE if p.name == "Sofia Rossi")
    led = [
        e.key
        for e in arch.entities.values()
        if e.kind == "strategy" and [o.id for o in e.owners] == [sofia]
    ]
    assert led, "Sofia leads a strategy in the demo"
    _, without = judge_portfolio(arch, config, clock.today(), {}, {})
    lowered = []
    for key in led:
        rating, rationale = capacity_of(stored[key])
        assert "1 requested update missed at the last stock take" in rationale
        before, _ = capacity_of(without[key])
        assert rating == max(1, before - 1)
        lowered.append(rating < before)
    assert any(lowered), "a strategy of hers had capacity to lose"
    others = [a for k, a in stored.items() if a.kind == "strategy" and k not in led]
    assert not any("missed at the last stock take" in capacity_of(a)[1] for a in others)


BASE = """
[sources.jira]
type = "jira"
url = "https://example.atlassian.net"
email = "a@example.gov"
token_env = "T"
projects = ["DEL"]
"""


@pytest.mark.parametrize(
    ("table", "env", "where", "said"),
    [
        (
            '[routines]\nchannels = ["email"]\n',
            {},
            "routines",
            "add a [routines.smtp] table",
        ),
        (
            '[routines]\nlead_days = 56\n[routines.smtp]\nhost = "h"\nsender = "r@x.gov"\n',
            {},
            "lead_days",
            "shorter than the stock take cycle",
        ),
        (
            '[routines]\n[routines.smtp]\nhost = "h"\nsender = "r@x.gov"\npassword_env = "PW"\n',
            {},
            "routines.smtp.password_env",
            "environment variable PW is unset",
        ),
        (
            '[routines]\n[routines.smtp]\nhost = "h"\nsender = "r@x.gov"\npassword = "hunter22"\n',
            {},
            "routines.smtp.password",
            "never read from the config file",
        ),
        (
            '[routines]\n[routines.smtp]\nhost = "h"\nsender = "r@x.gov"\ntls = "yes"\n',
            {},
            "routines.smtp.tls",
            "",
        ),
        (
            '[routines]\nchannels = ["sms"]\n[routines.smtp]\nhost = "h"\nsender = "r@x.gov"\n',
            {},
            "routines.channels",
            "",
        ),
    ],
)
def test_a_bad_routines_table_is_refused_naming_its_key(
    tmp_path: Path, table: str, env: dict[str, str], where: str, said: str
) -> None:
    from mappings.errors import ConfigError

    path = tmp_path / "rdsync.toml"
    path.write_text(BASE + table, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path, env={"T": "token", **env})
    text = str(raised.value)
    assert where in text and said in text
    assert "hunter22" not in text


def test_the_smtp_password_comes_from_the_environment_only(tmp_path: Path) -> None:
    path = tmp_path / "rdsync.toml"
    table = '[routines]\n[routines.smtp]\nhost = "h"\nsender = "r@x.gov"\nusername = "r"\n'
    path.write_text(BASE + table + 'password_env = "PW"\n', encoding="utf-8")
    config = load_config(path, env={"T": "token", "PW": "s3cret-pass"})
    assert config.routines is not None and config.routines.smtp is not None
    assert config.routines.smtp.password == "s3cret-pass"
    assert "s3cret-pass" not in repr(config) and "s3cret-pass" not in config.model_dump_json()
    from connector.config import redact

    assert redact("login s3cret-pass refused") == "login [token] refused"


def test_on_data_center_a_mention_names_the_username_and_a_hidden_address_is_reported(
    make_sandbox: Callable[..., Sandbox],
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Data Center hides users' e-mail addresses (the site's visibility setting): a person
    with none is reported, and [routines.people] gives one; the comment mentions the
    username in wiki markup."""
    from tests.test_real_sites import data_center_config

    inbox, port = smtp
    center = make_sandbox(seed="demo", mode="server")
    config = data_center_config(tmp_path, center)
    path = tmp_path / "rdsync.toml"
    path.write_text(
        path.read_text()
        + f"""
[routines]
lead_days = 21
pack = []
[routines.people]
"Priya Natarajan" = "priya.natarajan@dhss.example.gov"
[routines.smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
sender = "delivery@example.gov"
""",
        encoding="utf-8",
    )
    config = load_config(path)
    clock = center.clock
    assert isinstance(clock, Clock)
    sync(config, clock)
    clock.advance(timedelta(days=1))
    sync(config, clock)

    output = run_command(config, clock, monkeypatch)
    assert "no e-mail address: Sofia Rossi (DEL-21)" in output
    got = requests_received(inbox)
    assert set(got) == {("DEL-33", "priya.natarajan@dhss.example.gov")}
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {center.token}"
    url = f"{center.url}/rest/api/2/issue/DEL-21/comment"
    texts = [c["body"] for c in session.get(url, timeout=10).json()["comments"]]
    assert [t.split()[0] for t in texts] == ["[~sofia.rossi]"]


def test_a_refused_attachment_is_reported_and_tried_again_next_run(
    make_sandbox: Callable[..., Sandbox],
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    site = make_sandbox(seed="demo")
    config = routines_config(tmp_path, site, port)
    path = tmp_path / "rdsync.toml"  # give up on a failing call within a second
    path.write_text(
        path.read_text()
        + "\n[retry]\nbudget_seconds = 1\nmax_wait_seconds = 0.2\ninitial_wait_seconds = 0.05\n",
        encoding="utf-8",
    )
    config = load_config(path)
    clock = two_syncs(config, site)
    site.set_faults("attachment_add:500:1")
    monkeypatch.setattr("connector.clock.SYSTEM", clock)
    result = CliRunner().invoke(main, ["routines", "--config", str(path)])
    assert result.exit_code == 1
    assert "failed: stock take pack stocktake-del-132-2026-11-23.pdf attached to DEL-132" in (
        result.output
    )
    assert set(requests_received(inbox)) == set(EXPECTED)  # the rest went out
    assert attachments(site, "DEL-132") == []

    site.set_faults(None)
    again = run_command(config, clock, monkeypatch)
    assert "sent: stock take pack stocktake-del-132-2026-11-23.pdf attached to DEL-132" in again
    assert len(attachments(site, "DEL-132")) == 1
    assert set(requests_received(inbox)) == set(EXPECTED)  # nothing else a second time
