"""The Jira client's session reads the environment (proxies, CA bundle) once, not per request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from requests import sessions

from connector.sandbox.server import Sandbox
from connector.sources import jira_pace
from connector.sources.retry import RetryPolicy, ToolUnavailable
from tests.single_source import SourceRuns
from tests.test_jira_source import EDIT, source_for

pytestmark = pytest.mark.e2e


def test_writes_do_not_read_the_environment_again_for_every_request(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = make_sandbox(seed="demo")
    asked: list[str] = []

    def counted(lookup: Callable[..., Any]) -> Callable[..., Any]:
        def look(url: str, *args: Any, **kwargs: Any) -> Any:
            asked.append(url)
            return lookup(url, *args, **kwargs)

        return look

    # Both places it is looked up from: requests per request, rdsync once a connection.
    monkeypatch.setattr(sessions, "get_environ_proxies", counted(sessions.get_environ_proxies))
    monkeypatch.setattr(jira_pace, "get_environ_proxies", counted(jira_pace.get_environ_proxies))
    source = source_for(demo)
    first = SourceRuns(source, tmp_path, demo.clock)()
    assert demo.count("PUT", EDIT) == len(first.patches) > 20  # the writes were sent
    assert asked == [demo.url]  # once, when the source connected


def test_a_proxy_the_environment_names_is_still_used(
    make_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = make_sandbox(seed="demo")
    # A proxy nobody listens on: every request through it fails to connect.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    source = source_for(demo)
    source.retry = RetryPolicy(tool="Jira", budget_seconds=0.2, max_wait_seconds=0.01)
    with pytest.raises((ToolUnavailable, requests.ConnectionError)):
        source.connect()
    assert demo.stats()["total"] == 0  # nothing reached the site past the proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the site bypasses it: reached directly
    source.connect()
    assert source.client._session.proxies.get("http") is None
