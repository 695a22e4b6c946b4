"""The first contact with a site, as errors a person can act on: nothing answers at the
configured address, or what answers there is not the tool."""

from __future__ import annotations

from typing import Any

import requests

from connector.sources.retry import REACH_SECONDS, ToolUnavailable, connect_failure
from mappings.errors import ConfigError


class SiteUnreachable(ToolUnavailable):
    """No connection could be made to the configured address (exit 3, as an outage: from
    here a wrong port and a site that is down look alike)."""


class NotTheTool(ConfigError):
    """Something answers at the configured address, but it is not the tool's API."""


def unreachable(tool: str, key: str, url: str, error: ToolUnavailable) -> ToolUnavailable:
    """The error for a first call that never reached the site; others are kept as they are."""
    reason = connect_failure(error.__cause__) if error.__cause__ is not None else None
    if reason is None:
        return error
    return SiteUnreachable(
        f"cannot reach {tool} at {url}: {reason} (retried for up to {REACH_SECONDS:.0f} s)",
        where=key,
        fix=f"Check {key}: the scheme, host and port of the site. If it is right, the site "
        "is down or blocked from this machine: run again when it is reachable.",
    )


def answer(response: Any) -> str:
    """What came back, in a few words: its status, and whether it was a web page."""
    if not isinstance(response, requests.Response):
        return "an unexpected answer"
    kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    page = "an HTML page" if "html" in kind or response.text.lstrip()[:1] == "<" else kind
    return f"HTTP {response.status_code} with {page}"


def answer_text(text: str) -> str:
    """What came back, from a body that was meant to be JSON and was not."""
    return "an HTML page" if text.lstrip()[:1] == "<" else "a body that is not JSON"


def not_the_tool(tool: str, key: str, url: str, asked: str, said: str, fix: str) -> NotTheTool:
    """The error for an answer at the configured address that is not the tool's API."""
    return NotTheTool(
        f"no {tool} API at {url}: GET {url}{asked} answered {said}", where=key, fix=fix
    )
