"""Files and folders rdsync creates: the owner's alone (0600 and 0700), whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folders(folder: Path) -> None:
    """Create `folder` and its missing parents, each 0700; folders that exist are left alone.

    `Path.mkdir(mode=...)` passes the mode through the umask and gives parents the default
    mode, so each folder is made on its own and then set with chmod."""
    missing: list[Path] = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for made in reversed(missing):
        try:
            made.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile: it is theirs, leave its mode
        os.chmod(made, FOLDER_MODE)


def private_file(path: Path) -> int:
    """Open `path` for writing, created 0600 if new (truncated if not); returns the descriptor."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away; an old file may have more
    return fd


def write_private(path: Path, text: str) -> None:
    """Write text (UTF-8) to a file only its owner can read."""
    with os.fdopen(private_file(path), "w", encoding="utf-8") as handle:
        handle.write(text)
