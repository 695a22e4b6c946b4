"""The state store's contract, on SQLite (a file) and on PostgreSQL (a real server): every public
method answers the same, the same migrations, one writer's lock, writers of several processes.

Each store is opened as a command opens it: `open_store` over a config whose [state] is a path
or a url (tests/store_contract.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.sync import work
from connector.sync.retention import retain
from connector.sync.state import MIGRATIONS, RunOutputs, StateLocked, StoredRecord
from mappings.errors import RdsyncError
from mappings.model import Measurement
from mappings.work import WorkItem
from rules.model import Rating
from tests.conftest import ANCHOR, site_clock
from tests.store_contract import Backing, answers, assessment, backing, finding, write_history

DAY = ANCHOR


@pytest.fixture(params=["sqlite", "postgresql"])
def at(request: pytest.FixtureRequest, tmp_path: Path) -> Backing:
    """Where the store under test lives: a SQLite file, or a fresh PostgreSQL database."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return backing(request.param, tmp_path, url)


# -- schema ---------------------------------------------------------------------------------


def test_a_new_store_is_migrated_to_the_current_version_and_reopens(at: Backing) -> None:
    store = at.open()
    assert store.version == len(MIGRATIONS)
    assert store.integrity() == "ok"
    run = store.start_run()
    store.close()
    again = at.open()
    assert again.version == len(MIGRATIONS)
    assert [r.id for r in again.runs()] == [run]  # kept, not made again
    again.close()


def test_a_read_only_command_refuses_a_store_never_made(at: Backing) -> None:
    with pytest.raises(RdsyncError, match="no state store here yet") as refused:
        at.open(existing=True)
    assert refused.value.where in (at.target, str(Path(at.target).resolve()))
    at.open().close()
    at.open(existing=True).close()


def test_a_store_newer_than_rdsync_is_refused(at: Backing) -> None:
    at.open().close()
    at.set_version(len(MIGRATIONS) + 1)
    with pytest.raises(RdsyncError, match="newer than this rdsync"):
        at.open()


def test_a_schema_2_store_gets_each_assessment_s_source(at: Backing) -> None:
    """Migration 3 (SQLite's instr, PostgreSQL's split_part) on a store of schema 2: each
    assessment gets the one source whose records hold its key (a facet's too), else ''."""
    db = at.migrate_to(2)
    rows = [("jira", "DEL-4"), ("airtable", "recA"), ("jira", "DEL-7"), ("airtable", "DEL-7")]
    db.executemany(
        "INSERT INTO records (source, key, content_hash, run_id) VALUES (?,?,'h',1)", rows
    )
    for key in ("DEL-4", "DEL-4#plan", "recA", "DEL-7", "DEL-9"):
        body = assessment(key, Rating.AMBER_RED, DAY).model_dump_json()
        db.execute(
            "INSERT INTO assessments VALUES (1, ?, 'target', '2026-11-22', 2, ?)", (key, body)
        )
    db.close()
    store = at.open()
    assert store.version == len(MIGRATIONS)
    assert set(store.previous_ratings()) == {
        ("jira", "DEL-4"),
        ("jira", "DEL-4#plan"),
        ("airtable", "recA"),
        ("", "DEL-7"),  # two sources hold DEL-7: not guessed
        ("", "DEL-9"),  # no record holds it any more
    }
    store.close()


# -- runs, records, history -----------------------------------------------------------------


def test_runs_are_numbered_listed_and_finished(at: Backing) -> None:
    clock = site_clock()
    store = at.open(clock)
    first = store.start_run(full=True)
    clock.advance(timedelta(hours=1))
    second = store.start_run(dry_run=True)
    assert second > first
    store.finish_run(first, "ok", {"read": 3}, ["token=abc in a header"])
    store.finish_run(second, "failed", {}, ["boom"])
    listed = store.runs(10)
    assert [r.id for r in listed] == [second, first]
    assert (listed[1].full, listed[1].dry_run, listed[0].full, listed[0].dry_run) == (
        True,
        False,
        False,
        True,
    )
    assert listed[1].counts == {"read": 3} and listed[0].errors == ["boom"]
    assert [r.id for r in store.runs(10, since=listed[0].started_at)] == [second]
    assert store.last_ok_run().id == first  # type: ignore[union-attr]
    assert store.run_info(second).status == "failed"  # type: ignore[union-attr]
    assert store.run_info(second + 100) is None
    assert store.completed_runs(first, first) == 1
    store.close()


def test_a_run_commits_whole_or_not_at_all(at: Backing) -> None:
    store = at.open()
    run = store.start_run()
    raw = {"key": "DEL-4", "text": "50% done, 'quoted' ?"}
    store.commit_run(
        run,
        cursors={"jira": "c1"},
        records={"jira": {"DEL-4": StoredRecord("target", "h1", "2026-11-01", raw)}},
        deleted={},
        measurements=[Measurement(indicator_key="DEL-3", at=DAY, value=74.25)],
        assessments=[assessment("DEL-4", Rating.GREEN, DAY)],
        sources={"DEL-4": "jira"},
    )
    again = store.start_run()
    with pytest.raises(AttributeError):
        store.commit_run(
            again,
            cursors={"jira": "c2"},
            records={"jira": {"DEL-5": StoredRecord(None, "h", None, {})}},
            deleted={"jira": ["DEL-4"]},
            measurements=[],
            assessments=[object()],  # type: ignore[list-item]
        )
    assert store.cursor("jira") == "c1"
    assert store.hashes("jira") == {"DEL-4": "h1"}
    assert store.records("jira")["DEL-4"] == StoredRecord("target", "h1", "2026-11-01", raw)
    assert store.measurements()[0].value == 74.25  # a double, as SQLite keeps it
    store.commit_run(
        again,
        cursors={"jira": "c2"},
        records={"jira": {"DEL-5": StoredRecord(None, "h5", None, {})}},
        deleted={"jira": ["DEL-4"]},
        measurements=[Measurement(indicator_key="DEL-3", at=DAY, value=80.0)],
        assessments=[],
    )
    assert store.cursor("jira") == "c2" and store.hashes("jira") == {"DEL-5": "h5"}
    assert [m.value for m in store.measurements()] == [80.0]
    assert store.cursor("airtable") is None
    store.close()


def test_assessments_ratings_and_their_history(at: Backing) -> None:
    store = at.open()
    runs = []
    for n, rating in enumerate((Rating.GREEN, Rating.AMBER_RED, Rating.RED)):
        run = store.start_run()
        runs.append(run)
        day = DAY + timedelta(days=n)
        store.commit_run(
            run,
            cursors={},
            records={},
            deleted={},
            measurements=[],
            assessments=[
                assessment("DEL-4", rating, day),
                assessment("hr:DEL-4", rating, day),
                assessment("DEL-1", Rating.GREEN, day, "priority"),
            ],
            sources={"DEL-4": "jira", "hr:DEL-4": "hr", "DEL-1": "jira"},
        )
        store.finish_run(run, "ok", {})
    assert store.assessment_runs() == runs[::-1]
    assert store.assessment_run_before(runs[2]) == runs[1]
    assert store.assessment_run_before(runs[0]) is None
    assert set(store.assessments()) == {"DEL-4", "hr:DEL-4", "DEL-1"}
    assert store.assessments(runs[0])["DEL-4"].likelihood == Rating.GREEN
    assert store.assessed_keys("priority") == ["DEL-1"]
    assert store.assessed_keys("target") == ["DEL-4", "hr:DEL-4"]
    of = store.assessments_of(runs[1], {"hr:DEL-4": "hr", "DEL-9": "jira"})
    assert list(of) == ["hr:DEL-4"] and of["hr:DEL-4"].likelihood == Rating.AMBER_RED
    assert store.previous_ratings()[("hr", "DEL-4")] == Rating.RED
    assert store.previous_ratings(DAY + timedelta(days=1))[("jira", "DEL-4")] == Rating.AMBER_RED
    wanted = store.previous_ratings(DAY, {"DEL-4": "jira"})
    assert wanted[("jira", "DEL-4")] == Rating.GREEN
    assert store.previous_ratings(DAY - timedelta(days=1)) == {}
    assert [a.likelihood for _, a in store.assessment_history("jira", "DEL-4", 2)] == [
        Rating.RED,
        Rating.AMBER_RED,
    ]
    # a comment's "before": the newest of the last ones with the rating shown, else the newest
    for shown, run in ((Rating.AMBER_RED, runs[1]), (Rating.GREEN, runs[0]), (None, runs[2])):
        found = store.assessment_shown("jira", "DEL-4", shown)
        assert found is not None and found[0] == run
        assert found[1].likelihood == (shown or Rating.RED)
    found = store.assessment_shown("jira", "DEL-4", Rating.GREEN, 2)  # older than the last 2
    assert found is not None and (found[0], found[1].likelihood) == (runs[2], Rating.RED)
    assert store.assessment_shown("jira", "DEL-77", Rating.GREEN) is None
    assert store.run_ratings(runs[2])[("jira", "DEL-4")] == Rating.RED
    # by key alone: jira's DEL-4 and hr's (hr:DEL-4 is DEL-4 in its source), run by run
    assert [r for _, r in store.rating_history("DEL-4")] == [
        Rating.GREEN,
        Rating.GREEN,
        Rating.AMBER_RED,
        Rating.AMBER_RED,
        Rating.RED,
        Rating.RED,
    ]
    assert [(run, r) for run, _, r in store.rating_runs("hr", "DEL-4")] == list(
        zip(runs, (Rating.GREEN, Rating.AMBER_RED, Rating.RED), strict=True)
    )
    assert store.completed_runs(runs[0], runs[2]) == 3
    store.close()


def test_conclusions_and_reports(at: Backing) -> None:
    store = at.open()
    with pytest.raises(RdsyncError, match="no completed sync yet"):
        store.newest_outputs()
    first, second = store.start_run(), store.start_run()
    for run in (first, second):
        store.commit_run(
            run,
            cursors={},
            records={},
            deleted={},
            measurements=[],
            assessments=[],
            outputs=RunOutputs([], [], [finding(f"DEL-{run}")], []),
        )
    assert store.newest_outputs()[0] == second
    assert store.outputs(first)[1].findings == [finding(f"DEL-{first}")]  # type: ignore[index]
    assert store.run_findings(second) == [finding(f"DEL-{second}")]
    assert store.run_findings(second + 9) == []
    assert store.last_report() is None
    store.record_report(first, "report", "", Path("a.pdf"))
    store.record_report(second, "report", "Health", Path("b.pdf"))
    store.record_report(second, "stocktake", "DEL-1", Path("c.pdf"))
    assert store.last_report()[0] == second  # type: ignore[index]
    assert store.last_report("report", "")[0] == first  # type: ignore[index]
    assert store.last_report("report", before_run=second)[0] == first  # type: ignore[index]
    assert store.last_report("stocktake", "DEL-1")[0] == second  # type: ignore[index]
    store.close()


def test_the_ledger_keeps_one_entry_per_token(at: Backing) -> None:
    store = at.open()
    run = store.start_run()
    entry = store.plan_write(run, "jira", "DEL-4", "comment", "t1", {"label": "2 - Amber/Red"})
    again = store.plan_write(run + 1, "jira", "DEL-4", "comment", "t1", {})
    assert again.id == entry.id and again.detail == {"label": "2 - Amber/Red"}
    batch = store.plan_writes(
        run, [("jira", "DEL-4", "comment", "t1", {}), ("jira", "DEL-5", "fields", "t2", {"a": 1})]
    )
    assert batch[0].id == entry.id and batch[1].key == "DEL-5"
    store.mark_write(entry.id, "done")
    store.mark_writes({batch[1].id: "failed"})
    assert [(e.key, e.status) for e in store.ledger()] == [("DEL-4", "done"), ("DEL-5", "failed")]
    assert store.ledger("planned") == []
    assert [e.key for e in store.ledger_of("jira", "comment")] == ["DEL-4"]
    assert store.ledger_entry("jira", "DEL-5", "fields", "t2").status == "failed"  # type: ignore[union-attr]
    assert store.ledger_entry("jira", "DEL-5", "fields", "nope") is None
    assert store.ledger()[0].done_at is not None
    store.close()


def test_a_batch_of_intents_is_read_back_in_one_query_a_source(at: Backing) -> None:
    """A batch's entries come back in its order, an existing token's entry kept, other tokens
    of the same keys left out; read back by one query (SQLite's trace counts them)."""
    store = at.open()
    run = store.start_run()
    old = store.plan_write(run, "jira", "DEL-2", "fields", "old", {"n": 0})
    kept = store.plan_write(run, "jira", "DEL-3", "comment", "c3", {"said": "before"})
    intents = [("jira", f"DEL-{n}", "fields", f"t{n}", {"n": n}) for n in (3, 1, 2)]
    intents.insert(1, ("jira", "DEL-3", "comment", "c3", {"said": "again"}))
    selects: list[str] = []
    if at.kind == "sqlite":
        store.db.set_trace_callback(selects.append)  # type: ignore[attr-defined]
    batch = store.plan_writes(run + 1, intents)
    selects = [sql for sql in selects if sql.lstrip().upper().startswith("SELECT")]
    assert [(e.key, e.action, e.token, e.detail) for e in batch] == [
        (i[1], i[2], i[3], {"said": "before"} if i[3] == "c3" else i[4]) for i in intents
    ]
    assert batch[1].id == kept.id and batch[1].run_id == run
    assert old.id not in {e.id for e in batch}
    assert {e.run_id for e in batch if e.action == "fields"} == {run + 1}
    assert len(selects) == (1 if at.kind == "sqlite" else 0), selects
    store.close()


def test_calls_and_source_values(at: Backing) -> None:
    store = at.open()
    store.add_calls("jira", date(2026, 11, 30), 3)
    store.add_calls("jira", date(2026, 11, 30))
    store.add_calls("jira", date(2026, 11, 1), 5)
    store.add_calls("jira", date(2026, 12, 1), 7)
    store.add_calls("airtable", date(2026, 11, 2), 11)
    assert store.month_calls("jira", date(2026, 11, 15)) == 9
    assert store.month_calls("jira", date(2026, 10, 15)) == 0
    assert store.source_value("airtable", "schema:app1") is None
    store.set_source_value("airtable", "schema:app1", '{"x": "100%"}')
    store.set_source_value("airtable", "schema:app1", '{"x": "50%"}')
    assert store.source_value("airtable", "schema:app1") == '{"x": "50%"}'
    store.close()


def test_work_items_and_shares(at: Backing) -> None:
    store = at.open()
    items = [
        WorkItem(source="jira", key="W-2", department="Health", team="A", effort=2.5),
        WorkItem(source="jira", key="W-1", department="Health", team="A", serves=["DEL-1"]),
    ]
    run = store.start_run()
    store.commit_run(
        run,
        cursors={},
        records={},
        deleted={},
        measurements=[],
        assessments=[],
        work=work.WorkRead({"jira": items}),
    )
    assert [i.key for i in work.items(store.db)] == ["W-1", "W-2"]
    assert list(work.held(store.db)) == ["jira"]
    shares = work.shares_at(store.db, run)
    assert shares is not None and (shares[0].items, shares[0].unaligned) == (2, 1)
    assert shares[0].effort == 2.5
    assert work.shares_at(store.db, run - 1) is None
    store.close()


# -- one writer at a time -------------------------------------------------------------------


def _holder_process(at: Backing) -> subprocess.Popen[str]:
    """Another process that takes the store's lock and waits (stdin) until told to end."""
    script = (
        "import sys\n"
        "from connector.config import load_config\n"
        "from connector.sync.stores import open_store\n"
        f"store = open_store(load_config({str(at.config_path)!r}))\n"
        "store.lock('rdsync run --config held')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
        "store.close()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"  # waits for it to start
    return process


def test_a_second_store_is_refused_the_lock_and_says_who_holds_it(at: Backing) -> None:
    first, second = at.open(), at.open()
    first.lock("rdsync run --config one")
    with pytest.raises(StateLocked, match="in use by this process"):
        second.lock()
    assert second.lock_holder().pid == os.getpid()  # type: ignore[union-attr]
    first.close()
    assert second.lock_holder() is None
    second.lock()
    second.close()
    holder = _holder_process(at)
    try:
        third = at.open()
        with pytest.raises(StateLocked, match=rf"in use by rdsync pid {holder.pid} since"):
            third.lock()
        seen = third.lock_holder()
        assert seen is not None and seen.pid == holder.pid
        assert "rdsync run --config held" in seen.text
    finally:
        holder.communicate("")
    assert third.lock_holder() is None  # it let go as it closed
    third.lock()
    third.close()


def test_a_killed_holder_leaves_the_lock_free(at: Backing) -> None:
    holder = _holder_process(at)
    store = at.open()
    assert store.lock_holder() is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    # PostgreSQL's backend notices the closed socket as it next reads: up to 10 s for it (a
    # wait for the server, not for a clock)
    for _ in range(200 if at.kind == "postgresql" else 0):
        if store.lock_holder() is None:
            break
        store.db.execute("SELECT pg_sleep(0.05)")
    assert store.lock_holder() is None  # its row is left, and is no holder
    store.lock()
    assert store.lock_holder().pid == os.getpid()  # type: ignore[union-attr]
    store.close()


# -- writers in several processes -----------------------------------------------------------

_WRITER = """
import sys
from datetime import date
from connector.config import load_config
from connector.sync.state import StoredRecord
from connector.sync.stores import open_store

me = int(sys.argv[2])
store = open_store(load_config(sys.argv[1]))
for n in range(15):
    run = store.start_run()
    store.commit_run(run, cursors={f"s{me}": str(n)},
        records={f"s{me}": {f"K-{n}": StoredRecord(None, str(run), None, {"n": n})}},
        deleted={}, measurements=[], assessments=[])
    store.finish_run(run, "ok", {"writer": me})
    store.plan_writes(run, [("jira", "DEL-4", "comment", f"t{n}", {"by": me})])
    store.add_calls("jira", date(2026, 11, 22))
store.close()
"""


def test_writers_in_several_processes_lose_nothing(at: Backing) -> None:
    """Four processes open a store never made (they race to migrate it), then each commits
    15 runs, plans writes whose tokens the others plan too, and counts calls."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(at.config_path), str(me)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(4)
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
    store = at.open()
    assert store.version == len(MIGRATIONS)
    runs = store.runs(100)
    assert len(runs) == 60 and len({r.id for r in runs}) == 60
    assert all(r.status == "ok" for r in runs)
    assert [store.cursor(f"s{me}") for me in range(4)] == ["14"] * 4
    assert all(len(store.hashes(f"s{me}")) == 15 for me in range(4))
    assert sorted(e.token for e in store.ledger()) == sorted(f"t{n}" for n in range(15))
    assert store.month_calls("jira", date(2026, 11, 1)) == 60
    store.close()


# -- the same answers on both ---------------------------------------------------------------


def test_both_stores_give_the_same_answers_before_and_after_retention(
    tmp_path: Path, postgres_url: str
) -> None:
    """One history written into a SQLite store and a PostgreSQL store: every read answers the
    same, and retention drops the same rows and leaves the same answers."""
    stores = {}
    for kind in ("sqlite", "postgresql"):
        at = backing(kind, tmp_path / kind, postgres_url if kind == "postgresql" else None)
        clock = site_clock()
        store = at.open(clock)
        runs = write_history(store, clock)
        stores[kind] = (store, runs)
    before = {kind: answers(store, runs) for kind, (store, runs) in stores.items()}
    assert before["sqlite"] == before["postgresql"]
    assert before["sqlite"]["ratings_each_day"][3]  # the history is there to compare
    dropped = {kind: retain(store, 2, 4) for kind, (store, _) in stores.items()}
    assert dropped["sqlite"] == dropped["postgresql"]
    assert dropped["sqlite"].assessments > 0 and dropped["sqlite"].outputs > 0
    after = {kind: answers(store, runs) for kind, (store, runs) in stores.items()}
    assert after["sqlite"] == after["postgresql"]
    assert after["sqlite"]["ratings_each_day"] == before["sqlite"]["ratings_each_day"]
    for store, _ in stores.values():
        store.close()


def test_a_transaction_lands_whole_and_one_inside_it_joins_it(at: Backing) -> None:
    """A caller's check and a run's commit in one transaction: a failure after the commit
    leaves nothing of either; one that succeeds lands both."""
    store = at.open()
    run = store.start_run()
    commit: dict[str, Any] = {"records": {}, "deleted": {}, "measurements": [], "assessments": []}
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO source_values VALUES ('jira', 'fence', '1', 'now')")
        store.commit_run(run, cursors={"jira": "c1"}, **commit)
        raise RuntimeError("the check after the commit failed")
    assert store.cursor("jira") is None and store.source_value("jira", "fence") is None
    with store.transaction() as db:
        db.execute("INSERT INTO source_values VALUES ('jira', 'fence', '2', 'now')")
        store.commit_run(run, cursors={"jira": "c2"}, **commit)
    assert store.cursor("jira") == "c2" and store.source_value("jira", "fence") == "2"
    other = at.open()
    store.lock()
    store.unlock()
    other.lock()  # unlocked, not closed: free for another
    other.close()
    store.close()
