"""Trajectory charts: lean, self-contained SVG with every element the brief names."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest

from mappings.model import Direction, Measurement, Target, TrajectoryPoint
from reports import charts as charts_module
from reports.charts import TrajectoryCharts, date_ticks, draw_targets, legend_svg, value_text
from tests.fixtures_reports import hostile_data

TODAY = date(2025, 11, 3)
TARGET = Target(
    key="DEL-4",
    baseline_value=76.0,
    baseline_date=date(2024, 4, 1),
    target_value=95.0,
    target_date=date(2027, 3, 31),
    direction=Direction.INCREASE,
    trajectory=[TrajectoryPoint(at=date(2025, 3, 31), value=82.0)],
)
SERIES = [
    Measurement(indicator_key="DEL-3", at=date(2024, 4 + 3 * n, 28), value=76.4 + n)
    for n in range(3)
]


@pytest.fixture(scope="module")
def charts() -> TrajectoryCharts:
    return TrajectoryCharts()


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_a_chart_is_one_svg_element_without_prolog_metadata_or_external_reference(
    charts: TrajectoryCharts,
) -> None:
    svg = charts.svg(TARGET, SERIES, TODAY)
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<metadata" not in svg and "<?xml" not in svg and "DOCTYPE" not in svg
    urls = re.findall(r"https?://[^\"' )]+", svg)
    assert set(urls) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "<use" not in svg  # markers are paths: renderers draw <use> far slower
    assert 'id="figure_1"' not in svg  # ids matplotlib repeats in every chart are gone


def test_the_chart_shows_today_and_the_years_of_its_span(charts: TrajectoryCharts) -> None:
    labels = texts(charts.svg(TARGET, SERIES, TODAY))
    assert "today" in labels
    assert {"2025", "2026", "2027"} <= set(labels)
    assert {"80", "90"} & set(labels)  # the value axis


def fills(svg: str) -> list[str]:
    """The fill colours of the filled paths: one per kind of marker."""
    return re.findall(r'<path d="[^"]*"[^>]* fill="(#[0-9a-f]{6})"', svg)


def test_markers_for_baseline_measurements_and_target_are_drawn(charts: TrajectoryCharts) -> None:
    assert sorted(fills(charts.svg(TARGET, SERIES, TODAY))) == ["#0b0c0c", "#1d70b8", "#ffffff"]
    bare = Target(key="T", target_value=95.0, target_date=date(2027, 3, 31))
    assert fills(charts.svg(bare, [], TODAY)) == ["#0b0c0c"]  # the target diamond alone


def test_today_sits_left_of_its_line_at_the_right_edge(charts: TrajectoryCharts) -> None:
    past = TARGET.model_copy(update={"target_date": date(2025, 9, 30)})
    near_edge = charts.svg(past, SERIES, TODAY)
    assert 'text-anchor="end" fill="#d4351c"' in near_edge
    assert 'text-anchor="start" fill="#d4351c"' in charts.svg(TARGET, SERIES, TODAY)


def test_a_target_without_any_date_still_draws(charts: TrajectoryCharts) -> None:
    svg = charts.svg(Target(key="T"), [], TODAY)
    assert "today" in texts(svg)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2023, 6, 1), date(2030, 12, 31), ["2024", "2026", "2028", "2030"]),
        (date(2024, 4, 1), date(2027, 3, 31), ["2025", "2026", "2027"]),
        (date(2025, 1, 15), date(2025, 12, 1), ["Apr 2025", "Jul", "Oct"]),
        (date(2025, 3, 1), date(2025, 6, 15), ["Apr 2025", "May", "Jun"]),
        (date(2025, 10, 1), date(2026, 3, 1), ["Nov 2025", "Dec", "2026", "Feb", "Mar"]),
        (date(2024, 11, 1), date(2026, 11, 1), ["2025", "Jul", "2026", "Jul"]),
    ],
)
def test_date_ticks(first: date, last: date, expected: list[str]) -> None:
    assert [text for _, text in date_ticks(first, last)] == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.5, "2.5"), (950, "950"), (1500, "1,500"), (150_000, "150k"), (1_600_000, "1.6M")],
)
def test_axis_values_stay_short_enough_for_the_margin(value: float, text: str) -> None:
    assert value_text(value) == text


def test_the_legend_names_every_element() -> None:
    labels = texts(legend_svg())
    assert labels == ["Baseline", "Planned trajectory", "Measurements", "Target", "Today"]


def test_a_chart_that_cannot_be_drawn_is_a_note_and_the_next_is_drawn_as_ever() -> None:
    data = hostile_data()  # DEL-4's indicator holds infinity, DEL-6's a date of year 1
    charts = draw_targets(data.architecture, ["DEL-4", "DEL-6", "DEL-33"], data.today)
    assert charts["DEL-4"] == (
        '<p class="note">No chart for DEL-4: its data could not be drawn '
        "(Axis limits cannot be NaN or Inf).</p>"
    )
    assert charts["DEL-6"].startswith('<p class="note">No chart for DEL-6: its data could not')
    alone = draw_targets(data.architecture, ["DEL-33"], data.today)

    def drawn(svg: str) -> str:  # matplotlib names clip paths afresh in every file
        return re.sub(r"\bp[0-9a-f]{10}\b", "clip", svg)

    assert drawn(charts["DEL-33"]) == drawn(alone["DEL-33"])  # the figure is as if unused


def test_charts_shared_over_two_processes_are_those_one_process_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large report draws its charts over a process per core: the same charts come back, in
    the order asked, each key once, with the note of an undrawable chart in its place. A
    process running other threads is never forked: it draws them all itself."""
    pools: list[object] = []

    class Pool(charts_module.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(charts_module, "ProcessPoolExecutor", Pool)
    data = hostile_data()
    arch = data.architecture
    targets = [key for key, e in arch.entities.items() if isinstance(e, Target)]
    asked = [*targets, targets[0], "DEL-30"]  # a repeat, and a priority: no chart of its own
    one = draw_targets(arch, asked, data.today, workers=1)
    assert pools == []
    two = draw_targets(arch, asked, data.today, workers=2)
    assert len(pools) == (1 if threading.active_count() == 1 else 0)
    assert list(two) == list(one) == targets
    assert {k: unclipped(v) for k, v in two.items()} == {k: unclipped(v) for k, v in one.items()}
    assert two["DEL-4"].startswith('<p class="note">No chart for DEL-4')


def unclipped(svg: str) -> str:
    """An SVG without its clip path names: matplotlib names them afresh in every file."""
    return re.sub(r"\bp[0-9a-f]{10}\b", "clip", svg)
