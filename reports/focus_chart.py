"""The picture of the focus section: a matrix of priorities, each cell the number of ties
between two of them, outlined in red where one waits on an item at risk; and a bar of the
work that serves no priority, by department."""

from __future__ import annotations

import io
from typing import Any

from reports.charts import INK, MEASURED, PLANNED, RC, TODAY, _config_dir, _inline
from reports.focus import Focus
from reports.text import printable
from rules.alignment import WorkShare

EMPTY = "#f3f2f1"
SELF = "#dfe1e2"
NAME_CHARS = 30  # a priority's name beside its row, cut to this many characters


def matrix_svg(focus: Focus) -> str:
    """The priorities against each other: the darker the cell, the more they depend on each
    other; a red frame where the row's priority holds an item at risk the column waits on."""
    _config_dir()
    from matplotlib import rc_context
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    keys = focus.priorities
    n = len(keys)
    size = 0.3 * n
    width, height = size + 2.6, size + 0.9
    most = max(focus.links.values(), default=1)
    shade = LinearSegmentedColormap.from_list("ties", ["#d2e2f1", MEASURED])
    with rc_context(RC):
        figure = Figure(figsize=(width, height))
        figure.patch.set_visible(False)
        ax = figure.add_axes((2.45 / width, 0.15 / height, size / width, size / height))
        for row, mine in enumerate(keys):
            for col, theirs in enumerate(keys):
                _cell(ax, row, col, mine, theirs, focus, shade, most)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xticks(
            range(n), [printable(k) for k in keys], rotation=90, fontsize=6.5, color=PLANNED
        )
        ax.xaxis.tick_top()
        ax.set_yticks(range(n), [_label(k, focus.names.get(k, "")) for k in keys], fontsize=7)
        ax.tick_params(length=0, pad=2)
        for spine in ax.spines.values():
            spine.set_visible(False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    return _inline(buffer.getvalue())


def _label(key: str, name: str) -> str:
    """`KEY name`, the name cut short; a control character typed in it shows as its escape
    (the chart's font has no glyph for it)."""
    name = " ".join(printable(name).split())
    cut = name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1].rstrip() + "…"
    return printable(f"{key} {cut}")


def _cell(
    ax: Any, row: int, col: int, mine: str, theirs: str, focus: Focus, shade: Any, most: int
) -> None:
    from matplotlib.patches import Rectangle

    count = focus.links.get((mine, theirs), 0)
    colour = SELF if row == col else (shade(count / most) if count else EMPTY)
    # Inside the axes' limits, as every bar and frame here: unclipped (see charts.UNCLIPPED).
    ax.add_patch(
        Rectangle((col - 0.46, row - 0.46), 0.92, 0.92, fc=colour, ec="none", clip_on=False)
    )
    if (mine, theirs) in focus.at_risk:
        frame = Rectangle(
            (col - 0.44, row - 0.44), 0.88, 0.88, fc="none", ec=TODAY, lw=1.6, clip_on=False
        )
        ax.add_patch(frame)
    if count and row != col:
        ink = "white" if count / most > 0.55 else INK
        ax.text(col, row, str(count), ha="center", va="center", fontsize=7, color=ink)


def work_svg(rows: list[WorkShare]) -> str:
    """One bar per department: the share of its work items that serve a priority and the
    share that serve none, with the count beside it."""
    _config_dir()
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    height = 0.35 * len(rows) + 0.45
    with rc_context(RC):
        figure = Figure(figsize=(6.4, height))
        figure.patch.set_visible(False)
        ax = figure.add_axes((0.38, 0.3 / height, 0.4, 1 - 0.45 / height))
        for n, row in enumerate(rows):
            out = 100 * row.share
            ax.barh(n, 100 - out, color=MEASURED, height=0.6, clip_on=False)
            ax.barh(n, out, left=100 - out, color=TODAY, height=0.6, clip_on=False)
            ax.text(101, n, f"{row.unaligned} of {row.items} serve none ({out:.0f}%)",
                    va="center", fontsize=6.5, color=INK)  # fmt: skip
        ax.set_xlim(0, 100)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_yticks(range(len(rows)), [printable(r.department) for r in rows], fontsize=7)
        ax.set_xticks([0, 50, 100], ["0%", "50%", "100%"], fontsize=6.5, color=PLANNED)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    return _inline(buffer.getvalue())
