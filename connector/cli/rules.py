"""`rdsync rules`: the rule catalogue in the terminal, one rule's docs, or docs/rules.md."""

from __future__ import annotations

import click

from connector.cli.terminal import echo


@click.command()
@click.argument("code", required=False)
@click.option(
    "--markdown",
    is_flag=True,
    help="Print the whole rules reference as Markdown (the source of docs/rules.md).",
)
def rules(code: str | None, markdown: bool) -> None:
    """List every rule (code, name, severity, kinds), or print one rule's docs.

    \b
    Examples:
      rdsync rules                 # the table of all rules
      rdsync rules RD107           # what RD107 checks, why, an example, the fix, its options
      rdsync rules --markdown > docs/rules.md
    """
    from rules.docs import kinds_label, render_rule, render_rules_reference
    from rules.registry import all_rules, get_rule

    if markdown and code:
        raise click.UsageError("give a code or --markdown, not both")
    if markdown:
        echo(render_rules_reference(), nl=False)
        return
    if code:
        echo(render_rule(get_rule(code), heading="#"), nl=False)
        return
    table = [("code", "name", "severity", "applies to")]
    table += [
        (rule.code, rule.name, rule.severity.value, kinds_label(rule)) for rule in all_rules()
    ]
    widths = [max(len(row[column]) for row in table) for column in range(3)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        echo("  ".join([*cells, row[3]]))
