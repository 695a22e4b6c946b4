"""Worked cases as small portfolios: the manual's (UK A&E 2002, Punjab, Kentucky) and the demo's.

Figures from the manual (Rules 4, 7, 8 and the Kentucky case); what the manual leaves out
(exact dates, milestone lists) is filled in plausibly and said so beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from connector.sandbox.seeds.portfolio import build
from mappings.graph import Architecture
from mappings.model import (
    ENTITY_CLASSES,
    BaseEntity,
    Direction,
    EntityKind,
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
from rules.base import RuleContext
from rules.model import Rating


@dataclass(frozen=True)
class Case:
    arch: Architecture
    ctx: RuleContext
    target: str  # the key of the case's target
    strategy: str


def month_ends(first: date, count: int) -> list[date]:
    """The 28th of `count` consecutive months from `first` (28th: valid in every month)."""
    out = []
    year, month = first.year, first.month
    for _ in range(count):
        out.append(date(year, month, 28))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _plan(
    prefix: str,
    names: tuple[str, str, str],
    owner: Person,
    target: Target,
    strategy: Strategy,
    milestones: list[tuple[str, date, bool]],
) -> list[BaseEntity]:
    """Priority → outcome → indicator → target, the strategy, its milestones and one risk."""
    priority, outcome, indicator = names
    entities: list[BaseEntity] = [
        Priority(key=f"{prefix}-1", name=priority, owners=[owner], department="Health"),
        Outcome(key=f"{prefix}-2", name=outcome, parent_key=f"{prefix}-1", owners=[owner]),
        Indicator(
            key=f"{prefix}-3",
            name=indicator,
            parent_key=f"{prefix}-2",
            unit="%",
            data_source="monthly returns",
        ),
        target.model_copy(update={"key": f"{prefix}-4", "parent_key": f"{prefix}-3"}),
        strategy.model_copy(update={"key": f"{prefix}-5", "drives": [f"{prefix}-4"]}),
        Risk(
            key=f"{prefix}-6",
            name="Frontline staff not released for the change",
            parent_key=f"{prefix}-5",
            mitigation="Back-fill funded centrally; monthly check with each site lead",
        ),
    ]
    for n, (name, due, done) in enumerate(milestones, start=10):
        entities.append(
            Milestone(key=f"{prefix}-{n}", name=name, parent_key=f"{prefix}-5", due=due, done=done)
        )
    return entities


def _strategy(name: str, owner: Person, start: date, end: date, chain: str) -> Strategy:
    return Strategy(
        key="",
        name=name,
        owners=[owner],
        start_date=start,
        end_date=end,
        rationale="If the practice of the best sites is scaled to every site, the target moves",
        scale="every site in the system",
        resources="Central programme team of 12 and a ring-fenced budget",
        success_definition="The target met on the planned trajectory",
        delivery_chain=chain,
    )


def ae_summer_2002(previous: Rating | None = None) -> Case:
    """UK A&E: 20% of patients waiting over four hours in summer 2002, none by end 2004."""
    barber = Person(id="pmdu-1", name="Michael Barber")
    target = Target(
        key="",
        name="No patient waits more than four hours in A&E by end 2004",
        baseline_value=21,  # the manual gives 20% "up until the summer of 2002"; 21% in mid-2001
        baseline_date=date(2001, 6, 30),
        target_value=0,
        target_date=date(2004, 12, 31),
        direction=Direction.DECREASE,
        trajectory=[TrajectoryPoint(at=date(2003, 3, 31), value=10)],
    )
    strategy = _strategy(
        "A&E modernisation programme",
        barber,
        date(2001, 4, 1),
        date(2004, 12, 31),
        "Department of Health → NHS trusts → 200 A&E departments → triage nurses",
    )
    milestones = [
        ("Waiting-time returns from every A&E", date(2001, 9, 30), True),
        ("Extra consultants in post", date(2002, 3, 31), False),
        ("Bed management in every trust", date(2002, 6, 30), False),
        ("Minor injuries streams open", date(2003, 3, 31), False),
    ]
    names = (
        "Accident and emergency",
        "Patients seen, treated or admitted within four hours",
        "Patients waiting more than four hours in A&E (%)",
    )
    entities = _plan("AE", names, barber, target, strategy, milestones)
    flat = [21.0, 20.8, 21.2, 20.6, 20.9, 20.4, 20.7, 20.2, 20.5, 20.1, 20.4, 20.0, 20.2, 20.0]
    series = [
        Measurement(indicator_key="AE-3", at=at, value=v)
        for at, v in zip(month_ends(date(2001, 6, 1), 14), flat, strict=True)
    ]
    prev = {} if previous is None else {"AE-4": previous, "AE-1": previous}
    ctx = RuleContext(today=date(2002, 8, 15), previous=prev)
    return Case(Architecture(entities, series), ctx, "AE-4", "AE-5")


def punjab_2016() -> Case:
    """Punjab: 2 million vocational trainings by 2018 at about 550,000 a year, on trajectory."""
    lead = Person(id="pb-1", name="Punjab Skills Development Fund CEO")
    target = Target(
        key="",
        name="2 million vocational skills trainings by 2018",
        baseline_value=350_000,  # cumulative trainings when the roadmap started (filled in)
        baseline_date=date(2015, 6, 30),
        target_value=2_000_000,
        target_date=date(2018, 6, 30),
        direction=Direction.INCREASE,
        trajectory=[
            TrajectoryPoint(at=date(2016, 6, 30), value=900_000),
            TrajectoryPoint(at=date(2017, 6, 30), value=1_450_000),
        ],
    )
    strategy = _strategy(
        "Scale up training places through TEVTA and PSDF",
        lead,
        date(2015, 7, 1),
        date(2018, 6, 30),
        "Chief Minister → Skills Department → TEVTA and PSDF → 400 institutes → trainers",
    )
    milestones = [
        ("Training vouchers in 12 districts", date(2015, 12, 31), True),
        ("Vouchers in all 36 districts", date(2016, 6, 30), True),
        ("Employer-led courses launched", date(2016, 11, 30), True),
        ("Second intake of new institutes", date(2017, 6, 30), False),
        ("Final intake", date(2018, 3, 31), False),
    ]
    names = (
        "Skills for employment",
        "Young people trained for work",
        "Vocational trainings delivered (cumulative)",
    )
    entities = _plan("PB", names, lead, target, strategy, milestones)
    dates = [date(2015, 9, 30), date(2015, 12, 31), date(2016, 3, 31)]
    dates += [date(2016, 6, 30), date(2016, 9, 30), date(2016, 12, 15)]
    values = [490_000, 628_000, 765_000, 905_000, 1_042_000, 1_180_000]
    series = [
        Measurement(indicator_key="PB-3", at=at, value=v)
        for at, v in zip(dates, values, strict=True)
    ]
    ctx = RuleContext(today=date(2016, 12, 31))
    return Case(Architecture(entities, series), ctx, "PB-4", "PB-5")


def kentucky_2014() -> Case:
    """Kentucky: college and career readiness from 34% to 67% by 2015, steady gains."""
    holliday = Person(id="kde-1", name="Terry Holliday")
    target = Target(
        key="",
        name="College and career readiness 67% by 2015",
        baseline_value=34,
        baseline_date=date(2010, 6, 30),
        target_value=67,
        target_date=date(2015, 6, 30),
        direction=Direction.INCREASE,
        trajectory=[
            TrajectoryPoint(at=date(2011, 6, 30), value=40.6),
            TrajectoryPoint(at=date(2012, 6, 30), value=47.2),
            TrajectoryPoint(at=date(2013, 6, 30), value=53.8),
            TrajectoryPoint(at=date(2014, 6, 30), value=60.4),
        ],
    )
    strategy = _strategy(
        "Regional leadership networks",
        holliday,
        date(2010, 7, 1),
        date(2015, 6, 30),
        "KDE → 8 regional networks → district teams → high school teachers",
    )
    milestones = [
        ("Networks running in all 8 regions", date(2011, 6, 30), True),
        ("Common Core standards in classrooms", date(2012, 8, 31), True),
        ("Readiness interventions in every high school", date(2013, 8, 31), True),
        ("Senior-year transition courses statewide", date(2014, 8, 31), True),
    ]
    names = (
        "College and career readiness",
        "Graduates ready for college or a career",
        "High school graduates college- and career-ready (%)",
    )
    entities = _plan("KY", names, holliday, target, strategy, milestones)
    points = [(2010, 34.0), (2011, 38.0), (2012, 47.0), (2013, 54.0), (2014, 62.5)]
    series = [
        Measurement(indicator_key="KY-3", at=date(year, 9, 30), value=v) for year, v in points
    ]
    ctx = RuleContext(today=date(2014, 11, 1))
    return Case(Architecture(entities, series), ctx, "KY-4", "KY-5")


# -- the demo portfolio (connector/sandbox/seeds/portfolio.py), for docs/likelihood.md ---

DEMO_ANCHOR = date(2026, 11, 22)
_DEMO_FIELDS = {
    "Unit": "unit",
    "Data source": "data_source",
    "Current value": "current_value",
    "Baseline value": "baseline_value",
    "Baseline date": "baseline_date",
    "Target value": "target_value",
    "Target date": "target_date",
    "Direction": "direction",
    "Start date": "start_date",
    "Rationale": "rationale",
    "Scale": "scale",
    "Resources": "resources",
    "Definition of success": "success_definition",
    "Delivery chain": "delivery_chain",
    "Mitigation": "mitigation",
    "Impact": "impact",
    "Difficulty": "difficulty",
    "Department": "department",
    "Done": "done",
    "Politically salient": "salient",
}


def demo(anchor: date = DEMO_ANCHOR) -> Case:
    """The sandbox's demo portfolio as an Architecture, keyed by item ref, assessed on `anchor`.

    A test-side reading of the portfolio's plain data (the real path is the sandbox, a tool
    client and the mappings); enough for the worked example of docs/likelihood.md.
    """
    portfolio = build(anchor)
    people = {
        p.ref: Person(id=p.jira_account_id, name=p.name, email=p.email) for p in portfolio.people
    }
    entities: list[BaseEntity] = []
    for item in portfolio.items:
        kind = EntityKind(item.kind)
        values: dict[str, object] = {"key": item.ref, "name": item.name, "parent_key": item.parent}
        for name, value in item.fields.items():
            if name in _DEMO_FIELDS:
                values[_DEMO_FIELDS[name]] = value
        owners = cast(list[str], item.fields.get("Accountable owner", []))
        values["owners"] = [people[ref] for ref in owners]
        trajectory = cast(list[tuple[date, float]], item.fields.get("Trajectory", []))
        values["trajectory"] = [TrajectoryPoint(at=at, value=v) for at, v in trajectory]
        due = item.fields.get("Due date")
        values["due" if kind is EntityKind.MILESTONE else "end_date"] = due
        if kind is EntityKind.STRATEGY:
            values["drives"] = list(item.drives)
        cls = ENTITY_CLASSES[kind]
        entities.append(
            cls.model_validate({k: v for k, v in values.items() if k in cls.model_fields})
        )
    series = [
        Measurement(indicator_key=ref, at=at, value=value)
        for ref, points in portfolio.history.items()
        for at, value in points
    ]
    return Case(Architecture(entities, series), RuleContext(today=anchor), "", "")
