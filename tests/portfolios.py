"""Generated portfolios for the tests and the benchmarks (their shared fixtures).

- "plans": `build(priorities)` makes the Architecture directly from models (no mapping, no
  I/O): per priority 2 outcomes, 4 indicators with 24 monthly measurements each, 8 targets, 5
  strategies with 4 milestones and 3 risks each, 55 entities; one plan in six has stale data,
  one strategy in twenty no owner. Judged on `PLANS_TODAY`.
- "jira": `pages(entities)` generates the search/jql responses of a Jira portfolio (custom
  fields by id with `names`, ADF paragraphs, user pickers, select options, `Drives` links,
  parents, changelogs of `Current value`), lazily, a page of 100 issues at a time, as the
  connector receives them; `jira_portfolio(entities)` maps them (`map_jira`) and assembles
  the Architecture. Clean data, judged on `JIRA_TODAY`.

Both are deterministic. The benchmarks import them from here (benchmarks may import tests;
tests never import benchmarks).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from mappings.config import JiraMapping, load_mapping
from mappings.graph import Architecture
from mappings.jira import map_jira
from mappings.model import (
    BaseEntity,
    Direction,
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Person,
    Priority,
    Risk,
    Strategy,
    Target,
    TrajectoryPoint,
)

# -- "plans": built from models ---------------------------------------------------------------

PLANS_TODAY = date(2026, 11, 22)  # the day the plans portfolio is judged on
PEOPLE = [Person(id=f"557058:{n:05d}", name=f"Lead {n}") for n in range(400)]


def _target(rnd: random.Random, key: str, parent: str, base: float, sign: int) -> Target:
    direction = Direction.INCREASE if sign > 0 else Direction.DECREASE
    start = PLANS_TODAY - timedelta(days=730)
    end = PLANS_TODAY + timedelta(days=rnd.randint(200, 1400))
    goal = base + sign * rnd.uniform(10, 60)
    mid = start + (end - start) / 2
    return Target(
        key=key,
        parent_key=parent,
        baseline_value=base,
        baseline_date=start,
        target_value=goal,
        target_date=end,
        direction=direction,
        trajectory=[TrajectoryPoint(at=mid, value=(base + goal) / 2)] if rnd.random() < 0.7 else [],
    )


def _strategy(rnd: random.Random, key: str, drives: list[str]) -> list[BaseEntity]:
    owners = [rnd.choice(PEOPLE)] if rnd.random() < 0.95 else []
    found: list[BaseEntity] = [
        Strategy(
            key=key,
            drives=drives,
            owners=owners,
            start_date=PLANS_TODAY - timedelta(days=rnd.randint(100, 900)),
            end_date=PLANS_TODAY + timedelta(days=rnd.randint(100, 1200)),
            rationale="theory of action",
            resources="team of 6" if rnd.random() < 0.9 else None,
            delivery_chain="department → regions → sites" if rnd.random() < 0.85 else None,
            success_definition="target met on trajectory",
        )
    ]
    for m in range(4):
        due = PLANS_TODAY + timedelta(days=rnd.randint(-400, 400))
        done = due < PLANS_TODAY and rnd.random() < 0.8
        found.append(Milestone(key=f"{key}-M{m}", parent_key=key, due=due, done=done))
    for r in range(3):
        mitigation = "weekly check" if rnd.random() < 0.9 else None
        found.append(Risk(key=f"{key}-R{r}", parent_key=key, mitigation=mitigation))
    return found


def build(priorities: int, seed: int = 7) -> Architecture:
    """A deterministic portfolio of `priorities` plans of 55 entities each."""
    rnd = random.Random(seed)
    entities: list[BaseEntity] = []
    measurements: list[Measurement] = []
    for p in range(priorities):
        pk = f"P{p}"
        entities.append(Priority(key=pk, owners=[rnd.choice(PEOPLE)], department=f"D{p % 40}"))
        targets: list[str] = []
        for o in range(2):
            ok = f"{pk}-O{o}"
            entities.append(Outcome(key=ok, parent_key=pk, owners=[rnd.choice(PEOPLE)]))
            for i in range(2):
                ik = f"{ok}-I{i}"
                entities.append(Indicator(key=ik, parent_key=ok, unit="%", data_source="returns"))
                base = rnd.uniform(20, 80)
                sign = rnd.choice([1, -1])
                slope = sign * rnd.uniform(-0.5, 2)  # most indicators move toward their targets
                last = rnd.choice([30, 30, 30, 30, 30, 200])  # one in six goes stale
                for month in range(24):
                    at = PLANS_TODAY - timedelta(days=last + 30 * (23 - month))
                    value = base + slope * month + rnd.uniform(-1, 1)
                    measurements.append(Measurement(indicator_key=ik, at=at, value=value))
                for t in range(2):
                    targets.append(f"{ik}-T{t}")
                    entities.append(_target(rnd, f"{ik}-T{t}", ik, base, sign))
        for s in range(5):  # every target driven: strategy s drives targets s and s + 5
            drives = targets[s::5]
            entities += _strategy(rnd, f"{pk}-S{s}", drives)
    return Architecture(entities, measurements)


# -- "jira": generated search/jql pages, mapped ------------------------------------------------

SITE = "https://bench.atlassian.net/rest/api/3"
JIRA_TODAY = date(2025, 6, 30)  # the day the Jira portfolio is judged on
FIELDS = {
    "Accountable owner": "customfield_10040",
    "Unit": "customfield_10041",
    "Data source": "customfield_10042",
    "Current value": "customfield_10043",
    "Baseline value": "customfield_10044",
    "Baseline date": "customfield_10045",
    "Target value": "customfield_10046",
    "Target date": "customfield_10047",
    "Direction": "customfield_10048",
    "Trajectory": "customfield_10049",
    "Start date": "customfield_10015",
    "Rationale": "customfield_10051",
    "Scale": "customfield_10052",
    "Resources": "customfield_10053",
    "Definition of success": "customfield_10054",
    "Delivery chain": "customfield_10055",
    "Mitigation": "customfield_10056",
    "Impact": "customfield_10057",
    "Difficulty": "customfield_10058",
    "Department": "customfield_10059",
}
NAMES = {fid: name for name, fid in FIELDS.items()} | {
    "summary": "Summary",
    "status": "Status",
    "duedate": "Due date",
    "updated": "Updated",
    "parent": "Parent",
    "issuelinks": "Linked Issues",
}
F = FIELDS
# One unit of the portfolio: a priority, 2 outcomes, 4 indicators and targets, 4 strategies
# (each driving one target) with 3 milestones and 2 risks each: 35 issues.
UNIT: list[tuple[str, int | None]] = [("Priority", None)]
UNIT += [("Outcome", 0)] * 2
UNIT += [("Indicator", 1 + i // 2) for i in range(4)]
UNIT += [("Target", 3 + i) for i in range(4)]
UNIT += [("Strategy", None)] * 4
UNIT += [("Milestone", 11 + i // 3) for i in range(12)]
UNIT += [("Risk", 11 + i // 2) for i in range(8)]
STATUS = {
    "open": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
    "done": {"name": "Done", "statusCategory": {"key": "done"}},
}


def _adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]}
            for line in text.splitlines()
        ],
    }


def _user(n: int) -> dict[str, Any]:
    return {"accountId": f"712020:bench-{n:06d}", "displayName": f"Leader {n}", "active": True}


def _changelog(key: str, n: int) -> dict[str, Any]:
    histories = []
    for step in range(8):
        day = date(2024, 7, 1) + timedelta(days=45 * step)
        histories.append(
            {
                "id": f"{n}{step}",
                "created": f"{day.isoformat()}T09:00:00.000+1000",
                "items": [
                    {
                        "field": "Current value",
                        "fieldtype": "custom",
                        "fieldId": F["Current value"],
                        "fromString": None,
                        "toString": f"{1000 + 40 * step + n % 7:,}",
                    }
                ],
            }
        )
    return {"startAt": 0, "maxResults": 8, "total": 8, "histories": histories[::-1]}


_PROFILE_TEXT = _adf("A theory of action.\nIn two paragraphs.")
STRATEGY_PROFILE = {
    F["Start date"]: "2024-07-01",
    "duedate": "2027-06-30",
    F["Rationale"]: _PROFILE_TEXT,
    F["Scale"]: _PROFILE_TEXT,
    F["Resources"]: _PROFILE_TEXT,
    F["Definition of success"]: _PROFILE_TEXT,
    F["Delivery chain"]: _PROFILE_TEXT,
    F["Impact"]: {"value": "3 - High"},
    F["Difficulty"]: {"value": "2 - Moderate"},
}


def _fields(kind: str, n: int, unit: int, parent: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "summary": f"{kind} {n}: a realistic summary of about this length",
        "issuetype": {"name": kind},
        "status": STATUS["done" if kind == "Milestone" and n % 3 == 0 else "open"],
        "labels": [],
        "updated": "2025-06-20T10:00:00.000+1000",
        "parent": {"key": parent} if parent else None,
        "issuelinks": [],
        F["Department"]: {"value": f"Department {unit // 5}"},
    }
    if kind in ("Priority", "Outcome", "Strategy"):
        fields[F["Accountable owner"]] = [_user(n % 20000)]
    if kind == "Indicator":
        fields[F["Unit"]] = "%"
        fields[F["Data source"]] = "Quarterly survey"
        fields[F["Current value"]] = 1280 + n % 7
    elif kind == "Target":
        fields |= {
            F["Baseline value"]: 1000,
            F["Baseline date"]: "2024-07-01",
            F["Target value"]: 1600,
            F["Target date"]: "2027-06-30",
            F["Direction"]: {"value": "Increase"},
            F["Trajectory"]: _adf("2025-06-30: 1,200\n2026-06-30: 1,400"),
        }
    elif kind == "Strategy":
        fields |= STRATEGY_PROFILE
    elif kind == "Milestone":
        fields["duedate"] = "2025-03-31" if n % 3 == 0 else "2025-12-31"
    elif kind == "Risk" and n % 5:
        fields[F["Mitigation"]] = _adf("Weekly review with the delivery unit.")
    return fields


def _unit_issues(unit: int) -> list[dict[str, Any]]:
    base = unit * len(UNIT)
    keys = [f"BEN-{base + i + 1}" for i in range(len(UNIT))]
    issues = []
    for i, (kind, parent_index) in enumerate(UNIT):
        n = base + i + 1
        parent = keys[parent_index] if parent_index is not None else None
        fields = _fields(kind, n, unit, parent)
        issue: dict[str, Any] = {"id": str(n), "self": f"{SITE}/issue/{n}", "key": keys[i]}
        if kind == "Strategy":
            target = keys[7 + (i - 11)]
            link = {"type": {"name": "Drives"}, "outwardIssue": {"key": target}}
            fields["issuelinks"] = [link]
        if kind == "Indicator":
            issue["changelog"] = _changelog(keys[i], n)
        issue["fields"] = fields
        issues.append(issue)
    return issues


def pages(entities: int, page_size: int = 100) -> Iterator[dict[str, Any]]:
    """The search/jql responses for a portfolio of about `entities` issues, lazily."""
    buffer: list[dict[str, Any]] = []
    for unit in range(max(1, entities // len(UNIT))):
        buffer.extend(_unit_issues(unit))
        while len(buffer) >= page_size:
            yield {"issues": buffer[:page_size], "names": NAMES, "nextPageToken": "t"}
            buffer = buffer[page_size:]
    if buffer:
        yield {"issues": buffer, "names": NAMES}


def jira_portfolio(entities: int = 100_000) -> tuple[Architecture, date]:
    """The Jira portfolio of about `entities` issues, mapped, and the day it is judged on."""
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    records = map_jira(pages(entities), mapping)
    return Architecture(records.entities, records.measurements, records.problems), JIRA_TODAY
