"""docs/rules.md is generated from the registry and must match it."""

from __future__ import annotations

from pathlib import Path

from rules.docs import render_rule, render_rules_reference
from rules.registry import all_rules, get_rule

DOCS = Path(__file__).parent.parent / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_rules_reference(), (
        "docs/rules.md is out of date; regenerate: rdsync rules --markdown > docs/rules.md"
    )


def test_reference_has_every_rule_with_its_sections() -> None:
    text = render_rules_reference()
    for rule in all_rules():
        assert f"## {rule.code} {rule.name}\n" in text
        assert f"[{rule.code}](#{rule.code.lower()}-{rule.name})" in text
    assert "| `freshness_days` | 120 |" in text
    assert "| Leadership and accountability | RD107, RD108, RD404 |" in text


def test_a_rule_shows_its_options_with_defaults() -> None:
    text = render_rule(get_rule("RD205"))
    assert "- Manual: Rule 7" in text
    assert "### Why it matters\n\nRule 7 asks the data lead" in text
    assert "- `freshness_days` = 120: RD205: a measurement older than this is stale" in text
    assert "### Options" not in render_rule(get_rule("RD101"))
