"""Jira wiki markup (Data Center's rich text, API v2) read as text lines."""

import pytest

from mappings.readers import ReadError, read_jira_paragraph, read_jira_trajectory
from mappings.wiki import wiki_text


def test_headings_lists_and_effects_become_their_text() -> None:
    typed = "\n".join(
        [
            "h2. Why this works",
            "* *See and treat* in every A&E",
            "** _nested_ point",
            "# first step",
            "#* mixed nesting",
            "- a dash item",
            "bq. a quote",
            "----",
            "",
            "{{monospace}}, ??a citation??, -deleted-, +inserted+, ^sup^ and ~sub~",
        ]
    )
    assert wiki_text(typed).splitlines() == [
        "Why this works",
        "See and treat in every A&E",
        "nested point",
        "first step",
        "mixed nesting",
        "a dash item",
        "a quote",
        "monospace, a citation, deleted, inserted, sup and sub",
    ]


def test_links_mentions_breaks_tables_escapes_and_macros() -> None:
    typed = "\n".join(
        [
            "See [the plan|https://example.gov/a_plan_v2] and [https://example.gov]",
            "Ask [~cdonovan] or [Claire|~cdonovan]",
            "one\\\\two",
            "||Date||Value||",
            "|2026-06-30|58|",
            "\\*not bold\\* and \\[not a link\\]",
            "{color:red}urgent{color}",
            "{code:python}",
            "x = *y* - 1  # kept as typed",
            "{code}",
            "{noformat}*as is*{noformat}",
        ]
    )
    assert wiki_text(typed).splitlines() == [
        "See the plan and https://example.gov",
        "Ask @cdonovan or Claire",
        "one",
        "two",
        "Date | Value",
        "2026-06-30 | 58",
        "*not bold* and [not a link]",
        "urgent",
        "x = *y* - 1  # kept as typed",
        "*as is*",
    ]


@pytest.mark.parametrize(
    "plain",
    [
        "2026-06-30: 58",
        "snake_case_name and 2026-06-30 - 2027-06-30",
        "A&E 4-hour target: 81% (from 74%)",
        "rate 1,200 - 1,500 a year",
    ],
)
def test_plain_text_reads_as_itself(plain: str) -> None:
    assert wiki_text(plain) == plain


def test_a_trajectory_typed_in_wiki_markup_reads() -> None:
    typed = "# *2025-06-30*: 76\n# 2026-06-30: _78.5_\r\n\n* 2027-06-30 = 81%\n"
    points = read_jira_trajectory(typed)
    assert points is not None
    assert [(p.at.isoformat(), p.value) for p in points] == [
        ("2025-06-30", 76.0),
        ("2026-06-30", 78.5),
        ("2027-06-30", 81.0),
    ]
    with pytest.raises(ReadError, match="'to be confirmed'"):
        read_jira_trajectory("* 2025-06-30: 76\n* *2026-06-30*: to be confirmed")


def test_a_paragraph_in_wiki_markup_reads_as_text_and_adf_is_unchanged() -> None:
    assert read_jira_paragraph("h3. Chain\n# Trusts\n# *Wards*") == "Chain\nTrusts\nWards"
    assert read_jira_paragraph("  \n----\n") is None
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": []}]}
    assert read_jira_paragraph(adf) is None
