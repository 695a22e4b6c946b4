"""A daemon's sync after a team edits 1% of the issues writes only the tickets whose texts change,
and judges as a full sync does on the same data."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests

from connector.sandbox.server import Sandbox
from connector.sync.run import SyncRun
from tests.campaign import settled, snapshot

ISSUE = re.compile(r"/rest/api/3/issue/([A-Z]+-\d+)$")


def _edit(site: Sandbox, keys: list[str], value: float) -> None:
    """A team member sets the current value of these indicators, as the Jira UI does."""
    session = requests.Session()
    session.auth = (site.email, site.token)
    field = site.field_id("Current value")
    for key in keys:
        url = f"{site.url}/rest/api/3/issue/{key}"
        session.put(url, json={"fields": {field: value}}, timeout=30).raise_for_status()


def _put_keys(site: Sandbox) -> set[str]:
    """The issues the sandbox's log shows edited (PUT /rest/api/3/issue/KEY)."""
    puts = [row["url"] for row in site.stats()["log"] if row["method"] == "PUT"]
    return {match[1] for url in puts if (match := ISSUE.search(urlsplit(url).path))}


def test_one_percent_changed_writes_only_the_tickets_whose_texts_change(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """200 issues (20 plans of one department, so RD109 "too many priorities" is written on
    one priority and pointed at from the 19 others); the team edits both indicators of the
    newest plan, 1% of the issues. Only tickets of that plan are written, exactly those whose
    rating, rationale or gaps now read differently; a full sync judges the same and would
    write nothing more. (The carrier of RD109 followed the lowest rating: the edited plan's
    priority fell to Red, the sentence moved to it and all 20 priorities were rewritten.)"""
    site, daemon, cadence, _ = settled(make_sandbox, tmp_path, 200)
    try:
        before = snapshot(site, "jira").owned
        _edit(site, ["DEL-193", "DEL-195"], 1.0)  # the newest plan: DEL-191 ... DEL-200
        site.clock.advance(cadence)
        site.reset_stats()
        step = daemon.sync()
        written = {key for key in _put_keys(site) if key not in ("DEL-193", "DEL-195")}
        after = snapshot(site, "jira").owned
        changed = {key for key, owned in after.items() if owned[:3] != before[key][:3]}
        assert changed, "the edits re-rate their plan"
        assert written == changed == {p.key for p in step.patches}
        assert changed <= {f"DEL-{n}" for n in range(191, 201)}, sorted(changed)
        # Compared again: the records read (the 2 edited), those written last run and read
        # back (none: the run before wrote nothing), and those whose wanted texts changed.
        wanted = {p.key for p in step.patches}
        assert step.counts["compared"] == len(wanted | {"DEL-193", "DEL-195"}), step.counts
        full = SyncRun(daemon.config, daemon.store, clock=site.clock, echo=lambda _: None)
        again = full.execute(full=True, dry_run=True)
    finally:
        daemon.store.close()
    assert again.patches == []  # what a full sync would write is what the tickets say
    assert {k: a.likelihood for k, a in again.assessments.items()} == {
        k: a.likelihood for k, a in step.assessments.items()
    }
    found = sorted((f.code, f.key, f.message) for f in step.findings)
    assert sorted((f.code, f.key, f.message) for f in again.findings) == found


def test_a_team_edit_of_an_owned_field_is_put_right_though_nothing_else_changed(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """A record that agreed last run is compared again once it changes: someone clears the
    rationale of a ticket whose rating did not move, and the next sync writes it back."""
    site, daemon, cadence, _ = settled(make_sandbox, tmp_path, 50)
    try:
        before = snapshot(site, "jira").owned
        session = requests.Session()
        session.auth = (site.email, site.token)
        field = site.field_id("Likelihood rationale")
        url = f"{site.url}/rest/api/3/issue/DEL-1"
        session.put(url, json={"fields": {field: None}}, timeout=30).raise_for_status()
        site.clock.advance(cadence)
        site.reset_stats()
        step = daemon.sync()
        assert _put_keys(site) == {"DEL-1"} == {p.key for p in step.patches}
        assert step.counts["compared"] == 1
        assert snapshot(site, "jira").owned == before
    finally:
        daemon.store.close()
