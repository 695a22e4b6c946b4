"""`rdsync check`: read an export of Jira or Airtable JSON, map it, and print the rule findings."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from connector.cli.terminal import echo, json_text
from connector.clock import SYSTEM
from mappings.errors import ConfigError, InputError

_DIGITS = re.compile(r"(\d+)")
_TOOL_NAMES = {"jira": "a Jira export", "airtable": "an Airtable export"}


@dataclass
class Export:
    """An input read from disk: Jira search pages, or Airtable tables with the base schema."""

    tool: str  # "jira" or "airtable"
    path: Path
    pages: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)


def _natural(path: Path) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(path.name) if p)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            where=str(path),
            fix="Save the API's response body unchanged, as JSON.",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot read the file: {error}",
            where=str(path),
            fix="Check that the file exists, is readable and is UTF-8 JSON.",
        ) from None


def load_export(path: Path) -> Export:
    """Read a file or folder of JSON: Jira search responses, or Airtable tables + meta schema."""
    if not path.exists():
        raise InputError(
            "no such file or folder",
            where=str(path),
            fix="Pass --input a JSON file or a folder of JSON files.",
        )
    files = [path] if path.is_file() else sorted(path.glob("*.json"), key=_natural)
    if not files:
        raise InputError(
            "the folder holds no .json files",
            where=str(path),
            fix="Put the API responses in the folder as .json files.",
        )
    contents = {file: _read_json(file) for file in files}
    schemas = [file for file, data in contents.items() if _is_schema(data)]
    if schemas:
        return _airtable_export(path, contents, schemas[0])
    export = Export("jira", path)
    for file, data in contents.items():
        export.pages.extend(_jira_pages(file, data))
    return export


def _is_schema(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("tables"), list)


def _jira_pages(file: Path, data: Any) -> list[dict[str, Any]]:
    items = data if isinstance(data, list) else [data]
    for item in items:
        is_page = isinstance(item, dict) and isinstance(item.get("issues"), list)
        is_issue = isinstance(item, dict) and "key" in item and "fields" in item
        if not (is_page or is_issue):
            raise InputError(
                "not a Jira search response (no 'issues') nor an issue (no 'key' and "
                "'fields'), nor an Airtable base schema (no 'tables')",
                where=str(file),
                fix="Save responses of GET /rest/api/3/search/jql?expand=names,changelog; for "
                "Airtable, add meta.json, the response of GET /v0/meta/bases/{base}/tables.",
            )
    return items


def _airtable_export(path: Path, contents: dict[Path, Any], schema_file: Path) -> Export:
    export = Export("airtable", path, schema=contents[schema_file])
    known = {t.get("name") for t in export.schema["tables"]} | {
        t.get("id") for t in export.schema["tables"]
    }
    for file, data in contents.items():
        if file == schema_file:
            continue
        if file.stem not in known:
            raise InputError(
                f"'{file.stem}' is not a table of the base in {schema_file.name}",
                where=str(file),
                fix="Name each list-records file after its table (e.g. Targets.json), or "
                "remove it from the folder.",
            )
        export.tables.setdefault(file.stem, []).extend(_records(file, data))
    return export


def _records(file: Path, data: Any) -> list[dict[str, Any]]:
    pages = data if isinstance(data, list) else [data]
    records: list[dict[str, Any]] = []
    for page in pages:
        if not (isinstance(page, dict) and isinstance(page.get("records"), list)):
            raise InputError(
                "not an Airtable list-records response (no 'records')",
                where=str(file),
                fix="Save the response of GET /v0/{base}/{table} (or a list of its pages).",
            )
        records.extend(page["records"])
    return records


def as_of(entities: list[Any], measurements: list[Any]) -> tuple[date, str]:
    """The date a check runs as of: the newest update in the input, which keeps it repeatable."""
    updated = [e.updated for e in entities if isinstance(e.updated, datetime)]
    if updated:
        return max(updated).date(), "the newest update in the input"
    if measurements:
        return max(m.at for m in measurements), "the newest measurement in the input"
    return SYSTEM.today(), "today: the input holds no update times"


@dataclass
class CheckResult:
    """What a check found, with what the header and summary of its report need."""

    export: Export
    mapping_origin: str
    today: date
    today_reason: str
    entities: dict[str, Any]
    findings: list[Any]
    skipped: list[Any]
    notes: list[str]


def run_check(
    export: Export, mapping_name: str | None, config: Any, today: date | None
) -> CheckResult:
    """Map the export, assemble the architecture, and run the architecture rules on it."""
    from mappings.airtable import map_airtable
    from mappings.config import JiraMapping, load_mapping
    from mappings.graph import Architecture
    from mappings.jira import map_jira
    from rules.base import RuleContext
    from rules.engine import run_rules

    mapping = load_mapping(mapping_name or export.tool)
    if mapping.tool != export.tool:
        raise ConfigError(
            f"the mapping is for {mapping.tool}, but the input is {_TOOL_NAMES[export.tool]}",
            where=f"{mapping.origin}: tool",
            fix=f'Pass --mapping {export.tool}, or a mapping file with tool = "{export.tool}".',
        )
    if isinstance(mapping, JiraMapping):
        records = map_jira(export.pages, mapping)
    else:
        records = map_airtable(export.tables, export.schema, mapping)
    arch = Architecture(records.entities, records.measurements, records.problems)
    reason = "given with --today"
    if today is None:
        today, reason = as_of(records.entities, records.measurements)
    ctx = RuleContext(today=today, thresholds=config.thresholds)
    findings = run_rules(arch, config, ctx)
    return CheckResult(
        export,
        mapping.origin,
        today,
        reason,
        arch.entities,
        findings,
        records.skipped,
        records.notes,
    )


def print_json(result: CheckResult) -> None:
    """One JSON array of findings on stdout; skips and notes go to stderr."""
    rows = []
    for finding in result.findings:
        row = finding.model_dump(mode="json")
        entity = result.entities.get(finding.key)
        row["url"] = getattr(entity, "url", None)
        rows.append(row)
    echo(json_text(rows))
    for line in _trailer(result):
        echo(line, err=True)


def print_text(result: CheckResult) -> None:
    """Findings grouped by ticket or record, in key order, then skips, notes and a summary."""
    echo(
        f"rdsync check: {result.export.path} ({result.export.tool}, mapping "
        f"{result.mapping_origin}): {len(result.entities)} records, as of "
        f"{result.today.isoformat()} ({result.today_reason})"
    )
    shown_key = None
    for finding in result.findings:
        if finding.key != shown_key:
            shown_key = finding.key
            echo("")
            echo(_heading(finding, result.entities.get(finding.key)))
        where = f" [{finding.field}]" if finding.field else ""
        echo(f"  {finding.code} {finding.severity.value:<7} {finding.name}{where}: "
             f"{finding.message}")  # fmt: skip
        echo(f"        fix: {finding.fix}")
    lines = _trailer(result)
    if lines:
        echo("")
    for line in lines:
        echo(line)


def _heading(finding: Any, entity: Any) -> str:
    if entity is None:
        return finding.key
    name = f" {entity.name}" if entity.name else ""
    url = f"  {entity.url}" if entity.url else ""
    return f"{finding.key} ({entity.kind.value}){name}{url}"


def _trailer(result: CheckResult) -> list[str]:
    lines = [f"skipped {s.key}: {s.reason}" for s in result.skipped]
    lines += [f"note: {note}" for note in result.notes]
    counts = {level: 0 for level in ("error", "warning", "info")}
    for finding in result.findings:
        counts[finding.severity.value] += 1
    lines.append(
        f"{len(result.findings)} findings: {counts['error']} errors, {counts['warning']} "
        f"warnings, {counts['info']} infos; {len(result.skipped)} records skipped"
    )
    return lines


def _codes(option: str | None, name: str) -> list[str] | None:
    if option is None:
        return None
    codes = [code.strip() for code in option.split(",") if code.strip()]
    if not codes:
        raise ConfigError(
            "no codes given", where=name, fix="Give codes or prefixes, e.g. RD1,RD205."
        )
    return codes


def _rules_config(select: str | None, ignore: str | None) -> Any:
    from rules.config import RulesConfig

    data: dict[str, Any] = {}
    for option, key in ((select, "select"), (ignore, "ignore")):
        codes = _codes(option, f"--{key}")
        if codes is not None:
            data[key] = codes
    try:
        return RulesConfig.load(data, where="rules")
    except ConfigError as error:
        option = "--select" if ".select" in (error.where or "") else "--ignore"
        raise ConfigError(error.message, where=option, fix=error.fix) from None


def _parse_today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{value!r} is not a date", where="--today", fix="Give it as YYYY-MM-DD."
        ) from None


@click.command("check")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(path_type=Path),
    help="A JSON file or folder: Jira search/jql responses (expand=names,changelog), or "
    "Airtable list-records responses, one per table, with meta.json (the base schema).",
)
@click.option(
    "--mapping",
    "mapping_name",
    default=None,
    help="jira, jira-dc (Data Center), airtable (the bundled defaults) or a mapping TOML "
    "file; default: by the input.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--select", default=None, help="Rules to run: codes or prefixes, e.g. RD1,RD205.")
@click.option("--ignore", default=None, help="Rules to leave out: codes or prefixes.")
@click.option("--today", default=None, help="Check as of YYYY-MM-DD (default: newest update).")
def check(
    input_path: Path,
    mapping_name: str | None,
    output_format: str,
    select: str | None,
    ignore: str | None,
    today: str | None,
) -> None:
    """Check a Jira or Airtable export against the manual's rules, like a linter.

    Prints every finding with its code, the ticket or record it is on, what is wrong and the
    fix. The check runs as of the newest update in the input (or --today), so a check on an
    export is repeatable. It judges no likelihood, so the rules on ratings (those of the
    "assessment" phase) do not run. Exit status: 0 no error-severity finding, 1 some, 2
    unusable input or config.

    \b
    Example:
      rdsync check --input examples/jira
      rdsync check --input examples/airtable --format json --ignore RD3
    """
    config = _rules_config(select, ignore)
    export = load_export(input_path)
    result = run_check(export, mapping_name, config, _parse_today(today))
    if output_format == "json":
        print_json(result)
    else:
        print_text(result)
    if any(f.severity == "error" for f in result.findings):
        sys.exit(1)
