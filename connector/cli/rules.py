"""`rdsync rules`: the rule catalogue in the terminal, one rule's docs, or docs/rules.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from connector.cli.terminal import echo

if TYPE_CHECKING:
    from rules.base import Rule


@click.command()
@click.argument("code", metavar="[CODE|NAME]", required=False)
@click.option(
    "--markdown",
    is_flag=True,
    help="Print the whole rules reference as Markdown (the source of docs/rules.md).",
)
def rules(code: str | None, markdown: bool) -> None:
    """List every rule (code, name, severity, kinds), or print one rule's docs, found by its
    code or by its name as the table shows it.

    \b
    Examples:
      rdsync rules                 # the table of all rules
      rdsync rules RD107           # what RD107 checks, why, an example, the fix, its options
      rdsync rules owner-missing   # the same rule's docs, by its name
      rdsync rules --markdown > docs/rules.md
    """
    from rules.docs import kinds_label, render_rule, render_rules_reference
    from rules.registry import all_rules

    if markdown and code:
        raise click.UsageError("give a code or --markdown, not both")
    if markdown:
        echo(render_rules_reference(), nl=False)
        return
    if code:
        echo(render_rule(find_rule(code), heading="#"), nl=False)
        return
    table = [("code", "name", "severity", "applies to")]
    table += [
        (rule.code, rule.name, rule.severity.value, kinds_label(rule)) for rule in all_rules()
    ]
    widths = [max(len(row[column]) for row in table) for column in range(3)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        echo("  ".join([*cells, row[3]]))


def find_rule(wanted: str) -> type[Rule]:
    """A rule by its code (any case) or its name; an unknown one names the closest of both."""
    import difflib

    from rules.registry import UnknownRuleError, all_rules

    text = wanted.strip()
    for rule in all_rules():
        if text.upper() == rule.code or text.lower() == rule.name:
            return rule
    names = {rule.name: rule.code for rule in all_rules()}
    close = difflib.get_close_matches(text.lower(), [*names, *names.values()], n=3, cutoff=0.6)
    shown = [f"{name} ({names[name]})" if name in names else name for name in close]
    raise UnknownRuleError(
        f"no rule {wanted}; `rdsync rules` lists them",
        fix=f"Did you mean {', '.join(shown)}?" if shown else None,
    )
