"""Hostile config and mapping files: deep nesting, numbers too long to read, bytes that are not
UTF-8, a folder for a file. `rdsync` names the file and exits 2; never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mappings.config import load_mapping
from mappings.errors import ConfigError

HOSTILE: dict[str, tuple[bytes, str]] = {  # name -> (the file's bytes, what the error says)
    "arrays 5000 deep": (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nests arrays or tables"),
    "inline tables 900 deep": (b"a = " + b"{b = " * 900 + b"1" + b"}" * 900 + b"\n", "nests"),
    "an integer of 5000 digits": (b"a = 1" + b"0" * 5000 + b"\n", "a number too long to read"),
    "bytes that are not UTF-8": (b'a = "caf\xe9"\n', "not UTF-8 text (an invalid byte on line 1)"),
    "bad TOML": (b"a = = 1\n", "not valid TOML"),
}


def rdsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "connector.cli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_a_hostile_config_file_is_an_error_naming_it(hostile: str, tmp_path: Path) -> None:
    body, said = HOSTILE[hostile]
    (tmp_path / "rdsync.toml").write_bytes(body)
    for command in (("sync",), ("run",), ("report",), ("mapping", "check")):
        ran = rdsync(*command, "--config", "rdsync.toml", cwd=tmp_path)
        assert ran.returncode == 2, (command, ran.stderr)
        assert "Traceback" not in ran.stderr
        assert ran.stderr.startswith("rdsync: rdsync.toml: ") and said in ran.stderr, ran.stderr
    assert not (tmp_path / "rdsync-state.sqlite").exists()  # stopped before the state store


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_a_hostile_mapping_file_is_an_error_naming_it(hostile: str, tmp_path: Path) -> None:
    body, said = HOSTILE[hostile]
    (tmp_path / "mapping.toml").write_bytes(b'tool = "jira"\n' + body)
    (tmp_path / "token").write_text("t0ken\n")
    (tmp_path / "rdsync.toml").write_text(
        '[sources.jira]\ntype = "jira"\nurl = "http://127.0.0.1:9"\nemail = "a@b.c"\n'
        'token_file = "token"\nprojects = ["DEL"]\nmapping = "mapping.toml"\n'
    )
    ran = rdsync("sync", "--config", "rdsync.toml", cwd=tmp_path)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert f"{tmp_path / 'mapping.toml'}: " in ran.stderr
    assert said.replace("on line 1", "on line 2") in ran.stderr


def test_a_folder_where_the_mapping_file_should_be_names_it(tmp_path: Path) -> None:
    (tmp_path / "mapping.toml").mkdir()
    with pytest.raises(ConfigError, match="cannot read the mapping file: Is a directory"):
        load_mapping(tmp_path / "mapping.toml")
