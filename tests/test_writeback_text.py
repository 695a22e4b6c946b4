"""The write-back text: likelihood option, rationale and gaps, whole lines within the field size."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.judgements import judge
from rules.model import JUDGEMENTS, Assessment, Finding, Rating, RubricRating, Severity
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


def test_rationale_has_a_line_per_judgement_then_caps_level_and_team_rating() -> None:
    text = rationale_text(
        _assessment(
            problem_level=2,
            problem_reason="Level 2, standard problem solving: Amber/Red; evidence of progress 2",
            team_rating=Rating.GREEN,
            previous=Rating.AMBER_GREEN,
        )
    )
    assert text.splitlines() == [
        "Degree of the challenge: 3 - needs a rise of 13,800 a year from the latest value to "
        "reach 150,000 by 2028-12-31",
        "Quality of planning: 4 - no planning findings on DEL-4 and DEL-3",
        "Capacity to drive progress: 3 - from its driving strategy DEL-20: 3",
        "Stage of delivery: 3 - from its driving strategy DEL-20: 3",
        "Evidence of progress: 2 - latest 12,400 on 2026-09-30 against 14,000 planned: 78% of "
        "the planned gain",
        "Capped: at 2 - Amber/Red: rounding down the weighted mean 2.67",
        "Problem solving: Level 2, standard problem solving: Amber/Red; evidence of progress 2",
        "Team's own rating: 4 - Green",
    ]
    # Neither the run's date nor the previous rating: they would change the text every run.
    assert "2026-11-22" not in text and "Amber/Green" not in text


def test_gaps_put_rubric_criteria_first_then_findings_most_severe_first() -> None:
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
    ]
    text = gaps_text([RISKS, OWNERS, OWNERS], rubric)
    assert text.splitlines() == [
        "Rubric Leadership and accountability: 1 - Red (RD107, RD108)",
        "Rubric Risks: 2 - Amber/Red (RD307)",
        "RD108 owner-multiple: DEL-5 has 2 accountable owners: Amara Okafor, Tom Reid — Fix: Keep "
        "one person in 'Accountable owner'.",
        "RD307 strategy-without-risks: DEL-5 has no risks — Fix: Add a Risk under DEL-5 with its "
        "mitigation.",
    ]
    assert gaps_text([]) == ""


def test_what_does_not_fit_becomes_and_n_more_on_a_line_of_its_own() -> None:
    findings = [
        _finding(
            "RD401",
            "milestone-overdue",
            Severity.WARNING,
            f"DEL-{n} was due 2026-0{n % 9 + 1}-01",
            "Mark it done or re-plan it.",
        )
        for n in range(1000)
    ]
    text = gaps_text(findings, limit=JIRA_LIMIT)
    lines = text.splitlines()
    assert len(text) <= JIRA_LIMIT
    assert lines[-1] == f"… and {1000 - (len(lines) - 1)} more"
    assert all(line.endswith("re-plan it.") for line in lines[:-1])
    assert len(gaps_text(findings, limit=AIRTABLE_LIMIT)) <= AIRTABLE_LIMIT
    assert "… and" not in gaps_text(findings[:10], limit=AIRTABLE_LIMIT)


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
