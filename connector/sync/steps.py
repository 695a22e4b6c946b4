"""The steps of a sync run that need no state store: fold a read into a snapshot, map it with
one bad record at a time set aside, judge the portfolio, and plan a source's write-backs."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from connector.config import Config
from connector.sources.base import CurrentValues, Patch, Source, WriteFailure
from connector.sources.incremental import Cursor, ReadResult
from connector.sync.keys import KeyScope, unqualified
from connector.sync.plan import Agreed, DesiredValues, desired_values, plan_writeback
from mappings.errors import RdsyncError
from mappings.graph import Architecture
from mappings.model import DataProblem
from mappings.records import MappedRecords
from rules.agreed import with_agreed
from rules.base import RuleContext
from rules.engine import run_rules
from rules.likelihood import assess
from rules.model import Assessment, Finding, Rating, RubricRating
from rules.rubric import rate_rubric

log = logging.getLogger("rdsync.sync")


@dataclass
class Snapshot:
    """A source's raw records as last read, and the cursor to read on from."""

    records: dict[str, Any] = field(default_factory=dict)
    cursor: Cursor = field(default_factory=Cursor)


def map_guarded(source: Source, records: dict[str, Any]) -> MappedRecords:
    """`source.map(records)`, where a record that makes the mapper fail becomes an RD904
    finding naming it, and the others are mapped: one bad record never stops a run.

    The mapper turns bad values into findings itself; this catches the shapes it does not
    expect (an issue type that is a string, a changelog entry that is not an object). Only
    when the whole batch fails is each record mapped alone, to find the culprits."""
    try:
        return source.map(records)
    except Exception:  # any failure here is one record's data, never fatal to the run
        pass
    good: dict[str, Any] = {}
    bad: dict[str, Exception] = {}
    for key, record in records.items():
        try:
            source.map({key: record})
        except Exception as error:  # recorded below as that record's finding
            bad[key] = error
        else:
            good[key] = record
    mapped = source.map(good)
    for key, failure in bad.items():
        log.warning("source=%s key=%s could not be mapped: %r", source.name, key, failure)
        mapped.problems.append(
            DataProblem(
                code="RD904",
                key=key,
                message=f"{key} could not be mapped: its JSON has a shape rdsync does not "
                f"expect ({type(failure).__name__}: {str(failure)[:120]})",
                fix=f"Check {key} in {source.tool.title()} (and any app or script that "
                "writes it); rdsync reads it again on the next sync.",
            )
        )
    return mapped


def refresh(source: Source, snapshot: Snapshot, result: ReadResult) -> list[str]:
    """Fold a read into the snapshot and return the keys gone from the source.

    A full read holds every record, so what it lacks was deleted; after an incremental one a
    key scan tells, unless the source leaves deletions to its next full read (`scan`), or the
    tool's count of the scope matches the snapshot (`total`: nothing left it)."""
    if result.full:
        gone = sorted(set(snapshot.records) - set(result.records))
        snapshot.records = dict(result.records)
        return gone
    snapshot.records.update(result.records)
    if not result.scan or result.total == len(snapshot.records):
        return []
    deleted = sorted(set(snapshot.records) - source.scan_keys())
    for key in deleted:
        del snapshot.records[key]
    return deleted


class ScopeChanged(RdsyncError):
    """A read would take too many of a source's records as gone: stopped before any write."""


def guard_scope(source: Source, stored: int, gone: list[str], left: int, share: float) -> None:
    """Stop when a source's scope returns nothing while the store holds records, or when more
    than `share` of them would be gone: an edited JQL or filter, an archived project or a
    token that lost access looks like mass deletion, and would rewrite every rating above."""
    if not stored or not gone or (left and len(gone) <= share * stored):
        return
    where = f"sources.{source.name}"
    scope = f"{where}.projects or .jql" if source.tool == "jira" else f"{where}.base, the mapping"
    shown = ", ".join(gone[:5]) + (", ..." if len(gone) > 5 else "")
    what = (
        f"the scope returned no records, while the state store holds {stored}"
        if not left
        else f"{len(gone)} of its {stored} records ({len(gone) / stored:.0%}) would be gone, "
        f"more than [sync] max_gone_share = {share:g}"
    )
    raise ScopeChanged(
        f"{what} ({shown}); stopped before writing anything",
        where=where,
        fix=f"Check the scope ({scope}): an edited JQL or filter, an archived project or a token "
        "that lost access. If the change is meant, run `rdsync sync --accept-scope-change` "
        "once (or start the daemon with `rdsync run --accept-scope-change`).",
    )


def judge_portfolio(
    arch: Architecture,
    config: Config,
    today: date,
    previous: dict[str, Rating],
    missed: dict[str, int] | None = None,
    seconds: defaultdict[str, float] | None = None,
) -> tuple[list[Finding], dict[str, Assessment]]:
    """The findings of both rule phases and the likelihood of every assessed record;
    `missed`: person id -> update requests left undone at the last stock take (the time
    each phase took added to `seconds`, as "rules" and "assess")."""
    spent: defaultdict[str, float] = defaultdict(float) if seconds is None else seconds
    started = time.perf_counter()
    ctx = RuleContext(
        today=today,
        thresholds=config.rules.thresholds,
        previous=previous,
        missed_updates=missed or {},
    )
    findings = run_rules(arch, config.rules, ctx)
    ruled = time.perf_counter()
    assessments = with_agreed(arch, assess(arch, findings, ctx, config.likelihood), today)
    assessed = time.perf_counter()
    judged = ctx.model_copy(update={"assessments": assessments})
    findings = findings + run_rules(arch, config.rules, judged, phase="assessment")
    spent["rules"] += ruled - started + time.perf_counter() - assessed
    spent["assess"] += assessed - ruled
    return findings, assessments


def plan_source(
    source: Source,
    records: dict[str, Any],
    arch: Architecture,
    findings: list[Finding],
    assessments: dict[str, Assessment],
    config: Config,
    now: datetime,
    rubric: list[RubricRating] | None = None,
    scope: KeyScope | None = None,
    agreed: Agreed | None = None,
    desired: dict[str, DesiredValues] | None = None,
) -> list[Patch]:
    """The patches for one source's records: what it should say (the rating, the rationale,
    the rubric gaps) minus what it says now. Only its own entities are its to write (another
    source may hold the same key), never a ticket another source reads too (`scope`); with
    `agreed`, the records that said so last run and are unchanged are not compared again;
    `desired`: the wanted values worked out already (`connector.sync.wanted`)."""
    scope = scope or KeyScope()
    wb = config.writeback
    if desired is None:
        desired = desired_values(
            arch,
            findings,
            assessments,
            source.mapping.writeback,
            limit=text_limit(source, config),
            now=now,
            rubric=by_priority(arch, findings, rubric),
        )
    return plan_writeback(
        _own(desired, source.name, records, arch, scope),
        _Current(source, records),
        source.field_names(),
        source=source.name,
        comment_on_change=wb.comment_on_change,
        agreed=agreed,
        now=now,
    )


class _Current(Mapping[str, CurrentValues]):
    """What each record's write-back fields hold, read from a record only when it is compared
    (most are not: they agree as they did last run)."""

    def __init__(self, source: Source, records: dict[str, Any]) -> None:
        self.source, self.records = source, records

    def __getitem__(self, key: str) -> CurrentValues:
        return self.source.current_values({key: self.records[key]})[key]

    def __contains__(self, key: object) -> bool:
        return key in self.records

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def by_priority(
    arch: Architecture, findings: list[Finding], rubric: list[RubricRating] | None
) -> dict[str, list[RubricRating]]:
    """The planning rubric's ratings by priority (rated here without `rubric`)."""
    found: dict[str, list[RubricRating]] = {}
    for rating in rate_rubric(arch, findings) if rubric is None else rubric:
        found.setdefault(rating.priority_key, []).append(rating)
    return found


def text_limit(source: Source, config: Config) -> int:
    wb = config.writeback
    return wb.jira_text_limit if source.tool == "jira" else wb.airtable_text_limit


def _own(
    desired: dict[str, DesiredValues],
    source: str,
    records: dict[str, Any],
    arch: Architecture,
    scope: KeyScope,
) -> dict[str, DesiredValues]:
    """The desired values of the source's own records, by the key the tool knows, their texts
    naming the source's own keys plainly."""
    own: dict[str, DesiredValues] = {}
    entities = arch.entities
    for key, value in desired.items():
        plain = unqualified(source, key)
        mine = entities[key].source == source and plain in records
        if mine and not scope.shared:  # no key of two sources: every text as it is
            own[plain] = value
        elif mine and scope.writable(source, plain):
            texts = {"rationale": value.rationale, "gaps": value.gaps}
            local = {role: scope.local(source, text) for role, text in texts.items()}
            own[plain] = value.model_copy(update=local) if local != texts else value
    return own


def refusals(
    arch: Architecture, failures: list[WriteFailure], config: Config, today: date
) -> list[Finding]:
    """The writes the tools refused or that kept failing, as RD905 findings: shown in the
    report's data quality section until the next run (which tries them again) writes them."""
    for failure in failures:
        arch.problems.append(
            DataProblem(
                code="RD905",
                key=failure.key,
                field=failure.field,
                message=failure.what,
                fix=failure.fix,
            )
        )
    ctx = RuleContext(today=today, thresholds=config.rules.thresholds)
    return run_rules(arch, config.rules, ctx, phase="writeback") if failures else []
