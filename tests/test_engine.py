"""The rule engine: selection by phase, re-grading, order, and failures kept to one ticket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind, Indicator, Outcome, Priority, Strategy, Target
from rules.base import Rule, RuleContext
from rules.config import RulesConfig
from rules.engine import EntityRule, apply_rules, natural_key, run_rules
from rules.model import Finding, Severity
from rules.registry import get_rule

TODAY = RuleContext(today=date(2026, 11, 22))


class FragileTargetRule(EntityRule):
    """A rule with a bug that only one target's data triggers."""

    code = "RD990"
    name = "fragile"
    severity = Severity.WARNING
    kinds = (EntityKind.TARGET,)
    manual = "test"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        ratio = 1 / (entity.target_value or 0)  # ZeroDivisionError where there is no value
        yield self.finding(entity, f"{entity.key} ratio {ratio:g}", "none")


class BrokenRule(Rule):
    code = "RD991"
    name = "broken"
    severity = Severity.INFO
    kinds = (EntityKind.PRIORITY,)
    manual = "test"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        raise KeyError("DEL-1")


def _targets() -> Architecture:
    return Architecture(
        [
            Target(key="DEL-10", target_value=4),
            Target(key="DEL-4", target_value=2),
            Target(key="DEL-7"),
            Target(key="DEL-8", target_value=5, done=True),
        ]
    )


def test_a_failure_on_one_entity_is_a_finding_on_that_entity() -> None:
    findings = apply_rules(
        [FragileTargetRule], _targets(), TODAY, severity_of=lambda rule: Severity.INFO
    )
    assert [(f.key, f.severity) for f in findings] == [
        ("DEL-4", Severity.INFO),
        ("DEL-7", Severity.ERROR),  # the failure is never re-graded
        ("DEL-10", Severity.INFO),
    ]
    failure = findings[1]
    assert failure.code == "RD990" and failure.kind == "target"
    assert "could not check on DEL-7: ZeroDivisionError" in failure.message
    assert "report this message" in failure.fix


def test_a_failing_whole_rule_is_one_finding_and_the_run_goes_on() -> None:
    findings = apply_rules([BrokenRule, FragileTargetRule], _targets(), TODAY)
    assert [f.key for f in findings] == ["DEL-4", "DEL-7", "DEL-10", "RD991"]
    assert findings[-1].severity is Severity.ERROR
    assert "RD991 broken could not check on this architecture: KeyError" in findings[-1].message


def test_strict_re_raises() -> None:
    with pytest.raises(ZeroDivisionError):
        apply_rules([FragileTargetRule], _targets(), TODAY, strict=True)
    with pytest.raises(KeyError):
        apply_rules([BrokenRule], _targets(), TODAY, strict=True)


def test_entity_rule_check_skips_done_entities() -> None:
    rule = FragileTargetRule()
    arch = Architecture([Target(key="DEL-4", target_value=2), Target(key="DEL-8", done=True)])
    assert [f.key for f in rule.check(arch, TODAY)] == ["DEL-4"]


def test_findings_sort_by_natural_key_then_code_and_repeat_exactly() -> None:
    arch = Architecture(
        [
            Priority(key="DEL-10"),
            Priority(key="DEL-2"),
            Outcome(key="DEL-3", parent_key="DEL-2"),
            Indicator(key="DEL-11", parent_key="DEL-3"),
            Strategy(key="recB9", drives=[]),
        ]
    )
    first = run_rules(arch, RulesConfig(), TODAY)
    assert first == run_rules(arch, RulesConfig(), TODAY)
    keys = [f.key for f in first]
    assert keys == sorted(keys, key=natural_key)
    assert keys.index("DEL-2") < keys.index("DEL-10") < keys.index("DEL-11")
    assert [f.code for f in first if f.key == "DEL-10"] == ["RD101", "RD107"]


def test_phase_selects_the_rules() -> None:
    arch = Architecture([Priority(key="DEL-1")])
    later = run_rules(arch, RulesConfig(), TODAY, phase="assessment")
    assert all(get_rule(f.code).phase == "assessment" for f in later)
    assert {f.code for f in run_rules(arch, RulesConfig(), TODAY)} == {"RD101", "RD107"}


def test_natural_key() -> None:
    assert sorted(["DEL-10", "DEL-9", "OPS-1", "DEL-100"], key=natural_key) == [
        "DEL-9",
        "DEL-10",
        "DEL-100",
        "OPS-1",
    ]


def test_a_run_indexes_the_graph_by_kind_once_for_the_rules_and_the_likelihood() -> None:
    from rules.inputs import Inputs
    from rules.likelihood import DEFAULT_CONFIG

    arch = Architecture(
        [Priority(key="P-1"), Outcome(key="O-1", parent_key="P-1"), Target(key="T-1")]
    )
    ctx = RuleContext(today=date(2026, 11, 22))
    run_rules(arch, RulesConfig(), ctx)
    index = ctx.by_kind(arch)
    assert [e.key for e in index[EntityKind.OUTCOME]] == ["O-1"] and index[EntityKind.RISK] == []
    inputs = Inputs.gather(arch, [], ctx, DEFAULT_CONFIG)
    assert inputs.target_items is index[EntityKind.TARGET]  # the engine's list, not a second
    other = Architecture([Target(key="T-2")])  # another graph under the same context: its own
    assert [e.key for e in ctx.by_kind(other)[EntityKind.TARGET]] == ["T-2"]
    assert "kinds" not in ctx.model_dump()
