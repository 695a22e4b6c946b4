"""A source for every `[sources.<name>]` of the config: the one place that knows which tools
exist, so the engine works with the `Source` contract alone."""

from __future__ import annotations

from connector.clock import SYSTEM, Clock
from connector.config import AirtableSourceConfig, Config, JiraSourceConfig
from connector.sources.airtable import AirtableSource
from connector.sources.airtable_pace import airtable_limiter
from connector.sources.base import Source
from connector.sources.jira import JiraSource
from connector.sources.jira_pace import site_rates
from connector.sources.ratelimit import Limiter
from connector.sources.retry import RetryPolicy
from connector.sources.usage import SourceState
from mappings.config import AirtableMapping, JiraMapping, load_mapping
from mappings.errors import ConfigError


def shared_limiter(
    config: Config,
    clock: Clock = SYSTEM,
    state: SourceState | None = None,
    url: str | None = None,
) -> Limiter | None:
    """The one limiter of the config's sources (None without any): Airtable's per-base and
    per-token limits and each Jira site's pacing. The daemon keeps it from run to run.

    With a PostgreSQL database (`url`, else the state store's `[state] url`, else the job
    queue's `[workers] url`: wherever several processes run, they all reach it), its windows
    and penalties live there and hold across every process and machine; else they are this
    process's, and a new process takes up the last one's windows from `state`."""
    password = None
    if url is None and config.state.url:
        url, password = config.state.url, config.state.password
    if url is None and config.workers is not None:
        url = config.workers.url  # its password from PGPASSWORD or ~/.pgpass
    airtable = [cfg for cfg in config.sources.values() if isinstance(cfg, AirtableSourceConfig)]
    jira = [cfg for cfg in config.sources.values() if isinstance(cfg, JiraSourceConfig)]
    if not airtable and not jira:
        return None
    limiter = airtable_limiter(airtable, clock, state, url, password)
    for key, rate in site_rates(jira).items():
        limiter.set_rate(key, rate)
    return limiter


def build_sources(
    config: Config,
    clock: Clock = SYSTEM,
    state: SourceState | None = None,
    limiter: Limiter | None = None,
) -> dict[str, Source]:
    """A connector for every `[sources.<name>]`, each with its mapping and the one retry policy.

    With `state` (the state store), Airtable sources keep their schema, limiter and calls
    there; every source shares `limiter`, or one made for them."""
    sources: dict[str, Source] = {}
    limiter = limiter or shared_limiter(config, clock, state)
    for name, cfg in config.sources.items():
        mapping = load_mapping(config.mapping_path(cfg))
        where = f"sources.{name}.mapping"
        if isinstance(cfg, JiraSourceConfig):
            if not isinstance(mapping, JiraMapping):
                raise ConfigError(
                    f"{cfg.mapping!r} is not a Jira mapping", where=where, fix='Use "jira".'
                )
            retry = RetryPolicy.from_config(config.retry, tool="Jira", clock=clock)
            sources[name] = JiraSource(
                name, cfg, mapping, retry=retry, writeback=config.writeback, limiter=limiter
            )
        elif isinstance(cfg, AirtableSourceConfig):
            if not isinstance(mapping, AirtableMapping):
                raise ConfigError(
                    f"{cfg.mapping!r} is not an Airtable mapping",
                    where=where,
                    fix='Use "airtable".',
                )
            retry = RetryPolicy.from_config(config.retry, tool="Airtable", clock=clock)
            sources[name] = AirtableSource(
                name,
                cfg,
                mapping,
                retry=retry,
                writeback=config.writeback,
                clock=clock,
                state=state,
                limiter=limiter,
            )
    return sources
