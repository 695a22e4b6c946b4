"""One sync run over all sources: read → map → rules → assess → plan → apply → commit."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from connector.clock import SYSTEM, Clock
from connector.config import Config, redact
from connector.mapping_tools import guard
from connector.sources.base import ApplyResult, Outage, Patch, Source, WriteFailure
from connector.sources.build import build_sources
from connector.sources.compact import Shared
from connector.sources.heap import frozen_pages, frozen_run
from connector.sources.incremental import Cursor, ReadResult
from connector.sync import work as work_state
from connector.sync.failures import SOURCE_FAILURES, last_parts, reason
from connector.sync.history import RatingChanges
from connector.sync.judged import Judged, judge
from connector.sync.keys import KeyScope, by_architecture, scope_keys, unqualified
from connector.sync.lease import Fence
from connector.sync.mapcache import MapCache, Mapped, map_cached
from connector.sync.plan import Agreed, normalise_option
from connector.sync.retention import retain
from connector.sync.routines import missed_by_person
from connector.sync.serialised import Serialised
from connector.sync.state import RunOutputs, StateStore, StoredRecord
from connector.sync.steps import (
    ScopeChanged,
    Snapshot,
    by_priority,
    guard_scope,
    map_guarded,
    plan_source,
    refresh,
    refusals,
    text_limit,
)
from connector.sync.wanted import Inputs, Wanted, wanted_values
from mappings.graph import Architecture
from mappings.model import Measurement
from mappings.records import MappedRecords
from rules.model import Assessment, Finding, RubricRating
from rules.rubric import Rated, rate_rubric

log = logging.getLogger("rdsync.sync")

# A comment request rdsync gave up on (timed out, or its process killed) is looked for again
# only this long afterwards: by then the tool has added it or dropped it, never still busy.
SETTLE_AFTER = timedelta(seconds=60)


@dataclass
class Outcome:
    """What one run did, for the summary line, the run log and `rdsync demo`."""

    run_id: int
    dry_run: bool
    full: bool
    arch: Architecture
    findings: list[Finding]
    assessments: dict[str, Assessment]
    rubric: list[RubricRating]
    patches: list[Patch]
    reads: dict[str, ReadResult] = field(default_factory=dict)  # by source
    deleted: dict[str, list[str]] = field(default_factory=dict)  # by source: keys gone
    applied: ApplyResult = field(default_factory=ApplyResult)  # every batch's result, merged
    refusals: list[WriteFailure] = field(default_factory=list)  # keyed as in the architecture
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the sources' warnings (a call budget)
    failed: dict[str, str] = field(default_factory=dict)  # source -> why it failed (redacted)
    work: work_state.WorkRead | None = None  # all work, where a source has a wider scope
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase of the run

    def summary(self) -> str:
        c = self.counts
        sev = Counter(f.severity.value for f in self.findings)
        mode = "dry run" if self.dry_run else ("full sync" if self.full else "sync")
        return (
            (
                f"rdsync {mode}: read {c['read']} records ({c['changed']} changed, "
                f"{c['deleted']} gone) · {len(self.arch)} entities · {len(self.findings)} findings "
                f"({sev['error']} errors, {sev['warning']} warnings, {sev['info']} infos) · "
                f"{c['ratings_changed']} ratings changed · {len(self.patches)} planned, "
                f"{c['written']} written, {c['comments']} comments, {c['refused']} refused · "
                f"{c['api_calls']} API calls · {self.seconds:.1f} s"
            )
            + "".join(f"\n  note: {note}" for note in self.notes)
            + "".join(
                f"\n  failed: sources.{name} ({why}): " + failed_how(name in self.reads)
                for name, why in self.failed.items()
            )
        )


class Stored(NamedTuple):
    """A source's state as a run starts: digests by key, the records (None: not loaded, a
    full read replaces them), the cursor's text."""

    hashes: dict[str, str]
    records: dict[str, Any] | None
    cursor: str | None


@dataclass
class Kept:
    """The records (as restored) and digests the last committed run left in the state store,
    kept in memory by the daemon so that an incremental run does not load and parse them all
    again: it holds the state file's lock, so no one else changes them in between."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    hashes: dict[str, dict[str, str]] = field(default_factory=dict)
    # By source: the records found saying what rdsync wanted (`connector.sync.plan.Agreed`).
    agreed: dict[str, tuple[str, dict[str, tuple[str, str]]]] = field(default_factory=dict)
    mapped: dict[str, MapCache] = field(default_factory=dict)  # by source: records as mapped
    wanted: dict[str, Wanted] = field(default_factory=dict)  # by source: texts as wanted
    judged: Judged | None = None  # the last run's conclusions, with what they were drawn from
    # The last committed run's id and the findings it stored: a rating-change comment says
    # why from them without reading that run's findings (every one) back from the store.
    findings: tuple[int, list[Finding]] | None = None
    # The JSON of the last commit's entities and assessments: the unchanged are not dumped again.
    serialised: Serialised = field(default_factory=Serialised)
    rubric: Rated = field(default_factory=dict)  # each plan's ratings, with what rated them

    def keep(self, source: str, records: dict[str, Any], hashes: dict[str, str]) -> None:
        self.records[source], self.hashes[source] = records, hashes

    def clear(self) -> None:
        self.records.clear()
        self.hashes.clear()
        self.agreed.clear()
        self.mapped.clear()
        self.wanted.clear()
        self.judged = None
        self.findings = None
        self.rubric = {}


# json.dumps(raw, sort_keys=True, default=str)'s encoder, built once: the same text (no record
# holds itself, so the check for cycles finds none), without an encoder built per record.
_DIGESTED = json.JSONEncoder(sort_keys=True, default=str, check_circular=False)


def content_hash(raw: Any) -> str:
    return hashlib.sha256(_DIGESTED.encode(raw).encode()).hexdigest()[:20]


class SyncRun:
    """A run is one transaction of state: nothing it learnt is committed before its writes."""

    def __init__(
        self,
        config: Config,
        store: StateStore,
        *,
        sources: Mapping[str, Source] | None = None,
        clock: Clock = SYSTEM,
        echo: Callable[[str], None] = print,
        should_stop: Callable[[], bool] = lambda: False,
        on_write: Callable[[int, int], None] | None = None,
        settle_after: timedelta = SETTLE_AFTER,
        skip_unfit: bool = False,
        accept_scope_change: bool = False,
        kept: Kept | None = None,
        only: str | None = None,
        fence: Fence | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.sources = dict(sources) if sources is not None else build_sources(config, clock, store)
        self.now = clock.now()  # the run's time: every write-back and stamp of this run
        self.today = self.now.date()
        self.echo = echo
        self.should_stop = should_stop
        self.on_write = on_write  # (patches done, patches in all): a progress bar's feed
        self.settle_after = settle_after
        self.accept_scope_change = accept_scope_change  # `--accept-scope-change`: no guard
        self.fresh_hashes: dict[str, dict[str, str]] = {}  # source -> key -> digest, per read
        self.skip_unfit = skip_unfit  # the daemon: an unfit source sits this run out
        self.skipped: dict[str, list[str]] = {}  # source -> why it sat out (problem lines)
        self.scope = KeyScope()  # which keys two sources share: set once the run has read
        self.preflighted = ""  # "writes" or "reads": the mapping was checked against the site
        self.phases: defaultdict[str, float] = defaultdict(float)  # seconds by phase of the run
        self.kept = kept  # the daemon's copy of the state's records, from run to run
        self.snapshots: dict[str, Snapshot] = {}  # by source, once read
        self.stored_hashes: dict[str, dict[str, str]] = {}  # by source: key -> digest
        self.agreed: dict[str, Agreed] = {}  # by source: what the last run found agreed, and now
        self.failed: dict[str, BaseException] = {}  # sources whose site failed this run
        self.failed_sources: dict[str, Source] = {}  # ... out of `sources`, for their calls
        self.map_kept: dict[str, MapCache] = {}  # by source: the last run's records as mapped
        self.mapped: dict[str, Mapped] = {}  # by source: this run's
        self.wanted_kept: dict[str, Wanted] = {}  # by source: the last run's wanted texts
        self.wanted: dict[str, Wanted] = {}  # by source: this run's
        self.judged_kept: Judged | None = None  # the last run's conclusions
        self.judged: Judged | None = None  # this run's
        self.findings_kept: tuple[int, list[Finding]] | None = None  # the last run's
        self.rubric_kept: Rated = {}  # the plans' ratings as last rated, then as this run's
        # A worker's job (`connector/sync/jobs.py`): read, write and commit this source alone;
        # the others' records come from the state store as the last commit left them.
        self.only = only
        self.fence = fence  # checked in the commit's transaction: a stale worker's is refused

    def execute(self, *, full: bool = False, dry_run: bool = False) -> Outcome:
        started = time.monotonic()
        for source in self.sources.values():
            source.begin_run()  # a kept source counts this run's calls afresh
        # What lives before the run (a daemon's kept records, modules) and the records once read
        # live through it: frozen, the collector's full passes skip them (at 10,000 issues they
        # took seconds a run); `unfreeze` at the end hands them back.
        with frozen_run():  # reads inside freeze their pages too (`connector.sources.heap`)
            return self._execute_run(full=full, dry_run=dry_run, started=started)

    def _execute_run(self, *, full: bool, dry_run: bool, started: float) -> Outcome:
        run_id = self.store.start_run(full=full, dry_run=dry_run)
        log.info("run=%s phase=start full=%s dry_run=%s", run_id, full, dry_run)
        try:
            outcome = self._execute(run_id, full=full, dry_run=dry_run)
        except BaseException as error:
            why = [f"{type(error).__name__}: {error}"]
            self.store.finish_run(run_id, "failed", self._calls(), why)  # spent all the same
            raise
        outcome.seconds = time.monotonic() - started
        outcome.counts["seconds"] = round(outcome.seconds, 2)  # type: ignore[assignment]
        self.store.finish_run(run_id, "ok", dict(outcome.counts), outcome.errors)
        log.info("run=%s phase=end %s", run_id, _fields(outcome.counts))
        return outcome

    # -- the phases -----------------------------------------------------------------------

    def _execute(self, run_id: int, *, full: bool, dry_run: bool) -> Outcome:
        # The state first: a damaged store stops the run before any request is sent.
        with self._phase("load"):
            stored = {
                name: self._load(name, source, full and self._mine(name))
                for name, source in self.sources.items()
            }
            if self.kept is not None:
                # A full read too: a record read again with the digest it had, whose wanted
                # texts are as they were, says what it said (the full read finds what an
                # incremental one cannot: deletions, edits that left `updated` as it was).
                for name, (fields, agreed) in self.kept.agreed.items():
                    self.agreed[name] = Agreed(fields, agreed, {})
                self.map_kept = dict(self.kept.mapped)  # by digest
                self.wanted_kept = dict(self.kept.wanted)  # by what the texts read
                self.judged_kept = self.kept.judged  # by every input of the judging
                self.findings_kept = self.kept.findings
                self.rubric_kept = self.kept.rubric
                self.kept.clear()  # filled again by this run's commit, if it gets there
        writes = dry_run or self.config.writeback.enabled
        with self._phase("check"):
            self._preflight(writes=writes)
        self.preflighted = "writes" if writes else "reads"
        counts: Counter[str] = Counter()
        with self._phase("read"):
            snapshots, reads, deleted = self._read(stored, full, dry_run, counts)
        with self._phase("map"):
            gc.freeze()  # the records read live to the run's end (see `execute`)
            mapped, self.scope = self._map(snapshots)
            gc.freeze()  # and what was mapped
            arch = Architecture(mapped.entities, mapped.measurements, mapped.problems)
            gc.freeze()  # and the graph
        counts["skipped"] = len(mapped.skipped)
        # Mapped afresh (the others' mapping kept from the last run: their JSON is as it was).
        counts["mapped"] = sum(
            len(snapshots[name].records) - len(done.reused) for name, done in self.mapped.items()
        )
        period = timedelta(days=self.config.schedule.assessment_days)
        keys = {key: entity.source for key, entity in arch.entities.items()}
        with self._phase("history"):
            previous = by_architecture(self.store.previous_ratings(self.today - period, keys), keys)
            latest = by_architecture(self.store.previous_ratings(None, keys), keys)
            missed = missed_by_person(self.store)  # routines: requests left undone
        findings, assessments, self.judged = judge(
            arch, self.config, self.today, previous, missed, self.phases, self.judged_kept
        )
        counts["judged"] = 0 if self.judged is self.judged_kept else len(arch)
        gc.freeze()  # the conclusions live to the run's end too
        with self._phase("work"):
            # All work, read only, before any write; a full sync reads it all again.
            held = {} if full else work_state.held(self.store.db)
            mine = {name: s for name, s in self.sources.items() if self._mine(name)}
            work = work_state.read_scopes(mine, arch, held)
        with self._phase("rules"):
            rubric = rate_rubric(arch, findings, self.rubric_kept)
            gc.freeze()  # and the rubric
        counts["ratings_changed"] = sum(
            1 for k, a in assessments.items() if latest.get(k) != a.likelihood
        )
        log.info("run=%s phase=judged entities=%s findings=%s", run_id, len(arch), len(findings))
        with self._phase("plan"):
            patches = self._plan(snapshots, arch, findings, assessments, rubric, counts)
            counts["compared"] = sum(agreed.compared for agreed in self.agreed.values())
            changes = RatingChanges(
                self.store, arch, findings, assessments, self.today, self.findings_kept
            )
            changes.annotate(patches, self.sources, self.scope)
        outcome = Outcome(run_id, dry_run, full, arch, findings, assessments, rubric, patches)
        outcome.reads, outcome.deleted, outcome.counts = reads, deleted, counts
        outcome.work = work
        outcome.phases = self.phases
        outcome.failed = {name: reason(error) for name, error in self.failed.items()}
        outcome.errors += [f"sources.{name}: {why}" for name, why in outcome.failed.items()]
        # A job's portfolio is whole once every source was read: until then keys and links
        # to an unread source would be written as they will not stay (a key it shares).
        unread = sorted(n for n, was in stored.items() if was.cursor is None and not self._mine(n))
        if unread:
            outcome.notes.append(f"writes held until these sources are read: {', '.join(unread)}")
        elif dry_run:
            for patch in patches:
                self.echo(patch.describe())
        elif self.config.writeback.enabled:
            with self._phase("write"):
                gc.freeze()  # the plan and the run's conclusions live to the commit
                self._settle_comments(run_id, snapshots, patches, outcome)
                self._apply(run_id, patches, outcome)
                findings += refusals(arch, outcome.refusals, self.config, self.today)
        counts.update(self._calls())
        for name, source in self.sources.items():
            outcome.notes += [f"{name}: {note}" for note in source.notes]
        if not dry_run:
            outputs = RunOutputs(mapped.entities, mapped.problems, findings, rubric)
            with self._phase("commit"):
                self._commit(run_id, reads, deleted, mapped, assessments, outputs, work)
            with self._phase("retain"):
                self._retain(run_id)
        return outcome

    def _mine(self, name: str) -> bool:
        """Whether this run reads, writes and commits the source: all do, unless `only`."""
        return self.only is None or name == self.only

    def _retain(self, run_id: int) -> None:
        """Just after the commit: what no report, comparison or pending write needs goes."""
        state = self.config.state
        if state.retention:
            dropped = retain(self.store, state.keep_runs, self.config.schedule.assessment_days)
            log.info("run=%s phase=retained %s", run_id, _fields(asdict(dropped)))

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        """Time one phase of the run (seconds in `phases`, for the benchmark's phase table)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] += time.perf_counter() - started

    def _recheck(self, name: str, source: Source) -> None:
        """A source that fetched its schema again while reading (the one it kept named a field
        or table that is gone) is checked again before anything is planned or written."""
        problems = guard.preflight(source, writes=self.preflighted == "writes")
        if problems:
            raise guard.refusal({name: (source, problems)})

    def _calls(self) -> dict[str, int]:
        """The API calls of this run: in all (`api_calls`) and by source (`api_calls.jira`),
        for the summary and for `rdsync status`'s calls per source today."""
        sources = {**self.sources, **self.failed_sources}
        by_source = {f"api_calls.{n}": sum(s.calls.values()) for n, s in sources.items()}
        return {"api_calls": sum(by_source.values()), **by_source}

    def _preflight(self, *, writes: bool) -> None:
        """Each source's mapping against its site, before anything is read or written: an
        unfit one stops the run (`UnfitMapping`), or with `skip_unfit` sits this run out
        (while another source remains), its reasons logged and kept in `skipped`."""
        unfit = {}
        for name, source in list(self.sources.items()):
            try:
                problems = guard.preflight(source, writes=writes)
            except SOURCE_FAILURES as error:  # the site, not the mapping: the others go on
                self._fail(name, error)
                continue
            if problems:
                unfit[name] = (source, problems)
        if not unfit:
            return
        if self.only in unfit:  # a job's own source unfit: nothing of it can be synced
            raise guard.refusal({self.only: unfit[self.only]})
        if not self.skip_unfit or len(unfit) == len(self.sources):
            raise guard.refusal(unfit)
        for name, (source, problems) in unfit.items():
            log.warning("source=%s skipped this run: %s", name, guard.refusal({name: unfit[name]}))
            self.skipped[name] = [f"{source.mapping.origin}: {p.line()}" for p in problems]
            del self.sources[name]

    def _map(self, snapshots: dict[str, Snapshot]) -> tuple[MappedRecords, KeyScope]:
        """Every source's records mapped, keys scoped by source where two sources share one;
        a record unchanged since the last run (the daemon's) is not mapped again, and a failed
        source stands in with its part of the last committed run."""
        for name, source in self.sources.items():
            held, digests = snapshots[name].records, self.stored_hashes[name]
            if self.kept is None:  # no daemon to keep a cache for: mapped once, held once
                self.mapped[name] = Mapped(map_guarded(source, dict(held)), None)
            else:
                self.mapped[name] = map_cached(source, held, digests, self.map_kept.get(name))
        mapped = {name: part.records for name, part in self.mapped.items()}
        records: dict[str, Any] = {name: snapshot.records for name, snapshot in snapshots.items()}
        for name, part in last_parts(self.store, self.failed).items():  # as last committed
            mapped[name], records[name] = part, [entity.key for entity in part.entities]
        sources = {**self.sources, **self.failed_sources}
        return scope_keys(
            mapped,
            records,  # keys, and issue ids (a REST URL names an issue by its id)
            {name: source.site for name, source in sources.items()},
        )

    def _load(self, name: str, source: Source, full: bool) -> Stored:
        """A source's records as the last run left them: kept in memory by the daemon (the
        only writer of its state while it runs), else read from the store. A full read
        replaces them all, so it loads their digests alone."""
        cursor = self.store.cursor(name)
        if full:
            return Stored(self.store.hashes(name), None, cursor)
        if self.kept is not None and name in self.kept.records:
            return Stored(self.kept.hashes[name], self.kept.records[name], cursor)
        with frozen_pages() as settle:  # rows held: frozen as a read's pages are
            rows = self.store.records(name, hold=Shared(settle))  # compact as a read holds them
        records = {key: source.restore(row.raw) for key, row in rows.items()}
        return Stored({key: row.content_hash for key, row in rows.items()}, records, cursor)

    def _read(
        self, loaded: dict[str, Stored], full: bool, dry_run: bool, counts: Counter[str]
    ) -> tuple[dict[str, Snapshot], dict[str, ReadResult], dict[str, list[str]]]:
        snapshots: dict[str, Snapshot] = {}
        reads: dict[str, ReadResult] = {}
        deleted: dict[str, list[str]] = {}
        for name, source in list(self.sources.items()):
            before, records, cursor = loaded[name]
            # Unloaded (a full read): the keys alone, to tell what is gone; the read replaces all.
            snapshot = Snapshot(
                records=dict(records) if records is not None else dict.fromkeys(before),
                cursor=Cursor.load(cursor),
            )
            # The snapshot holds them now: the versions this read replaces are let go.
            loaded[name], records = loaded[name]._replace(records=None), None
            stored = before
            self.stored_hashes[name] = before
            if not self._mine(name):  # another job's source: as its last commit left it
                snapshots[name] = self.snapshots[name] = snapshot
                continue
            incremental = not full and bool(stored) and snapshot.cursor.value is not None
            schemas = source.calls["schema"]
            try:
                known = snapshot.records if incremental else None  # Jira's histories held
                result = source.read(snapshot.cursor if incremental else None, known)
            except SOURCE_FAILURES as error:  # the site: its last committed records stand in
                self._fail(name, error)
                continue
            if source.calls["schema"] > schemas and self.preflighted:
                self._recheck(name, source)  # the base changed since its kept schema
            deleted[name] = refresh(source, snapshot, result)
            self._guard(source, len(stored), deleted[name], len(snapshot.records), dry_run)
            fresh = {key: content_hash(raw) for key, raw in result.records.items()}
            self.fresh_hashes[name] = fresh  # hashed once: the commit stores the same digests
            counts["read"] += len(result.records)
            counts["changed"] += sum(1 for k, digest in fresh.items() if before.get(k) != digest)
            counts["deleted"] += len(deleted[name])
            snapshots[name], reads[name] = snapshot, result
            self.snapshots[name] = snapshot
            before.update(fresh)  # the digests as the commit leaves them
            for key in deleted[name]:
                before.pop(key, None)
            log.info(
                "source=%s phase=read records=%s full=%s deleted=%s",
                name,
                len(result.records),
                result.full,
                len(deleted[name]),
            )
        return snapshots, reads, deleted

    def _fail(self, name: str, error: BaseException) -> None:
        """A source whose site failed sits the rest of the run out (nothing read, written or
        committed for it: its cursor stays); when every source has failed, the run fails."""
        log.warning("source=%s failed this run: %s", name, redact(str(error)))
        self.failed[name] = error
        self.failed_sources[name] = self.sources.pop(name)
        if not self.sources:
            raise error

    def _guard(self, source: Source, stored: int, gone: list[str], left: int, dry: bool) -> None:
        """Stop before any write when the scope shrank a lot (see `guard_scope`); a dry run
        only warns, so that it can show what the change would write."""
        if self.accept_scope_change:
            return
        try:
            guard_scope(source, stored, gone, left, self.config.sync.max_gone_share)
        except ScopeChanged as change:
            if not dry:
                raise
            self.echo(f"warning: {change}")

    def _plan(
        self,
        snapshots: dict[str, Snapshot],
        arch: Architecture,
        findings: list[Finding],
        assessments: dict[str, Assessment],
        rubric: list[RubricRating],
        counts: Counter[str],
    ) -> list[Patch]:
        patches: list[Patch] = []
        ratings = by_priority(arch, findings, rubric)
        inputs = Inputs.of(arch, findings, assessments, ratings)
        for name, source in self.sources.items():
            if not self._mine(name):
                continue  # its own job plans its writes
            records = snapshots[name].records
            agreed = self.agreed.setdefault(name, Agreed("", {}, {}))
            agreed.digests = self.stored_hashes[name]  # the records' digests after this read
            writeback, limit = source.mapping.writeback, text_limit(source, self.config)
            signature = repr((writeback.model_dump_json(), limit))
            desired, worked = wanted_values(
                arch,
                findings,
                assessments,
                ratings,
                inputs,
                self.wanted_kept.get(name),
                signature,
                writeback=writeback,
                limit=limit,
                now=self.now,
            )
            self.wanted[name] = Wanted(signature, inputs, desired)
            counts["wanted"] += len(worked)  # worked out afresh (the others as the last run's)
            if name in self.wanted_kept:
                agreed.unchanged = desired.keys() - worked
            patches += plan_source(
                source,
                records,
                arch,
                findings,
                assessments,
                self.config,
                self.now,
                rubric,
                self.scope,
                agreed,
                desired,
            )
        return patches

    def _apply(self, run_id: int, patches: list[Patch], outcome: Outcome) -> None:
        """Write in the batches each source sends as one request or a few (ten at most),
        each first recorded in the ledger and then marked done or failed, checking between
        batches whether to stop. A batch's marks are recorded with the next batch's intents,
        in one transaction, before that batch is sent (the last ones at the end)."""
        done = 0
        marks: dict[int, str] = {}  # the last batch's, not yet recorded
        try:
            for name, source in self.sources.items():
                outage = Outage(name)  # a ticket that keeps failing is refused; a dead site stops
                try:
                    for batch in source.batches([p for p in patches if p.source == name]):
                        if self.should_stop():
                            outcome.errors.append(
                                "stopped before all writes: the next run ends them"
                            )
                            return
                        marks = self._apply_batch(run_id, source, batch, outcome, outage, marks)
                        done += len(batch)
                        if self.on_write is not None:
                            self.on_write(done, len(patches))
                except SOURCE_FAILURES as error:  # its site went down while writing: others go on
                    if len(self.sources) == 1:
                        raise
                    log.warning("source=%s failed while writing: %s", name, redact(str(error)))
                    outcome.failed[name] = f"while writing: {reason(error)}"
                    outcome.errors.append(f"sources.{name}: {outcome.failed[name]}")
        finally:
            if marks:
                self.store.mark_writes(marks)

    def _apply_batch(
        self,
        run_id: int,
        source: Source,
        batch: list[Patch],
        outcome: Outcome,
        outage: Outage,
        last: dict[int, str],
    ) -> dict[int, str]:
        """Record the batch's edits and comments in the ledger, in one transaction with the
        last batch's marks (`last`, emptied once recorded), send them, and return each one's
        mark: done or failed (one transaction a batch, where each took two)."""
        intents: list[tuple[str, str, str, str, dict[str, Any]]] = []
        for patch in batch:
            token = content_hash([patch.key, {k: str(v) for k, v in patch.changes.items()}])
            detail = {"fields": sorted(patch.fields), "comment": patch.comment is not None}
            intents.append((patch.source, patch.key, "fields", token, detail))
            planned = source.planned_comment(patch)
            if planned is not None:  # recorded first: a run killed before it lands settles it
                said = {"text": planned[1], "likelihood": patch.changes.get("likelihood")}
                intents.append((patch.source, patch.key, "comment", planned[0], said))
        with self.store.transaction():
            self.store.mark_writes(last)
            recorded = self.store.plan_writes(run_id, intents)
        last.clear()
        entries = {e.key: e for e in recorded if e.action == "fields"}
        comments = {e.key: e for e in recorded if e.action == "comment"}
        result: ApplyResult = source.apply(batch, outage)
        _merge(outcome.applied, result)
        marks: dict[int, str] = {}
        for key, entry in comments.items():
            if key in result.commented:
                marks[entry.id] = "done"
            elif key in result.unsettled:  # pending still; marked now: when it was given up
                marks[entry.id] = "planned"
            else:  # refused, or its fields were: never sent
                marks[entry.id] = "failed"
        for failure in result.failures:
            outcome.errors.append(str(failure))
            outcome.refusals.append(
                failure.model_copy(update={"key": self.scope.key(source.name, failure.key)})
            )
            self.echo(f"refused: {failure}")
        outcome.counts["written"] += len(result.written)
        outcome.counts["comments"] += result.comments
        outcome.counts["refused"] += len(result.failures)
        written = set(result.written)
        for key, entry in entries.items():
            marks[entry.id] = "done" if key in written else "failed"
        return marks

    def _settle_comments(
        self,
        run_id: int,
        snapshots: dict[str, Snapshot],
        patches: list[Patch],
        outcome: Outcome,
    ) -> None:
        """Comments an earlier run recorded but cannot be sure it added: killed between the
        edit and the comment, or the comment's answer timed out. Each is added once (the
        source looks for its token first) if the record holds the rating it announces and
        this run does not comment on the record anew; otherwise it is superseded."""
        newer = {(p.source, p.key) for p in patches if p.comment}
        for entry in self.store.ledger("planned"):
            source = self.sources.get(entry.source)
            if entry.action != "comment" or entry.run_id == run_id or source is None:
                continue
            if not self._mine(entry.source):
                continue  # its own source's job settles it
            given_up = datetime.fromisoformat(entry.done_at or entry.planned_at)
            if self.clock.now() - given_up < self.settle_after:
                outcome.counts["comments_pending"] += 1  # perhaps still in flight: next run
                continue
            record = snapshots[entry.source].records.get(entry.key)
            holds = record is not None and entry.detail.get("likelihood") == normalise_option(
                source.current_values({entry.key: record})[entry.key].likelihood
            )
            if (entry.source, entry.key) in newer or not holds:
                self.store.mark_write(entry.id, "superseded")
                continue
            status = source.settle_comment(entry.key, entry.detail["text"], entry.token)
            self.store.mark_write(entry.id, "planned" if status == "pending" else status)
            outcome.counts["comments_settled"] += status == "done"

    def _commit(
        self,
        run_id: int,
        reads: dict[str, ReadResult],
        deleted: dict[str, list[str]],
        mapped: MappedRecords,
        assessments: dict[str, Assessment],
        outputs: RunOutputs,
        work: work_state.WorkRead | None = None,
    ) -> None:
        kinds = {(e.source, unqualified(e.source, e.key)): str(e.kind) for e in mapped.entities}
        records: dict[str, dict[str, StoredRecord]] = {}
        for name, result in reads.items():
            hashes, stored = self.fresh_hashes[name], self._reused(name)
            records[name] = {
                key: StoredRecord(kinds.get((name, key)), hashes[key], _updated(raw), raw)
                for key, raw in result.records.items()
                if key not in stored
            }
        self.store.commit_run(
            run_id,
            fence=self.fence.check if self.fence is not None else None,
            cursors={name: result.cursor.dump() for name, result in reads.items()},
            records=records,
            deleted=deleted,
            measurements=self._new_measurements(mapped),
            assessments=assessments.values(),
            sources={e.key: e.source for e in mapped.entities},
            outputs=outputs,
            work=work,
            serialised=self.kept.serialised if self.kept is not None else None,
        )
        if self.kept is not None:  # committed: what the next run would load, kept
            for name in reads:
                self.kept.keep(name, self.snapshots[name].records, self.stored_hashes[name])
                cache = self.mapped[name].cache if name in self.mapped else None
                if cache is not None:
                    self.kept.mapped[name] = cache
                if name in self.wanted:
                    self.kept.wanted[name] = self.wanted[name]
                if name in self.agreed:
                    self.kept.agreed[name] = (self.agreed[name].fields, self.agreed[name].now)
            self.kept.judged = self.judged
            self.kept.findings = (run_id, outputs.findings)
            self.kept.rubric = self.rubric_kept

    def _reused(self, name: str) -> frozenset[str]:
        """The source's records whose mapping came from the last run's: their JSON (by its
        digest) and kind are as a committed run stored them, so their rows are not rewritten."""
        mapped = self.mapped.get(name)
        return mapped.reused if mapped is not None else frozenset()

    def _new_measurements(self, mapped: MappedRecords) -> list[Measurement]:
        """The measurements to store: those of records mapped afresh (the others' are stored
        as they are, by the run that mapped them); all where sources share keys."""
        if self.scope.shared:
            return mapped.measurements
        stored = frozenset().union(*(self._reused(name) for name in self.sources))
        if not stored:
            return mapped.measurements
        return [m for m in mapped.measurements if m.indicator_key.partition("#")[0] not in stored]


def failed_how(read: bool) -> str:
    """What a failed source's part in the run was, for the summary and the health file."""
    if read:  # read and committed: its records show what it lacks, so it is planned again
        return "the next run writes what this one could not"
    return "nothing read or written through it, its cursor stays; its last records stood in"


def _merge(into: ApplyResult, result: ApplyResult) -> None:
    into.written += result.written
    into.comments += result.comments
    into.commented += result.commented
    into.unsettled += result.unsettled
    into.failures += result.failures
    into.calls.update(result.calls)


def _updated(raw: Any) -> str | None:
    if isinstance(raw, dict):
        fields = raw.get("fields")
        if isinstance(fields, dict) and isinstance(fields.get("updated"), str):
            return str(fields["updated"])
    return None


def _fields(counts: Mapping[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted(counts.items()))
