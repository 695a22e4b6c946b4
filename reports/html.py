"""Renders report and stock take models to one self-contained, printable HTML page (jinja2)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from reports.document import ReportDocument, freshness
from reports.edition import (
    Edition,
    attention,
    charted,
    in_heat_map,
    in_print,
    in_print_problems,
    ledger,
    ledger_head,
)
from reports.focus import view as focus_view
from reports.frames import DECISION_LIMIT, RATING_COLUMNS
from reports.model import ReportData
from reports.review import REVIEW_ROWS
from reports.scope import APPROACHES, UNLINKED
from reports.stocktake import SHARED_TARGETS, StocktakePack
from reports.targets import badge
from reports.text import printable
from reports.words import CRITERION_COLUMNS, JUDGEMENT_COLUMNS, TITLES
from rules.model import JUDGEMENTS, Rating

SHORT = {1: "R", 2: "A/R", 3: "A/G", 4: "G"}


@cache
def environment() -> Environment:
    """The template environment: autoescaping everywhere, control characters shown as escapes,
    and undefined names are errors."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_visible,
    )
    env.filters.update(day=day, month=month, number=number, label=label, short=short)
    env.filters.update(keyref=keyref, keylinks=keylinks, badge=badge, sentence=sentence)
    env.globals.update(
        T=TITLES,
        APPROACHES=APPROACHES,
        JUDGEMENTS=JUDGEMENTS,
        RATINGS=[(r.value, r.label) for r in Rating],
        change_text=change_text,
        plural=plural,
    )
    return env


def _visible(value: Any) -> Any:
    """Every printed value passes here: text keeps no raw control character (markup we made,
    the charts, is ours and passes as it is)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


# A run of characters that may be a key: DEL-12, jira:DEL-12, recXc5wQ1rZi8Kd2Hfl.
_KEYISH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_#:-]*[A-Za-z0-9]")


def _link(key: str, url: str) -> str:
    return f'<a class="keyref" href="{escape(url)}">{escape(printable(key))}</a>'


@pass_context
def keyref(context: Context, key: str) -> Markup:
    """A key as a link to its ticket or record (`urls` of the page), else as plain text."""
    url = (context.get("urls") or {}).get(key)
    if url is None:
        return Markup(f'<span class="keyref">{escape(printable(key))}</span>')
    return Markup(_link(key, url))


@pass_context
def keylinks(context: Context, text: str) -> Markup:
    """Text with every key of the page in it linked to its ticket or record."""
    text = printable(text)
    urls = context.get("urls") or {}
    parts: list[str] = []
    last = 0
    for match in _KEYISH.finditer(text):
        url = urls.get(match[0])
        if url is not None:
            parts += [str(escape(text[last : match.start()])), _link(match[0], url)]
            last = match.end()
    return Markup("".join(parts) + str(escape(text[last:])))


def sentence(text: str) -> str:
    """The first letter in capitals, the rest as it is ("fell from Amber/Green to Red")."""
    return text[:1].upper() + text[1:]


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def day(value: date | datetime | None) -> str:
    """3 Nov 2025, or with a time for a datetime: 3 Nov 2025, 08:30 UTC."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        zone = value.tzname() or ""
        return f"{value.day} {value:%b %Y, %H:%M} {zone}".strip()
    return f"{value.day} {value:%b %Y}"


def month(value: date | None) -> str:
    return "—" if value is None else f"{value:%b %Y}"


def number(value: Any, unit: str | None = None) -> str:
    """A value as a reader expects it: 80.6%, 2.75 hours, 93,000 people; a dash for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    amount = float(value)
    if abs(amount) >= 1000:
        text = f"{amount:,.0f}"
    elif amount == int(amount):
        text = f"{int(amount)}"
    else:
        digits = 1 if abs(amount) >= 10 else 2
        text = f"{amount:.{digits}f}".rstrip("0").rstrip(".")
    if not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def label(value: int | None) -> str:
    return "Not assessed" if value is None else Rating(int(value)).label


def short(value: int | None) -> str:
    return "—" if value is None else SHORT[int(value)]


def change_text(now: int | None, before: int | None) -> tuple[str, str]:
    """An arrow and its words for a change of likelihood: ('▼', 'down from Amber/Green')."""
    if now is None:
        return "", ""
    if before is None:
        return "•", "new"
    if now > before:
        return "▲", f"up from {label(before)}"
    if now < before:
        return "▼", f"down from {label(before)}"
    return "=", "no change"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


CHANGE_LIMIT = 15  # rows per table of changes in the summary; the rest are in the heat map
PAGE_CHANGES = 3  # falls, and rises, page 1 names
DECISION_TABLE_LIMIT = 20  # decisions the summary lists with their reasons; XLSX and JSON: all
STALE_HOURS = 24  # the daemon syncs at least daily; older data means a sync has been failing


def render_report(document: ReportDocument, edition: Edition = "full") -> str:
    """The whole CRDO report as one HTML page: the full edition charts every target, the print
    edition those that need attention (reports/edition.py)."""
    return render("report.html.j2", **report_context(document, edition))


def report_context(document: ReportDocument, edition: Edition = "full") -> dict[str, Any]:
    data = document.data
    changes = document.records("changes")
    targets = document.records("targets")
    marked = set(attention(document))
    shown = set(charted(document, edition))
    problems = document.records("problem_solving")
    printed = edition == "print"
    levels = {p["key"]: p["level"] for p in problems if p["kind"] == "target"}
    findings = document.records("findings")
    heat = document.records("heat_map")
    fresh = data.thresholds.freshness_days
    return {
        "data": data,
        "urls": document.scope.urls(),
        "first": first_assessment(document),
        "page_changes": PAGE_CHANGES,
        "fresh_days": fresh,
        "missing_days": round(fresh * data.likelihood.stale_as_missing),
        "dept": data.department or "All departments",
        "totals": {r["kind"]: r["total"] for r in document.records("likelihood_counts")},
        "freshness": [_fresh(row) for row in document.records("freshness")],
        "headline": headline(document),
        "counts": document.records("likelihood_counts"),
        "decisions": document.records("decisions"),
        "decision_limit": DECISION_LIMIT,
        "decision_table_limit": DECISION_TABLE_LIMIT,
        "change_limit": CHANGE_LIMIT,
        "since": _since(data),
        "fell": [c for c in changes if c["change"] < 0],
        "rose": [c for c in changes if c["change"] > 0],
        "review": _review_blocks(document),
        "elements": REVIEW_ROWS,
        "heat": [h for h in heat if in_heat_map(h, edition)],
        "heat_shown": sum(1 for h in heat if h["kind"] == "strategy" and in_heat_map(h, edition)),
        "heat_left": sum(1 for h in heat if not in_heat_map(h, edition)),
        "agreed": document.records("agreed_ratings"),
        "unlinked": UNLINKED,
        "judgement_columns": list(JUDGEMENT_COLUMNS.values()),
        "by_rule": document.records("findings_by_rule"),
        "by_leader": document.records("findings_by_leader"),
        "criteria": list(CRITERION_COLUMNS.items()),
        "rubric": document.records("rubric_gaps"),
        "edition": edition,
        "targets": group_targets(targets),
        "targets_total": len(targets),
        "charted": group_targets([r for r in targets if r["key"] in shown]),
        "attention": marked,
        "charts": document.charts,
        "legend": document.legend,
        "problems": problem_levels(
            problems if edition == "full" else [p for p in problems if in_print_problems(p)]
        ),
        "ledger": group_targets(ledger(targets, levels, number, month)) if printed else [],
        "ledger_head": ledger_head(targets),
        "quality": document.records("data_quality"),
        "missed": document.records("missed_updates"),
        "any_findings": not document.tables["findings"].empty,
        "appendix": appendix(findings if edition == "full" else in_print(findings)),
        "method": METHOD,
        "focus": focus_view(document),
    }


def _fresh(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "age": age_text(row["age_hours"]), "stale": row["age_hours"] > STALE_HOURS}


def age_text(hours: float) -> str:
    """How old data is, in the unit a reader expects: 20 minutes, 10.2 hours, 3 days."""
    if hours < 1:
        return plural(max(1, round(hours * 60)), "minute")
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:.0f} days"


def _since(data: ReportData) -> str:
    if data.previous_generated_at is not None:
        return f"the previous report of {day(data.previous_generated_at.date())}"
    return "the last assessment"


def first_assessment(document: ReportDocument) -> bool:
    """Whether no item of the report has a rating to compare with yet."""
    scope = document.scope
    return all(scope.previous(a.key) is None for a in scope.assessments())


def headline(document: ReportDocument) -> list[str]:
    """Two sentences a CRDO reads first: where the priorities stand and what moved."""
    counts = {r["kind"]: r for r in document.records("likelihood_counts")}
    p = counts["priority"]
    parts = [f"{p[c]} {Rating(v).label}" for v, c in RATING_COLUMNS.items() if p[c]]
    if p["not_assessed"]:
        parts.append(f"{p['not_assessed']} not assessed")
    first = f"Of {plural(p['total'], 'priority', 'priorities')}: {', '.join(parts) or 'none'}."
    changes = document.records("changes")
    fell = sum(1 for c in changes if c["change"] < 0)
    rose = len(changes) - fell
    decide = len(document.records("decisions"))
    needs = f"{plural(decide, 'item')} {'needs' if decide == 1 else 'need'} a decision."
    if first_assessment(document):
        return [first, f"This is the first assessment, so no change is shown yet; {needs}"]
    moved = f"{plural(fell, 'item')} fell and {rose} rose"
    return [first, f"Since {_since(document.data)}, {moved}; {needs}"]


def _review_blocks(document: ReportDocument) -> list[dict[str, Any]]:
    scope = document.scope
    blocks: dict[str, dict[str, Any]] = {}
    for row in document.records("architecture_review"):
        key = row["priority_key"]
        if key not in blocks:
            rating = scope.likelihood(key)
            blocks[key] = {
                "key": key,
                "name": row["priority"],
                "leader": scope.leader(key),
                "likelihood": None if rating is None else int(rating),
                "rows": [],
            }
        blocks[key]["rows"].append(row)
    return list(blocks.values())


def group_targets(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Targets under the heading of their priority, in report order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["priority"], []).append(row)
    return list(groups.items())


def problem_levels(rows: list[dict[str, Any]]) -> list[tuple[int | None, str, list[Any]]]:
    """The triaged items by level, in the table's order (the untriaged first): each level and
    its approach are said once above its items, not on every row."""
    levels: dict[int | None, tuple[int | None, str, list[Any]]] = {}
    for row in rows:
        levels.setdefault(row["level"], (row["level"], row["approach"], []))[2].append(row)
    return list(levels.values())


def appendix(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings of the appendix by rule, most severe first, each rule named once above its
    own, and so are its finding and its fix when every finding of the rule says the same but
    for its own key (`message` and `fix`, the key written KEY_MARK; else None); the
    data-quality ones (RD9xx) are left to the Data quality section, which has them with their
    field and fix already."""
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:  # the most severe first: a rule's heading shows its worst severity
        if not f["code"].startswith("RD9"):
            rules.setdefault(f["code"], {**f, "rows": []})["rows"].append(f)
    for rule in rules.values():
        rows = rule["rows"]
        alike = len({f["severity"] for f in rows}) == 1  # else each row says its severity
        rule["message"] = shared_text(rows, "message") if alike else None
        rule["fix"] = shared_text(rows, "fix")
    return list(rules.values())


KEY_MARK = "this item"  # each finding's own key, in a text its rule's findings share


def shared_text(rows: list[dict[str, Any]], field: str) -> str | None:
    """The text of `field` every row shares once its own key is written KEY_MARK ("This item
    has no intermediate targets", said for each item listed below it), or None when two rows
    differ or there is one row."""
    texts = {_keyless(f[field], f["key"]) for f in rows}
    return texts.pop() if len(texts) == 1 and len(rows) > 1 else None


def _keyless(text: str, key: str) -> str:
    # The key as a whole word: DEL-1 is not the start of DEL-12.
    said = re.sub(rf"(?<![\w-]){re.escape(key)}(?![\w-])", KEY_MARK, text)
    return said[0].upper() + said[1:] if said.startswith(KEY_MARK) else said


METHOD = [
    "Architecture review: each row looks at the items its question is about and the rule "
    "codes that answer it: "
    + "; ".join(f"{r.element}: {', '.join(r.codes)}" for r in REVIEW_ROWS)
    + ". A row is 4 Green with no error or warning among those codes; 3 Amber/Green when "
    "under a quarter of its items carry an error; 2 Amber/Red under half; 1 Red from half, or "
    "when the row has nothing to review.",
    "Likelihood: five judgements, each 1 to 4 with the evidence beside it, and an overall "
    "likelihood that never averages away a Red strategy (the manual's Rule 7). Missing "
    "evidence is never read as good news.",
    "Needs a decision: Red, fell two levels or more, triaged at problem level 3 or 4, or the "
    "team's own rating or the rating agreed at its stock take two levels or more away from "
    "rdsync's.",
    "Agreed rating: the rating agreed at the last stock take, shown beside rdsync's own; the "
    "heat map and the counts use it while no evidence is newer than the day it was agreed.",
    "Accountable leader: the owner of an item, else of the nearest owned item above it; items "
    "with no owner anywhere above them are grouped as 'No accountable owner'.",
]


def render_stocktake(pack: StocktakePack) -> str:
    """The T-shaped stock take pack of one priority as one HTML page."""
    return render("stocktake.html.j2", **stocktake_context(pack))


def stocktake_context(pack: StocktakePack) -> dict[str, Any]:
    data, scope, key = pack.data, pack.scope, pack.priority.key
    assessment = scope.assessment(key)
    milestones = pack.milestones.to_dict("records")
    likelihood, previous = scope.likelihood(key), scope.previous(key)
    return {
        "data": data,
        "urls": scope.urls(),
        "dept": data.department or "All departments",
        "p": pack.priority,
        "leader": scope.leader(key),
        "freshness": [_fresh(row) for row in freshness(data).to_dict("records")],
        "likelihood": None if likelihood is None else int(likelihood),
        "previous": None if previous is None else int(previous),
        "judgements": [
            {"name": j.name, "rating": int(j.rating), "rationale": j.rationale}
            for j in (assessment.judgements if assessment else [])
        ],
        "caps": assessment.caps if assessment else [],
        "targets": pack.targets.to_dict("records"),
        "target_rows": {t["key"]: t for t in pack.targets.to_dict("records")},
        "shared_targets": SHARED_TARGETS,
        "strategies": pack.strategies.to_dict("records"),
        "agreed": pack.agreed.to_dict("records"),
        "judgement_columns": list(JUDGEMENT_COLUMNS.values()),
        "since": _since(data),
        "dives": pack.deep_dives,
        "focus": pack.focus,
        "decisions": pack.decisions.to_dict("records"),
        "overdue": [m for m in milestones if m["days"] < 0],
        "upcoming": [m for m in milestones if m["days"] >= 0],
        "weeks": data.horizon_days // 7,
        "findings": pack.findings.to_dict("records"),
        "missed": pack.missed.to_dict("records"),
        "charts": pack.charts,
        "legend": pack.legend,
    }
