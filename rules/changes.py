"""Why an item's rating changed since the last run: the comment's few lines.

The judgements of the last assessment are compared with the new ones; each judgement that
moved is put beside the input that moved it, found among what the item rests on:
- a new value of a target's indicator: its latest measurement dated by the day of the last
  assessment against its latest now, or, when both carry that day, an indicator edited since
  that assessment's run began (a value typed the same day replaces that day's measurement);
- a milestone of a strategy marked done, or passing its due date undone;
- a gap (finding) added to or resolved on the item or its parts;
- an item below it whose rating moved (a target's driving strategies, a strategy's targets, an
  outcome's targets and strategies, a priority's outcomes).
A judgement that moved with none of these is named with its new evidence (time passed: data
went stale, a date came due).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from mappings.model import EntityKind, Measurement, Milestone, Target
from rules.judgements import (
    CAPACITY,
    CHALLENGE,
    EVIDENCE,
    JUDGEMENTS,
    PLANNING,
    STAGE,
    quantity,
    rule_words,
)
from rules.levers import WEIGHS
from rules.model import LABELS, Assessment, Finding, Rating
from rules.tickets import Tickets

# What the ratings of the items below an item feed, by the item's kind.
_ROLLED = {
    "target": (CAPACITY, STAGE),
    "strategy": (CHALLENGE, EVIDENCE),
    "outcome": JUDGEMENTS,
    "priority": JUDGEMENTS,
}
_MILESTONES = (STAGE, CAPACITY, EVIDENCE)
_MEASURED = (CHALLENGE, EVIDENCE)
CAUSES = 3  # the causes a comment names at most


@dataclass
class Before:
    """What the earlier run knew: its assessments, its ratings and its findings, by the keys of
    this run's architecture."""

    assessments: Mapping[str, Assessment] = field(default_factory=dict)
    ratings: Mapping[str, Rating] = field(default_factory=dict)
    findings: Iterable[Finding] = ()
    started: datetime | None = None  # when the earlier run began

    def __post_init__(self) -> None:
        self.gaps: dict[str, set[tuple[str, str]]] = {}
        for finding in self.findings:
            self.gaps.setdefault(finding.key, set()).add((finding.code, finding.name))


def explain(key: str, tickets: Tickets, before: Before, today: date) -> str | None:
    """The lines that say why `key`'s rating changed, or None when the last run did not rate
    it (a first rating needs no explanation)."""
    was, now = before.assessments.get(key), tickets.assessments.get(key)
    if was is None or now is None:
        return None
    left = dict(_moved(was, now))
    lines, quiet = [], []
    for cause, feeds in _causes(key, tickets, before, was.assessed_on, today):
        said = _moves([(name, *left.pop(name)) for name in feeds if name in left])
        if said:
            lines.append(f"{cause}; this moved {said}.")
        else:  # moved no judgement: named only when nothing else is (then a cap moved)
            quiet.append(f"{cause}.")
    lines = lines[:CAUSES] or quiet[:CAUSES]
    for name, (old, new) in left.items():  # time passed: data went stale, a date came due
        text = next((t for n, _, t in now.judged if n == name), "")
        lines.append(f"{name} moved from {LABELS[old]} to {LABELS[new]}: {text}.")
    if not lines:
        lines.append("None of its five judgements moved; an item it rests on did.")
    return "\n".join(lines)


def _moved(was: Assessment, now: Assessment) -> list[tuple[str, tuple[int, int]]]:
    old = {name: int(rating) for name, rating, _ in was.judged}
    return [
        (name, (old[name], int(rating)))
        for name, rating, _ in now.judged
        if name in old and old[name] != int(rating)
    ]


def _moves(moved: Sequence[tuple[str, int, int]]) -> str:
    said = [f"{name} from {LABELS[old]} to {LABELS[new]}" for name, old, new in moved]
    if len(said) < 2:
        return "".join(said)
    return ", ".join(said[:-1]) + " and " + said[-1]


def _causes(
    key: str, tickets: Tickets, before: Before, since: date, today: date
) -> list[tuple[str, Sequence[str]]]:
    """(what changed, the judgements it feeds), most direct first."""
    entity = tickets.arch.get(key)
    if entity is None:
        return []
    found = _inputs(key, tickets, before, since, today)
    found += _below(key, str(entity.kind), tickets, before, since, today)
    return found


def _inputs(
    key: str, tickets: Tickets, before: Before, since: date, today: date
) -> list[tuple[str, Sequence[str]]]:
    """What changed on the item itself: a measurement, a milestone, a gap."""
    entity = tickets.arch.get(key)
    found: list[tuple[str, Sequence[str]]] = []
    if isinstance(entity, Target):
        found += _measured(key, tickets, before, since, today)
    if entity is not None and entity.kind is EntityKind.STRATEGY:
        found += _milestones(key, tickets, since, today)
    found += _gaps(key, tickets, before)
    return found


def _root(
    key: str, tickets: Tickets, before: Before, since: date, today: date, depth: int = 3
) -> str | None:
    """The first input that changed on an item or, failing that, below it (a few levels)."""
    found = _inputs(key, tickets, before, since, today)
    if found:
        return found[0][0]
    if depth <= 0:
        return None
    kind = str(tickets.arch.entities[key].kind) if key in tickets.arch else ""
    for child in _fed_by(key, kind, tickets):
        was = before.ratings.get(child)
        if was is not None and was != tickets.assessments[child].likelihood:
            cause = _root(child, tickets, before, since, today, depth - 1)
            if cause is not None:
                return cause
    return None


def _measured(
    key: str, tickets: Tickets, before: Before, since: date, today: date
) -> list[tuple[str, Sequence[str]]]:
    arch = tickets.arch
    indicator_key = arch.parent_key(key)
    indicator = arch.get(indicator_key) if indicator_key is not None else None
    if indicator is None or indicator.kind is not EntityKind.INDICATOR:
        return []
    unit = getattr(indicator, "unit", None)
    series = arch.series(indicator.key)
    latest, was = _latest(series, today), _latest(series, since)
    if latest is None:
        return []
    shown = f"{quantity(latest.value, unit)} on {latest.at.isoformat()}"
    if was is not None and was.at != latest.at:
        shown = f"{quantity(was.value, unit)} on {was.at.isoformat()} → {shown}"
    elif was is not None and not _edited_since(indicator.updated, before.started):
        return []
    return [(f"New value of {tickets.label(indicator.key, key)}: {shown}", _MEASURED)]


def _edited_since(updated: datetime | None, started: datetime | None) -> bool:
    if updated is None or started is None:
        return False
    if updated.tzinfo is None or started.tzinfo is None:
        updated, started = updated.replace(tzinfo=None), started.replace(tzinfo=None)
    return updated >= started


def _latest(series: Sequence[Measurement], today: date) -> Measurement | None:
    for measurement in reversed(series):
        if measurement.at <= today:
            return measurement
    return None


def _milestones(
    key: str, tickets: Tickets, since: date, today: date
) -> list[tuple[str, Sequence[str]]]:
    found: list[tuple[str, Sequence[str]]] = []
    arch = tickets.arch
    for child in arch.child_keys(key):
        milestone = arch.entities[child]
        if not isinstance(milestone, Milestone):
            continue
        updated = milestone.updated.date() if milestone.updated else None
        if milestone.done and updated is not None and updated >= since:
            found.append((f"{tickets.label(child, key)} was marked done", _MILESTONES))
        elif not milestone.done and milestone.due is not None and since <= milestone.due < today:
            due = milestone.due.isoformat()
            said = f"{tickets.label(child, key)} passed its due date {due} undone"
            found.append((said, _MILESTONES))
    return found


def _gaps(key: str, tickets: Tickets, before: Before) -> list[tuple[str, Sequence[str]]]:
    found: list[tuple[str, Sequence[str]]] = []
    for part in tickets.parts(key):
        now = {(f.code, f.name) for f in tickets.on.get(part, ())}
        was = before.gaps.get(part, set())
        label = tickets.label(part, key)
        for code, name in sorted(now - was):
            found.append((f"New gap on {label}: {rule_words(code, name)}", _fed(code)))
        for code, name in sorted(was - now):
            found.append((f"Gap resolved on {label}: {rule_words(code, name)}", _fed(code)))
    return found


def _fed(code: str) -> Sequence[str]:
    return (*WEIGHS.get(code, ()), *(() if code.startswith("RD4") else (PLANNING,)))


def _fed_by(key: str, kind: str, tickets: Tickets) -> list[str]:
    """The rated items whose ratings feed an item's judgements."""
    if kind == "strategy":
        return [k for k in tickets.driven(key) if k in tickets.assessments]
    return tickets.below(key)


def _below(
    key: str, kind: str, tickets: Tickets, before: Before, since: date, today: date
) -> list[tuple[str, Sequence[str]]]:
    found: list[tuple[str, Sequence[str]]] = []
    for child in _fed_by(key, kind, tickets):
        was, now = before.ratings.get(child), tickets.assessments[child].likelihood
        if was is not None and was != now:
            said = f"{tickets.label(child, key)} went from {was.label} to {now.label}"
            root = _root(child, tickets, before, since, today)
            if root is not None:
                said += f", after: {root[:1].lower()}{root[1:]}"
            found.append((said, _ROLLED.get(kind, JUDGEMENTS)))
    return found
