"""Demo content, Department of Health and Social Services: UK A&E and NSW cases made present.

Months are counted from the anchor (negative = past). Most plans are sound; each planted gap
is named with `plant=` so the tests and the seeders' readers know what the rules must find.
"""

from __future__ import annotations

from connector.sandbox.seeds.draft import HEALTH, Draft, text

EDIS = "Emergency Department Information System (EDIS), monthly extract"


def emergency_care(d: Draft) -> None:
    """UK A&E four-hour target, adopted as NSW 'Improving service levels in hospitals'."""
    d.labels = ("ae-four-hours",)
    d.priority("P1", "Faster emergency care", ["amara"])
    d.outcome(
        "P1-O1", "Patients are seen, treated, admitted or discharged within four hours", ["liam"]
    )
    # Summer-2002 shape: flat for a year and a half, then see-and-treat starts to bite.
    d.indicator(
        "P1-O1-I1",
        "Share of ED patients through the department within four hours",
        "%",
        EDIS,
        [(-30, 78.4), (-14, 79.3), (-1, 84.4)],
        amp=0.3,
    )
    d.target(
        "P1-O1-I1-T1",
        "95% of patients through ED within four hours",
        [(-30, 78.4), (30, 95.0)],
        "Increase",
        plant=("RD402",),
    )
    d.indicator(
        "P1-O1-I2",
        "Median time from triage to start of treatment",
        "minutes",
        EDIS,
        [(-30, 52.0), (18, 30.0)],
        digits=0,
        amp=0.8,
    )
    d.target(
        "P1-O1-I2-T1",
        "Median triage-to-treatment time of 30 minutes",
        [(-30, 52.0), (18, 30.0)],
        "Decrease",
    )
    d.indicator(
        "P1-O1-I3",
        "Ambulance patients handed over within 30 minutes",
        "%",
        "Ambulance Service transfer-of-care data matched to EDIS",
        [(-30, 81.0), (-1, 86.2)],
        amp=0.4,
        plant=("RD104",),
    )
    d.strategy(
        "S1",
        "See and treat at triage in every emergency department",
        ["liam"],
        ("P1-O1-I1-T1", "P1-O1-I2-T1"),
        (-16, 20),
        text(
            "Minor injuries are most ED attendances; treating them at the triage point frees "
            "cubicles and senior decision-makers for the acutely ill.",
            "All 220 emergency departments in 15 Local Health Districts",
            "$38M over three years; 410 FTE nurse practitioner and triage training places",
            "Every ED runs see-and-treat 08:00-24:00; 90% of minor injuries leave within 2 hours",
            "Department → 15 Local Health Districts → 220 EDs → nurse unit managers → triage"
            " nurses",
        ),
        impact=4,
        difficulty=3,
    )
    d.milestone("S1-M1", "See-and-treat pilot running in 12 EDs", -11, True)
    d.milestone("S1-M2", "See-and-treat live in all 220 EDs", 2, False)
    d.milestone("S1-M3", "Independent evaluation of see-and-treat published", 10, False)
    d.risk(
        "S1-R1",
        "Triage nurses cannot be released for training during winter surge",
        "Train in the summer trough; backfill from the state nursing pool",
    )
    d.strategy(
        "S2",
        "Four-hour performance in hospital star ratings and an incentive fund",
        ["amara"],
        ("P1-O1-I1-T1",),
        (-12, 24),
        text(
            "Boards act on what they are rated on; a fund for hospitals on track rewards the "
            "management that well-performing EDs share.",
            "All 15 Local Health Districts and their 77 hospitals with an ED",
            "$25M a year incentive fund; 3 analysts in the System Performance branch",
            "Four-hour performance is a published star-rating measure and the fund pays out twice",
            "",
        ),
        impact=3,
        difficulty=2,
        omit=("Delivery chain",),
        plant=("RD305",),
    )
    d.milestone(
        "S2-M1",
        "Four-hour measure published in quarterly hospital star ratings",
        -2,
        False,
        plant=("RD401",),
    )
    d.milestone("S2-M2", "First incentive payments to hospitals on trajectory", 4, False)
    d.risk(
        "S2-R1",
        "Hospitals game the clock by admitting patients to short-stay units",
        "Audit short-stay admissions each quarter; publish admission rates beside the measure",
    )
    d.strategy(
        "S3",
        "Upgrade hospital car parks",
        ["liam"],
        (),
        (-6, 18),
        text(
            "Patients and visitors complain about parking more than anything else in surveys.",
            "9 metropolitan hospitals",
            "$64M capital from the Health Infrastructure program",
            "1,800 extra spaces open and parking complaints halved",
            "Department → Health Infrastructure → 9 hospital general managers → contractors",
        ),
        impact=1,
        difficulty=2,
        plant=("RD106",),
    )
    d.milestone("S3-M1", "Contracts let for the first four car parks", -1, True)
    d.milestone("S3-M2", "First 600 spaces open", 8, False)
    d.risk(
        "S3-R1",
        "Construction costs rise above the tender estimate",
        "Fixed-price contracts with staged delivery",
    )


def safer_families(d: Draft) -> None:
    """NSW 'Reducing domestic violence': 5% fewer domestic violence re-offenders."""
    d.labels = ("nsw-premiers-priorities",)
    d.priority("P2", "Safer families: fewer domestic violence re-offenders", ["nadia"])
    d.outcome("P2-O1", "Victims are safer because offenders do not re-offend", ["sofia"])
    # Court data arrive with a long lag: the last figure is eight months old (planted stale),
    # and it runs ahead of plan so that staleness is the only thing wrong with it.
    plan = [(-26, 5840.0), (22, 5548.0)]
    d.indicator(
        "P2-O1-I1",
        "Domestic violence re-offenders within 12 months (rolling count)",
        "offenders",
        "Bureau of Crime Statistics and Research (BOCSAR) re-offending dataset",
        [(m - 8, v) for m, v in plan],
        first=-32,
        last=-8,
        digits=0,
        amp=6.0,
        plant=("RD205",),
    )
    d.target("P2-O1-I1-T1", "5% fewer domestic violence re-offenders", plan, "Decrease")
    d.strategy(
        "S4",
        "GPS monitoring of high-risk domestic violence offenders",
        ["sofia"],
        ("P2-O1-I1-T1",),
        (-18, 18),
        text(
            "Offenders who know they are watched breach orders less; victims get an early alert.",
            "The 1,200 highest-risk offenders on parole or bail across all 14 police districts",
            "$22M over three years; 24 monitoring officers in Corrective Services",
            "1,200 offenders monitored and breaches of apprehended violence orders down by a third",
            "Department → Corrective Services → 14 community corrections offices → officers",
        ),
        impact=3,
        difficulty=3,
    )
    d.milestone("S4-M1", "Monitoring centre operating 24/7", -10, True)
    d.milestone("S4-M2", "1,200 offenders under monitoring", 3, False)
    d.risk(
        "S4-R1",
        "Device tampering goes unnoticed overnight",
        "Automatic police dispatch on tamper alarms",
    )
    d.strategy(
        "S5",
        "Men's behaviour change programs in community corrections",
        ["sofia"],
        ("P2-O1-I1-T1",),
        (-12, 24),
        text(
            "",
            "All 46 community corrections offices; 3,000 participants a year",
            "$9M a year; 60 accredited facilitators",
            "3,000 completions a year and re-offending of completers 20% below non-completers",
            "Department → Corrective Services → 46 offices → program facilitators → participants",
        ),
        impact=2,
        difficulty=3,
        omit=("Rationale",),
        plant=("RD302",),
    )
    d.milestone("S5-M1", "Program accredited by the expert panel", -8, True)
    d.milestone("S5-M2", "3,000 participants enrolled", 6, False)
    d.risk(
        "S5-R1",
        "Participants drop out after release from custody",
        "Court-ordered attendance as a parole condition",
    )


def healthy_children(d: Draft) -> None:
    """NSW 'Tackling childhood obesity': 5% fewer overweight or obese kids."""
    d.priority("P3", "Healthy children: fewer overweight or obese kids", ["priya"])
    d.outcome("P3-O1", "Children grow up at a healthy weight", ["priya"])
    d.indicator(
        "P3-O1-I1",
        "Children aged 5-16 who are overweight or obese",
        "%",
        "NSW Population Health Survey, child module",
        [(-30, 21.9), (42, 20.8)],
        digits=2,
        amp=0.02,
    )
    d.target(
        "P3-O1-I1-T1",
        "5% fewer overweight or obese children",
        [(-30, 21.9), (42, 20.8)],
        "Decrease",
    )
    d.indicator(
        "P3-O1-I2",
        "Minutes of moderate-to-vigorous activity per school day",
        "minutes",
        None,
        None,
        plant=("RD204",),
    )
    d.target(
        "P3-O1-I2-T1", "60 active minutes every school day", [(-14, 34.0), (30, 60.0)], "Increase"
    )
    d.strategy(
        "S6",
        "Active Kids: sport vouchers and daily physical activity in schools",
        ["priya"],
        ("P3-O1-I1-T1", "P3-O1-I2-T1"),
        (-20, 28),
        text(
            "Activity habits form in primary school; cost is the main barrier to organised sport.",
            "2,200 public primary schools; a $100 voucher for every school-age child",
            "$207M a year for vouchers; 40 school sport officers",
            "80% of children use a voucher and schools log 60 active minutes a day",
            "Department → Office of Sport and Education → 8 regions → principals → class teachers",
        ),
        impact=3,
        difficulty=2,
    )
    d.milestone("S6-M1", "Voucher platform live for families", -14, True)
    d.milestone("S6-M2", "Daily activity logged in 2,200 schools", 5, False)
    d.risk(
        "S6-R1",
        "Vouchers are taken up mostly by already active families",
        "Target promotion at schools in the lowest two income quintiles",
    )
    d.strategy(
        "S7",
        "Get Healthy coaching for families of overweight children",
        ["priya"],
        ("P3-O1-I1-T1",),
        (-10, 26),
        text(
            "Telephone coaching changed adults' diet and activity in trials; families decide"
            " what children eat.",
            "8,000 families a year referred by GPs and school nurses",
            "$6M a year; 35 health coaches",
            "8,000 families coached a year and half of children reduce BMI z-score after 6 months",
            "Department → Get Healthy Service → GPs and school nurses refer → coaches → families",
        ),
        impact=2,
        difficulty=2,
        plant=("RD303",),
    )
    d.risk(
        "S7-R1",
        "GPs do not refer",
        "Referral prompt in GP practice software; quarterly referral reports per practice",
    )


def protecting_children(d: Draft) -> None:
    """NSW 'Protecting our kids' and 'Reducing youth homelessness'."""
    d.priority("P4", "Children and young people safe and housed", ["owen"])
    d.outcome(
        "P4-O1",
        "Children at risk of significant harm are kept safe at home",
        ["owen", "grace"],
        plant=("RD108",),
    )
    d.indicator(
        "P4-O1-I1",
        "Children re-reported at risk of significant harm within 12 months",
        "children",
        "ChildStory case management system",
        [(-28, 3450.0), (20, 2933.0)],
        digits=0,
        amp=10.0,
    )
    d.target(
        "P4-O1-I1-T1",
        "15% fewer children re-reported at risk of significant harm",
        [(-28, 3450.0), (20, 2933.0)],
        "Decrease",
        omit=("Trajectory",),
        plant=("RD309",),
    )
    d.outcome(
        "P4-O2", "Young people leaving care or crisis have a stable home", [], plant=("RD107",)
    )
    d.indicator(
        "P4-O2-I1",
        "Young people exiting homelessness services into long-term accommodation",
        "%",
        "Specialist Homelessness Services collection (AIHW)",
        [(-30, 28.5), (18, 31.4)],
        amp=0.1,
    )
    d.target(
        "P4-O2-I1-T1",
        "10% more young people in long-term accommodation",
        [(-30, 28.5), (18, 31.4)],
        "Increase",
    )
    d.strategy(
        "S8",
        "Intensive family preservation for families at risk",
        ["owen"],
        ("P4-O1-I1-T1",),
        (-15, 21),
        text(
            "Twelve weeks of intensive in-home support keeps children safe without removal.",
            "1,500 families a year in the 6 districts with the highest re-report rates",
            "",
            "1,500 families a year complete the program; 70% without a re-report within a year",
            "Department → 6 districts → accredited NGO providers → family workers → families",
        ),
        impact=3,
        difficulty=4,
        omit=("Resources",),
        plant=("RD306",),
    )
    d.milestone("S8-M1", "NGO providers contracted in 6 districts", -9, True)
    d.milestone("S8-M2", "1,000 families through the program", 4, False)
    d.risk(
        "S8-R1",
        "Providers cannot recruit qualified family workers in regional districts",
        "Relocation incentives and a traineeship pathway",
    )
    d.strategy(
        "S9",
        "Youth housing transition support",
        ["grace"],
        ("P4-O2-I1-T1",),
        (-14, 22),
        text(
            "Young people leave crisis accommodation for the street when no tenancy is lined up.",
            "2,000 young people a year leaving out-of-home care or youth refuges",
            "$18M a year rent subsidies; 50 transition caseworkers",
            "2,000 young people a year placed in a tenancy that lasts 12 months",
            "Department → Housing and Homelessness → 28 youth services → caseworkers → landlords",
        ),
        impact=3,
        difficulty=3,
    )
    d.milestone("S9-M1", "Rent Choice Youth subsidy open statewide", -8, True)
    d.milestone("S9-M2", "Head-lease agreements with community housing providers signed", 2, False)
    d.risk(
        "S9-R1",
        "Private rents outpace the subsidy cap",
        "Annual indexation of the cap to the rent index",
    )
    d.risk("S9-R2", "Young people lose tenancies in the first three months", None, plant=("RD308",))


def patient_experience(d: Draft) -> None:
    """NSW 'Improving government services', as patient satisfaction."""
    d.priority("P5", "Better patient experience in public hospitals", ["chloe"])
    d.outcome("P5-O1", "Patients rate their hospital care highly", ["chloe"])
    d.indicator(
        "P5-O1-I1",
        "Admitted patients rating their care 'very good' or 'good'",
        "%",
        "Bureau of Health Information, Adult Admitted Patient Survey",
        [(-30, 84.0), (30, 90.0)],
        amp=0.15,
    )
    d.target(
        "P5-O1-I1-T1",
        "90% of admitted patients rate their care good or very good",
        [(-30, 84.0), (30, 90.0)],
        "Increase",
        omit=("Target date",),
        plant=("RD201",),
    )
    d.target(
        "T1",
        "ED patients rating their care 'very good' up two points a year",
        [(-12, 58.0), (24, 64.0)],
        "Increase",
        parent=None,
        plant=("RD103",),
    )
    d.outcome(
        "P5-O2", "Every hospital publishes what its patients tell it", ["chloe"], plant=("RD102",)
    )
    d.strategy(
        "S10",
        "Real-time patient feedback on every ward",
        ["chloe"],
        ("P5-O1-I1-T1", "T1"),
        (-9, 15),
        text(
            "Wards fix what they hear about this week, not what a survey reports next year.",
            "All 1,100 wards and 220 EDs",
            "$4M for tablets and the platform; one patient experience officer per district",
            "",
            "Department → 15 districts → patient experience officers → nurse unit managers",
        ),
        impact=2,
        difficulty=2,
        omit=("Definition of success",),
        plant=("RD310",),
    )
    d.milestone("S10-M1", "Feedback platform live in 3 pilot districts", -4, True)
    d.milestone("S10-M2", "Feedback live on every ward", 6, False)
    d.risk(
        "S10-R1",
        "Staff see feedback as blame",
        "Unit managers share 'you said, we did' boards; no individual names",
    )


def health(d: Draft) -> None:
    d.department = HEALTH
    for section in (
        emergency_care,
        safer_families,
        healthy_children,
        protecting_children,
        patient_experience,
    ):
        section(d)
