"""The registry: every rule of DOMAIN.md §3 is there, documented, and has its cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings.errors import RdsyncError
from rules.base import DOC_SECTIONS, Rule, Thresholds
from rules.model import Severity
from rules.registry import UnknownRuleError, all_rules, get_rule, matching, register
from tests.test_rules_cases import CASES_DIR, load_case_file

# DOMAIN.md §3, but RD403 (rating history: the likelihood work), plus RD904 (unmappable record)
# and RD905 (a write the tool refused).
CATALOGUE = [
    *(f"RD10{n}" for n in range(1, 10)),
    *(f"RD20{n}" for n in range(1, 8)),
    *(f"RD30{n}" for n in range(1, 10)),
    "RD310",
    "RD401",
    "RD402",
    "RD404",
    "RD901",
    "RD902",
    "RD903",
    "RD904",
    "RD905",
]


def test_every_catalogue_code_is_registered() -> None:
    registered = {rule.code for rule in all_rules()}
    assert sorted(set(CATALOGUE) - registered) == []


def test_rules_are_listed_by_code_and_names_are_unique() -> None:
    codes = [rule.code for rule in all_rules()]
    assert codes == sorted(codes)
    names = [rule.name for rule in all_rules()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_has_attributes_and_docs(rule: type[Rule]) -> None:
    assert rule.name and isinstance(rule.severity, Severity)
    assert rule.kinds and rule.manual.strip()
    assert rule.phase in ("architecture", "assessment", "writeback")
    docs = rule.docs()
    for section in DOC_SECTIONS:
        assert docs.get(section, "").strip(), f"{rule.code} lacks '## {section}'"
    for option in getattr(rule, "options", ()):
        assert option in Thresholds.model_fields, f"{rule.code}: no threshold {option!r}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_has_pass_and_fail_cases(rule: type[Rule]) -> None:
    path = CASES_DIR / f"{rule.code}.toml"
    assert path.exists(), f"{rule.code} has no case file {path.relative_to(Path.cwd())}"
    cases = load_case_file(path)
    assert any(not case.expect for case in cases), f"{rule.code} has no pass case"
    assert any(case.expect for case in cases), f"{rule.code} has no fail case"


def test_every_case_file_belongs_to_a_rule() -> None:
    for path in CASES_DIR.glob("*.toml"):
        get_rule(path.stem)


def test_get_rule_by_code_and_unknown_code() -> None:
    assert get_rule("rd107").name == "owner-missing"
    with pytest.raises(UnknownRuleError) as raised:
        get_rule("RD999")
    assert isinstance(raised.value, RdsyncError) and isinstance(raised.value, KeyError)
    assert str(raised.value) == "no rule RD999; `rdsync rules` lists them"


def test_matching_by_prefix() -> None:
    assert [rule.code for rule in matching("RD10")] == CATALOGUE[:9]
    assert matching("RD99") == []


def test_codes_are_permanent_and_checked() -> None:
    class Impostor(Rule):
        code = "RD101"
        name = "priority-without-goal"
        severity = Severity.ERROR
        kinds = get_rule("RD101").kinds
        manual = "Rule 1"

    with pytest.raises(ValueError, match="RD101 is taken"):
        register(Impostor)
    assert get_rule("RD101").name == "priority-without-outcome"

    class BadCode(Rule):
        code = "X1"

    with pytest.raises(TypeError, match="code must look like"):
        register(BadCode)

    class NoManual(Rule):
        code = "RD998"
        name = "no-manual"
        severity = Severity.INFO
        kinds = get_rule("RD101").kinds

    with pytest.raises(TypeError, match="manual"):
        register(NoManual)
    with pytest.raises(UnknownRuleError):
        get_rule("RD998")
