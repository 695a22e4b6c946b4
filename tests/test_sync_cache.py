"""A daemon's run maps, stores and plans again only what changed since its last run, and
concludes exactly what a run that maps every record afresh concludes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from pydantic import TypeAdapter

from connector.sandbox.server import Sandbox
from connector.sync.daemon import Daemon
from connector.sync.plan import desired_values
from connector.sync.run import Outcome, SyncRun, content_hash
from connector.sync.steps import by_priority
from mappings.model import Entity
from tests.campaign import configure, settled, team_edits


def _edit_indicators(site: Sandbox, count: int) -> set[str]:
    """A team sets the current value of `count` indicators (as bench_sync's 1% change)."""
    session = requests.Session()
    session.auth = (site.email, site.token)
    params: dict[str, str | int] = {"jql": "issuetype = Indicator", "fields": "key"}
    found = session.get(f"{site.url}/rest/api/3/search/jql", params=params, timeout=30).json()
    field = site.field_id("Current value")
    keys = [issue["key"] for issue in found["issues"][:count]]
    for n, key in enumerate(keys):
        url = f"{site.url}/rest/api/3/issue/{key}"
        session.put(url, json={"fields": {field: 5.0 + n}}, timeout=30).raise_for_status()
    return set(keys)


def _texts(outcome: Outcome, daemon: Daemon) -> dict[str, tuple[Any, ...]]:
    """What the run wants each ticket to say (its time of assessment left out)."""
    source = (daemon.sources or {})["jira"]
    wanted = desired_values(
        outcome.arch,
        outcome.findings,
        outcome.assessments,
        source.mapping.writeback,
        limit=daemon.config.writeback.jira_text_limit,
        now=datetime(2000, 1, 1),
        rubric=by_priority(outcome.arch, outcome.findings, outcome.rubric),
    )
    return {k: (v.likelihood, v.rationale, v.gaps, v.only_gaps) for k, v in wanted.items()}


def _same_conclusions(step: Outcome, fresh: Outcome, daemon: Daemon) -> None:
    """The kept mapping gives what mapping every record again gives, on the same data: the
    same graph and measurements, the same assessments (every judgement and reason), the same
    findings, the same wanted texts and the same patches (with their comments)."""
    assert step.arch.entities == fresh.arch.entities
    assert step.arch.measurements == fresh.arch.measurements  # by indicator, each by date
    assert step.assessments == fresh.assessments
    assert step.rubric == fresh.rubric  # each plan's, kept where rated from the same
    found = sorted((f.code, f.key, f.severity, f.message) for f in step.findings)
    assert sorted((f.code, f.key, f.severity, f.message) for f in fresh.findings) == found
    assert _texts(step, daemon) == _texts(fresh, daemon)
    kept = daemon.kept.wanted["jira"].desired  # what the step planned from, partly kept
    said = {k: (v.likelihood, v.rationale, v.gaps, v.only_gaps) for k, v in kept.items()}
    assert said == _texts(fresh, daemon)
    assert _patches(step) == _patches(fresh)


def _patches(outcome: Outcome) -> list[dict[str, Any]]:
    """The run's patches, the time each says it was assessed left out (the run's own now)."""
    return [
        patch.model_dump() | {"changes": patch.changes | {"assessed": None}}
        for patch in outcome.patches
    ]


def _full_afresh(daemon: Daemon, site: Sandbox) -> Outcome:
    """A full dry run with nothing kept: every record read and mapped anew (it stores
    nothing, so the daemon's next run meets the same data and history)."""
    run = SyncRun(daemon.config, daemon.store, clock=site.clock, echo=lambda _: None)
    return run.execute(full=True, dry_run=True)


def test_a_run_after_the_demo_team_s_edits_maps_only_the_edited_and_concludes_alike(
    demo_sandbox: Sandbox, tmp_path: Path
) -> None:
    site = demo_sandbox
    config = configure(tmp_path, site)
    cadence = timedelta(minutes=config.schedule.sync_minutes)
    daemon = Daemon(config, clock=site.clock)
    try:
        first = daemon.sync()
        assert first.counts["mapped"] == first.counts["read"] > 0
        site.clock.advance(cadence)
        daemon.sync()  # reads back its own writes
        team_edits(site, "jira")
        site.clock.advance(cadence)
        fresh = _full_afresh(daemon, site)
        step = daemon.sync()
        assert 0 < step.counts["mapped"] == step.counts["changed"] < first.counts["read"] / 4
        assert step.patches, "the edits move a rating"
        # the texts worked out again: the tickets linked to what changed (51 of 132)
        assert 0 < step.counts["wanted"] < len(daemon.kept.wanted["jira"].desired) / 2
        _same_conclusions(step, fresh, daemon)
    finally:
        daemon.store.close()


def test_a_full_re_read_stores_and_maps_only_what_changed(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """300 synthetic issues (bench_sync's site): after a team edits 3 indicators, a full
    re-read maps and stores again only the records whose JSON changed; the rows of the others
    stay as the run that stored them left them, and everything concludes as afresh. A full
    re-read that finds nothing new judges, maps and plans nothing again."""
    site, daemon, cadence, _ = settled(make_sandbox, tmp_path, 300)
    try:
        edited = _edit_indicators(site, 3)
        site.clock.advance(cadence)
        fresh = _full_afresh(daemon, site)
        full = daemon.sync(full=True)
        assert full.counts["read"] == 300
        assert full.counts["mapped"] == full.counts["changed"] == 3
        # compared again: the 3 edited, and the tickets whose wanted texts changed
        assert full.counts["compared"] == len({p.key for p in full.patches} | edited)
        rows = daemon.store.db.execute("SELECT run_id, COUNT(*) FROM records GROUP BY run_id")
        stored = dict(rows.fetchall())
        assert stored[full.run_id] == 3 and sum(stored.values()) == 300, stored
        assert full.counts["judged"] == len(full.arch)
        _same_conclusions(full, fresh, daemon)
        site.clock.advance(cadence)
        daemon.sync()  # reads back its writes
        site.clock.advance(cadence)
        fresh = _full_afresh(daemon, site)
        quiet = daemon.sync(full=True)  # nothing changed: every conclusion is the last run's
        assert quiet.counts["read"] == 300 and quiet.patches == []
        counts = [quiet.counts[name] for name in ("changed", "mapped", "judged", "wanted")]
        assert counts == [0, 0, 0, 0] and quiet.counts["compared"] == 0, quiet.counts
        _same_conclusions(quiet, fresh, daemon)
    finally:
        daemon.store.close()


def test_record_digests_keep_the_values_states_already_hold() -> None:
    """A stored record's digest (and a write's ledger token) is compared with one computed
    anew: the digest of a record, whatever encoder computes it, stays sha256 of its JSON with
    sorted keys and `default=str`, cut to 20 hex digits."""
    record = {
        "key": "DEL-7",
        "fields": {"b": [1.5, None, True, "café"], "a": datetime(2026, 3, 1, tzinfo=UTC)},
    }
    assert content_hash(record) == "8565e4aed437a9c4e02f"
    assert content_hash(["DEL-7", {"likelihood": "3 - Amber"}]) == "683c1aa6b2475188bee3"


def test_a_daemon_s_commit_dumps_only_the_changed_entities_and_assessments_and_stores_alike(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """After a team edits 3 indicators, the daemon's commit serialises afresh only the entities
    mapped again and the assessments that changed; every row it stores is the very text a dump
    of the run's entities and assessments from scratch gives."""
    site, daemon, cadence, _ = settled(make_sandbox, tmp_path, 300)
    try:
        _edit_indicators(site, 3)
        site.clock.advance(cadence)
        step = daemon.sync()
        kept = daemon.kept.serialised
        assert kept.fresh_entities == step.counts["mapped"] == 3
        assert 0 < kept.fresh_assessments < len(step.assessments) / 2
        rows = daemon.store.db.execute(
            "SELECT key, body FROM assessments WHERE run_id=?", (step.run_id,)
        )
        stored = dict(rows.fetchall())
        assert stored == {k: a.model_dump_json() for k, a in step.assessments.items()}
        row = daemon.store.db.execute(
            "SELECT entities FROM run_outputs WHERE run_id=?", (step.run_id,)
        ).fetchone()
        entities = list(step.arch.entities.values())
        assert row[0] == TypeAdapter(list[Entity]).dump_json(entities).decode()
    finally:
        daemon.store.close()


def test_an_incremental_run_after_edits_below_a_parent_concludes_as_a_run_from_scratch(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """300 synthetic issues: a team edits 3 indicators, which moves the ratings of the targets
    they measure and, through them, of an outcome or priority above, and a plan's rubric. The
    daemon's next (incremental) run, with everything it keeps from run to run (the mapping,
    the rubric, the wanted texts, the JSON it stores), concludes what a run from scratch on
    the same data concludes: every finding, assessment, rubric rating, wanted text and patch."""
    site, daemon, cadence, last = settled(make_sandbox, tmp_path, 300)
    try:
        _edit_indicators(site, 3)
        site.clock.advance(cadence)
        fresh = _full_afresh(daemon, site)
        step = daemon.sync()
        assert step.counts["read"] == step.counts["mapped"] == 3
        moved = {
            a.kind
            for key, a in step.assessments.items()
            if a.likelihood != last.assessments[key].likelihood
        }
        assert {"target"} < moved and moved & {"outcome", "priority"}, moved
        assert step.rubric != last.rubric
        _same_conclusions(step, fresh, daemon)
    finally:
        daemon.store.close()


def test_a_sync_records_each_batch_of_writes_with_the_last_one_s_marks(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """The ledger takes one transaction a batch of writes (its intents, with the marks of the
    batch before it) and one for the last marks, not two a batch; every write is marked."""
    site = make_sandbox(seed="empty")
    site.seed_bulk(100, history=2)
    config = configure(tmp_path, site)
    daemon = Daemon(config, clock=site.clock)
    begun: list[str] = []
    try:
        daemon.store.db.set_trace_callback(
            lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None
        )
        first = daemon.sync()
        daemon.store.db.set_trace_callback(None)
        batches = -(-len(first.patches) // 10)  # ten patches a Jira batch
        assert first.counts["written"] == len(first.patches) > 20
        rows = daemon.store.db.execute("SELECT status, COUNT(*) FROM ledger GROUP BY status")
        statuses = dict(rows.fetchall())
        assert statuses == {"done": first.counts["written"] + first.counts["comments"]}, statuses
        # the run's own: start, batches + 1, commit, finish (retention's, when it has any)
        assert batches + 4 <= len(begun) <= batches + 6, (batches, len(begun))
    finally:
        daemon.store.close()
