"""`rdsync jira dashboard`: saved filters on rdsync's fields and a dashboard of Jira's own gadgets
over them, kept in place on a Jira Cloud site (a second run writes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from connector.cli.sync import CONFIG
from connector.cli.terminal import echo
from mappings.errors import ConfigError, RdsyncError

if TYPE_CHECKING:  # heavy (pydantic, the jira client): imported inside the command
    from connector.config import Config, JiraDashboardConfig, JiraSourceConfig
    from connector.sources.jira import JiraSource
    from connector.sources.jira_boards import Fields
    from connector.sources.jira_dashboard import Outcome

DESCRIPTION = (
    "Kept by rdsync (`rdsync jira dashboard`): the Delivery likelihood rdsync writes back, "
    "what is Red and Amber/Red, what fell, and stale data. Edits here are put back on its "
    "next run."
)


@click.group()
def jira() -> None:
    """Jira-only tasks: a dashboard of rdsync's ratings inside Jira."""


@jira.command()
@CONFIG
@click.option("--dry-run", is_flag=True, help="Read the site, print what would change, write none.")
def dashboard(config_path: Path, dry_run: bool) -> None:
    """Create, or update in place, saved filters on rdsync's fields (Red and Amber/Red, stale
    data, items by accountable owner, what fell since the last assessment) and a dashboard of
    Jira's own gadgets over them, shared with [jira_dashboard] share_group.

    On Jira Data Center, which has no REST API to create a dashboard, only the filters are
    kept, and the command exits 2 saying so.

    \b
    Examples:
      rdsync jira dashboard --config rdsync.toml --dry-run
      rdsync jira dashboard --config rdsync.toml
    """
    from connector.config import load_config

    config = load_config(config_path)
    outcome = keep_dashboard(config, config_path, dry_run=dry_run, echo=echo)
    verb = "would write" if dry_run else "wrote"
    changes = len(outcome.lines) if dry_run else outcome.writes
    echo(f"{verb} {changes} change(s); {outcome.unchanged} already as wanted")
    if outcome.dashboard_url:
        echo(f"dashboard: {outcome.dashboard_url}")


def keep_dashboard(
    config: Config,
    config_path: Path,
    *,
    dry_run: bool = False,
    echo: Callable[[str], None] | None = None,
) -> Outcome:
    """Everything the command does: checks first (the section, the source, the fields), then
    the filters, the dashboard and its gadgets."""
    from connector.sources.jira_boards import wanted_filters, wanted_gadgets
    from connector.sources.jira_dashboard import DashboardKeeper
    from connector.sources.jira_dc_filters import DataCenterFilters
    from rules.registry import all_rules

    section = _section(config, config_path)
    name, cfg = _source(config, section, config_path)
    source = _connected(config, name, cfg)
    fields = _fields(source, config.mapping_path(cfg))
    stale = next(rule.code for rule in all_rules() if rule.name == "indicator-stale")
    days = config.schedule.assessment_days
    filters = wanted_filters(section, fields, source.scope_jql, stale_code=stale, days=days)
    say = echo or (lambda _: None)
    if not source.cloud:
        dc = DataCenterFilters(source, section, dry_run=dry_run, echo=say)
        raise no_dashboard(config_path, name, dc.keep_only_filters(filters))
    keeper = DashboardKeeper(source, section, dry_run=dry_run, echo=say)
    return keeper.keep(filters, wanted_gadgets(section, fields), DESCRIPTION)


def _section(config: Config, config_path: Path) -> JiraDashboardConfig:
    if config.jira_dashboard is None:
        raise ConfigError(
            "the config has no [jira_dashboard] table",
            where=f"{config_path}: jira_dashboard",
            fix='Add [jira_dashboard] with share_group = "<a Jira group>" (config.example.toml '
            "shows every key).",
        )
    return config.jira_dashboard


def _source(
    config: Config, section: JiraDashboardConfig, config_path: Path
) -> tuple[str, JiraSourceConfig]:
    """The Jira source the dashboard is for."""
    from connector.config import JiraSourceConfig

    jira = {n: s for n, s in config.sources.items() if isinstance(s, JiraSourceConfig)}
    if section.source is None and len(jira) != 1:
        raise ConfigError(
            f"{len(jira)} Jira sources, and [jira_dashboard] names none of them",
            where=f"{config_path}: jira_dashboard.source",
            fix=f"Set source to one of: {', '.join(jira) or '(add a Jira source first)'}.",
        )
    name = section.source or next(iter(jira))
    cfg = jira[name]
    return name, cfg


def no_dashboard(config_path: Path, name: str, outcome: Outcome) -> RdsyncError:
    """Data Center's refusal, after its filters are kept: exit status 2 with the reason."""
    kept = "would be kept" if not outcome.writes and outcome.lines else "are kept"
    return RdsyncError(
        f"Jira Data Center has no REST API to create a dashboard or add gadgets to one (its "
        f"/rest/api/2/dashboard only reads), so rdsync keeps no dashboard there; the saved "
        f"filters {kept} ({outcome.writes} write(s), {outcome.unchanged} already as wanted)",
        where=f"{config_path}: sources.{name}.deployment",
        fix="Add the gadgets docs/jira-dashboard.md lists to a dashboard by hand, over the "
        "filters rdsync keeps (your favourites), or point [jira_dashboard] source at a Jira "
        "Cloud source.",
    )


def _connected(config: Config, name: str, cfg: JiraSourceConfig) -> JiraSource:
    from connector.sources.jira import JiraSource
    from connector.sources.retry import RetryPolicy
    from mappings.config import JiraMapping, load_mapping

    mapping = load_mapping(config.mapping_path(cfg))
    if not isinstance(mapping, JiraMapping):
        raise ConfigError(
            f"{cfg.mapping!r} is not a Jira mapping",
            where=f"sources.{name}.mapping",
            fix='Use "jira".',
        )
    retry = RetryPolicy.from_config(config.retry, tool="Jira")
    source = JiraSource(name, cfg, mapping, retry=retry, writeback=config.writeback)
    source.connect()
    return source


def _fields(source: JiraSource, mapping_path: str) -> Fields:
    """The site's ids of the fields the filters use; a missing one stops before any write."""
    from connector.sources.jira_boards import Fields
    from mappings.model import EntityKind

    mapping = source.mapping
    wanted = {
        "writeback.likelihood": mapping.writeback.likelihood,
        "writeback.gaps": mapping.writeback.gaps,
        "writeback.assessed": mapping.writeback.assessed,
    }
    owners = mapping.attributes_for(next(iter(mapping.writeback.kinds), EntityKind.TARGET)).get(
        "owners"
    )
    wanted["attributes.owners"] = owners.field if owners else None
    ids: dict[str, str] = {}
    for key, ref in wanted.items():
        found = source.field_id(ref) if ref else None
        if found is None:
            raise ConfigError(
                f"the field {ref!r} is not one field of the site, and the dashboard's filters "
                "are made of it"
                if ref
                else "no field is mapped, and the filters need one",
                where=f"{mapping_path}: {key}",
                fix="Run `rdsync mapping check --config FILE` (its --fix makes rdsync's "
                "write-back fields), or map the field the site has.",
            )
        ids[key] = found
    options = mapping.writeback.options
    return Fields(
        likelihood=ids["writeback.likelihood"],
        gaps=ids["writeback.gaps"],
        assessed=ids["writeback.assessed"],
        owners=ids["attributes.owners"],
        options=(options.red, options.amber_red, options.amber_green, options.green),
    )
