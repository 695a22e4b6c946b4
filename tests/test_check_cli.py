"""`rdsync check`: exports in, findings out, and exit 0 / 1 / 2 with no traceback."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connector.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args])


def test_text_report_is_grouped_by_key_with_a_summary() -> None:
    result = run("--input", str(EXAMPLES / "jira"))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "mapping mappings/defaults/jira.toml): 33 records, as of 2025-06-30" in lines[0]
    assert lines[-1] == "7 findings: 4 errors, 3 warnings, 0 infos; 0 records skipped"
    headings = [line.split()[0] for line in lines if line.startswith("DEL-")]
    assert headings == ["DEL-8", "DEL-12", "DEL-14", "DEL-15", "DEL-24", "DEL-25", "DEL-28"]
    assert "  RD108 error   owner-multiple [owners]: DEL-25 has 2 accountable owners" in (
        result.stdout
    )
    assert "        fix: " in result.stdout


def test_json_is_one_array_and_select_ignore_filter_the_rules() -> None:
    result = run("--input", str(EXAMPLES / "airtable"), "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert len(rows) == 7
    assert {"code", "severity", "key", "message", "fix"} <= set(rows[0])
    assert all(row["key"].startswith("rec") for row in rows)
    assert "7 findings" in result.stderr
    only_planning = run("--input", str(EXAMPLES / "jira"), "--format", "json", "--select", "RD3")
    assert only_planning.exit_code == 0  # RD303, RD308, RD309 are warnings
    assert sorted(row["code"] for row in json.loads(only_planning.stdout)) == [
        "RD303",
        "RD308",
        "RD309",
    ]
    ignored = run("--input", str(EXAMPLES / "jira"), "--ignore", "RD1,RD204", "--format", "json")
    assert ignored.exit_code == 0 and len(json.loads(ignored.stdout)) == 3


def test_today_moves_the_check_date(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    shutil.copy(EXAMPLES / "jira" / "search-page-2.json", page)  # a single file works too
    result = run("--input", str(page), "--today", "2025-07-01")
    assert "as of 2025-07-01 (given with --today)" in result.stdout.splitlines()[0]
    bad = run("--input", str(page), "--today", "01/07/2025")
    assert bad.exit_code == 2 and "--today: '01/07/2025' is not a date" in bad.stderr


def test_bad_input_becomes_findings_and_skips_and_the_run_goes_on() -> None:
    result = run("--input", str(EXAMPLES / "bad" / "jira"), "--format", "json")
    assert result.exit_code == 1
    found = {(row["code"], row["key"]) for row in json.loads(result.stdout)}
    assert {
        ("RD901", "DEL-104"),
        ("RD903", "DEL-105"),
        ("RD903", "DEL-106"),
        ("RD903", "DEL-107"),
        ("RD902", "DEL-108"),
        ("RD902", "DEL-111"),
        ("RD904", "DEL-110"),
    } <= found
    unreadable = [row for row in json.loads(result.stdout) if row["code"] == "RD901"]
    assert {row["field"] for row in unreadable} == {"Baseline value", "Target date"}
    assert ("RD105", "DEL-104") in found  # the rules still ran on the rest
    assert "skipped DEL-109: issue type 'Bug' is not in the mapping" in result.stderr
    assert "1 records skipped" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--input", "examples/jira", "--mapping", "examples/bad/mapping-typo.toml"],
            "examples/bad/mapping-typo.toml: entities.priority.isue_type: unknown key 'isue_type'",
        ),
        (["--input", "examples/airtable", "--mapping", "jira"], "but the input is an Airtable"),
        (["--input", "examples/nowhere"], "examples/nowhere: no such file or folder"),
        (["--input", "examples/jira", "--select", "RD99"], "--select: no rule matches 'RD99'"),
        (["--input", "examples/jira", "--mapping", "site.toml"], "site.toml: no such mapping"),
    ],
)
def test_unusable_input_or_config_exits_2_naming_it(
    args: list[str], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    result = run(*args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_file_problems_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "page.json"
    broken.write_text('{"issues": [', encoding="utf-8")
    result = run("--input", str(tmp_path))
    assert result.exit_code == 2
    assert f"{broken}: not valid JSON" in result.stderr and "line 1" in result.stderr
    broken.write_text('{"values": []}', encoding="utf-8")
    assert "not a Jira search response" in run("--input", str(broken)).stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no .json files" in run("--input", str(empty)).stderr
    base = tmp_path / "base"
    shutil.copytree(EXAMPLES / "airtable", base)
    (base / "Risk log.json").write_text('{"records": []}', encoding="utf-8")
    stray = run("--input", str(base))
    assert stray.exit_code == 2
    assert "Risk log.json: 'Risk log' is not a table of the base" in stray.stderr


# What ticket text can do to a terminal: hide all later lines (SGR 8, "concealed"), plant a
# link or retitle the window (OSC), type over itself (backspaces), or clear the screen through
# the 8-bit C1 form of CSI (0x9b).
HIDE, LINK, TITLE, C1_CSI = "\x1b[8m", "\x1b]8;;https://evil.example\x07", "\x1b]0;ok\x07", "\x9b2J"


def _hostile_export(tmp_path: Path) -> Path:
    """examples/jira with control sequences in three summaries and in an owner's name."""
    folder = tmp_path / "jira"
    folder.mkdir()
    texts = {
        "DEL-8": f"Hidden{HIDE}",
        "DEL-12": f"{LINK}Click{TITLE}",
        "DEL-14": "Fine\b\b\b\bForged",
    }
    for page in sorted((EXAMPLES / "jira").glob("*.json")):
        data = json.loads(page.read_text("utf-8"))
        for issue in data["issues"]:
            fields = issue["fields"]
            if issue["key"] in texts:
                fields["summary"] = texts[issue["key"]]
            if issue["key"] == "DEL-25":
                fields["customfield_10040"][1]["displayName"] = f"Claire{C1_CSI} Donovan{HIDE}"
        (folder / page.name).write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_ticket_text_reaches_the_terminal_with_its_escapes_shown(tmp_path: Path) -> None:
    folder = _hostile_export(tmp_path)
    text = run("--input", str(folder))
    assert text.exit_code == 1
    out = text.stdout_bytes
    assert b"\x1b" not in out and b"\x08" not in out and "\x9b".encode() not in out
    lines = text.stdout.splitlines()
    assert "DEL-8 (target) Hidden\\x1b[8m  https://rd-demo.atlassian.net/browse/DEL-8" in lines
    assert "DEL-14 (outcome) Fine\\x08\\x08\\x08\\x08Forged  https://rd-demo" in text.stdout
    assert "DEL-12 (target) \\x1b]8;;https://evil.example\\x07Click\\x1b]0;ok\\x07" in text.stdout
    assert "Jonathan Ashby, Claire\\x9b2J Donovan\\x1b[8m" in text.stdout
    assert lines[-1] == "7 findings: 4 errors, 3 warnings, 0 infos; 0 records skipped"

    as_json = run("--input", str(folder), "--format", "json")
    assert b"\x1b" not in as_json.stdout_bytes and "\x9b".encode() not in as_json.stdout_bytes
    owners = next(r for r in json.loads(as_json.stdout) if r["code"] == "RD108")
    assert owners["message"].endswith(f"Claire{C1_CSI} Donovan{HIDE}")  # the JSON is exact

    missing = run("--input", str(tmp_path / f"no{HIDE}such"))
    assert missing.exit_code == 2 and b"\x1b" not in missing.stderr_bytes
    assert "no\\x1b[8msuch" in missing.stderr
