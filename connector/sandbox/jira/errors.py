"""Jira's error responses: `{"errorMessages": [...], "errors": {field: message}}` with a status."""

from __future__ import annotations

from typing import Any


class JiraHTTPError(Exception):
    """Raised by a handler; the API turns it into Jira's ErrorCollection body and status."""

    def __init__(
        self,
        status: int,
        *messages: str,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}: {'; '.join(messages) or errors}")
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": self.errors}


def not_found_issue() -> JiraHTTPError:
    return JiraHTTPError(404, "Issue does not exist or you do not have permission to see it.")


def cannot_set(field_id: str) -> str:
    return f"Field '{field_id}' cannot be set. It is not on the appropriate screen, or unknown."
