"""The one way a command opens its state store: SQLite (`[state] path`, the embedded default)
or PostgreSQL (`[state] url`), as the config says."""

from __future__ import annotations

from connector.clock import Clock
from connector.config import Config
from connector.sync.state import StateStore
from mappings.errors import RdsyncError


def open_store(config: Config, clock: Clock | None = None, *, existing: bool = False) -> StateStore:
    """The config's state store, migrated to this rdsync's schema. `existing`: refuse a store
    that was never made (a command that only reads must not leave an empty one behind a
    mistyped path or url)."""
    state = config.state
    if state.url is not None:
        from connector.sync.state_pg import PostgresStore  # psycopg: only when it is wanted

        return PostgresStore(state.url, state.password, clock, create=not existing)
    if existing and not config.state_path.exists():
        raise RdsyncError(
            "no state store here yet",
            where=str(config.state_path),
            fix="Run `rdsync sync --config FILE` first (or `rdsync demo`); [state] path names "
            "the file.",
        )
    return StateStore(config.state_path, clock)


def store_where(config: Config) -> str:
    """What an error about the config's state store names before it is open: file or URL."""
    if config.state.url is not None:
        from connector.sync.state_pg import safe_url

        return safe_url(config.state.url)
    return str(config.state_path.resolve())
