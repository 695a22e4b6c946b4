"""The one exception root of rdsync: every error a user sees says what, where and what to do."""

from __future__ import annotations


class RdsyncError(Exception):
    """Base of every error rdsync raises on purpose; the CLI prints it without a traceback.

    `where` names the config key, file, ticket key or field; `fix` says what to do.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.fix = fix

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class ConfigError(RdsyncError, ValueError):
    """A config or mapping file is unusable; `where` is the file and TOML key path."""


class InputError(RdsyncError, ValueError):
    """An input file or folder is unusable as a whole (one bad record is a finding instead)."""
