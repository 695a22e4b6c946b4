"""`rdsync mapping check --fix`: create the missing write-back fields and select options, through
the sources' clients and retry policy. A refusal is reported and the rest goes on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import requests
from jira.exceptions import JIRAError

from connector.mapping_tools.fitness import WRITEBACK_TYPES
from connector.mapping_tools.problems import Creation
from connector.sources.airtable import AirtableSource
from connector.sources.jira import JiraSource
from connector.sources.retry import status_of

CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"
SEARCHERS = {
    "select": "multiselectsearcher",
    "textarea": "textsearcher",
    "datetime": "datetimerange",
}
DESCRIPTION = "Written by rdsync, which owns this field: edits here are overwritten."
AIRTABLE_OPTIONS: dict[str, dict[str, Any] | None] = {
    "multilineText": None,
    "dateTime": {
        "dateFormat": {"name": "iso"},
        "timeFormat": {"name": "24hour"},
        "timeZone": "utc",
    },
}
COLOURS = ("redBright", "orangeBright", "yellowBright", "greenBright")  # 1 - Red .. 4 - Green


def plan(creations: Iterable[Creation]) -> list[Creation]:
    """The creations once each, in order (options of one field grouped together)."""
    merged: dict[tuple[str, str | None, str | None], Creation] = {}
    for creation in creations:
        key = (creation.name, creation.field_id, creation.table)
        if key in merged and creation.field_id is not None:
            before = merged[key]
            options = tuple(dict.fromkeys((*before.options, *creation.options)))
            merged[key] = Creation(
                before.role, before.name, before.type, options, before.field_id, before.table
            )
        else:
            merged.setdefault(key, creation)
    return list(merged.values())


def apply(source: JiraSource | AirtableSource, creations: list[Creation]) -> list[str]:
    """Make each creation; one line per creation saying what was done or why not."""
    done = []
    for creation in creations:
        try:
            if isinstance(source, JiraSource):
                done.append(_jira(source, creation))
            else:
                done.append(_airtable(source, creation))
        except (JIRAError, requests.HTTPError) as error:
            done.append(f"could not {creation.describe()}: {_refusal(error)}")
    return done


def _refusal(error: JIRAError | requests.HTTPError) -> str:
    status = status_of(error)
    text = (
        error.text
        if isinstance(error, JIRAError)
        else error.response.text
        if error.response is not None
        else ""
    )
    advice = " (an administrator of the site must do it)" if status in (401, 403) else ""
    return f"HTTP {status} {str(text)[:200]}{advice}".strip()


def _jira_post(source: JiraSource, path: str, body: dict[str, Any]) -> Any:
    client = source.client
    response = source.call(
        f"create {path}", client._session.post, client._get_url(path), data=json.dumps(body)
    )
    return response.json()


def _jira(source: JiraSource, creation: Creation) -> str:
    field_id = creation.field_id
    if field_id is None:
        custom = WRITEBACK_TYPES[creation.role][1]
        body = {
            "name": creation.name,
            "description": DESCRIPTION,
            "type": CUSTOM + custom,
            "searcherKey": CUSTOM + SEARCHERS[custom],
        }
        field_id = str(_jira_post(source, "field", body)["id"])
        done = f"created {creation.type} field '{creation.name}' ({field_id})"
    else:
        done = f"added to field '{creation.name}' ({field_id})"
    if creation.options:
        client = source.client
        contexts = source.call("context", client._get_json, f"field/{field_id}/context")
        if not contexts.get("values"):
            return f"{done}; could not add its options: the field has no context in Jira"
        context = contexts["values"][0]["id"]
        options = {"options": [{"value": option} for option in creation.options]}
        _jira_post(source, f"field/{field_id}/context/{context}/option", options)
        done += " with options " + ", ".join(creation.options)
    return done


def _airtable(source: AirtableSource, creation: Creation) -> str:
    assert creation.table is not None
    table = source.base.table(creation.table)
    if creation.field_id is None:
        kind = WRITEBACK_TYPES[creation.role][2]
        options = AIRTABLE_OPTIONS.get(kind)
        if creation.options:
            colours = COLOURS if len(creation.options) == len(COLOURS) else ("blueLight2",) * 9
            choices = [
                {"name": o, "color": c} for o, c in zip(creation.options, colours, strict=False)
            ]
            options = {"choices": choices}
        source.call(
            f"create field in {creation.table}",
            table.create_field,
            creation.name,
            kind,
            DESCRIPTION,
            options,
        )
        return f"created {creation.type} field '{creation.name}' in table '{creation.table}'"
    return _airtable_options(source, creation)


def _airtable_options(source: AirtableSource, creation: Creation) -> str:
    """Airtable's API adds a select option only by writing it with typecast: write each to one
    record's write-back field (ours), then put back what that field held."""
    assert creation.table is not None
    table = source.base.table(creation.table)
    record = source.call(f"list {creation.table}", table.first, fields=[creation.name])
    if record is None:
        return (
            f"could not {creation.describe()}: the table has no record to write it through; "
            "add the options in Airtable"
        )
    held = (record.get("fields") or {}).get(creation.name)
    for option in creation.options:
        source.call(
            f"update {creation.table}",
            table.update,
            record["id"],
            {creation.name: option},
            typecast=True,
        )
    source.call(f"update {creation.table}", table.update, record["id"], {creation.name: held})
    shown = ", ".join(creation.options)
    return (
        f"added option(s) {shown} to field '{creation.name}' in '{creation.table}' "
        f"(written to {record['id']} with typecast, then put back)"
    )
