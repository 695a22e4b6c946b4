"""`rdsync demo --workdir`: it deletes nothing it did not make, and what it makes is private."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def demo(workdir: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "demo", "--workdir", workdir, *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0),  # a umask that hides nothing
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_demo_refuses_a_folder_it_did_not_make_and_deletes_nothing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "notes.txt").write_text("mine\n")
    (project / "sub").mkdir()
    (project / "sub" / "data.csv").write_text("a,b\n")
    (tmp_path / "a-file").write_text("not a folder\n")
    before = tree(tmp_path)
    refusals = [  # (--workdir, run from, why)
        (".", project, "it is the current folder or holds it"),
        ("..", project / "sub", "it is the current folder or holds it"),
        (str(project), tmp_path, "it holds a .git repository"),
        ("sub", project, "it is not empty, and no earlier demo made it (no .rdsync-demo file)"),
    ]
    for workdir, cwd, why in refusals:
        ran = demo(workdir, cwd)
        assert ran.returncode == 2, (workdir, ran.stdout, ran.stderr)
        assert f"rdsync: --workdir {workdir}: rdsync demo will not use this folder" in ran.stderr
        assert why in ran.stderr and "Traceback" not in ran.stderr
        assert "sandbox:" not in ran.stdout  # refused before anything started
    a_file = demo(str(tmp_path / "a-file"), project)  # click's own check of the option
    assert a_file.returncode == 2 and "is a file" in a_file.stderr
    assert tree(tmp_path) == before


def test_demo_makes_a_private_folder_it_may_reuse_keeping_what_it_did_not_make(
    tmp_path: Path,
) -> None:
    first = demo("demo/here", tmp_path, "--no-report")
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "demo" / "here"
    assert (folder / ".rdsync-demo").is_file()
    for made in (tmp_path / "demo", folder):
        assert oct(made.stat().st_mode & 0o777) == "0o700", made
    for name in (".rdsync-demo", "rdsync.toml", "sandbox.token", "state.sqlite", "sandbox.sqlite"):
        assert oct((folder / name).stat().st_mode & 0o777) == "0o600", name
    (folder / "my-notes.txt").write_text("kept\n")
    again = demo("demo/here", tmp_path, "--no-report")
    assert again.returncode == 0, again.stderr
    assert "read 132 records (132 changed" in again.stdout  # a fresh state: both databases new
    assert (folder / "my-notes.txt").read_text() == "kept\n"
