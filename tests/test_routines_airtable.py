"""Routines on an Airtable base: update requests as record comments that mention each person
(@[usr...], which Airtable lists in `mentioned`) and by e-mail, once; the pack uploaded into
the priority's attachment field (uploadAttachment, base64) once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyairtable
import pytest

from connector.clock import Clock
from connector.config import load_config
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from tests.campaign import configure, sync, team_edits
from tests.test_routines import Inbox, requests_received, run_command, smtp  # noqa: F401

FIELD = "Stock take pack"


def comments_on(site: Sandbox, record_id: str) -> list[dict[str, Any]]:
    api = pyairtable.Api(site.token, endpoint_url=site.url, retry_strategy=None)
    url = api.base(BASE_ID).table("Priorities").urls.record_comments(record_id)
    found: list[dict[str, Any]] = api.get(url)["comments"]
    return found


def pack_cell(site: Sandbox, record_id: str) -> list[dict[str, Any]]:
    api = pyairtable.Api(site.token, endpoint_url=site.url, retry_strategy=None)
    record = api.base(BASE_ID).table("Priorities").get(record_id)
    cell: list[dict[str, Any]] = record["fields"].get(FIELD, [])
    return cell


def test_requests_mention_people_on_the_record_and_the_pack_is_uploaded_once(
    make_sandbox: Callable[..., Sandbox],
    smtp: tuple[Inbox, int],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector.cli.routines import stocktakes

    inbox, port = smtp
    site = make_sandbox(seed="demo")
    # The test's own reads and the team's edits would share the base's 5 requests a second
    # with rdsync's paced calls; the limit and rdsync's pacing are tested on their own.
    site.airtable.rate_limit_per_second = None
    site.airtable.add_field("Priorities", {"name": FIELD, "type": "multipleAttachments"})
    config = configure(tmp_path, site, "airtable")
    path = tmp_path / "rdsync.toml"
    path.write_text(
        path.read_text()
        + f"""
[routines]
lead_days = 21
pack = ["attach"]
[routines.smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
sender = "delivery@example.gov"
""",
        encoding="utf-8",
    )
    config = load_config(path)
    clock = site.clock
    assert isinstance(clock, Clock)
    sync(config, clock)
    team_edits(site, "airtable")
    clock.advance(timedelta(days=1))
    sync(config, clock)
    store = StateStore(config.state_path, clock)
    try:
        dates = stocktakes(config, store, clock.today())
    finally:
        store.close()
    first = min(dates, key=lambda k: dates[k])
    if dates[first] == clock.today():  # its stock take is today: look at the next one
        first = sorted(dates, key=lambda k: dates[k])[1]
    clock.advance(timedelta(days=(dates[first] - clock.today()).days - 1))

    run_command(config, clock, monkeypatch)
    got = requests_received(inbox)
    assert got, "someone has something to update before the stock takes in the window"
    people = {c.email: c.id for c in site.airtable.store.collaborators(BASE_ID).values()}
    for priority, address in got:
        mentioning = [
            c for c in comments_on(site, priority) if c["text"].startswith(f"@[{people[address]}]")
        ]
        assert len(mentioning) == 1
        assert mentioning[0]["mentioned"][people[address]]["email"] == address
        assert "Fix:" in mentioning[0]["text"]

    count, before = len(inbox.got), {p: len(comments_on(site, p)) for p, _ in got}
    run_command(config, clock, monkeypatch)
    assert len(inbox.got) == count
    assert {p: len(comments_on(site, p)) for p, _ in got} == before

    clock.advance(timedelta(days=1))  # the stock take of `first`
    output = run_command(config, clock, monkeypatch)
    assert f"attached to {first}" in output
    cell = pack_cell(site, first)
    assert [(a["filename"], a["type"]) for a in cell] == [
        (f"stocktake-{first.lower()}-{dates[first].isoformat()}.pdf", "application/pdf")
    ]
    assert cell[0]["size"] > 1000
    run_command(config, clock, monkeypatch)
    assert len(pack_cell(site, first)) == 1
