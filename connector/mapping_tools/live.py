"""The live site behind a config's source: connect through the existing sources and read the
schema the mapping tools work on (Jira fields, types, links, projects; Airtable meta)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jira.exceptions import JIRAError

from connector.config import AirtableSourceConfig, Config, JiraSourceConfig, load_config
from connector.mapping_tools.schema import AirtableSchema, JiraSchema, airtable_schema, jira_schema
from connector.sources.airtable import AirtableSource
from connector.sources.jira import JiraSource
from connector.sources.retry import RetryPolicy, status_of
from mappings.config import AirtableMapping, JiraMapping, MappingConfig, load_mapping
from mappings.errors import ConfigError

SourceConfig = JiraSourceConfig | AirtableSourceConfig


@dataclass
class Site:
    """One configured source, connected, with its mapping (the bundled one for `discover`)."""

    name: str
    config: Config
    source_config: SourceConfig
    source: JiraSource | AirtableSource
    mapping: MappingConfig
    mapping_path: str  # the file (or bundled name) the mapping came from, for messages

    @property
    def tool(self) -> str:
        return "jira" if isinstance(self.source, JiraSource) else "airtable"

    @property
    def address(self) -> str:
        cfg = self.source_config
        if isinstance(cfg, JiraSourceConfig):
            return cfg.url
        return f"{cfg.endpoint_url} base {cfg.base}"


def pick_source(config: Config, name: str | None, path: Path) -> tuple[str, SourceConfig]:
    """The source named, or the only one; several without a name is an error naming them."""
    if name is not None:
        return name, config.source(name)
    if len(config.sources) == 1:
        return next(iter(config.sources.items()))
    known = ", ".join(config.sources) or "none"
    raise ConfigError(
        f"the config has {len(config.sources)} sources ({known}); say which one",
        where=f"{path}: sources",
        fix="Pass --source NAME." if config.sources else "Add a [sources.<name>] table.",
    )


def open_site(config_path: Path, source: str | None = None, *, own_mapping: bool = True) -> Site:
    """Load the config, pick the source and connect to it (a refused token is a ConfigError).

    `own_mapping=False` (discover) connects with the tool's bundled mapping, since the
    source's own mapping file may not exist yet."""
    config = load_config(config_path)
    name, cfg = pick_source(config, source, config_path)
    tool = "jira" if isinstance(cfg, JiraSourceConfig) else "airtable"
    where = config.mapping_path(cfg) if own_mapping else tool
    mapping = load_mapping(where)
    if mapping.tool != tool:
        raise ConfigError(
            f"the mapping {where} is for {mapping.tool}, but the source is {tool}",
            where=f"{config_path}: sources.{name}.mapping",
            fix=f'Point it at a mapping with tool = "{tool}".',
        )
    site_source: JiraSource | AirtableSource
    if isinstance(cfg, JiraSourceConfig):
        assert isinstance(mapping, JiraMapping)
        retry = RetryPolicy.from_config(config.retry, tool="Jira")
        site_source = JiraSource(name, cfg, mapping, retry=retry, writeback=config.writeback)
    else:
        assert isinstance(mapping, AirtableMapping)
        retry = RetryPolicy.from_config(config.retry, tool="Airtable")
        site_source = AirtableSource(name, cfg, mapping, retry=retry, writeback=config.writeback)
    site_source.connect()
    return Site(name, config, cfg, site_source, mapping, where)


def jira_fields(source: JiraSource) -> list[dict[str, Any]]:
    """GET /field as `connect` read it (no call of its own)."""
    source.ensure_connected()
    return [
        {"id": fid, "name": name, "schema": source.schemas.get(fid) or {}}
        | {"custom": "custom" in (source.schemas.get(fid) or {})}
        for fid, name in source.names.items()
    ]


def read_jira_schema(source: JiraSource) -> JiraSchema:
    """Fields (as `connect` learnt them), issue types, link types and projects: three calls."""
    client = source.client
    types = source.call("issuetype", client._get_json, "issuetype")
    links = source.call("issueLinkType", client._get_json, "issueLinkType")
    projects = source.call("project", client._get_json, "project")
    return jira_schema(jira_fields(source), types, links.get("issueLinkTypes") or [], projects)


def jira_options(source: JiraSource, field_id: str) -> list[str] | None:
    """A select field's options in its first (global) context: two calls. None if Jira will
    not say (reading contexts takes an administrator's token; Data Center lacks the path)."""
    client = source.client
    try:
        contexts = source.call("context", client._get_json, f"field/{field_id}/context")
        values = contexts.get("values") or []
        if not values:
            return None
        path = f"field/{field_id}/context/{values[0]['id']}/option"
        page: dict[str, Any] = source.call("option", client._get_json, path, {"maxResults": 1000})
    except JIRAError as error:
        if status_of(error) in (403, 404):
            return None
        raise
    return [str(option["value"]) for option in page.get("values") or ()]


def jira_contexts(source: JiraSource, field_id: str) -> str | None:
    """A custom field's contexts, told (e.g. "context 'Strategy dates': some projects, all
    issue types"): one call. None if Jira will not say (an administrator's token reads them)."""
    try:
        page = source.call("context", source.client._get_json, f"field/{field_id}/context")
    except JIRAError as error:
        if status_of(error) in (403, 404):
            return None
        raise
    told = [
        f"context '{c.get('name', '?')}': "
        f"{'global' if c.get('isGlobalContext') else 'some projects'}, "
        f"{'all issue types' if c.get('isAnyIssueType') else 'some issue types'}"
        for c in page.get("values") or ()
    ]
    return "; ".join(told) or "no context"


def read_airtable_schema(source: AirtableSource) -> AirtableSchema:
    """The base's meta schema, as `connect` read it."""
    return airtable_schema(source.schema)


def jql_error(source: JiraSource, jql: str) -> str | None:
    """Jira's reason for refusing a JQL (one search of one key), None when it runs."""
    client = source.client
    search = client.enhanced_search_issues if source.cloud else client.search_issues
    try:
        source.call("search", search, jql, maxResults=1, fields=["key"], json_result=True)
    except JIRAError as error:
        if status_of(error) == 400:
            return "; ".join(_messages(error)) or str(error.text)
        raise
    return None


def _messages(error: JIRAError) -> list[str]:
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        return []
    return [str(message) for message in body.get("errorMessages") or ()]
