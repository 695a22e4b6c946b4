"""The example portfolio, from the manual's own cases, and the gaps planted in it.

NSW Premier's priorities ("150,000 new jobs", "81% of patients through ED in four hours"),
the UK A&E four-hour target (see and treat, tailored support), and Punjab's two million
vocational skills trainings at about 550,000 a year. Figures are the manual's; dates are moved
into one planning cycle (baselines mid-2024, targets 2026-2027) so that one "as of" date,
2025-06-30, fits all three. `build_examples.py` writes it as raw Jira and Airtable JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

AS_OF = date(2025, 6, 30)

NSW = "NSW Department of Premier and Cabinet"
UK = "UK Department of Health"
PUNJAB = "Punjab Skills Development"

# People: (display name, email, time zone)
PEOPLE = {
    "whitfield": ("Sarah Whitfield", "sarah.whitfield@dpc.nsw.gov.au", "Australia/Sydney"),
    "nguyen": ("Tom Nguyen", "tom.nguyen@dpc.nsw.gov.au", "Australia/Sydney"),
    "mehta": ("Dr Anil Mehta", "anil.mehta@health.nsw.gov.au", "Australia/Sydney"),
    "raman": ("Priya Raman", "priya.raman@health.nsw.gov.au", "Australia/Sydney"),
    "ashby": ("Jonathan Ashby", "jonathan.ashby@dh.gov.uk", "Europe/London"),
    "donovan": ("Claire Donovan", "claire.donovan@dh.gov.uk", "Europe/London"),
    "okafor": ("Dr Ngozi Okafor", "ngozi.okafor@dh.gov.uk", "Europe/London"),
    "malik": ("Ayesha Malik", "ayesha.malik@psdf.org.pk", "Asia/Karachi"),
    "qureshi": ("Imran Qureshi", "imran.qureshi@tevta.gop.pk", "Asia/Karachi"),
    "shah": ("Bilal Shah", "bilal.shah@psdf.org.pk", "Asia/Karachi"),
}

# UTC offsets of each department, for realistic time stamps.
OFFSET = {NSW: "+1000", UK: "+0100", PUNJAB: "+0500"}


@dataclass
class Item:
    """One ticket/record: `ref` is its Jira key; fields use the default scheme's names."""

    ref: str
    kind: str
    name: str
    department: str
    updated: str  # YYYY-MM-DDTHH:MM, local to the department
    parent: str | None = None
    owners: tuple[str, ...] = ()
    fields: dict[str, object] = field(default_factory=dict)
    drives: tuple[str, ...] = ()
    done: bool = False
    history: tuple[tuple[str, float], ...] = ()  # indicator measurements (date, value)


def _strategy_profile(**values: object) -> dict[str, object]:
    names = {
        "start": "Start date",
        "end": "End date",
        "rationale": "Rationale",
        "scale": "Scale",
        "resources": "Resources",
        "success": "Definition of success",
        "chain": "Delivery chain",
        "impact": "Impact",
        "difficulty": "Difficulty",
    }
    return {names[k]: v for k, v in values.items() if v is not None}


def _target(baseline: tuple[str, float], target: tuple[str, float], path: str | None) -> dict:
    found: dict[str, object] = {
        "Baseline date": baseline[0],
        "Baseline value": baseline[1],
        "Target date": target[0],
        "Target value": target[1],
        "Direction": "Increase",
    }
    if path is not None:
        found["Trajectory"] = path
    return found


ITEMS: list[Item] = [
    # -- NSW: Creating jobs ------------------------------------------------------------------
    Item("DEL-1", "Priority", "Creating jobs", NSW, "2025-05-12T10:04", owners=("whitfield",)),
    Item("DEL-2", "Outcome", "More people in work across NSW", NSW, "2025-05-12T10:06",
         parent="DEL-1", owners=("nguyen",)),
    Item("DEL-3", "Indicator", "New jobs created since July 2024", NSW, "2025-06-30T16:42",
         parent="DEL-2",
         fields={"Unit": "jobs", "Data source": "ABS Labour Force Survey, seasonally adjusted"},
         history=(("2024-07-01", 0), ("2024-09-30", 11_800), ("2024-12-31", 22_500),
                  ("2025-03-31", 34_100), ("2025-06-30", 45_900))),
    Item("DEL-4", "Target", "150,000 new jobs created by June 2027", NSW, "2025-02-03T09:15",
         parent="DEL-3",
         fields=_target(("2024-07-01", 0), ("2027-06-30", 150_000),
                        "2025-06-30: 45,000\n2026-06-30: 95,000")),
    # -- NSW: Improving service levels in hospitals -------------------------------------------
    Item("DEL-5", "Priority", "Improving service levels in hospitals", NSW, "2025-04-22T11:30",
         owners=("mehta",)),
    Item("DEL-6", "Outcome", "Shorter waits in emergency departments", NSW, "2025-04-22T11:32",
         parent="DEL-5", owners=("raman",)),
    Item("DEL-7", "Indicator", "Patients through ED in four hours", NSW, "2025-06-27T14:05",
         parent="DEL-6",
         fields={"Unit": "%", "Data source": "Bureau of Health Information, Healthcare Quarterly"},
         history=(("2024-07-01", 74.0), ("2024-09-30", 74.4), ("2024-12-31", 74.9),
                  ("2025-03-31", 75.5), ("2025-06-27", 76.1))),
    Item("DEL-8", "Target", "81% of patients through ED in four hours by June 2027", NSW,
         "2025-02-03T09:40", parent="DEL-7",
         fields=_target(("2024-07-01", 74), ("2027-06-30", 81),
                        "2025-06-30: 76\n2026-06-30: 78.5")),
    # -- UK: A&E four-hour target --------------------------------------------------------------
    Item("DEL-9", "Priority", "Reducing A&E waiting times", UK, "2025-03-18T08:50",
         owners=("ashby",)),
    Item("DEL-10", "Outcome", "Nobody waits more than four hours in A&E", UK, "2025-03-18T08:55",
         parent="DEL-9", owners=("donovan",)),
    Item("DEL-11", "Indicator", "A&E patients seen, treated or admitted within four hours", UK,
         "2025-06-27T17:20", parent="DEL-10",
         fields={"Unit": "%", "Data source": "Weekly A&E situation reports (sitreps)"},
         history=(("2024-07-01", 80.0), ("2024-10-04", 82.1), ("2025-01-03", 84.3),
                  ("2025-04-04", 86.2), ("2025-06-27", 88.0))),
    Item("DEL-12", "Target", "100% of A&E patients within four hours by December 2026", UK,
         "2025-01-14T10:10", parent="DEL-11",
         fields=_target(("2024-07-01", 80), ("2026-12-31", 100), None)),
    # -- Punjab: vocational skills -------------------------------------------------------------
    Item("DEL-13", "Priority", "Vocational skills for Punjab's young people", PUNJAB,
         "2025-03-02T12:00", owners=("malik",)),
    Item("DEL-14", "Outcome", "Young people trained for work", PUNJAB, "2025-03-02T12:05",
         parent="DEL-13"),
    Item("DEL-15", "Indicator", "Vocational skills trainings delivered (cumulative)", PUNJAB,
         "2025-06-16T15:30", parent="DEL-14", fields={"Unit": "trainings"},
         history=(("2024-06-30", 350_000), ("2024-09-30", 488_000), ("2024-12-31", 625_000),
                  ("2025-03-31", 760_000), ("2025-06-15", 880_000))),
    Item("DEL-16", "Target", "2 million vocational skills trainings by June 2027", PUNJAB,
         "2025-01-20T13:45", parent="DEL-15",
         fields=_target(("2024-06-30", 350_000), ("2027-06-30", 2_000_000),
                        "2025-06-30: 900,000\n2026-06-30: 1,450,000")),
    # -- Strategies, milestones, risks ---------------------------------------------------------
    Item("DEL-17", "Strategy", "Fast-track approvals for job-creating investment", NSW,
         "2025-06-02T09:20", owners=("nguyen",), drives=("DEL-4",),
         fields=_strategy_profile(
             start="2024-07-01", end="2027-06-30",
             rationale="Investment stalls in approvals: a single case manager and a 90-day "
             "decision guarantee bring projects, and their jobs, forward by a year.",
             scale="All investment proposals over AUD 10 million across NSW, about 120 a year.",
             resources="A case-management team of 14, AUD 6.2 million a year, a shared "
             "approvals tracker with councils.",
             success="90% of major proposals decided within 90 days; 60,000 of the new jobs "
             "from fast-tracked projects by June 2027.",
             chain="Premier's Implementation Unit → Investment NSW case managers → "
             "councils and planning panels → investors → new jobs.",
             impact="3 - High", difficulty="2 - Moderate")),
    Item("DEL-18", "Milestone", "Case-management team in place", NSW, "2024-12-12T16:00",
         parent="DEL-17", fields={"Due date": "2024-12-15"}, done=True),
    Item("DEL-19", "Milestone", "90-day decision guarantee in force for all councils", NSW,
         "2025-05-28T10:30", parent="DEL-17", fields={"Due date": "2025-09-30"}),
    Item("DEL-20", "Risk", "Councils lack planners to meet the 90-day guarantee", NSW,
         "2025-05-28T10:45", parent="DEL-17",
         fields={"Mitigation": "Fund 25 surge planners placed with the ten busiest councils; "
                 "escalate every proposal at day 60."}),
    Item("DEL-21", "Strategy", "Scale up 'see and treat' in every A&E", UK, "2025-06-20T11:00",
         owners=("okafor",), drives=("DEL-12",),
         fields=_strategy_profile(
             start="2024-07-01", end="2026-12-31",
             rationale="Treating minor injuries at the triage point and sending patients home "
             "radically shortens waits; well-run A&Es that adopted it improved fastest.",
             scale="All 200+ A&E departments in England.",
             resources="Clinical leads in every trust, a national support team of 30, "
             "GBP 40 million for redesigned triage areas.",
             success="See and treat running in every A&E; minors seen within one hour.",
             chain="Department of Health → Emergency Care Intensive Support Team → trust "
             "chief executives → A&E clinical leads → triage nurses and doctors → patients.",
             impact="4 - Very high", difficulty="3 - Hard")),
    Item("DEL-22", "Milestone", "See and treat running in the first 60 A&E departments", UK,
         "2025-01-30T15:10", parent="DEL-21", fields={"Due date": "2025-01-31"}, done=True),
    Item("DEL-23", "Milestone", "See and treat running in all A&E departments", UK,
         "2025-06-20T11:05", parent="DEL-21", fields={"Due date": "2025-12-31"}),
    Item("DEL-24", "Risk", "Senior clinicians not available at triage out of hours", UK,
         "2025-06-20T11:10", parent="DEL-21"),
    Item("DEL-25", "Strategy", "Tailored support for struggling A&Es", UK, "2025-06-11T09:00",
         owners=("ashby", "donovan"), drives=("DEL-12",),
         fields=_strategy_profile(
             start="2024-09-01", end="2026-06-30",
             rationale="A few trusts hold most of the long waits; hands-on support and the "
             "A&E indicator in hospital star ratings move them fastest.",
             scale="The 20 lowest-performing acute trusts.",
             resources="Six intensive support teams, GBP 12 million incentive scheme.",
             success="Every supported trust above 95% within four hours by June 2026.",
             chain="Department of Health → regional directors → intensive support teams → "
             "trust boards → A&E departments.",
             impact="3 - High", difficulty="3 - Hard")),
    Item("DEL-26", "Milestone", "Support teams placed in the 20 lowest-performing trusts", UK,
         "2025-06-11T09:05", parent="DEL-25", fields={"Due date": "2025-09-30"}),
    Item("DEL-27", "Risk", "Incentive payments reward gaming of the four-hour clock", UK,
         "2025-06-11T09:10", parent="DEL-25",
         fields={"Mitigation": "Audit a sample of breaches in each trust every quarter; pay "
                 "incentives on audited figures only."}),
    Item("DEL-28", "Strategy", "Commission trainings through private providers", PUNJAB,
         "2025-05-05T10:00", owners=("shah",), drives=("DEL-16",),
         fields=_strategy_profile(
             start="2024-07-01", end="2027-06-30",
             rationale="Private providers paid per trainee who completes and finds work can "
             "add places faster than new institutes can be built.",
             scale="All 36 districts; about 300,000 trainings a year.",
             resources="PKR 9 billion a year through the skills fund; 40 staff for "
             "commissioning and third-party monitoring.",
             success="300,000 trainings a year by 2025-26, 60% of graduates employed within "
             "six months.",
             chain="Chief Minister's delivery unit → skills fund → private training providers "
             "→ trainees → employers.",
             impact="4 - Very high", difficulty="2 - Moderate")),
    Item("DEL-29", "Risk", "Providers enrol trainees who never attend", PUNJAB,
         "2025-05-05T10:05", parent="DEL-28",
         fields={"Mitigation": "Biometric attendance at every session; payment only for "
                 "verified attendance and completion."}),
    Item("DEL-30", "Strategy", "Double-shift training at TEVTA institutes", PUNJAB,
         "2025-06-16T15:45", owners=("qureshi",), drives=("DEL-16",),
         fields=_strategy_profile(
             start="2024-07-01", end="2027-06-30",
             rationale="Institutes stand empty half the day; a second shift adds places "
             "without new buildings.",
             scale="All 400 TEVTA institutes.",
             resources="1,200 additional instructors; PKR 3 billion a year.",
             success="250,000 trainings a year from second shifts by 2025-26.",
             chain="Chief Minister's delivery unit → TEVTA → district managers → institute "
             "principals → instructors → trainees.",
             impact="3 - High", difficulty="2 - Moderate")),
    Item("DEL-31", "Milestone", "Second shift running in 200 institutes", PUNJAB,
         "2025-03-28T12:30", parent="DEL-30", fields={"Due date": "2025-03-31"}, done=True),
    Item("DEL-32", "Milestone", "Second shift running in all 400 institutes", PUNJAB,
         "2025-06-16T15:50", parent="DEL-30", fields={"Due date": "2025-12-31"}),
    Item("DEL-33", "Risk", "Not enough qualified instructors for a second shift", PUNJAB,
         "2025-06-16T15:55", parent="DEL-30",
         fields={"Mitigation": "Hire instructors from industry on fixed-term contracts; "
                 "train-the-trainer courses each quarter."}),
]  # fmt: skip

# The planted gaps: (code, Jira key, what). examples/README.md lists the same set.
PLANTED: list[tuple[str, str, str]] = [
    ("RD105", "DEL-8", "the ED four-hour target has no strategy that drives it"),
    ("RD107", "DEL-14", "the Punjab outcome has no accountable owner"),
    ("RD108", "DEL-25", "tailored A&E support has two accountable owners"),
    ("RD204", "DEL-15", "the Punjab trainings indicator names no data source"),
    ("RD303", "DEL-28", "commissioning private providers has no milestones"),
    ("RD308", "DEL-24", "the out-of-hours triage risk has no mitigation"),
    ("RD309", "DEL-12", "the A&E target has no trajectory (intermediate targets)"),
]
