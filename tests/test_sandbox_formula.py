"""The sandbox's Airtable formula subset: parsing, evaluation, and what Airtable rejects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from pyairtable import formulas as F

from connector.sandbox.airtable.formula import Formula, FormulaError, compile_filter, tokenize
from connector.sandbox.airtable.formula_functions import EvalError, SpecialValue, Value

NOW = datetime(2026, 3, 15, 10, 30, tzinfo=UTC)


@dataclass
class Row:
    """A record as a formula sees it."""

    values: dict[str, Value]
    record_id: str = "recA1b2C3d4E5f6G7"
    created_time: datetime = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)
    now: datetime = NOW
    modified: datetime = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    cell_times: dict[str, datetime] = field(default_factory=dict)

    def value(self, field: str) -> Value:
        return self.values.get(field)

    def last_modified(self, fields: Sequence[str]) -> datetime:
        if not fields:
            return self.modified
        times = [self.cell_times[name] for name in fields if name in self.cell_times]
        return max(times) if times else self.created_time


ROW = Row(
    {
        "Name": "Share of ED patients within four hours",
        "Value": 84.5,
        "Target value": 95.0,
        "Unit": "%",
        "Date": datetime(2025, 11, 1, tzinfo=UTC),
        "Direction": "Increase",
        "Owner": "Amara Okafor, Liam Tremblay",
        "Guest's {odd} name": "kept",
        "Done": True,
    },
    cell_times={
        "Value": datetime(2026, 2, 20, tzinfo=UTC),
        "Unit": datetime(2025, 1, 10, tzinfo=UTC),
    },
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{Value} > 80", True),
        ("{Value} >= 84.5", True),
        ("{Value} < 84.5", False),
        ("{Value} <= {Target value}", True),
        ("{Value} = 84.5", True),
        ("{Value} != 84.5", False),
        ("{Value} <> 84", True),
        ("{Direction} = 'Increase'", True),
        ('{Direction} = "Decrease"', False),
        ("Direction = 'Increase'", True),
        ("{Missing} = BLANK()", True),
        ("{Missing} = ''", True),
        ("{Missing} = 0", True),
        ("{Unit} = BLANK()", False),
        ("AND({Value} > 80, {Unit} = '%')", True),
        ("AND({Value} > 80, {Unit} = 'days')", False),
        ("OR({Value} > 90, {Unit} = '%')", True),
        ("OR(FALSE(), BLANK(), 0, '')", False),
        ("NOT({Done})", False),
        ("XOR(TRUE(), TRUE(), TRUE())", True),
        ("IF({Value} > 90, 'met', 'short') = 'short'", True),
        ("({Target value} - {Value}) * 2 = 21", True),
        ("-{Value} + 100 = 15.5", True),
        ("{Value} / 2 > 42", True),
        ("{Unit} & ' of patients' = '% of patients'", True),
        ("CONCATENATE({Direction}, '-', 1) = 'Increase-1'", True),
        ("RECORD_ID() = 'recA1b2C3d4E5f6G7'", True),
        ("IS_AFTER({Date}, '2025-10-31')", True),
        ("IS_BEFORE({Date}, DATETIME_PARSE('2025-11-01T00:00:01.000Z'))", True),
        ("IS_SAME({Date}, '2025-11-01T17:00:00Z', 'day')", True),
        ("IS_SAME({Date}, '2025-11-02', 'day')", False),
        ("{Date} < '2026-01-01'", True),
        ("IS_AFTER(LAST_MODIFIED_TIME(), DATETIME_PARSE('2026-01-01T00:00:00.000Z'))", True),
        ("IS_AFTER(LAST_MODIFIED_TIME({Value}), '2026-02-10')", True),
        ("IS_AFTER(LAST_MODIFIED_TIME({Unit}), '2026-02-10')", False),
        ("IS_AFTER(LAST_MODIFIED_TIME({Unit}, {Value}), '2026-02-10')", True),
        ("IS_BEFORE(CREATED_TIME(), '2025-02-01')", True),
        ("IS_SAME(TODAY(), '2026-03-15', 'day')", True),
        ("IS_AFTER(NOW(), '2026-03-15T10:00:00Z')", True),
        ("DATETIME_PARSE('31/12/2025', 'DD/MM/YYYY') = DATETIME_PARSE('2025-12-31')", True),
        ("DATESTR(DATEADD({Date}, 3, 'months')) = '2026-02-01'", True),
        ("DATESTR(DATEADD({Date}, -2, 'days')) = '2025-10-30'", True),
        ("DATETIME_DIFF(NOW(), {Date}, 'days') = 134", True),
        ("FIND('four', {Name}) = 29", True),
        ("FIND('Four', {Name}) = 0", True),
        ("SEARCH('Four', {Name}) = BLANK()", True),
        ("FIND('Liam', {Owner}) > 0", True),
        ("LEN({Unit}) = 1", True),
        ("LOWER(UPPER({Direction})) = 'increase'", True),
        ("TRIM('  x ') = 'x'", True),
        ("ABS(-2) = 2", True),
        ("{Guest's \\{odd\\} name} = 'kept'", True),
        ("'it\\'s' = \"it's\"", True),
        ("TRUE", True),
        ("1.5e1 = 15", True),
        ("and({Value} > 1, not(0))", True),
    ],
)
def test_formula_values(text: str, expected: bool) -> None:
    assert Formula(text).matches(ROW) is expected


def test_formulas_built_by_pyairtable_read_the_same() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    incremental = F.IS_AFTER(F.LAST_MODIFIED_TIME(), F.DATETIME_PARSE(since))
    assert Formula(str(incremental)).matches(ROW)
    assert not Formula(str(F.IS_AFTER(F.LAST_MODIFIED_TIME(), NOW))).matches(ROW)
    assert Formula(F.to_formula_str(F.match({"Unit": "%", "Direction": "Increase"}))).matches(ROW)
    assert not Formula(F.to_formula_str(F.match({"Unit": "%", "Direction": "Dec"}))).matches(ROW)
    either = F.OR(F.EQ(F.Field("Unit"), "days"), F.GT(F.Field("Value"), 80))
    assert Formula(str(either)).matches(ROW)
    assert not Formula(str(F.NOT(either))).matches(ROW)
    assert Formula(str(F.match({"Guest's {odd} name": "kept"}))).matches(ROW)


def test_an_error_on_one_record_filters_it_out() -> None:
    failing = Formula("IS_AFTER({Unit}, '2025-01-01')")
    with pytest.raises(EvalError):
        failing.evaluate(ROW)
    assert not failing.matches(ROW)
    assert not Formula("{Value} / 0 > 1").matches(ROW)
    assert not Formula("IS_AFTER({Missing}, '2025-01-01')").matches(ROW)
    assert not Formula("DATETIME_PARSE('soon') = 1").matches(ROW)
    assert not Formula("1 / 0").matches(ROW)  # constant parts fold at compile, errors stay


def test_fields_are_listed_in_order_once() -> None:
    formula = Formula("AND({Value} > 1, {Unit} = '%', {Value} < 100, Direction)")
    assert formula.fields == ("Value", "Unit", "Direction")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Invalid formula. Please check your formula text."),
        ("   ", "Invalid formula. Please check your formula text."),
        ("AND(", "Invalid formula. Please check your formula text."),
        ("{Value} >", "Invalid formula. Please check your formula text."),
        ("{Value} 2", "Invalid formula. Please check your formula text."),
        ("'unterminated", "Invalid formula. Please check your formula text."),
        ("{Value", "Invalid formula. Please check your formula text."),
        ("AND(1,,2)", "Invalid formula. Please check your formula text."),
        ("NOT()", "Invalid formula. Please check your formula text."),
        ("NOT(1, 2)", "Invalid formula. Please check your formula text."),
        ("RECORD_ID(1)", "Invalid formula. Please check your formula text."),
        ("LAST_MODIFIED_TIME('Value')", "Invalid formula. Please check your formula text."),
        ("{Value} ; 1", "Invalid formula. Please check your formula text."),
        ("WEEKDAY({Date}) = 1", "Unknown function names: WEEKDAY"),
        ("OR(REGEX_MATCH({Name}, 'x'), SWITCH(1))", "Unknown function names: REGEX_MATCH, SWITCH"),
    ],
)
def test_unusable_formulas_are_rejected(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as raised:
        Formula(text)
    assert raised.value.message == message


def test_unknown_fields_are_named() -> None:
    known = {"Value", "Unit", "fldVALUE00000000"}
    assert compile_filter("{fldVALUE00000000} > 1", known).fields == ("fldVALUE00000000",)
    with pytest.raises(FormulaError) as raised:
        compile_filter("AND({Vaule} > 1, {Unit} = '%', Owner)", known)
    assert raised.value.message == "Unknown field names: Vaule, Owner"


def test_tokens_keep_escapes_for_the_parser() -> None:
    kinds = [token.kind for token in tokenize("AND({A\\}b} >= 1.5, 'x')")]
    assert kinds == ["ident", "punct", "field", "op", "number", "punct", "string", "punct", "end"]


def test_if_works_out_only_its_branch_and_errors_say_what_a_formula_field_shows() -> None:
    assert Formula("IF({Value} > 1000, ERROR(), {Value} * 2)").evaluate(ROW) == 169.0
    with pytest.raises(EvalError):
        Formula("ERROR()").evaluate(ROW)
    for text, kind in (
        ("{Value} / 0", "Infinity"),
        ("0 / {Empty}", "NaN"),
        ("-{Value} / 0", "-Infinity"),
    ):
        with pytest.raises(SpecialValue) as special:
            Formula(text).evaluate(ROW)
        assert special.value.kind == kind
