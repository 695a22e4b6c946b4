"""The [rules] config: which rules run (select / ignore), re-graded severities, thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError

from mappings.errors import ConfigError
from mappings.model import Strict
from mappings.validation import describe
from rules.base import Rule, Thresholds
from rules.model import Severity
from rules.registry import all_rules, matching


def _known(prefix: str) -> str:
    code = prefix.strip().upper()
    if not matching(code):
        raise ValueError(f"no rule matches {prefix!r}; `rdsync rules` lists the codes")
    return code


RuleCode = Annotated[str, AfterValidator(_known)]
"""A code or prefix that matches at least one registered rule, upper-cased."""


def _most_specific(code: str, prefixes: Mapping[str, Any]) -> tuple[int, Any] | None:
    """The value of the longest prefix of `code` in `prefixes`, with that prefix's length."""
    best: tuple[int, Any] | None = None
    for prefix, value in prefixes.items():
        if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), value)
    return best


class RulesConfig(Strict):
    """Which rules run and how severe their findings are, by code or prefix, as ruff does it.

    `select` and `ignore` take codes ("RD107") or prefixes ("RD1", "RD"). For each rule the most
    specific matching prefix decides; at equal specificity `ignore` wins. `severity` re-grades by
    code or prefix, again the most specific one winning: `{"RD3" = "info", "RD305" = "error"}`.
    """

    select: list[RuleCode] = Field(default_factory=lambda: ["RD"])
    ignore: list[RuleCode] = Field(default_factory=list)
    severity: dict[RuleCode, Severity] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @classmethod
    def load(cls, data: Mapping[str, Any], where: str = "rules") -> RulesConfig:
        """Validate a [rules] table; any problem is a ConfigError naming its key, e.g.
        `rules.ignore[1]: no rule matches 'RD99'`."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            problem = describe(first, cls)
            raise ConfigError(
                problem.message,
                where=f"{where}.{problem.path}" if first["loc"] else where,
                fix=_fix_for(first["loc"]),
            ) from None

    def is_selected(self, code: str) -> bool:
        chosen = _most_specific(code, dict.fromkeys(self.select, True))
        ignored = _most_specific(code, dict.fromkeys(self.ignore, False))
        if chosen is None:
            return False
        return ignored is None or chosen[0] > ignored[0]

    def severity_of(self, rule: type[Rule]) -> Severity:
        """The rule's severity after re-grading."""
        found = _most_specific(rule.code, self.severity)
        return rule.severity if found is None else found[1]

    def selected_rules(self, phase: str | None = None) -> list[type[Rule]]:
        """The selected rules (of one phase, if given), in code order."""
        return [
            rule
            for rule in all_rules()
            if self.is_selected(rule.code) and (phase is None or rule.phase == phase)
        ]


def _fix_for(loc: tuple[int | str, ...]) -> str:
    if loc and loc[0] in ("select", "ignore", "severity"):
        return "Use codes or prefixes that `rdsync rules` lists, e.g. 'RD107' or 'RD1'."
    if loc and loc[0] == "thresholds":
        return "See `rdsync rules <code>` for each threshold and its default."
    return "The [rules] table takes select, ignore, severity and thresholds."
