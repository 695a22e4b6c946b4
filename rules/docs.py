"""The rules reference, generated from the registry: docs/rules.md and `rdsync rules <code>`."""

from __future__ import annotations

from mappings.model import EntityKind
from rules.base import DOC_SECTIONS, Rule, Thresholds
from rules.registry import all_rules
from rules.rubric import CRITERIA

HEADER = """\
# Rules reference

<!-- Generated from the rule registry by rules/docs.py; do not edit by hand.
     Regenerate: rdsync rules --markdown > docs/rules.md -->

rdsync checks the delivery architecture against the rules of the Results and Delivery manual,
as a linter checks code. Every finding has a permanent code, the ticket or record it is about,
a message that states the fact with its data, and a fix that says what to do in the tool.
`rdsync rules` lists the rules; `rdsync rules RD107` prints one of them.

Severities: **error** for what the manual calls essential (a single accountable owner, a
target that is measurable and time-bound, a strategy for every target); **warning** for gaps
in the quality of a plan; **info** for advisories. Rules judge open work: a ticket whose status
is done is skipped (except by the data rules, RD9xx).

One bad record never stops a check. Bad input becomes an RD9xx finding; and should a rule
itself fail on a ticket, that ticket gets an error finding under the rule's code whose message
starts with "rule failed:", the rule goes on with the other tickets, and every other rule runs.
"""

CONFIG = """\
## Configuration

The `[rules]` table of the rdsync config selects, ignores and re-grades rules by code or by
prefix, as ruff does; for each rule the most specific prefix decides, and at equal
specificity `ignore` wins. A code or prefix that matches no rule is an error naming its key.

```toml
[rules]
select = ["RD"]                                # every rule (the default)
ignore = ["RD109"]                             # no portfolio-size check
severity = { RD3 = "info", RD305 = "error" }   # planning gaps advisory, but the delivery chain

[rules.thresholds]
max_priorities = 5
```
"""


def kinds_label(rule: type[Rule]) -> str:
    """The entity kinds a rule applies to, or "any" for all of them."""
    if set(rule.kinds) == set(EntityKind):
        return "any"
    return ", ".join(str(kind) for kind in rule.kinds)


def rule_options(rule: type[Rule]) -> tuple[str, ...]:
    """The [rules.thresholds] keys a rule reads (rules without any have no `options`)."""
    return tuple(getattr(rule, "options", ()))


def threshold_line(option: str) -> str:
    field = Thresholds.model_fields[option]
    return f"`{option}` = {field.default!r}: {field.description or ''}"


def render_rule(rule: type[Rule], heading: str = "##") -> str:
    """One rule's reference: title, facts, the four doc sections and its options."""
    kinds = kinds_label(rule)
    lines = [
        f"{heading} {rule.code} {rule.name}",
        "",
        f"- Severity: {rule.severity.value}",
        f"- Applies to: {kinds}",
        f"- Manual: {rule.manual}",
        f"- Phase: {rule.phase}",
    ]
    docs = rule.docs()
    for section in DOC_SECTIONS:
        lines += ["", f"{heading}# {section}", "", docs.get(section, "").strip()]
    options = rule_options(rule)
    if options:
        lines += ["", f"{heading}# Options", "", "Under `[rules.thresholds]`:", ""]
        lines += [f"- {threshold_line(option)}" for option in options]
    return "\n".join(lines) + "\n"


def _summary_table() -> list[str]:
    lines = ["| code | name | severity | applies to |", "|---|---|---|---|"]
    for rule in all_rules():
        kinds = kinds_label(rule)
        lines.append(
            f"| [{rule.code}](#{rule.code.lower()}-{rule.name}) | {rule.name} "
            f"| {rule.severity.value} | {kinds} |"
        )
    return lines


def _thresholds_table() -> list[str]:
    lines = ["| key | default | what it is |", "|---|---|---|"]
    for name, field in Thresholds.model_fields.items():
        lines.append(f"| `{name}` | {field.default!r} | {field.description or ''} |")
    return lines


def _rubric_table() -> list[str]:
    lines = ["| criterion | rules |", "|---|---|"]
    lines += [f"| {name} | {', '.join(codes)} |" for name, codes in CRITERIA.items()]
    return lines


def render_rules_reference() -> str:
    """The whole of docs/rules.md."""
    parts = [
        HEADER,
        "## All rules\n",
        "\n".join(_summary_table()) + "\n",
        CONFIG,
        "Thresholds, under `[rules.thresholds]`:\n",
        "\n".join(_thresholds_table()) + "\n",
        "## The delivery planning rubric\n",
        "Each priority's plan is rated Green to Red on the eight criteria of the manual's "
        "delivery planning rubric (Rule 5), from the findings of these rules on the plan's "
        "tickets (see `rules/rubric.py` for the thresholds):\n",
        "\n".join(_rubric_table()) + "\n",
    ]
    parts += [render_rule(rule) for rule in all_rules()]
    return "\n".join(parts)
