"""A source for every `[sources.<name>]` of the config: the one place that knows which tools
exist, so the engine works with the `Source` contract alone."""

from __future__ import annotations

from connector.clock import SYSTEM, Clock
from connector.config import AirtableSourceConfig, Config, JiraSourceConfig
from connector.sources.airtable import AirtableSource
from connector.sources.base import Source
from connector.sources.jira import JiraSource
from connector.sources.retry import RetryPolicy
from mappings.config import AirtableMapping, JiraMapping, load_mapping
from mappings.errors import ConfigError


def build_sources(config: Config, clock: Clock = SYSTEM) -> dict[str, Source]:
    """A connector for every `[sources.<name>]`, each with its mapping and the one retry policy."""
    sources: dict[str, Source] = {}
    for name, cfg in config.sources.items():
        mapping = load_mapping(config.mapping_path(cfg))
        where = f"sources.{name}.mapping"
        if isinstance(cfg, JiraSourceConfig):
            if not isinstance(mapping, JiraMapping):
                raise ConfigError(
                    f"{cfg.mapping!r} is not a Jira mapping", where=where, fix='Use "jira".'
                )
            retry = RetryPolicy.from_config(config.retry, tool="Jira", clock=clock)
            sources[name] = JiraSource(name, cfg, mapping, retry=retry, writeback=config.writeback)
        elif isinstance(cfg, AirtableSourceConfig):
            if not isinstance(mapping, AirtableMapping):
                raise ConfigError(
                    f"{cfg.mapping!r} is not an Airtable mapping",
                    where=where,
                    fix='Use "airtable".',
                )
            retry = RetryPolicy.from_config(config.retry, tool="Airtable", clock=clock)
            sources[name] = AirtableSource(
                name, cfg, mapping, retry=retry, writeback=config.writeback, clock=clock
            )
    return sources
