"""Airtable's rate limits, kept on our side: one limiter for every Airtable source (5 requests a
second per base, 50 per token across its bases), on the run clock's wall time and kept in the
state store, so that the next run, or the next process, starts from the window the last one
left (or, with a PostgreSQL state store, kept there for every process and machine at once);
and each attempt of a request paced, counted against the month's budget and kept."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from connector.clock import Clock
from connector.config import AirtableSourceConfig
from connector.sources.ratelimit import Limiter, RateLimiter
from connector.sources.retry import retry_after, status_of
from connector.sources.usage import CallBudget, SourceState

PACE = ("airtable", "ratelimit")  # where the shared limiter's windows are kept (state store)


def pace_keys(config: AirtableSourceConfig) -> tuple[str, str]:
    """The limiter keys of a source's requests: its base, and its token (as a digest, never
    the token itself: the limiter's state is stored)."""
    digest = hashlib.sha256(config.token.get_secret_value().encode()).hexdigest()[:12]
    return f"base:{config.base}", f"token:{digest}"


def airtable_limiter(
    configs: list[AirtableSourceConfig],
    clock: Clock,
    state: SourceState | None = None,
    url: str | None = None,
    password: str | None = None,
) -> Limiter:
    """One limiter for every Airtable source of a config (a token's limit spans its bases).

    With `url` (a PostgreSQL state store) its windows and penalties live in that database,
    shared at once by every process of every machine. Without, it runs on the run clock's wall
    time so that its windows and penalties, kept in `state`, hold for the next process too."""
    limiter: Limiter
    if url is not None:
        # Here, not at the top: psycopg takes a tenth of a second to import, and every command
        # that builds sources would pay it, PostgreSQL or not.
        from connector.sources.pg_ratelimit import PgRateLimiter

        limiter = PgRateLimiter(url, 5, password=password)
    else:
        limiter = RateLimiter(5, clock=lambda: clock.now().timestamp())
    rates: dict[str, int] = {}
    for config in configs:
        base, token = pace_keys(config)
        for key, rate in (
            (base, config.requests_per_second),
            (token, config.token_requests_per_second),
        ):
            rates[key] = min(rates.get(key, 50), max(1, int(rate)))
    for key, rate in rates.items():
        limiter.set_rate(key, rate)
    kept = state.source_value(*PACE) if state is not None and not limiter.shared else None
    if kept:
        limiter.load(json.loads(kept))
    return limiter


@dataclass(frozen=True)
class Pace:
    """What paces one source's requests: the shared limiter, its keys, Airtable's penalty after
    a 429, the month's budget and where the limiter's windows are kept."""

    limiter: Limiter
    keys: tuple[str, ...]
    penalty_seconds: float
    budget: CallBudget
    state: SourceState | None


def paced(pace: Pace, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One attempt of a request: in a slot of its base and token, counted (Airtable counts
    retries too); a 429 holds the base and token back for Airtable's penalty, unless the
    answer names its own wait; a limiter of this process has its windows kept after every
    attempt (a shared one keeps them in its database as it goes)."""
    try:
        with pace.limiter.slot(*pace.keys):
            pace.budget.spend()
            return fn(*args, **kwargs)
    except requests.HTTPError as error:
        if status_of(error) == 429:
            asked = retry_after(error)
            penalty = pace.penalty_seconds if asked is None else asked
            pace.limiter.penalise(*pace.keys, seconds=penalty)
        raise
    finally:
        if pace.state is not None and not pace.limiter.shared:
            pace.state.set_source_value(*PACE, json.dumps(pace.limiter.dump()))
