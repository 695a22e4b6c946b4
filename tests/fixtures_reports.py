"""A realistic two-department portfolio as a ReportData: ratings, history, gaps and findings.

Health comes from Jira (DEL-n keys), Jobs from Airtable (rec... ids), as the demo site has it.
It plants what a report must handle: a fall and a rise, a Red priority, a stale indicator, a
strategy with two owners, one with none, an initiative that drives nothing, a team rating two
levels away from rdsync's, data problems, a summary `<script>alert(1)</script>` and a risk
whose name begins with `=` (spreadsheet formula injection). `hostile_data` adds what no reader
lets through today but an older state store may hold: control characters in a summary, and
measurements no chart can draw.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from mappings.graph import Architecture
from mappings.model import (
    BaseEntity,
    DataProblem,
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

HEALTH = "Department of Health and Social Services"
JOBS = "Department of Jobs, Skills and Communities"
GENERATED = datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
TODAY = GENERATED.date()
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid/x","Fibre supplier delay")'

HADDAD = Person(id="5b10a2844c20165700ede21g", name="Dr. Amira Haddad")
TREMBLAY = Person(id="5b10ac8d82e05b22cc7d4ef5", name="Marc Tremblay")
NATARAJAN = Person(id="60f1c2d3e4a5b6c7d8e9f012", name="Dr. Priya Natarajan")
LEBLANC = Person(id="61a2b3c4d5e6f70812345678", name="Sophie Leblanc")
BOUCHARD = Person(id="usrJb7QpX2mK9aLd3", name="Jean-Luc Bouchard")
OKAFOR = Person(id="usrF4kO8rT1wZ6nB0", name="Fatima Okafor", email="f.okafor@gov.example")
WHITEHORSE = Person(id="usrS9wH2eL5pQ7xC1", name="Sam Whitehorse")

# Airtable record ids of the Jobs department, named for readability here.
J = {
    name: f"rec{code}"
    for name, code in {
        "P1": "Qm3kT8vWb2Lx9Ads",
        "O1": "Hk2pR7sYc4Nq1Wte",
        "I1": "Vb8nE3tGu6Ja0Mpo",
        "T1": "Xc5wQ1rZi8Kd2Hfl",
        "I2": "Lp4yF9hDo3Sm7Bgu",
        "T2": "Ne6uA2jCk5Pv8Ryq",
        "S1": "Td1sM4gXw7Eb3Kzn",
        "S2": "Wf9oB6lUq2Gh5Jcx",
        "M1": "Ya3eN8dPr1Ts6Lwv",
        "M2": "Kq7hV2cJm9Fz4Rbs",
        "R1": "Gu5tL1xSe6Wn3Dpa",
        "P2": "Zr2gK7bNv4Hc9Qmt",
        "O2": "Bs8dW3fYj1Lx6Tku",
        "I3": "Mn1vC5qHa8Re2Gzo",
        "T3": "Ej4kP9wTs3Uy7Nbd",
        "S3": "Pa6cX2mLd5Qf1Hwr",
        "M3": "Cw3rJ8nBe6Vk2Sye",
        "R2": "Oh9fT4zGu1Mq7Dlc",
    }.items()
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def _path(*points: tuple[str, float]) -> list[TrajectoryPoint]:
    return [TrajectoryPoint(at=d(at), value=v) for at, v in points]


def _target(key: str, parent: str, name: str, base: tuple[float, str], goal: tuple[float, str],
            path: list[TrajectoryPoint], **extra: Any) -> Target:  # fmt: skip
    return Target(key=key, parent_key=parent, name=name, baseline_value=base[0],
                  baseline_date=d(base[1]), target_value=goal[0], target_date=d(goal[1]),
                  trajectory=path, **extra)  # fmt: skip


# Where a reader opens each key, as the mappers fill `url`: Jira's browse page, Airtable's
# record page (base, table, record).
JIRA_SITE = "https://health-gov.atlassian.net"
JOBS_TABLE = "https://airtable.com/appJobs7kQ2mX9vLd/tblPortfolio4Wq8Zn"


def with_urls(entities: list[BaseEntity], at: str) -> list[BaseEntity]:
    return [e.model_copy(update={"url": f"{at}/{e.key}"}) for e in entities]


def health_entities() -> list[BaseEntity]:
    return with_urls(_health_entities(), f"{JIRA_SITE}/browse")


def jobs_entities() -> list[BaseEntity]:
    return with_urls(_jobs_entities(), JOBS_TABLE)


def _health_entities() -> list[BaseEntity]:
    h: dict[str, Any] = {"department": HEALTH, "source": "jira"}
    inc, dec = {"direction": Direction.INCREASE}, {"direction": Direction.DECREASE}
    plan = {"rationale": "Treat minor injuries at triage, freeing cubicles (UK A&E 2002-05).",
            "scale": "38 EDs", "resources": "$42M over three years; 120 FTE",
            "success_definition": "95% within four hours",
            "delivery_chain": "Ministry > health authorities > ED chiefs > nurses"}  # fmt: skip
    return [
        Priority(key="DEL-1", name="Reduce waiting times in emergency departments",
                 owners=[HADDAD], **h),
        Outcome(key="DEL-2", name="Patients are seen, treated or admitted within four hours",
                parent_key="DEL-1", owners=[HADDAD], **h),
        Indicator(key="DEL-3", name="Share of ED visits completed within four hours",
                  parent_key="DEL-2", unit="%", data_source="NACRS monthly extract", **h),
        _target("DEL-4", "DEL-3", "95% of ED visits within four hours by March 2027",
                (76.0, "2024-04-01"), (95.0, "2027-03-31"),
                _path(("2025-03-31", 82.0), ("2026-03-31", 89.0)), team_rating=4, **inc, **h),
        Indicator(key="DEL-5", name="Median wait for a physician's first assessment",
                  parent_key="DEL-2", unit="hours", data_source="NACRS monthly extract", **h),
        _target("DEL-6", "DEL-5", "Median first assessment under 2 hours by December 2026",
                (3.4, "2024-04-01"), (2.0, "2026-12-31"),
                _path(("2025-06-30", 2.9), ("2026-03-31", 2.4)), **dec, **h),
        Outcome(key="DEL-7", name="Fewer avoidable visits to emergency departments",
                parent_key="DEL-1", **h),
        Indicator(key="DEL-8", name="Avoidable ED visits per 1,000 residents",
                  parent_key="DEL-7", unit="per 1,000", **h),
        _target("DEL-9", "DEL-8", "Avoidable visits down to 110 per 1,000 by 2027",
                (142.0, "2023-12-31"), (110.0, "2027-12-31"), [], **dec, **h),
        Strategy(key="DEL-10", name="See and treat at triage in all 38 hospital EDs",
                 owners=[TREMBLAY], drives=["DEL-4", "DEL-6"], start_date=d("2024-05-01"),
                 end_date=d("2026-12-31"), team_rating=3, **plan, **h),
        Milestone(key="DEL-11", name="Pilot see-and-treat at 6 hospitals", parent_key="DEL-10",
                  due=d("2025-03-31"), done=True, **h),
        Milestone(key="DEL-12", name="Train triage nurses at the remaining 32 EDs",
                  parent_key="DEL-10", due=d("2025-10-15"), **h),
        Milestone(key="DEL-13", name="Regional roll-out, wave 2 (14 EDs)", parent_key="DEL-10",
                  due=d("2025-12-15"), **h),
        Risk(key="DEL-14", name="Nurse vacancies in rural EDs", parent_key="DEL-10",
             mitigation="Travel-nurse pool and a retention bonus", **h),
        Strategy(key="DEL-15", name="Virtual urgent care line (811) for low-acuity callers",
                 owners=[TREMBLAY, LEBLANC], start_date=d("2025-01-01"), **h),
        Strategy(key="DEL-16", name=XSS, drives=["DEL-6"], start_date=d("2025-02-01"),
                 end_date=d("2026-06-30"), **h),
        Priority(key="DEL-30", name="Timely mental health care for young people",
                 owners=[NATARAJAN], **h),
        Outcome(key="DEL-31", name="Young people get support within 30 days of referral",
                parent_key="DEL-30", owners=[NATARAJAN], **h),
        Indicator(key="DEL-32", name="Share of youth referrals seen within 30 days",
                  parent_key="DEL-31", unit="%", data_source="Provincial MH dataset", **h),
        _target("DEL-33", "DEL-32", "80% of youth referrals seen within 30 days by March 2026",
                (54.0, "2023-06-30"), (80.0, "2026-03-31"),
                _path(("2024-03-31", 60.0), ("2025-03-31", 70.0)), **inc, **h),
        Strategy(key="DEL-34", name="Integrated youth service hubs in 12 communities",
                 owners=[NATARAJAN], drives=["DEL-33"], start_date=d("2024-01-15"),
                 end_date=d("2026-03-31"), rationale="One door for counselling and peer support.",
                 resources="$18M", delivery_chain="Ministry > hub operators > counsellors",
                 success_definition="12 hubs open, 80% seen in 30 days", team_rating=3, **h),
        Milestone(key="DEL-35", name="Open hubs 5 to 8", parent_key="DEL-34",
                  due=d("2025-09-30"), **h),
        Milestone(key="DEL-36", name="Hire 40 youth counsellors", parent_key="DEL-34",
                  due=d("2025-12-01"), **h),
        Risk(key="DEL-37", name="Counsellor recruitment falls short", parent_key="DEL-34", **h),
    ]  # fmt: skip


def _jobs_entities() -> list[BaseEntity]:
    j: dict[str, Any] = {"department": JOBS, "source": "airtable"}
    inc = {"direction": Direction.INCREASE}
    return [
        Priority(key=J["P1"], name="200,000 adults complete skills training by 2027",
                 owners=[BOUCHARD], **j),
        Outcome(key=J["O1"], name="Adults move into better jobs after training",
                parent_key=J["P1"], owners=[BOUCHARD], **j),
        Indicator(key=J["I1"], name="Adults completing accredited training (cumulative)",
                  parent_key=J["O1"], unit="people", data_source="Provider returns", **j),
        _target(J["T1"], J["I1"], "200,000 completions by March 2027", (0.0, "2024-04-01"),
                (200000.0, "2027-03-31"), _path(("2025-03-31", 55000), ("2026-03-31", 125000)),
                **inc, **j),
        Indicator(key=J["I2"], name="Employment rate six months after training",
                  parent_key=J["O1"], unit="%", data_source="EI records", **j),
        _target(J["T2"], J["I2"], "70% in work six months after training by 2027",
                (58.0, "2024-03-31"), (70.0, "2027-03-31"),
                _path(("2025-03-31", 62.0), ("2026-03-31", 66.0)), **inc, **j),
        Strategy(key=J["S1"], name="Employer-led bootcamps in construction and care",
                 owners=[OKAFOR], drives=[J["T1"], J["T2"]], start_date=d("2024-04-01"),
                 end_date=d("2027-03-31"), rationale="Employers design and hire from cohorts.",
                 resources="$96M", delivery_chain="Department > sector councils > colleges",
                 success_definition="120,000 completions", **j),
        Strategy(key=J["S2"], name="Training vouchers for displaced workers", owners=[OKAFOR],
                 drives=[J["T1"]], start_date=d("2024-09-01"), end_date=d("2027-03-31"),
                 rationale="Vouchers let workers pick accredited short courses.",
                 resources="$40M", success_definition="80,000 vouchers redeemed", **j),
        Milestone(key=J["M1"], name="Third bootcamp cohort graduates", parent_key=J["S1"],
                  due=d("2025-11-28"), **j),
        Milestone(key=J["M2"], name="Voucher portal opens in all regions", parent_key=J["S2"],
                  due=d("2025-12-19"), **j),
        Risk(key=J["R1"], name="Colleges lack instructors for care programmes",
             parent_key=J["S1"], mitigation="Fast-track instructor certification", **j),
        Priority(key=J["P2"], name="High-speed internet for every rural household by 2030",
                 owners=[WHITEHORSE], **j),
        Outcome(key=J["O2"], name="Rural households can work and learn online",
                parent_key=J["P2"], owners=[WHITEHORSE], **j),
        Indicator(key=J["I3"], name="Rural households with 50/10 Mbps available",
                  parent_key=J["O2"], unit="%", data_source="CRTC coverage data", **j),
        _target(J["T3"], J["I3"], "98% of rural households covered by 2030",
                (71.0, "2023-12-31"), (98.0, "2030-12-31"),
                _path(("2025-12-31", 78.0), ("2027-12-31", 87.0)), **inc, **j),
        Strategy(key=J["S3"], name="Universal Broadband Fund: 40 rural build projects",
                 owners=[WHITEHORSE], drives=[J["T3"], "recZZoutOfScope01"],
                 start_date=d("2024-06-01"), end_date=d("2029-12-31"),
                 rationale="Subsidise builds where the market will not go.", resources="$310M",
                 success_definition="40 projects live", **j),
        Milestone(key=J["M3"], name="Contracts signed for projects 21 to 30",
                  parent_key=J["S3"], due=d("2025-12-05"), **j),
        Risk(key=J["R2"], name=FORMULA, parent_key=J["S3"], **j),
    ]  # fmt: skip


def measurements() -> list[Measurement]:
    series: dict[str, list[tuple[str, float]]] = {
        "DEL-3": [("2024-04-30", 76.4), ("2024-07-31", 77.1), ("2024-10-31", 77.9),
                  ("2025-01-31", 78.2), ("2025-04-30", 79.0), ("2025-07-31", 80.1),
                  ("2025-10-31", 80.6)],
        "DEL-5": [("2024-04-30", 3.4), ("2024-08-31", 3.2), ("2024-12-31", 3.05),
                  ("2025-04-30", 2.9), ("2025-08-31", 2.75), ("2025-10-31", 2.7)],
        "DEL-32": [("2023-06-30", 54.0), ("2023-12-31", 55.5), ("2024-06-30", 57.0),
                   ("2024-12-31", 56.5), ("2025-04-30", 58.2)],
        J["I1"]: [("2024-06-30", 8000), ("2024-09-30", 19000), ("2024-12-31", 33000),
                  ("2025-03-31", 52000), ("2025-06-30", 71000), ("2025-09-30", 93000)],
        J["I2"]: [("2024-06-30", 58.5), ("2024-12-31", 59.6), ("2025-06-30", 60.9)],
        J["I3"]: [("2023-12-31", 71.0), ("2024-06-30", 73.0), ("2024-12-31", 74.5),
                  ("2025-06-30", 76.2)],
    }  # fmt: skip
    return [
        Measurement(indicator_key=key, at=d(at), value=value, source="tool")
        for key, points in series.items()
        for at, value in points
    ]


PROBLEMS = [
    DataProblem(code="RD901", key="recMs7Lr2Qd9Xw4Ta", field="Value",
                message="Measurements recMs7Lr2Qd9Xw4Ta: Value 'n/a' is not a number",
                fix="Type a number in Value, or leave it empty until the data arrive."),
]  # fmt: skip


def architecture() -> Architecture:
    return Architecture(health_entities() + jobs_entities(), measurements(), PROBLEMS)


# The five judgements, the likelihood, the likelihood at the previous report, and Rule 8 triage.
RATINGS: dict[str, tuple[tuple[int, ...], int, int | None, int | None, str | None]] = {
    "DEL-1": ((2, 3, 2, 2, 2), 2, 3, 2, "ED target behind trajectory; training milestone late"),
    "DEL-2": ((2, 3, 3, 2, 2), 2, 3, 2, "Four-hour share 6 points behind plan"),
    "DEL-4": ((2, 4, 2, 2, 2), 2, 3, 2, "80.6% against 86.7% planned; nurse training late"),
    "DEL-6": ((3, 3, 3, 3, 3), 3, 3, None, None),
    "DEL-7": ((2, 1, 2, 1, 1), 1, 1, None, None),
    "DEL-9": ((2, 1, 1, 1, 1), 1, 2, 2, "No strategy and no data behind the target"),
    "DEL-10": ((2, 4, 2, 3, 2), 2, 3, 1, "Clear cause: 32 EDs still waiting for training"),
    "DEL-15": ((3, 1, 2, 1, 1), 1, None, 1, "Two owners and no target: an initiative"),
    "DEL-16": ((3, 1, 1, 2, 2), 2, 2, 1, "No owner, no milestones"),
    "DEL-30": ((1, 3, 2, 2, 1), 1, 2, 3, "Referral times flat for two years; data stale"),
    "DEL-31": ((1, 3, 2, 2, 1), 1, 2, 3, "Outcome depends on hub openings now late"),
    "DEL-33": ((1, 3, 2, 2, 1), 1, 1, 4, "Needs 4x the historical rate; public and urgent"),
    "DEL-34": ((2, 3, 2, 2, 1), 1, 3, 3, "Hubs 5-8 late; recruitment risk without mitigation"),
    J["P1"]: ((3, 4, 3, 3, 4), 4, 3, None, None),
    J["O1"]: ((3, 4, 3, 3, 4), 4, 3, None, None),
    J["T1"]: ((3, 4, 4, 3, 4), 4, 4, None, None),
    J["T2"]: ((3, 3, 3, 3, 3), 3, 3, None, None),
    J["S1"]: ((3, 4, 3, 3, 4), 4, 3, None, None),
    J["S2"]: ((3, 3, 3, 2, 3), 3, None, None, None),
    J["P2"]: ((2, 3, 2, 2, 3), 3, 3, None, None),
    J["O2"]: ((2, 3, 2, 2, 3), 3, 3, None, None),
    J["T3"]: ((2, 3, 3, 2, 3), 3, 2, None, None),
    J["S3"]: ((2, 2, 2, 2, 3), 2, 3, 1, "Delivery chain and risk plan missing"),
}

_WHY = {
    "Degree of the challenge": ("needs over 3x the historical rate of change",
        "needs about twice the historical rate", "close to the historical rate",
        "history already moves faster than required"),
    "Quality of planning": ("no owner, milestones or theory of action",
        "gaps in trajectory, risks or milestones", "plan mostly complete; minor gaps",
        "owner, milestones, trajectory and risks in place"),
    "Capacity to drive progress": ("no delivery chain or accountable owner",
        "delivery chain named; key roles unfilled", "roles named along the chain; funded",
        "chain, roles and resources in place"),
    "Stage of delivery": ("planning; milestones slipping", "early implementation; a milestone "
        "overdue", "implementation; milestones on schedule", "late implementation; on schedule"),
    "Evidence of progress": ("far behind trajectory or no recent data",
        "behind trajectory", "near trajectory", "ahead of trajectory"),
}  # fmt: skip
EVIDENCE = {
    "DEL-4": "80.6% on 31 Oct 2025 against 86.7% planned (about 45% of the planned gain)",
    "DEL-33": "58.2% on 30 Apr 2025 against 70% planned; no data for six months",
}


def assessments(arch: Architecture) -> dict[str, Assessment]:
    found = {}
    for key, (marks, likelihood, _, level, reason) in RATINGS.items():
        entity = arch.entities[key]
        judgements = [
            Judgement(name=name, rating=Rating(mark), rationale=_WHY[name][mark - 1])
            for name, mark in zip(JUDGEMENTS, marks, strict=True)
        ]
        if key in EVIDENCE:
            judgements[4] = judgements[4]._replace(rationale=EVIDENCE[key])
        caps = ["a Red strategy drives it"] if key in ("DEL-31", "DEL-30") else []
        found[key] = Assessment(
            key=key,
            kind=str(entity.kind),  # type: ignore[attr-defined]
            name=entity.name,
            assessed_on=TODAY,
            judgements=judgements,
            likelihood=Rating(likelihood),
            caps=caps,
            problem_level=level,
            problem_reason=reason,
        )
    return found


def previous() -> dict[str, Rating]:
    return {key: Rating(spec[2]) for key, spec in RATINGS.items() if spec[2] is not None}


_F = [
    ("RD105", "target-without-strategy", "error", "DEL-9", "target",
     "DEL-9 has no strategy that drives it", "Link a strategy to DEL-9 with 'drives'."),
    ("RD309", "target-without-trajectory", "warning", "DEL-9", "target",
     "DEL-9 has no intermediate targets", "Add a Trajectory line per year to DEL-9."),
    ("RD204", "indicator-not-measurable", "error", "DEL-8", "indicator",
     "DEL-8 has no data source and was never measured", "Name the Data source of DEL-8."),
    ("RD107", "owner-missing", "error", "DEL-7", "outcome",
     "DEL-7 has no accountable owner", "Set Accountable owner on DEL-7 to one person."),
    ("RD107", "owner-missing", "error", "DEL-16", "strategy",
     "DEL-16 has no accountable owner", "Set Accountable owner on DEL-16 to one person."),
    ("RD108", "owner-multiple", "error", "DEL-15", "strategy",
     "DEL-15 has 2 accountable owners: Marc Tremblay, Sophie Leblanc",
     "Keep one person in Accountable owner on DEL-15."),
    ("RD106", "strategy-drives-nothing", "error", "DEL-15", "strategy",
     "DEL-15 drives no target or outcome", "Link DEL-15 to the target it moves, or stop it."),
    ("RD301", "strategy-unbounded", "warning", "DEL-15", "strategy",
     "DEL-15 has no end date", "Set Due date on DEL-15."),
    ("RD303", "strategy-without-milestones", "warning", "DEL-15", "strategy",
     "DEL-15 has no milestones", "Add dated Milestone issues under DEL-15."),
    ("RD303", "strategy-without-milestones", "warning", "DEL-16", "strategy",
     "DEL-16 has no milestones", "Add dated Milestone issues under DEL-16."),
    ("RD302", "strategy-without-rationale", "warning", "DEL-16", "strategy",
     "DEL-16 has no rationale", "Write the theory of action in Rationale on DEL-16."),
    ("RD401", "milestone-overdue", "error", "DEL-12", "milestone",
     "DEL-12 was due 2025-10-15 and is not done", "Finish DEL-12 or re-plan its due date."),
    ("RD402", "off-trajectory", "warning", "DEL-4", "target",
     "DEL-4: 80.6 on 2025-10-31 against 86.7 planned", "Agree a recovery plan in the routine."),
    ("RD401", "milestone-overdue", "error", "DEL-35", "milestone",
     "DEL-35 was due 2025-09-30 and is not done", "Finish DEL-35 or re-plan its due date."),
    ("RD205", "indicator-stale", "warning", "DEL-32", "indicator",
     "DEL-32 was last measured 2025-04-30, 187 days ago", "Load the latest quarter."),
    ("RD206", "target-implausible", "warning", "DEL-33", "target",
     "DEL-33 needs 19.7 points a year; history gives 2.3", "Benchmark the target again."),
    ("RD402", "off-trajectory", "error", "DEL-33", "target",
     "DEL-33: 58.2 on 2025-04-30 against 70.5 planned", "Agree a recovery plan."),
    ("RD308", "risk-without-mitigation", "warning", "DEL-37", "risk",
     "DEL-37 has no mitigation", "Write the Mitigation of DEL-37."),
    ("RD403", "likelihood-fell", "warning", "DEL-34", "strategy",
     "DEL-34 fell from 3 - Amber/Green to 1 - Red", "Set a problem-solving level."),
    ("RD305", "strategy-without-delivery-chain", "warning", J["S2"], "strategy",
     f"{J['S2']} has no delivery chain", "Describe the Delivery chain."),
    ("RD307", "strategy-without-risks", "warning", J["S2"], "strategy",
     f"{J['S2']} has no risks", "Add Risks records linked to the strategy."),
    ("RD305", "strategy-without-delivery-chain", "warning", J["S3"], "strategy",
     f"{J['S3']} has no delivery chain", "Describe the Delivery chain."),
    ("RD308", "risk-without-mitigation", "warning", J["R2"], "risk",
     f"{FORMULA} has no mitigation", "Write the Mitigation of the risk."),
    ("RD902", "unknown-reference", "warning", J["S3"], "strategy",
     f"{J['S3']} drives recZZoutOfScope01, which is not in the mapped scope",
     "Bring recZZoutOfScope01 into the scope of the sync, or remove the link."),
]  # fmt: skip


def findings() -> list[Finding]:
    return [
        Finding(code=code, name=name, severity=Severity(sev), key=key, kind=kind, message=msg,
                fix=fix)
        for code, name, sev, key, kind, msg, fix in _F
    ]  # fmt: skip


RUBRIC = {
    "DEL-1": ((3, 2, 3, 2, 3, 2, 4, 3), {"Strategies": ["RD105", "RD106"],
              "Trajectory": ["RD309"], "Leadership and accountability": ["RD107", "RD108"]}),
    "DEL-30": ((3, 3, 3, 2, 1, 4, 3, 2), {"Trajectory": ["RD206"], "Feedback loops": ["RD205"],
               "Risks": ["RD308"]}),
    J["P1"]: ((4, 4, 3, 4, 4, 4, 4, 3), {"Delivery chain": ["RD305"], "Risks": ["RD307"]}),
}  # fmt: skip


def rubric() -> list[RubricRating]:
    rows = []
    for key, (marks, codes) in RUBRIC.items():
        for criterion, mark in zip(RUBRIC_CRITERIA, marks, strict=True):
            found = codes.get(criterion, []) if mark < 4 else []
            rows.append(RubricRating(priority_key=key, criterion=criterion, rating=Rating(mark),
                                     codes=found))  # fmt: skip
    return rows


def demo_data(department: str | None = None) -> ReportData:
    """The portfolio as the lead will hand it over: one run, and the ratings of the last."""
    arch = architecture()
    return ReportData(
        department=department,
        generated_at=GENERATED,
        data_as_of={
            "jira": datetime(2025, 11, 3, 6, 0, tzinfo=UTC),
            "airtable": datetime(2025, 11, 2, 22, 15, tzinfo=UTC),
        },
        architecture=arch,
        findings=findings(),
        assessments=assessments(arch),
        previous=previous(),
        previous_generated_at=datetime(2025, 9, 8, 8, 30, tzinfo=UTC),
        rubric=rubric(),
    )


# A summary pasted from Word (a vertical tab is its soft line break) ending in the ANSI code
# that hides all later text on a terminal; and how every report shows it.
HIDDEN = "Four-hour target\x0bfor every ED\x1b[8m"
HIDDEN_SHOWN = "Four-hour target for every ED\\x1b[8m"
# Targets whose indicator holds a measurement no chart can draw: infinite, and dated year 1.
UNDRAWABLE = ("DEL-4", "DEL-6")


def hostile_data() -> ReportData:
    """The demo portfolio with HIDDEN as DEL-4's name, and measurements of infinity (DEL-3),
    of 0001-01-01 (DEL-5) and of NaN (Jobs' first indicator), as no reader reads them today."""
    data = demo_data()
    entities = [
        e.model_copy(update={"name": HIDDEN}) if e.key == "DEL-4" else e
        for e in health_entities() + jobs_entities()
    ]
    bad = [
        Measurement(indicator_key="DEL-3", at=d("2025-09-30"), value=float("inf")),
        Measurement(indicator_key="DEL-5", at=date(1, 1, 1), value=3.5),
        Measurement(indicator_key=J["I1"], at=d("2025-10-31"), value=float("nan")),
    ]
    arch = Architecture(entities, measurements() + bad, PROBLEMS)
    return data.model_copy(update={"architecture": arch, "assessments": assessments(arch)})


def demo_html() -> str:
    """The demo report rendered once per test process (it is read, never changed)."""
    return _rendered()[0]


def demo_stocktake_html(priority_key: str = "DEL-30") -> str:
    from reports.html import render_stocktake
    from reports.stocktake import build_pack

    return render_stocktake(build_pack(demo_data(), priority_key))


@cache
def _rendered() -> tuple[str]:
    from reports.document import build_document
    from reports.html import render_report

    return (render_report(build_document(demo_data())),)
