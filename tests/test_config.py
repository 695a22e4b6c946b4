"""The config file: unknown keys and missing secrets stop the run, naming the key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from connector.config import (
    AirtableSourceConfig,
    Config,
    JiraSourceConfig,
    default_token_env,
    load_config,
)
from mappings.errors import ConfigError

GOOD = """
[sources.jira]
type = "jira"
url = "https://dept.atlassian.net/"
email = "crdo@dept.gc.ca"
token_env = "JIRA_API_TOKEN"
projects = ["DEL", "OPS"]

[sources.base]
type = "airtable"
base = "appR3sults4ndDel"
token_file = "secrets/airtable.token"
endpoint_url = "http://127.0.0.1:8080"

[writeback]
comment_on_change = false

[retry]
budget_seconds = 30
"""


def write(tmp_path: Path, text: str, name: str = "rdsync.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_config_loads_with_its_secrets(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "airtable.token").write_text("patAIRTABLE123\n")
    config = load_config(write(tmp_path, GOOD), env={"JIRA_API_TOKEN": "atl-token "})
    jira = config.source("jira")
    airtable = config.source("base")
    assert isinstance(jira, JiraSourceConfig) and isinstance(airtable, AirtableSourceConfig)
    assert jira.url == "https://dept.atlassian.net"
    assert jira.token.get_secret_value() == "atl-token"
    assert airtable.token.get_secret_value() == "patAIRTABLE123"
    assert jira.scope_jql == "project in (DEL, OPS)"
    assert config.writeback.comment_on_change is False
    assert config.writeback.jira_text_limit == 32_767
    assert config.retry.budget_seconds == 30
    assert airtable.requests_per_second == 5


def test_secrets_never_show_in_reprs_or_dumps(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "airtable.token").write_text("patAIRTABLE123")
    config = load_config(write(tmp_path, GOOD), env={"JIRA_API_TOKEN": "atl-token"})
    shown = repr(config) + str(config.model_dump()) + config.model_dump_json()
    assert "atl-token" not in shown and "patAIRTABLE123" not in shown
    assert "**********" in repr(config.source("jira").token)


def test_a_missing_secret_names_the_key_and_every_place_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD), env={})
    text = str(caught.value)
    assert "sources.jira.token_env" in text
    assert "environment variable JIRA_API_TOKEN (unset)" in text


def test_the_token_file_is_looked_in_after_the_variable(tmp_path: Path) -> None:
    text = GOOD.replace('token_env = "JIRA_API_TOKEN"', 'token_env = "JT"\ntoken_file = "jt.txt"')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={"JT": "  "})
    message = str(caught.value)
    assert "environment variable JT (empty)" in message
    assert f"file {tmp_path / 'jt.txt'} (not found)" in message
    (tmp_path / "jt.txt").write_text("from-file\n")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "airtable.token").write_text("x")
    config = load_config(tmp_path / "rdsync.toml", env={})
    assert config.source("jira").token.get_secret_value() == "from-file"


def test_without_token_keys_the_default_variable_is_used(tmp_path: Path) -> None:
    text = """
[sources.ops-jira]
type = "jira"
url = "https://jira.dept.gc.ca"
deployment = "server"
auth = "pat"
jql = "project = OPS AND labels = delivery"
"""
    assert default_token_env("ops-jira") == "RDSYNC_OPS_JIRA_TOKEN"
    with pytest.raises(ConfigError, match="RDSYNC_OPS_JIRA_TOKEN"):
        load_config(write(tmp_path, text), env={})
    config = load_config(tmp_path / "rdsync.toml", env={"RDSYNC_OPS_JIRA_TOKEN": "pat-1"})
    source = config.source("ops-jira")
    assert isinstance(source, JiraSourceConfig)
    assert source.scope_jql == "(project = OPS AND labels = delivery)"


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (
            '[sources.j]\ntype = "jira"\nurl = "https://x.net"\nemail = "a@b"\nprojects = ["DEL"]\n'
            'token_env = "T"\nprojets = ["X"]\n',
            "sources.j.projets",
            "unknown key 'projets' (did you mean 'projects'?)",
        ),
        ("[writeback]\ncomment_on_chang = true\n", "writeback.comment_on_chang", "allowed:"),
        ("[retry]\nbudget_seconds = -1\n", "retry.budget_seconds", "greater than 0"),
        ('[sources.j]\ntype = "jra"\n', "sources.j.type", 'type must be "jira" or "airtable"'),
        ('[sources.j]\nurl = "x"\n', "sources.j.type", 'type must be "jira" or "airtable"'),
        ('[sources.a]\ntype = "airtable"\n', "sources.a.base", "missing key 'base'"),
        (
            '[sources.j]\ntype = "jira"\nurl = "dept.atlassian.net"\nemail = "a@b"\n'
            'projects = ["DEL"]\n',
            "sources.j.url",
            "is not a site URL",
        ),
        (
            '[sources.j]\ntype = "jira"\nurl = "https://x.net"\nprojects = ["DEL"]\n',
            "sources.j",
            "set email",
        ),
        (
            '[sources.j]\ntype = "jira"\nurl = "https://x.net"\nemail = "a@b"\n',
            "sources.j",
            "exactly one of projects",
        ),
        ('[sources.a]\ntype = "airtable"\nbase = "Results"\n', "sources.a.base", "pattern"),
        (
            '[sources.a]\ntype = "airtable"\nbase = "appR3sults4ndDel"\ntoken = "pat123"\n',
            "sources.a.token",
            "secrets are never read from the config file",
        ),
        (
            '[sources.a]\ntype = "airtable"\nbase = "appR3sults4ndDel"\ntime_zone = "Sydney"\n',
            "sources.a.time_zone",
            "'Sydney' is not a time zone; write it as e.g. Australia/Sydney",
        ),
        (
            '[sources.a]\ntype = "airtable"\nbase = "appR3sults4ndDel"\nmonthly_call_budget = 0\n',
            "sources.a.monthly_call_budget",
            "greater than or equal to 1",
        ),
        ("[stat]\npath = 'x'\n", "stat", "unknown key 'stat'"),
        ("[schedule]\nfull_at = '25:00'\n", "schedule.full_at", "pattern"),
        ('[reports]\npdf = "poster"\n', "reports.pdf", "expected 'print' or 'full'"),
    ],
)
def test_every_problem_names_the_file_and_key(
    tmp_path: Path, text: str, where: str, says: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"T": "x"})
    error = caught.value
    assert error.where == f"{path}: {where}"
    assert says in str(error)
    assert error.fix


def test_several_problems_are_listed_together(tmp_path: Path) -> None:
    path = write(tmp_path, "[writeback]\nenabld = true\n[retry]\nmax_wait_seconds = 0\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    text = str(caught.value)
    assert "2 problems" in text
    assert f"{path}: writeback.enabld" in text and f"{path}: retry.max_wait_seconds" in text


def test_toml_syntax_errors_and_missing_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line 1"):
        load_config(write(tmp_path, "[sources\n"), env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml", env={})


def test_turning_tls_checks_off_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = (
        '[sources.j]\ntype = "jira"\nurl = "https://x.net"\nemail = "a@b"\nprojects = ["DEL"]\n'
        'token_env = "T"\nverify_tls = false\n'
    )
    with caplog.at_level(logging.WARNING, logger="rdsync.config"):
        load_config(write(tmp_path, text), env={"T": "x"})
    assert "sources.j.verify_tls = false" in caplog.text


def test_an_unknown_source_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no source named 'jira'"):
        Config().source("jira")


def test_configs_built_in_code_take_their_token_explicitly() -> None:
    source = AirtableSourceConfig(type="airtable", base="appR3sults4ndDel")
    with pytest.raises(ConfigError):
        _ = source.token
    assert source.with_token("pat9").token.get_secret_value() == "pat9"
