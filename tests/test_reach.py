"""The first contact with a site through `rdsync sync`: a wrong port, host or path fails within
10 s naming the key to fix, and what answers there, if anything; never a traceback."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

WITHIN = 10.0  # seconds, the process's start included


def jira_config(folder: Path, url: str) -> Path:
    (folder / "token").write_text("sandbox-token\n")
    path = folder / "rdsync.toml"
    path.write_text(
        f'[sources.jira]\ntype = "jira"\nurl = "{url}"\nemail = "admin@example.gov"\n'
        'token_file = "token"\nprojects = ["DEL"]\n'
    )
    return path


def airtable_config(folder: Path, url: str) -> Path:
    (folder / "token").write_text("sandbox-token\n")
    path = folder / "rdsync.toml"
    path.write_text(
        f'[sources.at]\ntype = "airtable"\nbase = "{BASE_ID}"\nendpoint_url = "{url}"\n'
        'token_file = "token"\n'
    )
    return path


def timed_sync(config: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    ran = subprocess.run(
        [sys.executable, "-m", "connector.cli", "sync", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,  # the old behaviour (a 120 s retry budget) fails here, not after minutes
    )
    return ran, time.monotonic() - started


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once it is closed


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port whose connects are never answered, as behind a firewall that drops: a listener
    with a full backlog (the kernel then drops further SYNs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # a non-blocking connect is under way
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


@pytest.fixture
def web_server() -> Iterator[Callable[[int, str, str], str]]:
    """`serve(status, content_type, body)`: a plain web server answering every path so."""
    servers = []

    def serve(status: int, content_type: str, body: str) -> str:
        app = Request.application(lambda request: Response(body, status, mimetype=content_type))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def not_http() -> Iterator[int]:
    """A port where something that is not a web server answers (an SSH banner)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            conn.close()

    thread = threading.Thread(target=answer)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    listener.close()


def assert_clear(ran: subprocess.CompletedProcess[str], seconds: float, code: int, key: str) -> str:
    assert seconds < WITHIN, f"{seconds:.1f} s: {ran.stderr}"
    assert ran.returncode == code, ran.stderr
    assert "Traceback" not in ran.stderr
    assert f"rdsync: {key}: " in ran.stderr and "fix: " in ran.stderr
    return ran.stderr


def test_a_wrong_port_fails_within_10_s_naming_the_url_key(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    ran, seconds = timed_sync(jira_config(tmp_path, url))
    said = assert_clear(ran, seconds, 3, "sources.jira.url")
    assert f"cannot reach Jira at {url}: the connection was refused" in said


def test_a_site_that_never_answers_the_connect_fails_within_10_s(
    black_hole: int, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{black_hole}"
    ran, seconds = timed_sync(jira_config(tmp_path, url))
    said = assert_clear(ran, seconds, 3, "sources.jira.url")
    assert "no answer to connect within 3 s" in said


def test_an_unknown_host_fails_within_10_s(tmp_path: Path) -> None:
    ran, seconds = timed_sync(jira_config(tmp_path, "https://no-such-site.invalid"))
    said = assert_clear(ran, seconds, 3, "sources.jira.url")
    assert "its host name does not resolve" in said


def test_a_port_that_does_not_speak_http_fails_within_10_s(not_http: int, tmp_path: Path) -> None:
    ran, seconds = timed_sync(jira_config(tmp_path, f"http://127.0.0.1:{not_http}"))
    said = assert_clear(ran, seconds, 3, "sources.jira.url")
    assert "does not speak HTTP" in said


def test_a_wrong_path_on_the_site_is_not_jira_and_says_so(
    demo_sandbox: Sandbox, tmp_path: Path
) -> None:
    url = f"{demo_sandbox.url}/wrong/path"
    ran, seconds = timed_sync(jira_config(tmp_path, url))
    said = assert_clear(ran, seconds, 2, "sources.jira.url")
    assert f"no Jira API at {url}: " in said
    assert f"GET {url}/rest/api/3/serverInfo answered HTTP 404 with an HTML page" in said
    assert demo_sandbox.count("GET") == 1  # the one call: never retried, nothing else asked


@pytest.mark.parametrize(
    ("status", "content_type", "body", "said"),
    [
        (200, "text/html", "<html><body>Welcome to nginx!</body></html>", "an HTML page"),
        (404, "text/html", "<html><body>Not Found</body></html>", "HTTP 404 with an HTML page"),
        (200, "application/json", '{"status": "ok"}', "JSON that is not Jira's"),
    ],
)
def test_a_web_server_that_is_not_jira_says_so(
    web_server: Callable[[int, str, str], str],
    tmp_path: Path,
    status: int,
    content_type: str,
    body: str,
    said: str,
) -> None:
    url = web_server(status, content_type, body)
    ran, seconds = timed_sync(jira_config(tmp_path, url))
    assert said in assert_clear(ran, seconds, 2, "sources.jira.url")


def test_airtable_at_a_wrong_port_or_path_names_the_endpoint_key(
    demo_sandbox: Sandbox, web_server: Callable[[int, str, str], str], tmp_path: Path
) -> None:
    (tmp_path / "port").mkdir()
    url = f"http://127.0.0.1:{closed_port()}"
    ran, seconds = timed_sync(airtable_config(tmp_path / "port", url))
    said = assert_clear(ran, seconds, 3, "sources.at.endpoint_url")
    assert f"cannot reach Airtable at {url}: the connection was refused" in said
    (tmp_path / "path").mkdir()
    ran, seconds = timed_sync(airtable_config(tmp_path / "path", demo_sandbox.url + "/v0"))
    said = assert_clear(ran, seconds, 2, "sources.at.endpoint_url")
    assert "answered HTTP 404 with application/json" in said  # Airtable's NOT_FOUND
    (tmp_path / "page").mkdir()
    page = web_server(200, "text/html", "<html>a portal</html>")
    ran, seconds = timed_sync(airtable_config(tmp_path / "page", page))
    assert "an HTML page" in assert_clear(ran, seconds, 2, "sources.at.endpoint_url")
