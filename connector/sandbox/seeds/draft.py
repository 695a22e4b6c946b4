"""A builder for the demo portfolio: rows, monthly history and planted gaps around an anchor."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

HEALTH = "Department of Health and Social Services"
JOBS = "Department of Jobs, Skills and Communities"

# A fixed monthly wobble so measured series look observed, not drawn with a ruler.
_WIGGLE = (0.0, 0.4, -0.3, 0.2, -0.5, 0.3, -0.1, 0.5, -0.4, 0.1, -0.2, 0.3)

Path = list[tuple[int, float]]  # (months from the anchor, value)


@dataclass
class Row:
    """One ticket/record before it becomes a `portfolio.Item`."""

    ref: str
    kind: str
    name: str
    parent: str | None
    fields: dict[str, object]
    drives: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


def shift(anchor: date, months: int) -> date:
    """The anchor moved by whole months; the day is capped at 28 so every month has it."""
    years, month = divmod(anchor.month - 1 + months, 12)
    return date(anchor.year + years, month + 1, min(anchor.day, 28))


def interpolate(path: Path, month: float) -> float:
    """The value of a piecewise-linear path at a month, held flat beyond its ends."""
    if month <= path[0][0]:
        return path[0][1]
    for (m0, v0), (m1, v1) in itertools.pairwise(path):
        if m0 <= month <= m1:
            return v0 + (month - m0) / (m1 - m0) * (v1 - v0)
    return path[-1][1]


@dataclass
class Draft:
    """Collects rows, measurement history and planted gaps, dating everything from `anchor`."""

    anchor: date
    department: str = HEALTH
    labels: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    history: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    planted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def at(self, months: int) -> date:
        return shift(self.anchor, months)

    def add(
        self,
        ref: str,
        kind: str,
        name: str,
        fields: dict[str, object],
        *,
        parent: str | None = "",
        drives: tuple[str, ...] = (),
        omit: tuple[str, ...] = (),
        plant: tuple[str, ...] = (),
    ) -> None:
        """Add a row; its parent defaults to the ref minus its last segment ("P1-O1" → "P1")."""
        if parent == "":
            parent = ref.rsplit("-", 1)[0] if "-" in ref else None
        kept = {k: v for k, v in fields.items() if k not in omit and v not in (None, "", [])}
        kept["Department"] = self.department
        self.rows.append(Row(ref, kind, name, parent, kept, drives, self.labels))
        for code in plant:
            self.planted[code].append(ref)

    def mark(self, ref: str, **fields: object) -> None:
        """Add fields to a row already drafted (the stock take's agreed rating, salience)."""
        row = next(row for row in self.rows if row.ref == ref)
        row.fields.update(fields)

    def priority(self, ref: str, name: str, owners: list[str], plant: tuple[str, ...] = ()) -> None:
        self.add(ref, "priority", name, {"Accountable owner": owners}, plant=plant)

    def outcome(self, ref: str, name: str, owners: list[str], plant: tuple[str, ...] = ()) -> None:
        self.add(ref, "outcome", name, {"Accountable owner": owners}, plant=plant)

    def indicator(
        self,
        ref: str,
        name: str,
        unit: str,
        source: str | None,
        actual: Path | None,
        *,
        first: int = -30,
        last: int = -1,
        digits: int = 1,
        amp: float = 0.0,
        plant: tuple[str, ...] = (),
    ) -> None:
        """An indicator whose monthly history follows `actual` from month `first` to `last`."""
        fields: dict[str, object] = {"Unit": unit, "Data source": source}
        if actual is not None:
            # The first measurement is the baseline itself, so it carries no wobble.
            series = [
                (self.at(k), float(round(interpolate(actual, k) + amp * _wobble(k, first), digits)))
                for k in range(first, last + 1)
            ]
            self.history[ref] = series
            fields["Current value"] = series[-1][1]
        self.add(ref, "indicator", name, fields, plant=plant)

    def target(
        self,
        ref: str,
        name: str,
        plan: Path,
        direction: str,
        *,
        stops: Path | None = None,
        omit: tuple[str, ...] = (),
        plant: tuple[str, ...] = (),
        parent: str | None = "",
    ) -> None:
        """A target from baseline `plan[0]` to `plan[-1]`; intermediate targets yearly on `plan`."""
        (m0, base), (m1, goal) = plan[0], plan[-1]
        months = (
            stops
            if stops is not None
            else [(m, interpolate(plan, m)) for m in range(m0 + 12, m1, 12)]
        )
        fields: dict[str, object] = {
            "Baseline value": base,
            "Baseline date": self.at(m0),
            "Target value": goal,
            "Target date": self.at(m1),
            "Direction": direction,
            "Trajectory": [(self.at(m), _tidy(v)) for m, v in months],
        }
        self.add(ref, "target", name, fields, omit=omit, plant=plant, parent=parent)

    def strategy(
        self,
        ref: str,
        name: str,
        owners: list[str],
        drives: tuple[str, ...],
        span: tuple[int, int],
        text: dict[str, str],
        *,
        impact: int = 3,
        difficulty: int = 3,
        done: bool = False,
        omit: tuple[str, ...] = (),
        plant: tuple[str, ...] = (),
    ) -> None:
        """A strategy running `span` months; `text` holds Rationale, Scale, Resources, etc."""
        fields: dict[str, object] = {
            "Accountable owner": owners,
            "Start date": self.at(span[0]),
            "Due date": self.at(span[1]),
            **text,
            "Impact": impact,
            "Difficulty": difficulty,
            "Done": done,
        }
        self.add(ref, "strategy", name, fields, drives=drives, omit=omit, plant=plant)

    def milestone(
        self, ref: str, name: str, due: int | None, done: bool, plant: tuple[str, ...] = ()
    ) -> None:
        fields: dict[str, object] = {"Done": done}
        if due is not None:
            fields["Due date"] = self.at(due)
        self.add(ref, "milestone", name, fields, plant=plant)

    def risk(
        self, ref: str, name: str, mitigation: str | None, plant: tuple[str, ...] = ()
    ) -> None:
        self.add(ref, "risk", name, {"Mitigation": mitigation}, plant=plant)


def _wobble(month: int, first: int) -> float:
    return 0.0 if month == first else _WIGGLE[month % 12]


def _tidy(value: float) -> float:
    """Round an interpolated intermediate target to what a team would write down."""
    return float(round(value, 1) if abs(value) < 1000 else round(value, -2))


def text(rationale: str, scale: str, resources: str, success: str, chain: str) -> dict[str, str]:
    return {
        "Rationale": rationale,
        "Scale": scale,
        "Resources": resources,
        "Definition of success": success,
        "Delivery chain": chain,
    }
