"""The write-back text: likelihood option, rationale and gaps, whole lines within the field size."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.graph import Architecture
from mappings.model import BaseEntity, Indicator, Milestone, Outcome, Priority, Strategy, Target
from rules.judgements import judge
from rules.model import JUDGEMENTS, Assessment, Finding, Rating, RubricRating, Severity
from rules.tickets import Tickets
from rules.writeback_text import (
    AIRTABLE_LIMIT,
    JIRA_LIMIT,
    fit,
    gaps_text,
    rationale_text,
    shorten,
)


def _assessment(**changes: object) -> Assessment:
    rationales = [
        "needs a rise of 13,800 a year from the latest value to reach 150,000 by 2028-12-31",
        "no planning findings on DEL-4 and DEL-3",
        "from its driving strategy DEL-20: 3",
        "from its driving strategy DEL-20: 3",
        "latest 12,400 on 2026-09-30 against 14,000 planned: 78% of the planned gain",
    ]
    fields: dict[str, object] = {
        "key": "DEL-4",
        "kind": "target",
        "assessed_on": date(2026, 11, 22),
        "judgements": [
            judge(n, r, text)
            for n, r, text in zip(JUDGEMENTS, [3, 4, 3, 3, 2], rationales, strict=True)
        ],
        "likelihood": Rating.AMBER_RED,
        "caps": ["at 2 - Amber/Red: rounding down the weighted mean 2.67"],
    }
    fields.update(changes)
    return Assessment.model_validate(fields)


def _finding(code: str, name: str, severity: Severity, message: str, fix: str) -> Finding:
    return Finding(code=code, name=name, severity=severity, key="DEL-5", message=message, fix=fix)


OWNERS = _finding(
    "RD108",
    "owner-multiple",
    Severity.ERROR,
    "DEL-5 has 2 accountable owners: Amara Okafor, Tom Reid",
    "Keep one person in 'Accountable owner'.",
)
RISKS = _finding(
    "RD307",
    "strategy-without-risks",
    Severity.WARNING,
    "DEL-5 has no risks",
    "Add a Risk under DEL-5 with its mitigation.",
)


def test_the_likelihood_field_takes_the_select_option() -> None:
    assert _assessment().likelihood.option == "2 - Amber/Red"
    assert _assessment(likelihood=Rating.GREEN).likelihood.option == "4 - Green"


def test_rationale_opens_with_the_rating_and_what_would_raise_it_then_one_line_a_judgement() -> (
    None
):
    text = rationale_text(
        _assessment(
            problem_level=2,
            problem_reason="Level 2, standard problem solving: Amber/Red; evidence of progress 2",
            team_rating=Rating.GREEN,
            previous=Rating.AMBER_GREEN,
        ),
        ['DEL-20 "Payroll tax rebate": strategy without risks. Add a Risk under DEL-20.'],
    )
    assert text.splitlines() == [
        "Rated 2 - Amber/Red. What would most raise it:",
        '- DEL-20 "Payroll tax rebate": strategy without risks. Add a Risk under DEL-20.',
        "The five judgements behind it:",
        "- Degree of the challenge: Amber/Green — needs a rise of 13,800 a year from the latest "
        "value to reach 150,000 by 2028-12-31",
        "- Quality of planning: Green — no planning findings on DEL-4 and DEL-3",
        "- Capacity to drive progress: Amber/Green — from its driving strategy DEL-20: 3",
        "- Stage of delivery: Amber/Green — from its driving strategy DEL-20: 3",
        "- Evidence of progress: Amber/Red — latest 12,400 on 2026-09-30 against 14,000 planned: "
        "78% of the planned gain",
        "Problem solving: Level 2, standard problem solving: Amber/Red; evidence of progress 2",
        "Team's own rating: 4 - Green",
    ]
    # Neither the run's date, the previous rating nor the caps (the report's, not the team's).
    assert "2026-11-22" not in text and "weighted mean" not in text
    green = rationale_text(_assessment(likelihood=Rating.GREEN), ["ignored"])
    assert green.splitlines()[0] == "Rated 4 - Green: on track; keep it there."
    assert "ignored" not in green


def _plan(*extra: BaseEntity) -> Architecture:
    """DEL-1 priority > DEL-2 outcome > DEL-3 indicator > DEL-4 target, driven by DEL-5."""
    return Architecture(
        [
            Priority(key="DEL-1", name="Faster emergency care"),
            Outcome(key="DEL-2", name="Patients seen within four hours", parent_key="DEL-1"),
            Indicator(key="DEL-3", name="Share seen within four hours", parent_key="DEL-2"),
            Target(key="DEL-4", name="95% by 2029", parent_key="DEL-3"),
            Strategy(key="DEL-5", name="Star ratings", drives=["DEL-4"]),
            *extra,
        ]
    )


def test_gaps_put_rubric_criteria_first_each_naming_its_tickets_then_findings() -> None:
    rubric = [
        RubricRating(
            priority_key="DEL-1", criterion="Risks", rating=Rating.AMBER_RED, codes=["RD307"]
        ),
        RubricRating(priority_key="DEL-1", criterion="Aspiration", rating=Rating.GREEN),
        RubricRating(
            priority_key="DEL-1",
            criterion="Leadership and accountability",
            rating=Rating.RED,
            codes=["RD108", "RD107"],
        ),
        RubricRating(priority_key="DEL-1", criterion="Delivery chain", rating=Rating.RED),
    ]
    tickets = Tickets(_plan(), [RISKS, OWNERS, OWNERS], {}, {"DEL-1": rubric})
    assert gaps_text("DEL-1", tickets).splitlines() == [
        "Planning rubric, Delivery chain: Red — nothing in the plan of DEL-1 to rate it by: no "
        "open strategy",
        "Planning rubric, Leadership and accountability: Red — several accountable owners on "
        'DEL-5 "Star ratings"',
        'Planning rubric, Risks: Amber/Red — strategy without risks on DEL-5 "Star ratings"',
    ]
    assert gaps_text("DEL-5", tickets).splitlines() == [
        "DEL-5 has 2 accountable owners: Amara Okafor, Tom Reid. Fix: Keep one person in "
        "'Accountable owner'. (RD108)",
        "DEL-5 has no risks. Fix: Add a Risk under DEL-5 with its mitigation. (RD307)",
    ]
    assert gaps_text("DEL-4", tickets) == ""


def test_what_does_not_fit_becomes_and_n_more_on_a_line_of_its_own() -> None:
    milestones = [Milestone(key=f"DEL-{n}", parent_key="DEL-5") for n in range(10, 1010)]
    findings = [
        Finding(
            code="RD401",
            name="milestone-overdue",
            severity=Severity.WARNING,
            key=m.key,
            message=f"{m.key} was due 2026-0{int(m.key[4:]) % 9 + 1}-01",
            fix="Mark it done or re-plan it.",
        )
        for m in milestones
    ]
    tickets = Tickets(_plan(*milestones), findings, {})  # no gaps field on milestones
    text = gaps_text("DEL-5", tickets, limit=JIRA_LIMIT)
    lines = text.splitlines()
    assert len(text) <= JIRA_LIMIT
    assert lines[-1] == f"… and {1000 - (len(lines) - 1)} more"
    assert all(line.endswith("re-plan it. (RD401)") for line in lines[:-1])
    assert len(gaps_text("DEL-5", tickets, limit=AIRTABLE_LIMIT)) <= AIRTABLE_LIMIT
    few = Tickets(_plan(*milestones[:10]), findings[:10], {})
    assert "… and" not in gaps_text("DEL-5", few, limit=AIRTABLE_LIMIT)


def test_a_single_line_too_long_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert fit(["one two three four", "five"], 22) == "one two…\n… and 1 more"
    assert fit(["one two three four"], 12) == "one two…"
    assert shorten("unbreakable", 5) == ""
    assert fit(["unbreakable", "x"], 12) == "… and 2 more"
    assert fit(["unbreakable"], 5) == ""


WORDS = st.text(alphabet="abcdefghij ", min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30), st.integers(16, 400))
def test_fit_stays_within_the_limit_and_keeps_whole_lines(lines: list[str], limit: int) -> None:
    text = fit(lines, limit)
    assert len(text) <= limit
    if len("\n".join(lines)) <= limit:
        assert text == "\n".join(lines)
        return
    out = text.split("\n") if text else []
    marker = out.pop() if out and out[-1].startswith("… and ") else None
    for n, line in enumerate(out):
        if line != lines[n]:  # only the first line may be shortened, at a word boundary
            assert n == 0 and line.endswith("…")
            assert lines[0].startswith(line[:-1]) and lines[0][len(line) - 1 :].startswith(" ")
    assert marker == (f"… and {len(lines) - len(out)} more" if len(out) < len(lines) else None)
