"""docs/admin-guide.md, run: its config, its commands and its edits, in its order, on the
typical-jira sandbox, until a sync rates the site's Initiatives, Objectives and Epics."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox.seeds.typical import typical_summary
from connector.sandbox.server import Sandbox
from tests.conftest import jira_client

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "admin-guide.md"
WALKTHROUGH = ("## Walkthrough: a typical Jira site", "## An Airtable base")
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)
RATED = "project = PMO AND issuetype in (Initiative, Objective, Epic)"
OPTIONS = {"1 - Red", "2 - Amber/Red", "3 - Amber/Green", "4 - Green"}

pytestmark = pytest.mark.e2e


def walkthrough() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start, end = (text.index(heading) for heading in WALKTHROUGH)
    return text[start:end]


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(walkthrough()) if lang == language]


def steps() -> list[str]:
    """The guide's rdsync commands in order, with the edits (`# Edit ...` blocks) in their
    place: after the command before them."""
    found: list[str] = []
    for match in FENCE.finditer(walkthrough()):  # in the order of the text
        lang, body = match.groups()
        if lang == "console":
            commands = [line[2:] for line in body.splitlines() if line.startswith("$ rdsync ")]
            found += [c for c in commands if not c.startswith("rdsync sandbox")]
        elif lang == "toml" and body.startswith("# Edit"):
            found.append(body)
    return found


def apply_edit(mapping: str, edit: str) -> str:
    """`# Edit N, under [table]: ...` goes below that table's header; other edits at the end."""
    first, _, body = edit.partition("\n")
    under = re.search(r"under (\[[^\]]+\])", first)
    if under is None:
        return mapping + "\n" + body
    header = under[1] + "\n"
    assert header in mapping, f"the guide edits {under[1]}, which discover did not write"
    return mapping.replace(header, header + body, 1)


def config_block(url: str) -> str:
    (config,) = [body for body in blocks("toml") if "[sources.jira]" in body]
    assert 'url = "http://127.0.0.1:8080"' in config
    return config.replace("http://127.0.0.1:8080", url)


def test_the_guide_has_a_config_edits_and_the_commands_in_order() -> None:
    found = steps()
    commands = [step for step in found if step.startswith("rdsync ")]
    assert commands == [
        "rdsync mapping discover --config rdsync.toml --out mapping.toml",
        "rdsync mapping check --config rdsync.toml",
        "rdsync mapping preview --config rdsync.toml --limit 20",
        "rdsync mapping check --config rdsync.toml --fix --yes",
        "rdsync mapping check --config rdsync.toml",
        "rdsync sync --config rdsync.toml --full",
    ]
    edits = [step for step in found if step.startswith("# Edit")]
    assert len(edits) == 3 and found.index(edits[0]) == 1  # right after discover


def test_the_guide_s_steps_map_the_typical_site_and_a_sync_rates_it(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_sandbox(seed="typical-jira")
    monkeypatch.chdir(tmp_path)  # the guide runs everything from the config's folder
    Path("jira.token").write_text(site.token + "\n")
    Path("rdsync.toml").write_text(config_block(site.url))
    outputs: dict[str, Any] = {}
    checks = 0
    for step in steps():
        if step.startswith("# Edit"):
            Path("mapping.toml").write_text(apply_edit(Path("mapping.toml").read_text(), step))
            continue
        result = CliRunner().invoke(main, shlex.split(step)[1:], catch_exceptions=False)
        checks += step == "rdsync mapping check --config rdsync.toml"
        expected = 1 if step == "rdsync mapping check --config rdsync.toml" and checks == 1 else 0
        assert result.exit_code == expected, f"{step}\n{result.output}"
        outputs.setdefault(step, result.output)
    first_check = outputs["rdsync mapping check --config rdsync.toml"]
    assert first_check.count("`rdsync mapping check --fix` creates it") == 4  # as the guide says
    preview = outputs["rdsync mapping preview --config rdsync.toml --limit 20"]
    keys = typical_summary(site.store)["keys"]
    epic = keys["E1"]
    assert f"drives              {epic}#target" in preview
    assert f"  → target {epic}#target: 'Automate straightforward claims'" in preview
    assert preview.rstrip().endswith("Nothing was written.")
    assert_rated(site)


def assert_rated(site: Sandbox) -> None:
    """Every Initiative, Objective and Epic carries a likelihood and its rationale."""
    jira = jira_client(site)
    names = {f["name"]: f["id"] for f in jira.fields()}
    likelihood, rationale = names["Delivery likelihood"], names["Likelihood rationale"]
    issues = jira.search_issues(RATED, maxResults=0, fields=[likelihood, rationale])
    assert len(issues) == 13
    for issue in issues:
        raw = issue.raw["fields"]
        assert (raw.get(likelihood) or {}).get("value") in OPTIONS, issue.key
        assert raw.get(rationale), issue.key
