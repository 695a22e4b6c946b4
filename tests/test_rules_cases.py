"""Every rule's pass and fail cases (tests/rules_cases/RDxxx.toml) through the one engine."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from mappings.graph import Architecture
from mappings.model import DataProblem, Entity, Measurement
from rules.base import RuleContext, Thresholds
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.model import Assessment, Rating
from rules.registry import get_rule

CASES_DIR = Path(__file__).parent / "rules_cases"
DEFAULT_TODAY = date(2026, 11, 22)
_ENTITIES = TypeAdapter(list[Entity])


class Case(BaseModel):
    """One case: a tiny portfolio, the day it is checked, and the keys that must be flagged.

    `expect` lists the keys with a finding of the file's code (a key twice for two findings);
    `[]` makes a pass case. `messages` are texts that some finding's message must contain.
    `previous` and `assessments` feed the "assessment" phase rules.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    expect: list[str]
    today: date = DEFAULT_TODAY
    thresholds: dict[str, Any] = Field(default_factory=dict)
    entities: list[dict[str, Any]] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    problems: list[DataProblem] = Field(default_factory=list)
    previous: dict[str, Rating] = Field(default_factory=dict)
    assessments: list[Assessment] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)

    def architecture(self) -> Architecture:
        return Architecture(
            _ENTITIES.validate_python(self.entities), self.measurements, self.problems
        )

    def context(self) -> RuleContext:
        return RuleContext(
            today=self.today,
            assessments={a.key: a for a in self.assessments},
            previous=self.previous,
        )


def load_case_file(path: Path) -> list[Case]:
    """The cases of one file; a malformed case fails here with the file and the case named."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"case"}
    assert not unknown, f"{path.name}: only [[case]] tables belong here, not {sorted(unknown)}"
    return [Case.model_validate(case) for case in data.get("case", [])]


def _all_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("RD*.toml")):
        for case in load_case_file(path):
            params.append(pytest.param(path.stem, case, id=f"{path.stem}: {case.name}"))
    return params


@pytest.mark.parametrize(("code", "case"), _all_cases())
def test_rule_case(code: str, case: Case) -> None:
    rule = get_rule(code)
    config = RulesConfig(select=[code], thresholds=Thresholds(**case.thresholds))
    findings = run_rules(case.architecture(), config, case.context(), rule.phase, strict=True)
    assert sorted(f.key for f in findings) == sorted(case.expect), [f.message for f in findings]
    for finding in findings:
        assert (finding.code, finding.name, finding.severity) == (
            rule.code,
            rule.name,
            rule.severity,
        )
        assert finding.message.strip() and finding.fix.strip()
    for text in case.messages:
        assert any(text in f.message for f in findings), (text, [f.message for f in findings])
