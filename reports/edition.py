"""The PDF's editions: the print edition charts the targets that need attention, the full one all.

A CRDO reads the print edition by exception: the trajectory chart of each target that is off its
trajectory and needs a decision (page 1's list: Red, fell two levels, triaged at level 3 or 4,
or rated two levels apart), the heat map of every priority and of the strategies rated Red or
Amber/Red, the problem solving of the priorities, outcomes and strategies, and every target's
figures, status and problem-solving level in one ledger. The HTML edition charts and lists
everything; `[reports] pdf = "full"` prints that edition instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from reports import words

if TYPE_CHECKING:
    from reports.document import ReportDocument

Edition = Literal["print", "full"]
EDITIONS: tuple[Edition, ...] = ("print", "full")
# Off its trajectory: behind the planned gain beyond the tolerance (as RD402 reads it), or past
# its date without reaching its value (RD207).
OFF_TRAJECTORY = frozenset({words.BEHIND, words.MISSED})
ATTENTION_RATINGS = frozenset({1, 2})  # Red and Amber/Red: the items Rule 8 triages


def needs_attention(row: dict[str, Any], decided: set[str]) -> bool:
    """Whether the print edition charts a target (a row of the targets table): off its
    trajectory, and among the items that need a decision (the keys of `decided`)."""
    return row["status"] in OFF_TRAJECTORY and row["key"] in decided


def attention(document: ReportDocument) -> list[str]:
    """The keys of the targets the print edition charts, in report order."""
    decided = set(document.tables["decisions"]["key"])
    return [r["key"] for r in document.records("targets") if needs_attention(r, decided)]


def charted(document: ReportDocument, edition: Edition) -> list[str]:
    """The keys of the targets an edition charts, in report order."""
    if edition == "full":
        return list(document.tables["targets"]["key"])
    return attention(document)


def in_print_problems(row: dict[str, Any]) -> bool:
    """The print edition's problem solving lists the items other than targets: a target's
    level is in the ledger, beside its figures."""
    return row["kind"] != "target"


def in_heat_map(row: dict[str, Any], edition: Edition) -> bool:
    """Whether an edition's heat map shows an item: the print edition every priority and the
    strategies rated Red or Amber/Red, with their evidence; the full edition every item."""
    return edition == "full" or row["kind"] != "strategy" or row["likelihood"] in ATTENTION_RATINGS


# Findings the print edition's appendix leaves to its table of targets: an off-trajectory
# target is a row there, marked Behind trajectory with its progress and figures.
IN_TARGET_TABLE = frozenset({"RD402"})


def in_print(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings the print edition's appendix lists: those the body does not already give."""
    return [f for f in findings if f["code"] not in IN_TARGET_TABLE]


# The ledger of every target's figures: one line each, in columns of a monospaced font. A table
# of a thousand rows costs WeasyPrint seconds (a box per cell); a line of text, a millisecond.
SHORT_STATUS = {
    words.MISSED: "Missed",
    words.BEHIND: "Behind",
    words.NO_INDICATOR: "No indicator",
    words.NO_MEASUREMENT: "No measurement",
    words.COUNTED_MISSING: "Stale: missing",
    words.NO_PLAN: "No trajectory",
    words.NO_PLANNED_GAIN: "No gain planned",
    words.ON_TRAJECTORY: "On trajectory",
    words.REACHED: "Reached",
}
NAME_WIDTH, UNIT_WIDTH, FIGURE_WIDTH = 44, 8, 15  # characters
LEDGER_HEAD = ("Status", "Progress", "Level", "Unit", "Baseline", "Latest", "Planned", "Target")


def ledger(
    rows: list[dict[str, Any]], levels: dict[str, Any], number: Any, month: Any
) -> list[dict[str, Any]]:
    """Each target as a line of the ledger: its key, padding to the longest key, its name
    (shortened to fit with an ellipsis: the other editions have it whole), its status and
    progress, its problem-solving level (`levels` by key: Red and Amber/Red targets; "?" for
    one not triaged) and its figures."""
    width = max([len(r["key"]) for r in rows] + [3])
    lines = []
    for row in rows:
        progress = "" if row["progress"] is None else f"{row['progress']}%"
        level = levels.get(row["key"], "")
        level = "?" if level is None else str(level)
        figures = [
            _dated(number(row["baseline_value"]), row["baseline_date"], month),
            _dated(number(row["latest_value"]), row["latest_date"], month),
            number(row["planned_at_latest"]),
            _dated(number(row["target_value"]), row["target_date"], month),
        ]
        lines.append({
            **row,
            "pad": " " * (width - len(row["key"]) + 1),
            "short_name": fit(row["name"], NAME_WIDTH),
            "rest": f"{SHORT_STATUS[row['status']]:<15} {progress:>8}  {level:^5}  "
            + f"{fit(row['unit'] or '', UNIT_WIDTH)} "
            + " ".join(f"{f:<{FIGURE_WIDTH}}" for f in figures).rstrip(),
        })  # fmt: skip
    return lines


def ledger_head(rows: list[dict[str, Any]]) -> str:
    """The column heads of the ledger, aligned over its lines."""
    width = max([len(r["key"]) for r in rows] + [3])
    status, progress, level, unit, *figures = LEDGER_HEAD
    return (
        f"  {'Key':<{width + 1}}{'Target':<{NAME_WIDTH}} {'Lik.':<5} {status:<15} {progress:>8}  "
        f"{level}  {unit:<{UNIT_WIDTH}} "
        + " ".join(f"{f:<{FIGURE_WIDTH}}" for f in figures).rstrip()
    )


def _dated(value: str, at: Any, month: Any) -> str:
    return f"{value} {month(at)}" if at else value


def fit(text: str, width: int) -> str:
    """`text` padded to `width` characters, or cut to them with an ellipsis."""
    text = " ".join(text.split())
    return f"{text[: width - 1]}…" if len(text) > width else f"{text:<{width}}"
