"""`[state] url` and `password_env`: a PostgreSQL state store's keys, refused by name when they
cannot work, its password from the environment only, and never in an error or the state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.config import load_config, redact
from connector.sync.state_file import StateLocked, StateUnusable
from connector.sync.stores import open_store
from mappings.errors import ConfigError

URL = "postgresql://rdsync@db.example.org:5432/rdsync"


def _config(tmp_path: Path, state: str) -> Path:
    path = tmp_path / "rdsync.toml"
    path.write_text(f"[state]\n{state}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("state", "key", "said"),
    [
        (
            f'url = "{URL.replace("rdsync@", "rdsync:hunter22@")}"',
            "state.url",
            "carries a password",
        ),
        (f'url = "{URL}?sslmode=require&password=hunter22"', "state.url", "carries a password"),
        ('url = "mysql://rdsync@db/rdsync"', "state.url", "not a PostgreSQL URL"),
        (f'path = "other.sqlite"\nurl = "{URL}"', "state.url", "name two state stores"),
        ('password_env = "PGPASS_X"', "state", "set url too"),
        ('password = "hunter22"', "state.password", "never read from the config file"),
    ],
)
def test_a_state_key_that_cannot_work_is_refused_by_name(
    tmp_path: Path, state: str, key: str, said: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(_config(tmp_path, state), env={})
    assert str(refused.value.where).endswith(f": {key}")
    assert said in str(refused.value)
    assert "hunter22" not in str(refused.value)


def test_the_default_path_beside_a_url_is_no_conflict(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, f'path = "rdsync-state.sqlite"\nurl = "{URL}"'), env={})
    assert config.state.url == URL and config.state.password is None


def test_the_password_comes_from_its_variable_and_is_redacted(tmp_path: Path) -> None:
    path = _config(tmp_path, f'url = "{URL}"\npassword_env = "RDSYNC_PG_PASSWORD"')
    with pytest.raises(ConfigError, match="RDSYNC_PG_PASSWORD is unset") as refused:
        load_config(path, env={})
    assert str(refused.value.where).endswith(": state.password_env")
    with pytest.raises(ConfigError, match="RDSYNC_PG_PASSWORD is empty"):
        load_config(path, env={"RDSYNC_PG_PASSWORD": ""})
    config = load_config(path, env={"RDSYNC_PG_PASSWORD": "s3cret-pg-pass"})
    assert config.state.password == "s3cret-pg-pass"
    assert "s3cret-pg-pass" not in repr(config) + config.model_dump_json()
    assert redact("auth failed for s3cret-pg-pass") == "auth failed for [token]"


def test_an_unreachable_server_is_an_error_naming_the_url_not_a_traceback(
    tmp_path: Path, postgres_url: str
) -> None:
    """A server that is not there (the test server's port, a database that does not exist):
    `rdsync status` and `rdsync sync` say which store, and how to fix it."""
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    path = _config(tmp_path, f'url = "{missing}"\npassword_env = "RDSYNC_PG_PASSWORD"')
    env = {"RDSYNC_PG_PASSWORD": "s3cret-pg-pass"}
    for command in ("status", "sync"):
        done = CliRunner(env=env).invoke(main, [command, "--config", str(path)])
        assert done.exit_code == 2 and isinstance(done.exception, SystemExit), done.output
        assert f"{missing}: the state store cannot be reached" in done.output
        assert "no_such_database" in done.output and "s3cret-pg-pass" not in done.output
        assert "Traceback" not in done.output


def test_a_sync_refuses_a_postgresql_store_another_holds(tmp_path: Path, postgres_url: str) -> None:
    path = _config(tmp_path, f'url = "{postgres_url}"')
    holder = open_store(load_config(path))
    holder.lock("rdsync run --config other")
    try:
        done = CliRunner().invoke(main, ["sync", "--config", str(path)])
    finally:
        holder.close()
    assert done.exit_code == 2 and isinstance(done.exception, SystemExit), done.output
    assert "the state store is in use by this process" in done.output
    with pytest.raises(StateLocked):  # and a store in another process: the contract suite
        other = open_store(load_config(path))
        other.lock()
        second = open_store(load_config(path))
        try:
            second.lock()
        finally:
            second.close()
            other.close()


def test_the_password_from_its_variable_signs_in_and_a_wrong_one_is_refused(
    tmp_path: Path, postgres_server: Any
) -> None:
    """A role that must give its password (SCRAM): the store opens with the password from
    `[state] password_env`, and a wrong one is an error naming the URL, never the password."""
    url = postgres_server.signed_database("right-pg-pass")
    path = _config(tmp_path, f'url = "{url}"\npassword_env = "RDSYNC_PG_PASSWORD"')
    store = open_store(load_config(path, env={"RDSYNC_PG_PASSWORD": "right-pg-pass"}))
    assert store.version > 0 and store.start_run() == 1
    store.close()
    wrong = load_config(path, env={"RDSYNC_PG_PASSWORD": "wrong-pg-pass"})
    with pytest.raises(StateUnusable, match="password authentication failed") as refused:
        open_store(wrong)
    assert refused.value.where == url and "pg-pass" not in str(refused.value)
    done = CliRunner(env={"RDSYNC_PG_PASSWORD": "wrong-pg-pass"}).invoke(
        main, ["status", "--config", str(path)]
    )
    assert done.exit_code == 2 and "password authentication failed" in done.output
    assert "wrong-pg-pass" not in done.output
