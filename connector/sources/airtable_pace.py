"""Airtable's rate limits, kept on our side: one limiter for every Airtable source (5 requests a
second per base, 50 per token across its bases), on the run clock's wall time and kept in the
state store, so that the next run, or the next process, starts from the window the last one
left; and each attempt of a request paced, counted against the month's budget and kept."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from connector.clock import Clock
from connector.config import AirtableSourceConfig
from connector.sources.ratelimit import RateLimiter
from connector.sources.retry import retry_after, status_of
from connector.sources.usage import CallBudget, SourceState

PACE = ("airtable", "ratelimit")  # where the shared limiter's windows are kept (state store)


def pace_keys(config: AirtableSourceConfig) -> tuple[str, str]:
    """The limiter keys of a source's requests: its base, and its token (as a digest, never
    the token itself: the limiter's state is stored)."""
    digest = hashlib.sha256(config.token.get_secret_value().encode()).hexdigest()[:12]
    return f"base:{config.base}", f"token:{digest}"


def airtable_limiter(
    configs: list[AirtableSourceConfig], clock: Clock, state: SourceState | None = None
) -> RateLimiter:
    """One limiter for every Airtable source of a config (a token's limit spans its bases),
    on the run clock's wall time so that its windows and penalties, kept in `state`, hold for
    the next process too."""
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
    kept = state.source_value(*PACE) if state is not None else None
    if kept:
        limiter.load(json.loads(kept))
    return limiter


@dataclass(frozen=True)
class Pace:
    """What paces one source's requests: the shared limiter, its keys, Airtable's penalty after
    a 429, the month's budget and where the limiter's windows are kept."""

    limiter: RateLimiter
    keys: tuple[str, ...]
    penalty_seconds: float
    budget: CallBudget
    state: SourceState | None


def paced(pace: Pace, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One attempt of a request: in a slot of its base and token, counted (Airtable counts
    retries too); a 429 holds the base and token back for Airtable's penalty, unless the
    answer names its own wait; the limiter's windows are kept after every attempt."""
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
        if pace.state is not None:
            pace.state.set_source_value(*PACE, json.dumps(pace.limiter.dump()))
