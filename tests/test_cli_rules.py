"""`rdsync rules`: the table, one rule's docs, the Markdown reference, an unknown code."""

from __future__ import annotations

from click.testing import CliRunner

from connector.cli import main
from rules.docs import render_rules_reference
from rules.registry import all_rules
from tests.test_rules_registry import CATALOGUE


def test_lists_every_rule_with_name_severity_and_kinds() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["code", "name", "severity", "applies", "to"]
    listed = [line.split()[0] for line in lines[1:]]
    assert listed == [rule.code for rule in all_rules()]
    assert set(CATALOGUE) <= set(listed)
    assert any(line.split()[:3] == ["RD108", "owner-multiple", "error"] for line in lines)
    assert any(line.split() == ["RD903", "hierarchy-cycle", "error", "any"] for line in lines)


def test_prints_one_rules_docs_and_options() -> None:
    result = CliRunner().invoke(main, ["rules", "rd206"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("# RD206 target-implausible\n")
    for section in ("What it does", "Why it matters", "Example", "Fix", "Options"):
        assert f"\n## {section}\n" in out
    assert "Manual: Rule 5" in out
    assert "`implausible_ratio` = 3.0" in out and "`history_years` = 3.0" in out


def test_every_catalogue_code_prints_its_docs() -> None:
    runner = CliRunner()
    for code in CATALOGUE:
        result = runner.invoke(main, ["rules", code])
        assert result.exit_code == 0 and "## Why it matters\n\n" in result.output, code


def test_unknown_code_exits_2_and_says_where_to_look() -> None:
    result = CliRunner().invoke(main, ["rules", "RD999"])
    assert result.exit_code == 2
    assert "no rule RD999; `rdsync rules` lists them" in result.output


def test_markdown_is_the_reference() -> None:
    result = CliRunner().invoke(main, ["rules", "--markdown"])
    assert result.exit_code == 0
    assert result.output == render_rules_reference()
    assert CliRunner().invoke(main, ["rules", "RD101", "--markdown"]).exit_code == 2


def test_prints_a_rules_docs_by_its_name_as_the_table_shows_it() -> None:
    runner = CliRunner()
    for rule in all_rules():
        by_name = runner.invoke(main, ["rules", rule.name])
        assert by_name.exit_code == 0, rule.name
        assert by_name.output == runner.invoke(main, ["rules", rule.code]).output
    assert runner.invoke(main, ["rules", "Owner-Missing"]).output.startswith(
        "# RD107 owner-missing\n"
    )


def test_an_unknown_name_exits_2_and_names_the_closest_rules() -> None:
    result = CliRunner().invoke(main, ["rules", "owner-mising"])
    assert result.exit_code == 2
    assert "no rule owner-mising; `rdsync rules` lists them" in result.output
    assert "Did you mean owner-missing (RD107)" in result.output
