"""One report model that every format renders: the tables, the charts and the cover facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reports import focus as focus_section
from reports import frames, review, targets
from reports.model import ReportData
from reports.scope import Scope

# Sections in report order, with the title each format shows; the names are XLSX sheets
# (31 characters at most) and JSON keys.
TABLE_TITLES: dict[str, str] = {
    "freshness": "Freshness of the data",
    "likelihood_counts": "Likelihood by kind",
    "decisions": "Needs a decision",
    "changes": "Changes since the previous report",
    "architecture_review": "Architecture review",
    "heat_map": "Heat map",
    "agreed_ratings": "Agreed at the stock take",
    **focus_section.TITLES,
    "findings_by_rule": "Findings by rule",
    "findings_by_leader": "Findings by accountable leader",
    "rubric_gaps": "Rubric gaps per plan",
    "targets": "Targets against trajectory",
    "problem_solving": "Problem solving",
    "data_quality": "Data quality",
    "missed_updates": "Missed updates",
    "findings": "All findings",
}
FRESHNESS_COLUMNS = ("source", "as_of", "age_hours")
FOCUS_MATRIX, FOCUS_WORK = "focus:matrix", "focus:work"  # the section's charts, by name
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "freshness": FRESHNESS_COLUMNS,
    "likelihood_counts": frames.COUNT_COLUMNS,
    "decisions": frames.DECISION_COLUMNS,
    "changes": frames.CHANGE_COLUMNS,
    "architecture_review": review.REVIEW_COLUMNS,
    "heat_map": frames.HEAT_COLUMNS,
    "agreed_ratings": frames.AGREED_COLUMNS,
    **focus_section.COLUMNS,
    "findings_by_rule": review.BY_RULE_COLUMNS,
    "findings_by_leader": review.BY_LEADER_COLUMNS,
    "rubric_gaps": review.RUBRIC_COLUMNS,
    "targets": targets.TARGET_COLUMNS,
    "problem_solving": frames.PROBLEM_COLUMNS,
    "data_quality": frames.QUALITY_COLUMNS,
    "missed_updates": frames.MISSED_COLUMNS,
    "findings": review.FINDING_COLUMNS,
}


@dataclass
class ReportDocument:
    """The tables of a report by section name, and the chart of each target (SVG)."""

    data: ReportData
    scope: Scope
    tables: dict[str, pd.DataFrame]
    charts: dict[str, str] = field(default_factory=dict)
    legend: str = ""
    focus: focus_section.Focus | None = None  # interdependencies and all work

    def records(self, name: str) -> list[dict[str, Any]]:
        """A table as rows of plain values, for templates and JSON."""
        return self.tables[name].to_dict("records")


def build_document(data: ReportData, *, charts: bool = True) -> ReportDocument:
    """Every table of the report, and the trajectory charts when a format draws them."""
    scope = Scope(data)
    findings = review.findings(scope)
    focus = focus_section.build_focus(scope)
    tables = {
        "freshness": freshness(data),
        "likelihood_counts": frames.likelihood_counts(scope),
        "decisions": frames.decisions(scope),
        "changes": frames.changes(scope),
        "architecture_review": review.architecture_review(scope),
        "heat_map": frames.heat_map(scope),
        "agreed_ratings": frames.agreed_ratings(scope),
        **focus.tables,
        "findings_by_rule": review.findings_by_rule(findings),
        "findings_by_leader": review.findings_by_leader(scope, findings),
        "rubric_gaps": review.rubric_gaps(scope),
        "targets": targets.targets(scope),
        "problem_solving": frames.problem_solving(scope),
        "data_quality": frames.data_quality(scope),
        "missed_updates": frames.missed_updates(scope),
        "findings": findings,
    }
    document = ReportDocument(data=data, scope=scope, tables=tables, focus=focus)
    if charts:
        draw_charts(document, list(tables["targets"]["key"]))
        draw_focus(document)
    return document


def draw_focus(document: ReportDocument) -> None:
    """The focus section's pictures: the priority matrix, and all work by department."""
    from reports.focus_chart import matrix_svg, work_svg
    from rules.alignment import shares, total

    focus = document.focus
    if focus is None or {FOCUS_MATRIX, FOCUS_WORK} & set(document.charts):
        return  # none to draw, or drawn already (for the PDF, and shared by the HTML)
    if focus.links:  # a matrix of empty cells says nothing
        document.charts[FOCUS_MATRIX] = matrix_svg(focus)
    work = focus_section.scope_items(document.scope)
    if work:
        rows = shares(work)
        departments = sorted({r.department for r in rows})
        by_department = [total([r for r in rows if r.department == d], d) for d in departments]
        document.charts[FOCUS_WORK] = work_svg(by_department)


def draw_charts(document: ReportDocument, keys: list[str]) -> None:
    """Add the SVG chart of each target key (and the shared legend) to a document."""
    from reports.charts import draw_targets, legend_svg

    scope = document.scope
    wanted = [key for key in keys if key not in document.charts]
    document.charts.update(draw_targets(scope.arch, wanted, scope.today))
    document.legend = document.legend or legend_svg()


def freshness(data: ReportData) -> pd.DataFrame:
    """When each source was last read, and how many hours before the report that was."""
    rows = [
        {
            "source": source,
            "as_of": at,
            "age_hours": round((data.generated_at - at).total_seconds() / 3600, 1),
        }
        for source, at in sorted(data.data_as_of.items())
    ]
    return frames.frame(rows, FRESHNESS_COLUMNS)
