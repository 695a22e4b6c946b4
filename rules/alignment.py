"""Work that serves no priority: each item of the wider scope tied to the priorities its links
reach, and the unaligned share by department and team, by count and by effort."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mappings.graph import Architecture
from mappings.work import WorkItem

NONE = "(none)"  # the department or team of an item that names none


@dataclass(frozen=True)
class WorkShare:
    """One department's team: its items and effort, and how much of each serves no priority."""

    department: str
    team: str
    items: int
    unaligned: int
    effort: float
    unaligned_effort: float

    @property
    def share(self) -> float:
        return self.unaligned / self.items if self.items else 0.0

    @property
    def effort_share(self) -> float | None:
        return self.unaligned_effort / self.effort if self.effort else None


def align(
    items: Iterable[WorkItem], arch: Architecture, members: Mapping[str, tuple[str, ...]]
) -> list[WorkItem]:
    """Each item with the priorities it serves: it is in a priority's plan itself, or its
    parent or a link points into one (a key two sources share is `<source>:<key>`)."""
    aligned = []
    for item in items:
        serves: dict[str, None] = {}
        via = None
        for key in (item.key, *item.links):
            found = members.get(key) or members.get(f"{item.source}:{key}") or ()
            if found and via is None:
                via = key if key in arch else f"{item.source}:{key}"
            serves.update(dict.fromkeys(found))
        aligned.append(item.model_copy(update={"serves": sorted(serves), "via": via}))
    return aligned


def shares(items: Iterable[WorkItem]) -> list[WorkShare]:
    """The unaligned share of each (department, team), in name order."""
    counts: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for item in items:
        row = counts[item.department or NONE, item.team or NONE]
        effort = item.effort or 0.0
        row[0] += 1
        row[2] += effort
        if not item.serves:
            row[1] += 1
            row[3] += effort
    return [
        WorkShare(dept, team, int(n), int(out), effort, out_effort)
        for (dept, team), (n, out, effort, out_effort) in sorted(counts.items())
    ]


def total(rows: Iterable[WorkShare], department: str = "All") -> WorkShare:
    """The rows summed into one (a department's, or all)."""
    found = list(rows)
    return WorkShare(
        department,
        "All",
        sum(r.items for r in found),
        sum(r.unaligned for r in found),
        sum(r.effort for r in found),
        sum(r.unaligned_effort for r in found),
    )


def largest_unaligned(items: Iterable[WorkItem], limit: int = 10) -> list[WorkItem]:
    """The unaligned items with the most effort first (then by key), at most `limit`."""
    out = [item for item in items if not item.serves]
    return sorted(out, key=lambda i: (-(i.effort or 0.0), i.key))[:limit]
