"""Security: the token stays secret everywhere rdsync writes, what it builds from data cannot
change a query or run as a formula, and TLS is verified unless explicitly (and loudly) off."""

from __future__ import annotations

import base64
import logging
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from markupsafe import escape
from openpyxl import load_workbook
from pyairtable import Api
from pyairtable.formulas import EQ, OR, Field, to_formula_str
from urllib3.exceptions import InsecureRequestWarning
from werkzeug.serving import make_server

from connector.cli.demo import TOKEN_FILE
from connector.cli.report import build_reports
from connector.config import AirtableSourceConfig, JiraSourceConfig, load_config
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.jira.jql import parse
from connector.sandbox.server import Sandbox
from connector.sources.airtable import AirtableSource
from connector.sources.jira import JiraSource, jql_string
from connector.sources.retry import CertificateRefused, RetryPolicy, ToolUnavailable
from connector.sync.daemon import write_health
from connector.sync.state import StateStore
from mappings.config import JiraMapping, load_mapping
from mappings.errors import ConfigError, RdsyncError
from mappings.model import EntityKind
from tests.campaign import FAST_RETRY, configure, sync, team_edits

pytestmark = pytest.mark.e2e

SECRET = "rdsync-Sekr1t-9f4e2d71c0b8"  # distinctive, so that a grep finds any copy
WRONG = "rdsync-Wr0ng-31b7a9e6d24f"
CHATTY = ("rdsync", "jira", "urllib3", "requests", "pyairtable")


def forms(secret: str, email: str) -> set[str]:
    """The shapes a token travels in: as is, URL-quoted, Basic `email:token`, base64 alone."""
    basic = base64.b64encode(f"{email}:{secret}".encode()).decode()
    return {secret, quote(secret), basic, base64.b64encode(secret.encode()).decode()}


def leaks(haystacks: dict[str, str | bytes], secrets: set[str]) -> list[str]:
    """Where any form of a secret was found, as "<place>: <form>"."""
    found = []
    for place, hay in haystacks.items():
        for secret in secrets:
            needle: str | bytes = secret.encode() if isinstance(hay, bytes) else secret
            if needle in hay:  # type: ignore[operator]
                found.append(f"{place}: {secret}")
    return found


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file rdsync wrote there (the token file, where the user keeps it, aside)."""
    return {
        str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != TOKEN_FILE
    }


def described(error: BaseException) -> str:
    """An error as a log with its traceback shows it: the message and the whole chain."""
    return "".join(traceback.format_exception(error))


@pytest.fixture
def secret_site(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_sandbox(seed="demo", token=SECRET)
    sandbox.airtable.rate_limit_per_second = None
    return sandbox


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger rdsync or its clients use, at DEBUG, captured."""
    levels = {name: logging.getLogger(name).level for name in CHATTY}
    caplog.set_level(logging.DEBUG)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def wrong_token(config_dir: Path) -> Any:
    (config_dir / TOKEN_FILE).write_text(WRONG + "\n", encoding="utf-8")
    return load_config(config_dir / "rdsync.toml")


def test_the_token_is_in_no_log_state_file_health_file_or_error(
    secret_site: Sandbox, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    sandbox, errors = secret_site, list[BaseException]()
    for tool in ("jira", "airtable"):  # syncs through faults (error paths log), with comments
        faults = "429:0.1,500:0.05,502:0.05,drop:0.05,seed=5,retry-after=0"
        sandbox.set_faults(faults)
        fast = {"requests_per_second": 50} if tool == "airtable" else {}
        config = configure(tmp_path / tool, sandbox, tool, retry=FAST_RETRY, source=fast)
        write_health(config.health_path, sync(config, sandbox.clock))
        sandbox.set_faults(None)  # the team's edits are not rdsync's to retry
        team_edits(sandbox, tool)
        sandbox.set_faults(faults)
        sync(config, sandbox.clock)
        sandbox.set_faults("503:1,retry-after=0")  # an outage beyond the retry budget
        short = {"budget_seconds": 0.3, "initial_wait_seconds": 0.05}
        down = configure(tmp_path / f"{tool}-down", sandbox, tool, retry=short, source=fast)
        with pytest.raises(ToolUnavailable) as outage:
            sync(down, sandbox.clock)
        errors.append(outage.value)
        sandbox.set_faults(None)
        with pytest.raises(RdsyncError) as refused:  # a wrong token: 401
            sync(wrong_token(tmp_path / f"{tool}-down"), sandbox.clock)
        errors.append(refused.value)
    bad_scope = tmp_path / "jira" / "bad.toml"  # a 400: a scope Jira refuses
    text = (tmp_path / "jira" / "rdsync.toml").read_text()
    bad_scope.write_text(text.replace('projects = ["DEL"]', "jql = 'project = DEL AND ((('"))
    with pytest.raises(ConfigError) as refused_jql:
        sync(load_config(bad_scope), sandbox.clock)
    errors.append(refused_jql.value)
    assert "refused the token" in str(errors[1]) and "HTTP 401" in str(errors[1])
    assert "Jira refused the search" in str(errors[-1])
    haystacks: dict[str, str | bytes] = {"logs": debug_logs.text, **files_under(tmp_path)}
    haystacks.update({f"error {i}": described(e) for i, e in enumerate(errors)})
    assert any(r.levelno == logging.DEBUG for r in debug_logs.records)  # DEBUG was on
    assert leaks(haystacks, forms(SECRET, sandbox.email) | forms(WRONG, sandbox.email)) == []


def test_the_token_is_not_on_the_cli_output_even_verbose(
    secret_site: Sandbox, tmp_path: Path
) -> None:
    configure(tmp_path, secret_site)
    command = [sys.executable, "-m", "connector.cli", "sync", "--config", "rdsync.toml", "-v"]
    secret_site.set_faults("429:0.1,502:0.1,drop:0.05,seed=2,retry-after=0")
    ran = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "INFO rdsync.sync" in ran.stderr
    wrong_token(tmp_path)
    refused = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "refused the token" in refused.stderr
    outputs = {"run": ran.stdout + ran.stderr, "refused": refused.stdout + refused.stderr}
    secrets = forms(SECRET, secret_site.email) | forms(WRONG, secret_site.email)
    assert leaks({**outputs, **files_under(tmp_path)}, secrets) == []


# -- queries built from data ------------------------------------------------------------------


def test_a_project_key_with_a_quote_is_refused_by_the_config(tmp_path: Path) -> None:
    path = tmp_path / "rdsync.toml"
    path.write_text(
        '[sources.jira]\ntype = "jira"\nurl = "https://x.atlassian.net"\nemail = "a@b.c"\n'
        "projects = ['DEL\" OR project = \"HR']\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_config(path, env={"RDSYNC_JIRA_TOKEN": "t"})
    assert "sources.jira.projects[0]" in str(refused.value)


def _evil_mapping(issue_type: str) -> JiraMapping:
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    entities = dict(mapping.entities)
    entities[EntityKind.TARGET] = entities[EntityKind.TARGET].model_copy(
        update={"issue_type": issue_type}
    )
    return mapping.model_copy(update={"entities": entities})


def search(sandbox: Sandbox, jql: str) -> set[str] | None:
    """The keys a JQL finds in the sandbox, or None when Jira refuses it (HTTP 400)."""
    keys: set[str] = set()
    params: dict[str, Any] = {"jql": jql, "fields": "key", "maxResults": 100}
    while True:
        page = requests.get(
            f"{sandbox.url}/rest/api/3/search/jql",
            params=params,
            auth=(sandbox.email, sandbox.token),
            timeout=10,
        )
        if page.status_code == 400:
            return None
        keys.update(issue["key"] for issue in page.json()["issues"])
        if not page.json().get("nextPageToken"):
            return keys
        params["nextPageToken"] = page.json()["nextPageToken"]


def test_issue_types_in_the_scope_jql_are_quoted_so_they_cannot_widen_it(
    demo_sandbox: Sandbox,
) -> None:
    """A mapped issue type that closes the quote and adds a clause stays one literal name."""
    other = {"project": {"key": "OPS"}, "issuetype": {"name": "Risk"}, "summary": "Not ours"}
    requests.post(
        f"{demo_sandbox.url}/rest/api/3/issue",
        json={"fields": other},
        auth=(demo_sandbox.email, demo_sandbox.token),
        timeout=10,
    ).raise_for_status()  # another project's issue, out of the configured scope
    evil = 'Target") OR project = OPS OR issuetype in ("Target'
    config = JiraSourceConfig(
        type="jira", url=demo_sandbox.url, email=demo_sandbox.email, projects=["DEL"]
    ).with_token(demo_sandbox.token)
    scope = JiraSource("jira", config, _evil_mapping(evil)).scope_jql
    assert evil in repr(parse(scope).where)  # the whole name is one value of `issuetype in`
    naive = scope.replace(jql_string(evil), f'"{evil}"')
    widened = search(demo_sandbox, naive)
    assert widened and any(key.startswith("OPS-") for key in widened)  # the threat is real
    assert search(demo_sandbox, scope) is None  # quoted: no such issue type, Jira says (400)


def test_airtable_formulas_from_pyairtable_quote_a_malicious_value(
    demo_sandbox: Sandbox,
) -> None:
    """Formulas built with pyairtable.formulas quote values; pasted in by hand, they widen."""
    table = Api(demo_sandbox.token, endpoint_url=demo_sandbox.url).table(BASE_ID, "Targets")
    evil = "x', TRUE(), '"
    quoted = to_formula_str(OR(EQ(Field("Name"), evil), EQ(Field("Name"), "no such target")))
    pasted = f"OR({{Name}} = '{evil}', {{Name}} = 'no such target')"
    every = table.all(fields=["Name"])
    assert len(table.all(formula=pasted, fields=["Name"])) == len(every) > 0
    assert table.all(formula=quoted, fields=["Name"]) == []


# -- TLS --------------------------------------------------------------------------------------


@pytest.fixture
def https_front(tmp_path: Path, demo_sandbox: Sandbox) -> Iterator[str]:
    """The demo sandbox behind HTTPS with a self-signed certificate; yields its URL."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = make_server(
        "127.0.0.1", 0, demo_sandbox._server.app, threaded=True, ssl_context=context
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"https://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def test_tls_is_verified_by_default_and_a_bad_certificate_fails_at_once(
    https_front: str, demo_sandbox: Sandbox
) -> None:
    config = JiraSourceConfig(
        type="jira", url=https_front, email=demo_sandbox.email, projects=["DEL"]
    ).with_token(demo_sandbox.token)
    assert config.verify_tls is True
    source = JiraSource("jira", config, load_mapping("jira"), retry=RetryPolicy(tool="Jira"))  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(CertificateRefused) as refused:
        source.connect()
    assert time.monotonic() - started < 5  # not retried for the 120 s budget: it will not heal
    assert "self-signed certificate" in str(refused.value)
    assert "REQUESTS_CA_BUNDLE" in str(refused.value)
    airtable = AirtableSourceConfig(
        type="airtable", base=BASE_ID, endpoint_url=https_front
    ).with_token(demo_sandbox.token)
    with pytest.raises(CertificateRefused):
        AirtableSource("airtable", airtable, load_mapping("airtable")).connect()  # type: ignore[arg-type]


def test_turning_tls_verification_off_takes_a_setting_and_warns(
    https_front: str, demo_sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rdsync.toml"
    (tmp_path / "token").write_text(demo_sandbox.token)
    path.write_text(
        f'[sources.jira]\ntype = "jira"\nurl = "{https_front}"\nemail = "{demo_sandbox.email}"\n'
        'token_file = "token"\nprojects = ["DEL"]\nverify_tls = false\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="rdsync.config"):
        config = load_config(path)
    assert "sources.jira.verify_tls = false" in caplog.text
    jira = config.source("jira")
    assert isinstance(jira, JiraSourceConfig)
    source = JiraSource("jira", jira, load_mapping("jira"))  # type: ignore[arg-type]
    with pytest.warns(InsecureRequestWarning):  # and urllib3 warns on every request
        source.connect()
    assert source.client._session.verify is False
    assert "verify_tls" not in AirtableSourceConfig.model_fields  # Airtable: never off
    assert requests.Session().verify is True  # what pyairtable's session starts from


# -- reports ----------------------------------------------------------------------------------

SCRIPT = '<script>alert("rdsync")</script><img src=x onerror=alert(1)>'
FORMULAS = ('=HYPERLINK("http://evil.example","open me")', "+1+cmd|' /C calc'!A0", "@SUM(1,2)")


def _report_text(paths: dict[str, Path]) -> dict[str, str | bytes]:
    """Each report file as text a grep sees: the XLSX's XML, the PDF's text (pdftotext)."""
    found: dict[str, str | bytes] = {}
    for fmt, path in paths.items():
        if fmt == "xlsx":
            with zipfile.ZipFile(path) as book:
                found[str(path)] = "".join(book.read(n).decode() for n in book.namelist())
        elif fmt == "pdf" and shutil.which("pdftotext"):
            done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
            found[str(path)] = done.stdout.decode() + path.read_bytes().decode("latin-1")
        else:
            found[str(path)] = path.read_bytes()
    return found


def test_reports_escape_ticket_text_neutralise_formulas_and_never_hold_the_token(
    secret_site: Sandbox, tmp_path: Path
) -> None:
    config = configure(tmp_path, secret_site)
    keys = secret_site.demo()["keys"]
    session = requests.Session()
    session.auth = (secret_site.email, secret_site.token)
    for ref, text in zip(("P1", "P2", "P3", "P4"), (SCRIPT, *FORMULAS), strict=True):
        url = f"{secret_site.url}/rest/api/3/issue/{keys[ref]}"
        session.put(url, json={"fields": {"summary": text}}, timeout=10).raise_for_status()
    sync(config, secret_site.clock)
    store = StateStore(config.state_path)
    try:
        paths = build_reports(config, store, tmp_path / "reports")
    finally:
        store.close()
    html = paths["html"].read_text(encoding="utf-8")
    assert SCRIPT not in html and str(escape(SCRIPT)) in html  # as text, never as markup
    book = load_workbook(paths["xlsx"])
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row]
    typed = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULAS)]
    assert {c.value for c in typed} >= set(FORMULAS)  # the ticket text reached the workbook
    assert all(c.data_type == "s" and c.quotePrefix for c in typed)  # as text, never formulas
    with zipfile.ZipFile(paths["xlsx"]) as zipped:
        sheets = [n for n in zipped.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in zipped.read(n).decode() for n in sheets)
    secrets = forms(SECRET, secret_site.email)
    assert leaks(_report_text(paths), secrets) == []


# -- a token no header can carry; errors that quote a request ---------------------------------

BAD_TOKENS = {
    "a CR LF and a header after it": (f"{SECRET}\r\nX-Evil: 1", "a line break"),
    "a line feed inside": (f"{SECRET[:9]}\n{SECRET[9:]}", "a line break"),
    "a carriage return inside": (f"{SECRET[:9]}\r{SECRET[9:]}", "a line break"),
    "a space inside": (f"{SECRET[:9]} {SECRET[9:]}", "whitespace"),
    "a tab inside": (f"{SECRET[:9]}\t{SECRET[9:]}", "whitespace"),
    "an escape character": (f"{SECRET}\x1b[0m", "a control character"),
    "a non-ASCII letter": (f"{SECRET}é", "a non-ASCII character"),
}


def _pieces(value: str) -> set[str]:
    """The parts of a bad token that must not be shown: each run of visible characters."""
    return {part for part in value.replace("\x1b", " ").split() if len(part) > 3}


@pytest.mark.parametrize("bad", sorted(BAD_TOKENS))
@pytest.mark.parametrize("tool", ["jira-pat", "airtable"])
def test_a_token_no_header_can_carry_is_refused_at_load_naming_its_place_never_its_value(
    secret_site: Sandbox, tmp_path: Path, bad: str, tool: str
) -> None:
    """Jira with a personal access token and Airtable send it as `Bearer <token>`: a line break
    in it made the HTTP library refuse the header, quoting it, into stderr and runs.errors."""
    value, problem = BAD_TOKENS[bad]
    configure(tmp_path, secret_site, tool.split("-")[0])
    text = config_text = (tmp_path / "rdsync.toml").read_text()
    text = text.replace('token_file = "sandbox.token"', 'token_env = "RDSYNC_T"')
    if tool == "jira-pat":
        text = text.replace(f'email = "{secret_site.email}"', 'auth = "pat"')
    (tmp_path / "env.toml").write_text(text)
    (tmp_path / "bad.token").write_bytes(value.encode() + b"\n")
    (tmp_path / "file.toml").write_text(config_text.replace("sandbox.token", "bad.token"))
    command = [sys.executable, "-m", "connector.cli", "sync", "-v", "--config"]
    places = [("env.toml", "environment variable RDSYNC_T"), ("file.toml", "file bad.token")]
    for config_file, place in places[: 1 if "\n" in value else 2]:  # a file's token: line 1
        env = {**os.environ, "RDSYNC_T": value}
        ran = subprocess.run(
            [*command, config_file], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        said = ran.stdout + ran.stderr
        assert ran.returncode == 2 and "Traceback" not in said, said
        assert f"the token in {place} has {problem} in it" in said
        key = "token_env" if place.startswith("environment") else "token_file"
        assert f"{config_file}: sources.{tool.split('-')[0]}.{key}:" in said
        assert [p for p in _pieces(value) if p in said] == []
        assert leaks({"output": said}, forms(value, secret_site.email)) == []
    assert not (tmp_path / "state.sqlite").exists()  # refused before the state store opened
    assert secret_site.stats()["total"] == 0  # and before any request


@pytest.fixture
def echoing_proxy(secret_site: Sandbox) -> Iterator[str]:
    """A proxy in front of the site that, on `GET .../myself`, answers 400 with the request's
    headers in its page, as some misconfigured proxies do; everything else it passes on."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        if request.path.endswith("/myself"):
            page = "<pre>" + "\n".join(f"{k}: {v}" for k, v in request.headers.items()) + "</pre>"
            return Response(page, 400, mimetype="text/html")(environ, start_response)
        passed = requests.request(
            request.method,
            secret_site.url + request.full_path,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            data=request.get_data(),
            timeout=30,
        )
        kept = {"Content-Type": passed.headers.get("Content-Type", "application/json")}
        return Response(passed.content, passed.status_code, headers=kept)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def test_an_error_quoting_the_request_carries_no_token_to_stderr_the_log_or_the_state(
    secret_site: Sandbox, echoing_proxy: str, tmp_path: Path
) -> None:
    """The Jira client puts the answer's text into its error; here that text holds the
    Authorization header (Basic base64 of email:token). It reaches the traceback on stderr,
    the daemon's log and runs.errors: each must show [token] instead."""
    configure(tmp_path, secret_site)
    text = (tmp_path / "rdsync.toml").read_text().replace(secret_site.url, echoing_proxy)
    (tmp_path / "rdsync.toml").write_text(text)
    command = [sys.executable, "-m", "connector.cli"]
    ran = subprocess.run(
        [*command, "sync", "-v", "--config", "rdsync.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 1 and "JiraError HTTP 400" in ran.stderr  # a bug's traceback
    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        daemon = subprocess.Popen(
            [*command, "run", "--config", "rdsync.toml"], cwd=tmp_path, stderr=stderr
        )
        deadline = time.monotonic() + 60
        while "job=sync failed" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)  # waits for the daemon process to start and fail its first sync
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    store = StateStore(tmp_path / "state.sqlite")
    errors = "\n".join(e for run in store.runs() for e in run.errors)
    store.close()
    said = {"stderr": ran.stderr, "daemon log": log.read_text(), "runs.errors": errors}
    for place, text in said.items():
        assert "Authorization: Basic [token]" in text, place  # the echo was there, redacted
    secrets = forms(SECRET, secret_site.email)
    assert leaks({**said, **files_under(tmp_path)}, secrets) == []


# -- files and folders rdsync creates -----------------------------------------------------------


def modes(*paths: Path) -> dict[str, str]:
    return {p.name: oct(p.stat().st_mode & 0o777) for p in paths}


def test_files_rdsync_creates_are_the_owner_s_alone_whatever_the_umask(
    secret_site: Sandbox, tmp_path: Path
) -> None:
    configure(tmp_path, secret_site)
    text = (tmp_path / "rdsync.toml").read_text()
    text = text.replace('path = "state.sqlite"', 'path = "private/deep/state.sqlite"')
    (tmp_path / "rdsync.toml").write_text(text)
    for args in (("sync",), ("report", "--format", "json,html", "--out", "out/reports")):
        ran = subprocess.run(
            [sys.executable, "-m", "connector.cli", *args, "--config", "rdsync.toml"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: os.umask(0),  # a umask that hides nothing
        )
        assert ran.returncode == 0, ran.stderr
    deep = tmp_path / "private" / "deep"
    reports = sorted((tmp_path / "out" / "reports").iterdir())
    assert len(reports) == 2
    files = [deep / "state.sqlite", deep / "state.sqlite.health", *reports]
    folders = [tmp_path / "private", deep, tmp_path / "out", tmp_path / "out" / "reports"]
    assert set(modes(*files).values()) == {"0o600"}, modes(*files)
    assert set(modes(*folders).values()) == {"0o700"}, modes(*folders)


def test_the_state_store_its_wal_and_shm_the_health_file_and_reports_are_0600_in_code_too(
    tmp_path: Path,
) -> None:
    """Without the CLI's umask (a library use, the daemon in code): the modes are set
    explicitly, whatever the process's umask."""
    from reports import build_report
    from tests.fixtures_reports import demo_data

    previous = os.umask(0)
    try:
        store = StateStore(tmp_path / "new" / "state.sqlite")
        run_id = store.start_run()
        folder = tmp_path / "new"
        wal = [folder / "state.sqlite", folder / "state.sqlite-wal", folder / "state.sqlite-shm"]
        assert set(modes(*wal).values()) == {"0o600"}, modes(*wal)
        store.finish_run(run_id, "ok", {})
        store.close()
        write_health(folder / "h" / "state.health", _outcome(run_id))
        paths = build_report(demo_data(), tmp_path / "r" / "out", ["json", "html"])
    finally:
        os.umask(previous)
    assert set(modes(folder / "h" / "state.health", *paths.values()).values()) == {"0o600"}
    folders = [folder, folder / "h", tmp_path / "r", tmp_path / "r" / "out"]
    assert set(modes(*folders).values()) == {"0o700"}, modes(*folders)


def _outcome(run_id: int) -> Any:
    from connector.sync.run import Outcome
    from mappings.graph import Architecture

    return Outcome(run_id, False, False, Architecture([], [], []), [], {}, [], [])
