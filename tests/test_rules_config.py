"""[rules] config: select / ignore / severity by code or prefix, thresholds, errors by key."""

from __future__ import annotations

from datetime import date

import pytest

from mappings.errors import ConfigError
from mappings.graph import Architecture
from mappings.model import Strategy
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.model import Severity
from rules.registry import get_rule


def _codes(config: RulesConfig) -> list[str]:
    return [rule.code for rule in config.selected_rules("architecture")]


def test_default_selects_every_architecture_rule() -> None:
    codes = _codes(RulesConfig())
    assert "RD101" in codes and "RD904" in codes and "RD403" not in codes


def test_most_specific_prefix_wins_as_in_ruff() -> None:
    config = RulesConfig.load({"select": ["RD1", "RD305"], "ignore": ["RD10", "RD3"]})
    assert _codes(config) == ["RD305"]
    config = RulesConfig.load({"select": ["RD", "RD107"], "ignore": ["RD1"]})
    assert _codes(config)[0] == "RD107" and "RD108" not in _codes(config)
    # at equal specificity, ignore wins
    assert not RulesConfig.load({"select": ["RD2"], "ignore": ["RD2"]}).is_selected("RD201")


def test_codes_are_normalised() -> None:
    config = RulesConfig.load({"select": [" rd107 "]})
    assert config.select == ["RD107"] and _codes(config) == ["RD107"]


def test_severity_regrades_by_the_most_specific_prefix() -> None:
    config = RulesConfig.load({"severity": {"RD3": "info", "RD305": "error"}})
    assert config.severity_of(get_rule("RD302")) is Severity.INFO
    assert config.severity_of(get_rule("RD305")) is Severity.ERROR
    assert config.severity_of(get_rule("RD107")) is Severity.ERROR


def test_regrading_reaches_the_findings() -> None:
    arch = Architecture([Strategy(key="DEL-5", name="See and treat", drives=[])])
    config = RulesConfig.load({"select": ["RD106", "RD107"], "severity": {"RD107": "info"}})
    findings = run_rules(arch, config, RuleContext(today=date(2026, 11, 22)), strict=True)
    assert [(f.code, f.severity) for f in findings] == [
        ("RD106", Severity.ERROR),
        ("RD107", Severity.INFO),
    ]


@pytest.mark.parametrize(
    ("data", "where", "text"),
    [
        ({"ignore": ["RD1", "RD99"]}, "rules.ignore[1]", "no rule matches 'RD99'"),
        ({"select": ["E501"]}, "rules.select[0]", "no rule matches 'E501'"),
        ({"severity": {"RD77": "error"}}, "rules.severity.RD77", "no rule matches 'RD77'"),
        ({"severity": {"RD1": "fatal"}}, "rules.severity.RD1", "'error', 'warning' or 'info'"),
        ({"thresholds": {"max_priorities": 0}}, "rules.thresholds.max_priorities", "1"),
        (
            {"thresholds": {"max_priority": 3}},
            "rules.thresholds.max_priority",
            "unknown key 'max_priority' (did you mean 'max_priorities'?)",
        ),
        ({"selct": ["RD1"]}, "rules.selct", "unknown key 'selct' (did you mean 'select'?)"),
    ],
)
def test_errors_name_the_key_and_the_fix(data: dict[str, object], where: str, text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        RulesConfig.load(data)
    assert raised.value.where == where
    assert text in raised.value.message
    assert raised.value.fix


def test_thresholds_are_read() -> None:
    config = RulesConfig.load({"thresholds": {"max_priorities": 3, "freshness_days": 30}})
    assert config.thresholds.max_priorities == 3
    assert config.thresholds.freshness_days == 30
    assert config.thresholds.implausible_ratio == 3.0
