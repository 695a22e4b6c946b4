"""A large synthetic portfolio (1,000 targets by default) for the report benchmark and tests."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from mappings.graph import Architecture
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
from reports.model import ReportData
from rules.model import (
    JUDGEMENTS,
    RUBRIC_CRITERIA,
    Assessment,
    Finding,
    Judgement,
    Rating,
    RubricRating,
    Severity,
)

GENERATED = datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
TODAY = GENERATED.date()
SHAPE = (10, 10, 5, 2)  # priorities, outcomes per priority, indicators per outcome, targets each
TARGETS_PER_STRATEGY = 4


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.entities: list[BaseEntity] = []
        self.measurements: list[Measurement] = []
        self.findings: list[Finding] = []
        self.counter = 0
        self.people = [Person(id=f"acc-{n:03d}", name=f"Leader {n:03d}") for n in range(60)]

    def key(self) -> str:
        self.counter += 1
        return f"BIG-{self.counter}"

    def owner(self) -> list[Person]:
        return [] if self.rng.random() < 0.04 else [self.rng.choice(self.people)]

    def target(self, indicator: str, department: str) -> Target:
        base_day = date(2023, 1, 1) + timedelta(days=self.rng.randrange(0, 500))
        end_day = base_day + timedelta(days=self.rng.randrange(900, 2200))
        base = round(self.rng.uniform(20, 70), 1)
        goal = round(base + self.rng.uniform(5, 30), 1)
        span = (end_day - base_day).days
        path = [
            TrajectoryPoint(
                at=base_day + timedelta(days=span * k // 4), value=base + (goal - base) * k / 4
            )
            for k in (1, 2, 3)
        ]
        if not any(m.indicator_key == indicator for m in self.measurements[-40:]):
            self.series(indicator, base, goal, base_day, span)
        key = self.key()
        return Target(
            key=key,
            name=f"Target {key}: reach {goal} by {end_day:%B %Y}",
            parent_key=indicator,
            department=department,
            baseline_value=base,
            baseline_date=base_day,
            target_value=goal,
            target_date=end_day,
            direction=Direction.INCREASE,
            trajectory=path,
        )

    def series(self, indicator: str, base: float, goal: float, start: date, span: int) -> None:
        """Quarterly measurements at a random share of the planned pace, with noise."""
        pace = self.rng.uniform(0.3, 1.2)
        day = start
        while day < TODAY:
            share = (day - start).days / span
            value = round(base + (goal - base) * share * pace + self.rng.uniform(-0.8, 0.8), 2)
            self.measurements.append(Measurement(indicator_key=indicator, at=day, value=value))
            day += timedelta(days=91)

    def strategy(self, drives: list[str], department: str) -> None:
        key = self.key()
        owners = self.owner()
        self.entities.append(
            Strategy(
                key=key,
                name=f"Strategy {key} for {', '.join(drives[:2])}",
                owners=owners,
                drives=drives,
                department=department,
                start_date=date(2024, 1, 1),
                end_date=date(2027, 12, 31),
                rationale="Theory of action",
            )
        )
        for n in range(3):
            due = TODAY + timedelta(days=self.rng.randrange(-60, 200))
            done = due < TODAY and self.rng.random() < 0.7
            m_key = self.key()
            if due < TODAY and not done:
                self.finding("RD401", "milestone-overdue", m_key, "milestone")
            self.entities.append(
                Milestone(
                    key=m_key,
                    name=f"Milestone {n + 1} of {key}",
                    parent_key=key,
                    due=due,
                    done=done,
                    department=department,
                )
            )
        for n in range(2):
            mitigation = None if self.rng.random() < 0.3 else "Mitigation"
            self.entities.append(
                Risk(
                    key=self.key(),
                    name=f"Risk {n + 1} of {key}",
                    parent_key=key,
                    mitigation=mitigation,
                    department=department,
                )
            )
        if not owners:
            self.finding("RD107", "owner-missing", key, "strategy")
        if self.rng.random() < 0.5:
            self.finding("RD305", "strategy-without-delivery-chain", key, "strategy")

    def finding(self, code: str, name: str, key: str, kind: str) -> None:
        severity = Severity.ERROR if code in ("RD105", "RD107", "RD401") else Severity.WARNING
        self.findings.append(
            Finding(
                code=code,
                name=name,
                severity=severity,
                key=key,
                kind=kind,
                message=f"{key}: {name.replace('-', ' ')}",
                fix=f"Fix {key} in its tool.",
            )
        )

    def priority(self, number: int) -> None:
        department = f"Department {1 + number % 2}"
        p_key = self.key()
        self.entities.append(
            Priority(
                key=p_key, name=f"Priority {number + 1}", owners=self.owner(), department=department
            )
        )
        targets: list[str] = []
        for o in range(SHAPE[1]):
            o_key = self.key()
            self.entities.append(
                Outcome(
                    key=o_key,
                    name=f"Outcome {o + 1} of priority {number + 1}",
                    parent_key=p_key,
                    owners=self.owner(),
                    department=department,
                )
            )
            for i in range(SHAPE[2]):
                i_key = self.key()
                self.entities.append(
                    Indicator(
                        key=i_key,
                        name=f"Indicator {i + 1} of {o_key}",
                        parent_key=o_key,
                        unit="%",
                        data_source="Survey",
                        department=department,
                    )
                )
                for _ in range(SHAPE[3]):
                    target = self.target(i_key, department)
                    self.entities.append(target)
                    targets.append(target.key)
        for n in range(0, len(targets), TARGETS_PER_STRATEGY):
            self.strategy(targets[n : n + TARGETS_PER_STRATEGY], department)

    def assess(self, entity: BaseEntity) -> Assessment:
        """Judgements around a likelihood drawn as real portfolios spread: few Red, most amber."""
        likelihood = Rating(self.rng.choices((1, 2, 3, 4), weights=(12, 25, 43, 20))[0])
        marks = [
            max(1, min(4, int(likelihood) + self.rng.choice((-1, 0, 0, 1)))) for _ in JUDGEMENTS
        ]
        level = None if likelihood > 2 else self.rng.choice((1, 1, 2, 2, 3, 4))
        return Assessment(
            key=entity.key,
            kind=str(entity.kind),  # type: ignore[attr-defined]
            name=entity.name,
            assessed_on=TODAY,
            judgements=[
                Judgement(name=name, rating=Rating(mark), rationale=f"{name.lower()}: evidence")
                for name, mark in zip(JUDGEMENTS, marks, strict=True)
            ],
            likelihood=likelihood,
            problem_level=level,
            problem_reason="Behind trajectory" if level else None,
        )


def portfolio(priorities: int = SHAPE[0], seed: int = 7) -> ReportData:
    """A ReportData of `priorities` x 100 targets (1,000 by default), fully assessed."""
    build = _Builder(seed)
    for number in range(priorities):
        build.priority(number)
    site = "https://bulk-gov.atlassian.net/browse"
    entities = [e.model_copy(update={"url": f"{site}/{e.key}"}) for e in build.entities]
    arch = Architecture(entities, build.measurements)
    assessed = [e for e in arch.entities.values() if str(e.kind) in ASSESSED]  # type: ignore[attr-defined]
    assessments = {e.key: build.assess(e) for e in assessed}
    previous = {
        key: Rating(max(1, min(4, int(a.likelihood) + build.rng.choice((-1, 0, 0, 1)))))
        for key, a in assessments.items()
    }
    for key, a in assessments.items():
        if a.kind == "target" and build.rng.random() < 0.3:
            build.finding("RD402", "off-trajectory", key, "target")
    rubric = [
        RubricRating(priority_key=p.key, criterion=c, rating=Rating(build.rng.randint(2, 4)))
        for p in arch.of_kind(Priority)
        for c in RUBRIC_CRITERIA
    ]
    return ReportData(
        generated_at=GENERATED,
        data_as_of={"jira": GENERATED - timedelta(hours=2)},
        architecture=arch,
        findings=build.findings,
        assessments=assessments,
        previous=previous,
        rubric=rubric,
    )


ASSESSED = ("priority", "outcome", "target", "strategy")
