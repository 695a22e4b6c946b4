"""`rdsync mapping discover | check | preview`: map a site as it is, and learn what does not fit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from connector.cli.terminal import echo

if TYPE_CHECKING:
    from connector.mapping_tools.live import Site
    from connector.mapping_tools.problems import Creation, Problem

CONFIG = click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rdsync config file; its source names the site and the mapping.",
)
SOURCE = click.option(
    "--source", "source_name", help="Which [sources.<name>] to use (needed when there are several)."
)


@click.group()
def mapping() -> None:
    """Map your own Jira site or Airtable base: discover a mapping, check it, preview it.

    \b
    Example:
      rdsync mapping discover --config rdsync.toml --out mapping.toml
      rdsync mapping check --config rdsync.toml --fix
      rdsync mapping preview --config rdsync.toml --limit 20
    """


@mapping.command()
@CONFIG
@SOURCE
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the skeleton to this file (default: print it).",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def discover(config_path: Path, source_name: str | None, out: Path | None, force: bool) -> None:
    """Read the site's schema and write a mapping skeleton.

    Issue types (or tables), fields and link types are matched to rdsync's entities and
    attributes by name and synonym (Initiative or Theme is a priority, KPI a metric, Epic a
    strategy, SRO the accountable owner, ...). Each guess carries its evidence as a comment;
    what could not be matched is left as comments for you to fill in. The file loads as it is.

    \b
    Example:
      rdsync mapping discover --config rdsync.toml --out mapping.toml
    """
    from connector.config import JiraSourceConfig
    from connector.mapping_tools.discover import discover_jira
    from connector.mapping_tools.discover_airtable import discover_airtable
    from connector.mapping_tools.live import open_site, read_airtable_schema, read_jira_schema
    from connector.sources.jira import JiraSource
    from mappings.config import parse_mapping_text

    if out is not None and out.exists() and not force:
        raise click.UsageError(f"{out} exists: pass --force to overwrite it, or another --out.")
    site = open_site(config_path, source_name, own_mapping=False)
    cfg, source = site.source_config, site.source
    if isinstance(source, JiraSource) and isinstance(cfg, JiraSourceConfig):
        project = cfg.projects[0] if len(cfg.projects) == 1 else None
        skeleton = discover_jira(read_jira_schema(source), site=site.address, project=project)
    else:
        assert not isinstance(source, JiraSource)
        schema = read_airtable_schema(source)
        skeleton = discover_airtable(schema, site=site.address, base=getattr(cfg, "base", ""))
    text = skeleton.render()
    parse_mapping_text(text, where="the discovered skeleton")  # never hand out one that fails
    if out is None:
        echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    echo(f"wrote {out}: {len(skeleton.unmatched)} item(s) left for you to fill in")
    for item in skeleton.unmatched:
        echo(f"  {item}")
    echo(f"next: edit it, then `rdsync mapping check --config {config_path}`")


@mapping.command()
@CONFIG
@SOURCE
@click.option("--fix", is_flag=True, help="Create the missing write-back fields and options.")
@click.option("--yes", is_flag=True, help="With --fix: create without asking.")
def check(config_path: Path, source_name: str | None, fix: bool, yes: bool) -> None:
    """Check a mapping against the live site: every problem with its config key.

    Every mapped field, issue type (or table and view) and link type must exist, field types
    must fit what is read from them (a number field for numbers, a user picker for owners, a
    paragraph for a rationale), and the write-back fields and select options must exist.
    On Jira it also says what the account may do in each project: read, write ratings,
    comment, skip notifications, create fields.
    Exits 0 when the mapping fits, 1 when it does not, 2 when the config cannot be used.

    \b
    Example:
      rdsync mapping check --config rdsync.toml
      rdsync mapping check --config rdsync.toml --fix --yes
    """
    from connector.mapping_tools.live import open_site

    site = open_site(config_path, source_name)
    problems = _account(site) + _problems(site)
    _show(problems, site)
    if fix:
        problems = _fix(site, problems, yes)
    sys.exit(1 if any(not p.note for p in problems) else 0)


def _account(site: Site) -> list[Problem]:
    """Jira: what the account may do, a line a project, and what it lacks as problems."""
    from connector.config import JiraSourceConfig
    from connector.mapping_tools.account import account_lines
    from connector.sources.jira import JiraSource

    source, cfg = site.source, site.source_config
    if not isinstance(source, JiraSource) or not isinstance(cfg, JiraSourceConfig):
        return []
    lines, problems = account_lines(source, cfg, site.config.writeback)
    for line in lines:
        echo(line)
    return problems


def _problems(site: Site) -> list[Problem]:
    from connector.mapping_tools import live
    from connector.mapping_tools.check import check_jira
    from connector.mapping_tools.check_airtable import check_airtable
    from connector.sources.jira import JiraSource
    from mappings.config import AirtableMapping, JiraMapping

    source, mapping = site.source, site.mapping
    if isinstance(source, JiraSource):
        assert isinstance(mapping, JiraMapping)
        return check_jira(
            mapping,
            live.read_jira_schema(source),
            options=lambda field_id: live.jira_options(source, field_id),
            jql_error=lambda jql: live.jql_error(source, jql),
            contexts=lambda field_id: live.jira_contexts(source, field_id),
        )
    assert isinstance(mapping, AirtableMapping)
    base = getattr(site.source_config, "base", None)
    return check_airtable(mapping, live.read_airtable_schema(source), base=base)


def _show(problems: list[Problem], site: Site) -> None:
    failing = [p for p in problems if not p.note]
    named = site.source_config.mapping  # as the config names it
    for problem in problems:
        echo(problem.line())
    notes = len(problems) - len(failing)
    if failing:
        shown = f"{len(failing)} problem(s)" + (f", {notes} note(s)" if notes else "")
        echo(f"{named}: {shown} on {site.address}")
    else:
        extra = f" ({notes} note(s))" if notes else ""
        echo(f"{named}: the mapping fits {site.address}{extra}")


def _fix(site: Site, problems: list[Problem], yes: bool) -> list[Problem]:
    """Show what --fix will create, ask (or take --yes), create it, and check again."""
    from connector.mapping_tools import fix

    creations = fix.plan(p.creation for p in problems if p.creation is not None)
    if not creations:
        echo("--fix: nothing it can create; the problems above need an edit of the mapping")
        return problems
    echo(f"--fix will, on {site.address}:")
    for creation in creations:
        echo(f"  {creation.describe()}")
    if not yes:
        if not sys.stdin.isatty():
            echo("not created: pass --yes to create them without a prompt")
            return problems
        if not click.confirm("create them?", default=False):
            echo("nothing was created")
            return problems
    for line in _apply_locked(site, creations):
        echo(f"  {line}")
    refreshed = _reconnected(site)
    again = _problems(refreshed)
    echo("after --fix:")
    _show(again, refreshed)
    return again


def _apply_locked(site: Site, creations: list[Creation]) -> list[str]:
    """Create them holding the state store's lock: they write to the tool as a sync does (on
    Airtable, a record's write-back field too), so never beside a running sync."""
    from connector.mapping_tools import fix
    from connector.sync.state import state_errors
    from connector.sync.stores import open_store

    store = open_store(site.config)
    try:
        with state_errors(store.where):
            store.lock()
        return fix.apply(site.source, creations)
    finally:
        store.close()


def _reconnected(site: Site) -> Site:
    """The site read afresh: its field list (and Airtable schema) changed."""
    site.source.connect()
    return site


@mapping.command()
@CONFIG
@SOURCE
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Records to read, spread over the mapped issue types (or tables).",
)
def preview(config_path: Path, source_name: str | None, limit: int) -> None:
    """Read a sample and show how each record maps; writes nothing.

    For each record: the entity kind it maps to, its attributes, its relations (parent,
    drives), its measurements, the mapped attributes it leaves empty, and the values that
    cannot be read (RD901). Records the mapping does not take are listed with the reason.

    \b
    Example:
      rdsync mapping preview --config rdsync.toml --limit 20
    """
    from connector.mapping_tools.live import open_site
    from connector.mapping_tools.preview import render, take_sample

    site = open_site(config_path, source_name)
    for line in render(take_sample(site, limit), site.mapping):
        echo(line)
