"""An indicator edited at every sync: its changelog, read whole or (once long) its newest 40
histories each time it changes, is held lean, and its history is the one a fresh full sync
builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

from connector.config import Config
from connector.sandbox.server import Sandbox
from connector.sources.jira_history import INLINE_AFTER
from connector.sync.stores import open_store
from tests.campaign import configure, sync
from tests.test_jira_source import source_for

SYNCS = 24
BULK = "/rest/api/3/changelog/bulkfetch"
HELD = INLINE_AFTER  # seeded histories: enough that search's newest 40 are read, not the whole
# What one history of the measured field may take in the stored record: its id, its time and
# its item's field and new value (some 130 bytes). Jira's answer has some 840: the author with
# its avatar links, the field's type, the old value.
HISTORY_BYTES = 160


def _stored(config: Config, sandbox: Sandbox) -> tuple[dict[str, Any], list[Any]]:
    """The records the state holds as last read, and its measurements."""
    store = open_store(config, sandbox.clock)  # type: ignore[arg-type]
    try:
        records = {key: row.raw for key, row in store.records("jira").items()}
        return records, store.measurements()
    finally:
        store.close()


def _indicators(sandbox: Sandbox, count: int) -> list[str]:
    session = requests.Session()
    session.auth = (sandbox.email, sandbox.token)
    page = session.get(
        f"{sandbox.url}/rest/api/3/search/jql",
        params={"jql": "issuetype = Indicator ORDER BY key", "fields": "key", "maxResults": 50},
        timeout=30,
    ).json()
    return [issue["key"] for issue in page["issues"][:count]]


def test_an_indicator_edited_at_every_sync_keeps_a_lean_history_equal_to_a_full_reads(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(60, history=HELD)
    clock = sandbox.clock
    daemon = configure(tmp_path / "daemon", sandbox)
    sync(daemon, clock, full=True)  # type: ignore[arg-type]
    edited = _indicators(sandbox, 2)
    field = sandbox.field_id("Current value")
    session = requests.Session()
    session.auth = (sandbox.email, sandbox.token)
    sandbox.reset_stats()
    for n in range(SYNCS):
        # Five hours apart: several changes a day (the day's last is its value) and new days.
        for key in edited[: 1 + n % 2]:  # one issue, or both, changed before each sync
            for value in (10.0 + n, 20.0 + 3 * n)[: 1 + n % 3 // 2]:
                clock.advance(timedelta(minutes=7))  # type: ignore[attr-defined]
                url = f"{sandbox.url}/rest/api/3/issue/{key}"
                session.put(url, json={"fields": {field: value}}, timeout=30).raise_for_status()
        clock.advance(timedelta(hours=5))  # type: ignore[attr-defined]
        outcome = sync(daemon, clock)  # type: ignore[arg-type]
        assert outcome.counts["read"] >= 1
    # Each changed issue's few new histories came with search's newest 40: none bulk fetched.
    assert sandbox.count("POST", BULK) == 0
    assert sandbox.count("GET", "/rest/api/3/search/jql") >= SYNCS
    kept, kept_series = _stored(daemon, sandbox)
    fresh = configure(tmp_path / "fresh", sandbox)
    sync(fresh, clock, full=True)  # type: ignore[arg-type]
    read, read_series = _stored(fresh, sandbox)

    for key in edited:
        histories = kept[key]["changelog"]["histories"]
        assert len(histories) > HELD + SYNCS // 2  # every change, the seeded ones too
        assert histories == read[key]["changelog"]["histories"]
        assert all(set(history) == {"id", "created", "items"} for history in histories)
        assert len(json.dumps(histories)) < HISTORY_BYTES * len(histories)
    assert kept_series == read_series
    for key in edited:
        series = [m for m in kept_series if m.indicator_key == key]
        assert len({m.at for m in series}) == len(series) > SYNCS // 5  # one value a day
    source = source_for(sandbox)
    source.connect()
    mapped, again = source.map(kept), source.map(read)
    assert mapped.measurements == again.measurements
    assert mapped.problems == again.problems


def _put(session: requests.Session, sandbox: Sandbox, key: str, field: str, value: float) -> None:
    url = f"{sandbox.url}/rest/api/3/issue/{key}"
    session.put(url, json={"fields": {field: value}}, timeout=30).raise_for_status()


def test_more_changes_than_search_inlines_or_a_new_issue_are_bulk_fetched_and_stay_whole(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Between two syncs one indicator changes 45 times (search inlines its newest 40, which
    no longer reach back to what the state holds), another twice, and a new indicator is
    created and edited (nothing held): the first and the new one are bulk fetched, in one
    call, the second is completed from search's newest; the state holds what a full sync
    reads."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(30, history=HELD)
    clock = sandbox.clock
    daemon = configure(tmp_path / "daemon", sandbox)
    sync(daemon, clock, full=True)  # type: ignore[arg-type]
    busy, quiet = _indicators(sandbox, 2)
    field = sandbox.field_id("Current value")
    session = requests.Session()
    session.auth = (sandbox.email, sandbox.token)
    clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    sync(daemon, clock)  # type: ignore[arg-type]  # our own writes read back
    indicator = {"project": {"key": "DEL"}, "issuetype": {"name": "Indicator"}, "summary": "New"}
    created = session.post(
        f"{sandbox.url}/rest/api/3/issue",
        json={"fields": indicator},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    new = created.json()["key"]
    for n in range(45):
        clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        _put(session, sandbox, busy, field, 100.0 + n)
    for value in (7.0, 8.0):
        _put(session, sandbox, quiet, field, value)
        _put(session, sandbox, new, field, value)
    clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    sandbox.reset_stats()
    outcome = sync(daemon, clock)  # type: ignore[arg-type]
    assert sandbox.count("POST", BULK) == 1
    assert sandbox.count("GET", "/rest/api/3/search/jql") == 2  # the changes; their newest
    read_now = outcome.reads["jira"]
    assert read_now.counts["changelog_inline"] == 1  # the quiet one: the others fetched
    kept, kept_series = _stored(daemon, sandbox)
    fresh = configure(tmp_path / "fresh", sandbox)
    sync(fresh, clock, full=True)  # type: ignore[arg-type]
    read, read_series = _stored(fresh, sandbox)
    assert len(kept[busy]["changelog"]["histories"]) == HELD + 45
    assert len(kept[new]["changelog"]["histories"]) == 2
    for key in (busy, quiet, new):
        assert kept[key]["changelog"] == read[key]["changelog"]
    assert kept_series == read_series


def test_the_newest_are_searched_for_a_page_of_changed_issues_the_rest_bulk_fetched(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Three indicators with long histories change, with `page_size = 2`: one search names
    two of them (a JQL of every changed key would outgrow a GET's URL), completed from their
    newest 40; the third is bulk fetched; the state holds what a full sync reads."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(30, history=HELD)
    clock = sandbox.clock
    daemon = configure(tmp_path / "daemon", sandbox, source={"page_size": 2})
    sync(daemon, clock, full=True)  # type: ignore[arg-type]
    clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    sync(daemon, clock)  # type: ignore[arg-type]  # our own writes read back
    changed = _indicators(sandbox, 3)
    assert len(changed) == 3
    field = sandbox.field_id("Current value")
    session = requests.Session()
    session.auth = (sandbox.email, sandbox.token)
    for n, key in enumerate(changed):
        _put(session, sandbox, key, field, 50.0 + n)
    clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    sandbox.reset_stats()
    outcome = sync(daemon, clock)  # type: ignore[arg-type]
    assert outcome.reads["jira"].counts["changelog_inline"] == 2
    assert sandbox.count("POST", BULK) == 1
    kept, kept_series = _stored(daemon, sandbox)
    fresh = configure(tmp_path / "fresh", sandbox)
    sync(fresh, clock, full=True)  # type: ignore[arg-type]
    read, read_series = _stored(fresh, sandbox)
    for key in changed:
        assert kept[key]["changelog"] == read[key]["changelog"]
    assert kept_series == read_series
