"""Demo content for focus and coordination: items other priorities wait on, and all the work.

`BLOCKS` are "blocks" links between milestones of different priorities (Jira's Blocks link
type, Airtable's `Blocks` field); `WORK` is every epic of the departments' projects, some
serving a strategy of the plan and some serving none (the wider scope a source may read).
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.sandbox.seeds.draft import HEALTH, JOBS

# (blocker, blocked): the blocked milestone cannot finish before the blocker does.
BLOCKS: tuple[tuple[str, str], ...] = (
    ("S1-M2", "S10-M2"),  # patient feedback on every ward waits on see-and-treat in all EDs
    ("S4-M2", "S8-M2"),  # family preservation referrals wait on offenders under monitoring
    ("S16-M2", "S14-M2"),  # the second training intake waits on the transition courses
    ("S13-M2", "S15-M2"),  # district attendance counts need biometric attendance first
    ("S8-M2", "S5-M2"),  # men's programme enrolments come from family preservation referrals
)
# The blockers whose strategy the demo rates Amber/Red: RD408 must flag them (an assessment
# rule: not in `Portfolio.planted`, which the architecture rules alone must find).
AT_RISK: tuple[str, ...] = ("S8-M2",)

# A strategy that drives the targets of two priorities, and one run for another department.
EXTRA_DRIVES: dict[str, tuple[str, ...]] = {"S14": ("P6-O1-I1-T1",)}
DEPARTMENT_OF: dict[str, str] = {"S9": JOBS}


@dataclass(frozen=True)
class WorkItem:
    """An epic of the departments' projects: `serves` is the strategy it is linked to, if any."""

    ref: str
    name: str
    department: str
    team: str
    effort: float
    serves: str | None


WORK: tuple[WorkItem, ...] = (
    WorkItem("W1", "See-and-treat rota in the 40 largest EDs", HEALTH, "Acute care", 120, "S1"),
    WorkItem("W2", "Triage nurse recruitment round", HEALTH, "Acute care", 80, "S1"),
    WorkItem("W3", "Ward feedback kiosks", HEALTH, "Patient experience", 60, "S10"),
    WorkItem("W4", "GPS tag supplier onboarding", HEALTH, "Community safety", 40, "S4"),
    WorkItem("W5", "Active Kids voucher app release 3", HEALTH, "Healthy living", 50, "S6"),
    WorkItem("W6", "Hospital car park signage refresh", HEALTH, "Estates", 90, None),
    WorkItem("W7", "Intranet redesign", HEALTH, "Corporate services", 150, None),
    WorkItem("W8", "Legacy rostering system upgrade", HEALTH, "Acute care", 110, None),
    WorkItem("W9", "Payroll tax rebate claim portal", JOBS, "Business support", 70, "S11"),
    WorkItem("W10", "ePlanning council integrations", JOBS, "Planning", 100, "S12"),
    WorkItem("W11", "Training voucher employer portal", JOBS, "Skills", 60, "S14"),
    WorkItem("W12", "Return and Earn network tender", JOBS, "Environment", 45, "S19"),
    WorkItem("W13", "Annual conference 2027", JOBS, "Corporate services", 130, None),
    WorkItem("W14", "Office move to Parramatta", JOBS, "Corporate services", 200, None),
    WorkItem("W15", "Skills data warehouse", JOBS, "Skills", 40, "S13"),
    WorkItem("W16", "Teacher leader network website", JOBS, "Education", 20, "S17"),
)
