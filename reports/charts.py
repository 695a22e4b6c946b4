"""Trajectory charts as inline SVG: baseline, planned path, measurements, target, and today."""

from __future__ import annotations

import io
import logging
import math
import multiprocessing
import os
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from markupsafe import escape

from mappings.graph import Architecture
from mappings.model import Measurement, Target
from rules.trajectory import planned_path

log = logging.getLogger(__name__)

# Colours of the charts; the four rating colours live in the stylesheet.
INK = "#0b0c0c"
MEASURED = "#1d70b8"
PLANNED = "#505a5f"
TODAY = "#d4351c"
GRID = "#dfe1e2"

# The PDF is rendered from the same SVG, so its text must name a font the machine has:
# DejaVu Sans ships with matplotlib and with the Debian images rdsync runs on.
RC: Any = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 7}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
LABELS = 8  # the most tick labels an axis shows
# The axes' limits hold every point drawn (the dates and values with a margin, today, the grid
# between them), so no line needs clipping; a clipped path is a clip path, a group and a
# transparency group in the PDF, drawn 5 times a chart (a tenth of the charts' print time).
# Butt ends: a line's end stays where its point is, as the clip kept it.
UNCLIPPED: Any = {"clip_on": False, "solid_capstyle": "butt"}


def _config_dir() -> None:
    """matplotlib writes a font cache under $HOME; give it a temporary one if HOME is read-only."""
    if "MPLCONFIGDIR" not in os.environ and not os.access(Path.home(), os.W_OK):
        os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="rdsync-mpl-")


def _inline(svg: str) -> str:
    """The <svg> element alone, lean enough to sit in HTML a thousand times over.

    Dropped: the XML prolog and DOCTYPE, the RDF metadata (it names URLs), the style sheet
    matplotlib puts in every file (`*{stroke-linejoin: round}`, kept as a root attribute),
    group ids (matplotlib repeats "figure_1" in every chart) and the groups left with no
    attribute, which change nothing drawn but cost every renderer a node.
    """
    root = ET.fromstring(svg)
    for metadata in root.findall(f"{{{SVG_NS}}}metadata"):
        root.remove(metadata)
    for defs in root.findall(f"{{{SVG_NS}}}defs"):
        if all(child.tag == f"{{{SVG_NS}}}style" for child in defs):
            root.remove(defs)  # its one rule, as an inherited attribute a renderer need not parse
    root.set("stroke-linejoin", "round")
    _unwrap(root)
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _unwrap(element: ET.Element) -> None:
    """Flatten attribute-less groups and name tags as HTML does (no namespace prefixes).

    Each style="..." becomes presentation attributes (fill="none" ...), which draw the same
    in a browser (the SVG has no style sheet) and which WeasyPrint reads without running its
    CSS parser on every element of a thousand charts.
    """
    element.tag = element.tag.rpartition("}")[2]
    for declaration in element.attrib.pop("style", "").split(";"):
        name, _, value = declaration.partition(":")
        if name.strip():
            element.set(name.strip(), value.strip())
    if element.get("transform", "").startswith("rotate(-0 "):
        del element.attrib["transform"]  # matplotlib writes it on every unrotated text
    for name in [n for n in element.attrib if n.startswith(f"{{{XLINK_NS}}}")]:
        element.attrib["xlink:" + name.rpartition("}")[2]] = element.attrib.pop(name)
    children: list[ET.Element] = []
    for child in element:
        _unwrap(child)
        if child.tag == "g":
            child.attrib.pop("id", None)
            if not child.attrib:
                children.extend(child)
                continue
        children.append(child)
    element[:] = children


class TrajectoryCharts:
    """Draws every target's chart on one reused figure: a thousand charts in a few seconds.

    Building a figure, and matplotlib's axis machinery (locators, tick label boxes), cost far
    more than drawing lines, so the axes are switched off and the few ticks and labels are
    drawn from pools of artists created once; each chart only changes their data.
    """

    def __init__(self, width: float = 3.4, height: float = 1.75) -> None:
        _config_dir()
        from matplotlib import dates, rc_context
        from matplotlib.figure import Figure
        from matplotlib.path import Path as Shape
        from matplotlib.ticker import MaxNLocator

        self._rc = rc_context
        self._num = dates.date2num
        self._locator = MaxNLocator(nbins=4)
        self._shape = Shape
        box = (0.14, 0.17, 0.83, 0.76)
        self._size = (width * box[2] * 72, height * box[3] * 72)  # the axes in points
        with rc_context(RC):
            self.figure = Figure(figsize=(width, height))
            self.figure.patch.set_visible(False)
            self.ax = self.figure.add_axes(box)
            self.ax.set_axis_off()
            self._frame()
            self._lines()

    def _frame(self) -> None:
        """The axis line, grid, ticks and the pools of tick labels."""
        ax = self.ax
        x_axis, y_axis = ax.get_xaxis_transform(), ax.get_yaxis_transform()
        # Lines broken by NaN draw as one SVG path each, however many ticks they hold.
        self.grid = ax.plot([], [], color=GRID, lw=0.5, transform=y_axis, **UNCLIPPED)[0]
        self.ticks = ax.plot([], [], color=PLANNED, lw=0.6, transform=x_axis, clip_on=False)[0]
        ax.plot([0, 1], [0, 0], transform=ax.transAxes, color=PLANNED, lw=0.6, clip_on=False)
        self.y_labels = [
            ax.text(-0.025, 0, "", transform=y_axis, ha="right", va="center", color=PLANNED)
            for _ in range(LABELS)
        ]
        self.x_labels = [
            ax.text(0, -0.06, "", transform=x_axis, ha="center", va="top", color=PLANNED)
            for _ in range(LABELS)
        ]

    def _lines(self) -> None:
        """The planned path, the measurements, today, and the markers."""
        from matplotlib.patches import PathPatch

        ax, shape = self.ax, self._shape
        self.planned = ax.plot([], [], ls="--", lw=1.1, color=PLANNED, **UNCLIPPED)[0]
        self.measured = ax.plot([], [], lw=1.4, color=MEASURED, **UNCLIPPED)[0]
        x_axis = ax.get_xaxis_transform()
        self.today = ax.plot([], [], color=TODAY, lw=0.9, ls=":", transform=x_axis, **UNCLIPPED)[0]
        self.today_label = ax.annotate(
            "today", (0, 1), xycoords=x_axis, xytext=(2, 0), textcoords="offset points",
            color=TODAY, fontsize=6, va="top",
        )  # fmt: skip
        # Markers as one path per kind: matplotlib writes a <use> element per marker,
        # which renderers (WeasyPrint above all) draw many times slower than a path.
        mark = {"transform": ax.transAxes, "clip_on": False, "zorder": 3}
        self.dots = ax.add_patch(PathPatch(shape([(0, 0)]), fc=MEASURED, ec="none", **mark))
        self.baseline = ax.add_patch(PathPatch(shape([(0, 0)]), fc="white", ec=INK, **mark))
        self.goal = ax.add_patch(PathPatch(shape([(0, 0)]), fc=INK, ec=INK, lw=0.8, **mark))

    def svg(self, target: Target, series: Sequence[Measurement], today: date) -> str:
        """The chart of one target as an inline <svg> element."""
        num = self._num
        path = planned_path(target)
        self.planned.set_data([num(p.at) for p in path], [p.value for p in path])
        self.measured.set_data([num(m.at) for m in series], [m.value for m in series])
        self.today.set_data([num(today)] * 2, [0, 1])
        self._x_axis([p.at for p in path] + [m.at for m in series] + [today])
        self._today_label(num(today))
        self._y_axis([p.value for p in path] + [m.value for m in series])
        self._mark(self.dots, [(m.at, m.value) for m in series], 1.4, circle=True)
        self._mark(self.baseline, _known(target.baseline_date, target.baseline_value), 2.6)
        self._mark(self.goal, _known(target.target_date, target.target_value), 3.4, circle=False)
        buffer = io.StringIO()
        with self._rc(RC):
            self.figure.savefig(buffer, format="svg")
        return _inline(buffer.getvalue())

    def _today_label(self, today: float) -> None:
        """The word "today" beside its line, on the left when the line is near the right edge."""
        x0, x1 = self.ax.get_xlim()
        left = (today - x0) / (x1 - x0) > 0.85
        self.today_label.xy = (today, 1)
        self.today_label.xyann = (-2, 0) if left else (2, 0)
        self.today_label.set_horizontalalignment("right" if left else "left")

    def _mark(
        self, patch: Any, points: list[tuple[date, float]], radius: float, circle: bool = True
    ) -> None:
        """Circles (or diamonds) of `radius` points at data points, drawn as one path."""
        from matplotlib.transforms import Affine2D

        patch.set_visible(bool(points))
        if not points:
            return
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        # A 12-gon is a circle at this size, in a third of the path a Bezier circle takes.
        unit = self._shape.unit_regular_polygon(12 if circle else 4)
        scale = Affine2D().scale(radius / self._size[0], radius / self._size[1])
        shapes = [
            unit.transformed(
                scale + Affine2D().translate((self._num(at) - x0) / (x1 - x0), (v - y0) / (y1 - y0))
            )
            for at, v in points
        ]
        patch.set_path(self._shape.make_compound_path(*shapes))

    def _x_axis(self, days: list[date]) -> None:
        first, last = min(days), max(days)
        pad = max(timedelta(days=20), (last - first) * 0.04)
        self.ax.set_xlim(self._num(first - pad), self._num(last + pad))
        ticks = [(self._num(at), text) for at, text in date_ticks(first, last)]
        self.ticks.set_data(*_segments([(x, 0.0, x, -0.025) for x, _ in ticks]))
        _show(self.x_labels, ticks, lambda label, x: label.set_x(x))

    def _y_axis(self, values: list[float]) -> None:
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        spread = (high - low) or abs(high) or 1.0
        low, high = low - spread * 0.12, high + spread * 0.12
        self.ax.set_ylim(low, high)
        ticks = [
            (y, value_text(y)) for y in self._locator.tick_values(low, high) if low <= y <= high
        ]
        self.grid.set_data(*_segments([(0.0, y, 1.0, y) for y, _ in ticks]))
        _show(self.y_labels, ticks, lambda label, y: label.set_y(y))


# Below this many charts one process draws them all: a worker's start costs more than it saves.
POOL_FROM = 200


def draw_targets(
    arch: Architecture,
    keys: Iterable[str],
    today: date,
    workers: int | None = None,
) -> dict[str, str]:
    """The chart of each target key, as inline SVG; a chart that cannot be drawn is a note in
    its place (HTML), so that one target's data never costs the report its other charts.

    The readers keep values no chart can hold out of the architecture (RD901); the note is for
    what still slips through, e.g. a state store written before they did. Many charts are
    shared out over `workers` processes (by default one per core, for POOL_FROM or more).
    They run at the priority of this process: a lower one would leave them a tenth of a core
    wherever other programs keep the cores busy (a PDF printing beside them is one more
    process, and takes its share).
    """
    wanted = list(dict.fromkeys(k for k in keys if isinstance(arch.get(k), Target)))
    if workers is None:
        workers = min(_cores(), 2) if len(wanted) >= POOL_FROM else 1
    # Forked workers inherit the architecture as it is: nothing is pickled on the way in. A
    # process with other threads is never forked (a lock one holds would stay held in the child).
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if workers <= 1 or not forkable:
        return _draw(arch, wanted, today)
    context = multiprocessing.get_context("fork")
    chunks = [wanted[n::workers] for n in range(workers)]
    with ProcessPoolExecutor(workers, context, initializer=_adopt, initargs=(arch, today)) as pool:
        drawn: dict[str, str] = {}
        for part in pool.map(_draw_adopted, chunks):
            drawn.update(part)
    return {key: drawn[key] for key in wanted}


def _cores() -> int:
    """The cores this process may run on (all of the machine's where the OS cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_ADOPTED: list[Any] = []  # a worker's architecture and day, set once as it starts


def _adopt(arch: Architecture, today: date) -> None:
    _ADOPTED[:] = [arch, today]


def _draw_adopted(keys: list[str]) -> dict[str, str]:
    return _draw(_ADOPTED[0], keys, _ADOPTED[1])


def _draw(arch: Architecture, keys: list[str], today: date) -> dict[str, str]:
    """Each chart of `keys` (targets all) on one reused figure, in this process."""
    drawer = TrajectoryCharts()
    charts: dict[str, str] = {}
    for key in keys:
        target = arch.get(key)
        if not isinstance(target, Target):
            continue
        indicator = arch.indicator_of(target)
        series = arch.series(indicator.key) if indicator is not None else []
        try:
            charts[key] = drawer.svg(target, series, today)
        except Exception as error:  # matplotlib raises ValueError, OverflowError and more
            log.warning("no chart for target %s: %s", key, error)
            note = escape(f"No chart for {key}: its data could not be drawn ({error}).")
            charts[key] = f'<p class="note">{note}</p>'
    return charts


def _segments(lines: list[tuple[float, float, float, float]]) -> tuple[list[float], list[float]]:
    """Separate line segments as one polyline broken by NaN."""
    xs: list[float] = []
    ys: list[float] = []
    for x0, y0, x1, y1 in lines:
        xs += [x0, x1, math.nan]
        ys += [y0, y1, math.nan]
    return xs, ys


def _known(at: date | None, value: float | None) -> list[tuple[date, float]]:
    return [] if at is None or value is None else [(at, value)]


def _show(pool: list[Any], ticks: list[tuple[float, str]], place: Any) -> None:
    """Put the tick labels on the first artists of a pool and hide the rest."""
    for n, label in enumerate(pool):
        if n < len(ticks):
            place(label, ticks[n][0])
            label.set_text(ticks[n][1])
        label.set_visible(n < len(ticks))


def value_text(value: float) -> str:
    """Axis numbers short enough for the margin: 950, 1,500, 25k, 1.6M."""
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:.4g}M"
    if size >= 10_000:
        return f"{value / 1_000:.4g}k"
    return f"{value:,.0f}" if size >= 1000 else f"{value:g}"


def date_ticks(first: date, last: date) -> list[tuple[date, str]]:
    """At most six ticks: on years for long spans, else on half-years, quarters or months.

    January is labelled by its year; other months by name, the first of them with its year.
    """
    years = (last - first).days / 365.25
    if years >= 2.5:
        step = math.ceil(years / 6)
        return [
            (date(year, 1, 1), str(year))
            for year in range(first.year + 1, last.year + 1)
            if year % step == 0
        ]
    months = 6 if years >= 1.25 else 3 if years >= 0.6 else 1
    ticks: list[tuple[date, str]] = []
    at = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    while at <= last and len(ticks) < LABELS:
        if (at.month - 1) % months == 0:
            ticks.append((at, str(at.year) if at.month == 1 else f"{at:%b}"))
        at = date(at.year + at.month // 12, at.month % 12 + 1, 1)
    if ticks and ticks[0][0].month != 1:
        ticks[0] = (ticks[0][0], f"{ticks[0][0]:%b %Y}")
    return ticks


def legend_svg() -> str:
    """One shared key for every trajectory chart, so each chart stays small."""
    _config_dir()
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], ls="none", marker="o", ms=5, mfc="white", mec=INK),
        Line2D([], [], ls="--", lw=1.1, color=PLANNED),
        Line2D([], [], lw=1.4, color=MEASURED, marker="o", ms=2.6),
        Line2D([], [], ls="none", marker="D", ms=5, color=INK),
        Line2D([], [], lw=0.9, ls=":", color=TODAY),
    ]
    labels = ["Baseline", "Planned trajectory", "Measurements", "Target", "Today"]
    with rc_context(RC):
        figure = Figure(figsize=(6.4, 0.3))
        figure.legend(handles, labels, loc="center", ncol=5, frameon=False, fontsize=7.5)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    return _inline(buffer.getvalue())
