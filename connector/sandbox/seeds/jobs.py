"""Demo content, Department of Jobs, Skills and Communities: NSW, Punjab and Kentucky made present.

Six priorities, one more than the default "few", so RD109 fires for this department.
"""

from __future__ import annotations

from datetime import timedelta

from connector.sandbox.seeds.draft import JOBS, Draft, text


def creating_jobs(d: Draft) -> None:
    """NSW 'Creating jobs': 150,000 new jobs."""
    d.labels = ("nsw-premiers-priorities",)
    d.priority("P6", "Creating jobs", ["ethan"], plant=("RD109",))
    d.outcome("P6-O1", "More people in work across the state", ["ethan"])
    plan = [(-34, 0.0), (14, 150000.0)]
    d.indicator(
        "P6-O1-I1",
        "New jobs created since the baseline (cumulative)",
        "jobs",
        "ABS Labour Force Survey, seasonally adjusted employment",
        plan,
        first=-34,
        digits=-2,
        amp=600.0,
    )
    d.target("P6-O1-I1-T1", "150,000 new jobs", plan, "Increase")
    d.strategy(
        "S11",
        "Jobs Action Plan payroll tax rebate for new hires",
        ["ethan"],
        ("P6-O1-I1-T1",),
        (-30, 14),
        text(
            "A $5,000 rebate per net new hire tips small firms' hiring decisions at the margin.",
            "Every business with a net increase in full-time staff; about 40,000 claims a year",
            "$480M in forgone payroll tax over four years; 12 Revenue NSW staff",
            "40,000 rebates a year paid within 30 days of claim",
            "Treasury → Revenue NSW → payroll tax system → employers → new employees",
        ),
        impact=3,
        difficulty=2,
        omit=("Start date",),
        plant=("RD301",),
    )
    d.milestone("S11-M1", "Rebate claims open online", -28, True)
    d.milestone(
        "S11-M2", "Evaluation of additionality by the Centre for Economic Analysis", 5, False
    )
    d.risk(
        "S11-R1",
        "Rebates pay for hiring that would have happened anyway",
        "Net-increase test against the previous year's headcount",
    )


def housing_approvals(d: Draft) -> None:
    """NSW 'Faster housing approvals': 90% determined within 40 days (date passed, just short)."""
    d.priority("P7", "Faster housing approvals", ["mateo"], plant=("RD109",))
    d.outcome("P7-O1", "Families can build a home without waiting months for approval", ["mateo"])
    d.indicator(
        "P7-O1-I1",
        "Housing development applications determined within 40 days",
        "%",
        "NSW Planning Portal, council DA performance data",
        [(-38, 71.0), (-2, 88.9), (-1, 89.1)],
        first=-36,
        amp=0.2,
    )
    d.target(
        "P7-O1-I1-T1",
        "90% of housing approvals determined within 40 days",
        [(-38, 71.0), (-2, 90.0)],
        "Increase",
        plant=("RD207",),
    )
    d.strategy(
        "S12",
        "ePlanning: online lodgement and tracking of development applications",
        ["mateo"],
        ("P7-O1-I1-T1",),
        (-36, -3),
        text(
            "Paper lodgement and manual referrals add weeks; online lodgement shows delays.",
            "All 128 councils and 21 state referral agencies",
            "$90M over three years; 30 ePlanning staff and council onboarding grants",
            "Every council takes applications through the Planning Portal",
            "Department of Planning → 128 councils → planning officers → applicants",
        ),
        impact=4,
        difficulty=3,
        done=True,
    )
    d.milestone("S12-M1", "Planning Portal lodgement mandatory for all councils", -20, True)
    d.milestone("S12-M2", "Council league table of determination times published", -6, True)
    d.risk(
        "S12-R1",
        "Small councils lack staff to onboard",
        "Onboarding grants and a Department help desk",
    )


def skills(d: Draft) -> None:
    """Punjab's skills roadmap: about 550,000 trainings a year towards 2 million."""
    d.labels = ("punjab-skills",)
    d.priority("P8", "Skills for work", ["grace"], plant=("RD109",))
    d.outcome("P8-O1", "Young people gain the skills employers hire for", ["grace"])
    plan = [(-26, 0.0), (-14, 420000.0), (-2, 980000.0), (10, 1560000.0), (18, 2000000.0)]
    d.indicator(
        "P8-O1-I1",
        "Vocational skills trainings completed (cumulative)",
        "trainings",
        "Skills Training Management Information System",
        plan,
        first=-26,
        digits=-3,
        amp=4000.0,
    )
    d.target(
        "P8-O1-I1-T1", "2 million vocational skills trainings", plan, "Increase", stops=plan[1:-1]
    )
    # The Chief Minister's stock take agreed Amber/Green, a level below the evidence, until the
    # contracts are renewed: shown beside rdsync's own rating, and used in the heat map while
    # no new evidence arrives.
    d.mark(
        "P8-O1-I1-T1",
        **{
            "Agreed likelihood": "3 - Amber/Green",
            "Agreed on": d.anchor - timedelta(days=10),
            "Agreed note": "On trajectory; Green once the results contracts are renewed.",
        },
    )
    d.indicator(
        "P8-O1-I2",
        "Graduates employed within six months of training",
        "%",
        "Tracer survey of training graduates (quarterly sample)",
        [(-24, 41.0), (12, 50.0)],
        first=-25,
        amp=0.3,
    )
    d.target(
        "P8-O1-I2-T1",
        "More graduates in work within six months",
        [(-24, 41.0), (12, 50.0)],
        "Increase",
        stops=[(-12, 44.0), (0, 47.0)],
        omit=("Target value",),
        plant=("RD202",),
    )
    d.strategy(
        "S13",
        "Commissioned training through accredited providers",
        ["david"],
        ("P8-O1-I1-T1",),
        (-26, 18),
        text(
            "Providers paid per completed training expand places fastest where demand is.",
            "1,100 accredited institutes in 36 districts; 450,000 places a year",
            "$120M a year in payment-by-results contracts; 20 contract managers",
            "450,000 completions a year with 95% verified by biometric attendance",
            "Skills Department → 36 district officers → 1,100 institutes → instructors → trainees",
        ),
        impact=4,
        difficulty=3,
        plant=("RD404",),
    )
    d.milestone("S13-M1", "Payment-by-results contracts signed for year 2", -14, True)
    d.milestone("S13-M2", "Biometric attendance in every institute", 2, False)
    d.risk(
        "S13-R1",
        "Providers inflate completions",
        "Third-party spot checks of 5% of trainees each quarter",
    )
    d.strategy(
        "S14",
        "Industry-led training vouchers",
        ["david"],
        ("P8-O1-I1-T1", "P8-O1-I2-T1"),
        (-20, 16),
        text(
            "Employers who choose the course hire its graduates.",
            "100,000 vouchers a year through 12 industry skills councils",
            "$30M a year; 8 staff in the voucher unit",
            "100,000 vouchers redeemed a year; 60% of graduates employed within six months",
            "Skills Department → 12 industry skills councils → employers → trainees",
        ),
        impact=3,
        difficulty=2,
        plant=("RD404",),
    )
    d.milestone("S14-M1", "Voucher scheme open to employers", -17, True)
    d.milestone("S14-M2", "Second intake with textile and construction councils", 3, False)
    d.risk(
        "S14-R1",
        "Vouchers concentrate in the two largest cities",
        "District quotas for half of all vouchers",
    )


def college_readiness(d: Draft) -> None:
    """Kentucky: college and career readiness from 34% to 67%, steady gains."""
    d.labels = ("kentucky-ccr",)
    d.priority("P9", "College and career ready graduates", ["david"], plant=("RD109",))
    d.outcome("P9-O1", "High school graduates enter college or work without remediation", ["david"])
    d.indicator(
        "P9-O1-I1",
        "Graduates who are college and career ready",
        "%",
        "State school report card, accountability data",
        [(-30, 34.0), (42, 67.0)],
        amp=0.4,
    )
    d.target(
        "P9-O1-I1-T1",
        "67% of graduates college and career ready",
        [(-30, 34.0), (42, 67.0)],
        "Increase",
    )
    d.indicator(
        "P9-O1-I2",
        "Four-year cohort graduation rate",
        "%",
        "State school report card, accountability data",
        [(-30, 86.0), (30, 90.0)],
        amp=0.1,
    )
    d.target(
        "P9-O1-I2-T1",
        "90% four-year graduation rate",
        [(-30, 86.0), (30, 90.0)],
        "Increase",
        plant=("RD105",),
    )
    chain = (
        "Department of Education → 8 regional cooperatives → 173 district teams → principals"
        " → teachers"
    )
    d.strategy(
        "S15",
        "Monthly regional implementation gatherings for district teams",
        ["david"],
        ("P9-O1-I1-T1",),
        (-28, 20),
        text(
            "Districts invited, not mandated, learn from each other and tell the state what works.",
            "8 regions, 173 districts, a gathering every month",
            "$3M a year; 16 content experts deployed to the regions",
            "160 of 173 districts attend at least 10 gatherings a year",
            chain,
        ),
        impact=3,
        difficulty=2,
        plant=("RD404",),
    )
    d.milestone("S15-M1", "Gatherings running in all 8 regions", -20, True)
    d.milestone("S15-M2", "District attendance above 150 of 173", 1, False)
    d.risk(
        "S15-R1",
        "Rural districts cannot release teams for a day",
        "Rotate venues and stream sessions",
    )
    d.strategy(
        "S16",
        "Senior-year transition courses for students not yet ready",
        ["david"],
        ("P9-O1-I1-T1",),
        (-24, 24),
        text(
            "Students below benchmark in grade 11 can still reach readiness in a targeted course.",
            "Every high school; about 18,000 seniors a year",
            "$11M a year; course materials and teacher training",
            "70% of course takers reach the readiness benchmark by graduation",
            chain,
        ),
        impact=4,
        difficulty=3,
        plant=("RD404",),
    )
    d.milestone("S16-M1", "Transition courses approved for credit", -18, True)
    d.milestone("S16-M2", "Courses offered in every high school", 4, False)
    d.risk(
        "S16-R1",
        "Schools place students late in the year",
        "Placement by the end of grade 11 using the spring test",
    )
    d.strategy(
        "S17",
        "Teacher leader networks in mathematics and English",
        ["david"],
        ("P9-O1-I1-T1",),
        (-22, 26),
        text(
            "Teachers change practice when peers they trust model it in their own classrooms.",
            "1,200 teacher leaders, at least one per high school",
            "$5M a year for stipends and release time",
            "Every high school has a teacher leader trained in the new standards",
            chain,
        ),
        impact=3,
        difficulty=3,
        plant=("RD404",),
    )
    d.milestone("S17-M1", "First cohort of 600 teacher leaders trained", -12, True)
    d.milestone("S17-M2", "Second cohort trained", 6, False)
    d.risk(
        "S17-R1",
        "Teacher leaders leave for administration",
        "Stipend tied to two years in the role",
    )


def clean_environment(d: Draft) -> None:
    """NSW 'Keeping our environment clean': 40% less litter, planned as a hockey stick."""
    d.labels = ("nsw-premiers-priorities",)
    d.priority("P10", "Keeping our environment clean", ["nadia"], plant=("RD109",))
    d.outcome("P10-O1", "Streets, parks and waterways free of litter", ["nadia"])
    plan = [(-24, 60.0), (-12, 58.5), (0, 56.5), (6, 47.0), (12, 36.0)]
    d.indicator(
        "P10-O1-I1",
        "Key Littering Index: litter items per 1,000 square metres",
        "items/1,000 m2",
        "Keep Australia Beautiful National Litter Index survey",
        [(-24, 60.0), (-12, 58.3), (-1, 56.2)],
        first=-25,
        amp=0.2,
    )
    d.target(
        "P10-O1-I1-T1", "40% less litter", plan, "Decrease", stops=plan[1:-1], plant=("RD206",)
    )
    d.indicator(
        "P10-O1-I2",
        "Illegal dumping incidents reported",
        "incidents/month",
        "RIDonline illegal dumping reports",
        [(-30, 2600.0), (-6, 2400.0), (-1, 2352.0)],
        digits=0,
        amp=8.0,
    )
    d.target(
        "P10-O1-I2-T1",
        "Illegal dumping down to 2,000 incidents a month",
        [(-6, 2400.0), (24, 2000.0)],
        "Decrease",
        stops=[(6, 2250.0), (18, 2080.0)],
        omit=("Baseline value", "Baseline date"),
        plant=("RD203",),
    )
    d.mark("P10-O1-I2-T1", **{"Politically salient": True})  # in the papers every summer
    d.strategy(
        "S18",
        "Hey Tosser! anti-littering campaign with on-the-spot fines",
        ["nadia"],
        ("P10-O1-I1-T1",),
        (-20, 16),
        text(
            "People litter less when they expect to be seen and fined.",
            "Statewide media; 120 council enforcement officers",
            "$7M a year media; fines shared with councils",
            "Littering fines issued double and recall of the campaign above 70%",
            "EPA → media agency → 128 councils → enforcement officers → public",
        ),
        impact=2,
        difficulty=2,
        plant=("RD307",),
    )
    d.milestone("S18-M1", "Campaign launched", -18, True)
    d.milestone("S18-M2", "Report-to-EPA littering app live", 2, False)
    d.strategy(
        "S19",
        "Return and Earn container deposit scheme",
        ["nadia"],
        ("P10-O1-I1-T1", "P10-O1-I2-T1"),
        (-15, 24),
        text(
            "Drink containers are 44% of litter volume; a 10c refund makes them worth collecting.",
            "1,000 return points statewide",
            "Industry-funded scheme coordinator; $5M a year EPA oversight",
            "1 billion containers returned a year; containers in litter down 50%",
            "EPA → scheme coordinator → network operator → 1,000 return points → public",
        ),
        impact=4,
        difficulty=3,
    )
    d.milestone("S19-M1", "500 return points open", -6, True)
    d.milestone(
        "S19-M2", "Reverse vending machines in every regional town", None, False, plant=("RD304",)
    )
    d.risk(
        "S19-R1",
        "Return points cluster in cities",
        "Minimum coverage per local government area in the operator contract",
    )


def infrastructure(d: Draft) -> None:
    """NSW 'Building infrastructure', announced but not yet planned below the priority."""
    d.priority(
        "P11",
        "Building infrastructure: 10 key projects on time and on budget",
        ["mateo"],
        plant=("RD109", "RD101"),
    )


def jobs(d: Draft) -> None:
    d.department = JOBS
    for section in (
        creating_jobs,
        housing_approvals,
        skills,
        college_readiness,
        clean_environment,
        infrastructure,
    ):
        section(d)
