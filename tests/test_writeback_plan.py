"""Write-back planning: only real changes, only owned fields, `Last assessed` never alone."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.sync.plan import (
    CurrentValues,
    DesiredValues,
    Role,
    normalise_text,
    plan_record,
    plan_writeback,
)

FIELDS: dict[Role, str] = {
    "likelihood": "Delivery likelihood",
    "rationale": "Likelihood rationale",
    "gaps": "Rubric gaps",
    "assessed": "Last assessed",
}
NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
RATIONALE = (
    "Degree of the challenge: 2 - needs 3.1 points a year against 1.2 in history\n"
    "Evidence of progress: 1 - 62.0 against 70.0 planned for 2026-03-01"
)
GAPS = "RD308 risk-without-mitigation: DEL-31 has no mitigation — Fix: add one"


def adf(*lines: str) -> dict[str, object]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in lines
        ],
    }


def desired(**kwargs: object) -> DesiredValues:
    values: dict[str, object] = {
        "likelihood": "2 - Amber/Red",
        "rationale": RATIONALE,
        "gaps": GAPS,
        "assessed": NOW,
    }
    values.update(kwargs)
    return DesiredValues.model_validate(values)


def test_a_record_never_assessed_gets_every_field() -> None:
    patch = plan_record("jira", "DEL-12", desired(), CurrentValues(), FIELDS)
    assert patch is not None
    assert patch.fields == {
        "Delivery likelihood": "2 - Amber/Red",
        "Likelihood rationale": RATIONALE,
        "Rubric gaps": GAPS,
        "Last assessed": NOW,
    }
    assert patch.comment is None  # a first rating is not a change of rating


def test_values_the_tool_already_holds_give_no_patch() -> None:
    current = CurrentValues(
        likelihood={"self": "x", "value": "2 - Amber/Red", "id": "10101"},
        rationale=adf(*RATIONALE.splitlines()),
        gaps=f"  {GAPS}\n\n",
        assessed="2026-03-30T09:00:00.000+0000",
    )
    assert plan_record("jira", "DEL-12", desired(), current, FIELDS) is None


def test_last_assessed_travels_only_with_a_real_change() -> None:
    current = CurrentValues(
        likelihood="3 - Amber/Green", rationale=RATIONALE, gaps=GAPS, assessed="2026-01-01"
    )
    patch = plan_record("airtable", "rec1", desired(), current, FIELDS)
    assert patch is not None
    assert set(patch.changes) == {"likelihood", "assessed"}
    assert patch.before == {"likelihood": "3 - Amber/Green"}
    # The change, never the whole rationale again (the run adds why: tests/test_rating_comments).
    assert patch.comment == "Delivery likelihood changed from 3 - Amber/Green to 2 - Amber/Red."


def test_a_ticket_of_a_gap_kind_gets_its_gaps_and_nothing_else() -> None:
    only = DesiredValues(gaps=GAPS, assessed=NOW, only_gaps=True)
    patch = plan_record("jira", "DEL-37", only, CurrentValues(), FIELDS)
    assert patch is not None
    assert patch.fields == {"Rubric gaps": GAPS} and patch.comment is None
    current = CurrentValues(gaps=adf(GAPS))
    assert plan_record("jira", "DEL-37", only, current, FIELDS) is None


def test_a_list_item_read_back_from_adf_is_the_line_written() -> None:
    written = "Rated 2 - Amber/Red. What would most raise it:\n- DEL-13: add a delivery chain."
    as_read = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": written.splitlines()[0]}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {
                                "type": "paragraph",
                                "content": [
                                    {"type": "text", "text": "DEL-13: add a delivery chain."}
                                ],
                            }
                        ],
                    }
                ],
            },
        ],
    }
    assert normalise_text(as_read) == normalise_text(written)


def test_fixed_gaps_are_cleared_and_comments_can_be_off() -> None:
    current = CurrentValues(
        likelihood="3 - Amber/Green", rationale=RATIONALE, gaps=GAPS, assessed="2026-01-01"
    )
    patch = plan_record(
        "airtable", "rec1", desired(gaps=None), current, FIELDS, comment_on_change=False
    )
    assert patch is not None
    assert patch.changes["gaps"] is None
    assert patch.comment is None
    assert "Rubric gaps: 1 line -> (empty)" in patch.describe()


def test_only_owned_and_mapped_fields_are_ever_written() -> None:
    fields: dict[Role, str] = {"likelihood": "Delivery likelihood"}
    patch = plan_record("jira", "DEL-1", desired(), CurrentValues(), fields)
    assert patch is not None
    assert patch.fields == {"Delivery likelihood": "2 - Amber/Red"}


def test_plan_covers_only_records_read_this_run_in_key_order() -> None:
    want = {"DEL-9": desired(), "DEL-10": desired(), "DEL-11": desired()}
    have = {
        "DEL-9": CurrentValues(),
        "DEL-10": CurrentValues(
            likelihood="2 - Amber/Red", rationale=RATIONALE, gaps=GAPS, assessed="2026-03-01"
        ),
    }
    patches = plan_writeback(want, have, FIELDS, source="jira")
    assert [p.key for p in patches] == ["DEL-9"]


def test_values_kept_from_an_earlier_run_are_written_with_this_run_s_time() -> None:
    """A daemon keeps the wanted values no change reached as an earlier run worked them out
    (`connector.sync.wanted`); a record compared with them is patched as assessed `now`."""
    earlier = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    want = {"DEL-9": desired(assessed=earlier), "DEL-10": desired()}
    have = {"DEL-9": CurrentValues(), "DEL-10": CurrentValues()}
    patches = plan_writeback(want, have, FIELDS, source="jira", now=NOW)
    assert [(p.key, p.changes["assessed"]) for p in patches] == [("DEL-10", NOW), ("DEL-9", NOW)]
    assert want["DEL-9"].assessed == earlier  # the kept value itself is left as it was


def test_runs_of_spaces_are_one_space_on_every_line_as_on_each_alone() -> None:
    text = "- a \t\u00a0b  \n\n\u2028  c\u00a0\u00a0d\r\n - e\x0bf  "
    each = [" ".join(line.replace("\u00a0", " ").split()) for line in text.splitlines()]
    assert normalise_text(text) == "\n".join(line.removeprefix("- ") for line in each if line)
    assert normalise_text(text) == "a b\nc d\ne\nf"


def test_an_empty_field_is_written_only_where_the_text_wanted_is_not_blank() -> None:
    for text in ("x", " - x", "-", "\u2028y"):
        assert normalise_text(text) != ""
        patch = plan_record("jira", "DEL-1", desired(gaps=text), CurrentValues(), FIELDS)
        assert patch is not None and patch.changes["gaps"] == text and patch.before["gaps"] is None
    for blank in ("", " \n\t\u00a0\u2028 ", None):
        assert normalise_text(blank) == ""
        patch = plan_record("jira", "DEL-1", desired(gaps=blank), CurrentValues(), FIELDS)
        assert patch is not None and "gaps" not in patch.changes


def test_whitespace_and_adf_do_not_count_as_changes() -> None:
    assert normalise_text(adf("a  b", "", "c")) == normalise_text("a b\n\n  c  ")
    assert normalise_text(None) == normalise_text("") == ""
    assert normalise_text({"unexpected": 1}) != ""


def test_describe_prints_one_line_per_field() -> None:
    patch = plan_record("jira", "DEL-12", desired(), CurrentValues(), FIELDS)
    assert patch is not None
    assert patch.describe().splitlines() == [
        "DEL-12 (jira): 4 field(s)",
        "  Delivery likelihood: (empty) -> '2 - Amber/Red'",
        "  Likelihood rationale: (empty) -> 2 lines",
        "  Rubric gaps: (empty) -> 1 line",
        "  Last assessed: -> 2026-03-31T10:00:00+00:00",
    ]
