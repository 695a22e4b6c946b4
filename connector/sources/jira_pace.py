"""Jira's pacing, per site: every request of a site's sources goes through one slot of the
shared limiter (at `requests_per_second`, when set), and a 429 holds the whole site back, in
every process that shares the limiter, for as long as Jira asked."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from connector.clock import Clock
from connector.config import JiraSourceConfig
from connector.sources.ratelimit import Limiter
from connector.sources.retry import asked_wait, limit_reason

PER_ISSUE = "jira-per-issue-on-write"  # a limit on one issue's writes: the site is not held back
# A site without `requests_per_second`: not paced (Atlassian publishes no fixed rate for API
# tokens), yet its requests still wait out a 429 that another process or source met.
UNPACED = 10_000


def site_key(config: JiraSourceConfig) -> str:
    """The limiter key of a Jira site: the address its requests go to, without any user or
    password written into it (the limiter's keys are stored)."""
    parts = urlsplit(config.url.strip())
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return f"jira:{parts.scheme}://{host}{parts.path.rstrip('/')}".casefold()


def site_rates(configs: list[JiraSourceConfig]) -> dict[str, int]:
    """Each site's rate: the lowest any of its sources asks for."""
    rates: dict[str, int] = {}
    for config in configs:
        asked = config.requests_per_second
        rate = UNPACED if asked is None else max(1, int(asked))
        key = site_key(config)
        rates[key] = min(rates.get(key, UNPACED), rate)
    return rates


class PacedAdapter(HTTPAdapter):
    """requests' transport for one Jira site: each request sent in a slot of the site's key,
    the window counted from its end; a 429 that names a wait penalises the key for it (unless
    it is the limit on one issue's writes, which holds back that issue alone)."""

    def __init__(self, limiter: Limiter, key: str, clock: Clock) -> None:
        super().__init__()
        self.limiter = limiter
        self.key = key
        self.clock = clock

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        with self.limiter.slot(self.key):
            response = super().send(request, *args, **kwargs)
        if response.status_code == 429 and limit_reason(response.headers) != PER_ISSUE:
            wait = asked_wait(response.headers, self.clock.now())
            if wait:
                self.limiter.penalise(self.key, seconds=wait)
        return response


def pace_session(
    session: requests.Session, config: JiraSourceConfig, limiter: Limiter, clock: Clock
) -> None:
    """Send every request of `session` (the jira client's) through the limiter."""
    adapter = PacedAdapter(limiter, site_key(config), clock)
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)


def settle_environment(session: requests.Session, url: str) -> None:
    """Read the environment's proxies (and `REQUESTS_CA_BUNDLE`) for the site once, as the
    session's own settings: `requests` otherwise reads them from `os.environ` again for every
    request (a sixth of the client's time on a write). Every request of the session goes to
    the site's one address, so the answer is the same each time; a proxy the environment
    names still wins over one set on the session, as it did."""
    if not session.trust_env:
        return
    session.proxies.update(get_environ_proxies(url))
    if session.verify is True:
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get(
            "CURL_CA_BUNDLE", True
        )
    # No longer looked up per request; the .netrc it would also read never applies here:
    # the client always signs its requests in (`session.auth`).
    session.trust_env = False
