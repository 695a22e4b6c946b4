"""Applying write-back patches to Jira: field values in the site's shapes, comments, refusals."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import requests
from jira.exceptions import JIRAError

from connector.config import AuthRefused, JiraSourceConfig, WritebackConfig, refused
from connector.sources.base import ApplyResult, Outage, Patch, Role, WriteFailure, unavailable
from connector.sources.jira_account import is_discard_refusal
from connector.sources.retry import ToolUnavailable, status_of

if TYPE_CHECKING:
    from connector.sources.jira import JiraSource

TOKEN_PREFIX = "rdsync:"
# The comment property that carries a comment's idempotency token on Jira Cloud, where the
# comment's text then shows none: {"key": "rdsync", "value": {"token": "rdsync:..."}}.
TOKEN_PROPERTY = "rdsync"
BULLET = "- "  # a list item of the write-back texts (rules.writeback_text.BULLET)


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document: a paragraph per non-blank line, and
    lines that start with "- " as the items of a bullet list (as Jira shows a list)."""
    content: list[dict[str, Any]] = []
    items: list[dict[str, Any]] | None = None  # the list being filled, if the last block is one
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(BULLET) and (item := line[len(BULLET) :].strip()):
            if items is None:
                items = []
                content.append({"type": "bulletList", "content": items})
            items.append({"type": "listItem", "content": [_paragraph(item)]})
        else:
            items = None
            content.append(_paragraph(line))
    return {"type": "doc", "version": 1, "content": content}


def _paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}


def auth_error(name: str, config: JiraSourceConfig, error: JIRAError) -> AuthRefused:
    return refused(name, config, status_of(error))


class JiraWriter:
    """Edits issues, one PUT per patch (with `notifyUsers=false` where the account may skip
    the watchers' e-mails, see `notifications`), and comments on a new rating."""

    def __init__(self, source: JiraSource, config: JiraSourceConfig, writeback: WritebackConfig):
        self.source = source
        self.config = config
        self.writeback = writeback
        self.api = f"{config.url}/rest/api/{'3' if source.cloud else '2'}"

    def apply(self, patches: list[Patch], outage: Outage | None = None) -> ApplyResult:
        """Each patch, then its comment; a refusal or a ticket that keeps failing is reported
        and the others go on, until `outage` says the site itself is down."""
        outage = outage or Outage(self.source.name)
        result = ApplyResult()
        for patch in patches:
            try:
                self._edit(patch, result)
            except JIRAError as error:
                if status_of(error) == 401:
                    raise auth_error(self.source.name, self.config, error) from None
                result.failures.append(self.failure(patch, error))
                continue
            except ToolUnavailable as error:
                result.failures.append(unavailable(patch.key, error))
                outage.failed(error)
                continue
            outage.succeeded()
            result.written.append(patch.key)
            if patch.comment and self.writeback.comment_on_change:
                self._comment(patch, result, outage)
        return result

    # -- values -----------------------------------------------------------------------------

    def value(self, role: Role, value: str | datetime | None) -> Any:
        """A value in the shape the field's type takes on this site."""
        if value is None:
            return None
        schema = self.source.schemas.get(self.source.field_ids[role], {})
        kind, custom = schema.get("type", "string"), str(schema.get("custom", ""))
        if isinstance(value, datetime):
            stamp = value.astimezone(UTC)
            if kind == "date":
                return stamp.date().isoformat()
            if kind == "datetime":
                return (
                    stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+0000"
                )
            return stamp.isoformat()
        if kind == "option":
            return {"value": value}
        if custom.endswith(":textarea") and self.source.cloud:
            return adf(value)
        return value

    def body(self, patch: Patch) -> str:
        """The JSON of the PUT that writes a patch's changes."""
        ids = self.source.field_ids
        fields = {ids[role]: self.value(role, value) for role, value in patch.changes.items()}
        return _BODY.encode({"fields": fields})

    def _edit(self, patch: Patch, result: ApplyResult) -> None:
        body = self.body(patch)
        quiet = self.source.notifications.quiet(patch.key)
        try:
            self._put(patch.key, body, quiet, result)
        except JIRAError as error:
            # Rights withdrawn since we asked: in "auto", the edit goes again, e-mails and all.
            if not (quiet and self.config.notifications == "auto" and is_discard_refusal(error)):
                raise
            self.source.notifications.refused(patch.key)
            self._put(patch.key, body, False, result)

    def _put(self, key: str, body: str, quiet: bool, result: ApplyResult) -> None:
        """A bare PUT through the client's session: Issue.update() would GET the whole issue
        back after every edit, doubling the calls for nothing we use."""
        result.calls["write"] += 1
        self.source.call(
            f"edit {key}",
            self.source.client._session.put,
            f"{self.api}/issue/{key}",
            params={"notifyUsers": "false"} if quiet else {},
            data=body,
        )

    def _comment(self, patch: Patch, result: ApplyResult, outage: Outage) -> None:
        """Add the patch's comment once; see `post_comment`. One that kept failing may still
        have landed (a 5xx says nothing of it): it stays pending, and the next run looks for
        its token before it posts."""
        assert patch.comment is not None
        try:
            posted = self.post_comment(patch.key, patch.comment, comment_token(patch), result)
        except JIRAError as error:
            result.failures.append(self.failure(patch, error, comment=True))
            return
        except ToolUnavailable as error:
            result.unsettled.append(patch.key)
            result.failures.append(unavailable(patch.key, error, "comment"))
            outage.failed(error)
            return
        if posted:
            result.comments += 1
            result.commented.append(patch.key)
        else:
            result.unsettled.append(patch.key)

    def post_comment(self, key: str, comment: str, token: str, result: ApplyResult) -> bool:
        """Add the comment once, even when a dropped connection makes us send it again.

        The comment carries a token: on Jira Cloud in a comment property, unseen; on Data
        Center as a short last line. A retry first looks for it among the issue's comments.
        A timed-out POST is not retried: Jira may still be adding that comment, and a retry
        would race it. It returns False, and the next run looks for the token (`settle`).
        """
        if self.source.cloud:
            payload: dict[str, Any] = {
                "body": adf(comment),
                "properties": [{"key": TOKEN_PROPERTY, "value": {"token": token}}],
            }
        else:
            payload = {"body": f"{comment}\n{token}"}
        data = json.dumps(payload)
        url = f"{self.api}/issue/{key}/comment"
        attempts = 0

        def post() -> None:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and self._has_comment(key, token):
                return
            result.calls["comment"] += 1
            try:  # a bare POST: the client's add_comment sends no properties
                self.source.client._session.post(url, data=data)
            except requests.ReadTimeout as error:
                raise _InFlight(key) from error

        try:
            self.source.call(f"comment {key}", post)
        except _InFlight:
            return False
        return True

    def settle(self, key: str, comment: str, token: str) -> str:
        """An earlier run's comment that may not have arrived: "done" once it is on the issue
        (found, or posted now), "pending" if this try timed out or kept failing too (the next
        run tries again), "failed" if refused."""
        try:
            if self.source.call(f"comments {key}", self._has_comment, key, token):
                return "done"
            return "done" if self.post_comment(key, comment, token, ApplyResult()) else "pending"
        except JIRAError as error:
            if status_of(error) == 401:
                raise auth_error(self.source.name, self.config, error) from None
            return "failed"
        except ToolUnavailable:
            return "pending"

    def _has_comment(self, key: str, token: str) -> bool:
        """Whether one of the issue's last 100 comments carries the token: in its text (Data
        Center, and comments of rdsync before the token moved out of sight) or, on Jira Cloud,
        in its `rdsync` property, read through POST /comment/list?expand=properties (the
        issue's comment list documents no properties expansion)."""
        client = self.source.client
        page = client._get_json(
            f"issue/{key}/comment", params={"maxResults": 100, "orderBy": "-created"}
        )
        comments = page.get("comments") or []
        if token in json.dumps(comments):
            return True
        ids = [int(c["id"]) for c in comments if str(c.get("id", "")).isdigit()]
        if not self.source.cloud or not ids:
            return False
        response = client._session.post(
            client._get_url("comment/list"),
            params={"expand": "properties"},
            data=json.dumps({"ids": ids}),
        )
        listed = response.json().get("values") or []
        return any(_token_of(comment) == token for comment in listed)

    # -- refusals ---------------------------------------------------------------------------

    def failure(self, patch: Patch, error: JIRAError, comment: bool = False) -> WriteFailure:
        """A message naming the issue and field, in Jira's words, and what to do about it."""
        status = status_of(error)
        body = _json_body(error)
        by_id = {fid: role for role, fid in self.source.field_ids.items()}
        errors = body.get("errors") or {}
        if comment:
            what = "comment was refused"
            return WriteFailure(
                key=patch.key,
                message=f"{what}: {_text(error, body)}",
                fix=_fix(status, patch.key, None),
                status=status,
            )
        if errors:
            fid, message = next(iter(errors.items()))
            role = by_id.get(fid)
            name = self.source.names.get(fid, fid)
            wanted = patch.changes.get(role) if role else None
            if role == "likelihood" and "option" in str(message).lower():
                return WriteFailure(
                    key=patch.key,
                    field=name,
                    message=f"has no option '{wanted}'",
                    fix="add the option in Jira or change [writeback] in the config",
                    status=status,
                )
            return WriteFailure(
                key=patch.key,
                field=name,
                message=f"was refused: {message}",
                fix=_fix(status, patch.key, name),
                status=status,
            )
        return WriteFailure(
            key=patch.key,
            message=f"edit was refused: {_text(error, body)}",
            fix=_fix(status, patch.key, None),
            status=status,
        )


class _InFlight(Exception):
    """A comment POST whose answer timed out: not transient, so never retried in the run."""


def _token_of(comment: dict[str, Any]) -> str | None:
    """The token in a comment's `rdsync` property, if it has one."""
    for prop in comment.get("properties") or ():
        if isinstance(prop, dict) and prop.get("key") == TOKEN_PROPERTY:
            value = prop.get("value")
            return str(value.get("token")) if isinstance(value, dict) else None
    return None


def comment_token(patch: Patch) -> str:
    """The idempotency token a patch's comment carries: the same patch, the same token."""
    seed = f"{patch.key}\n{patch.comment}\n{patch.changes.get('assessed')}"
    return TOKEN_PREFIX + hashlib.sha256(seed.encode()).hexdigest()[:12]


def _fix(status: int | None, key: str, field: str | None) -> str:
    project = key.split("-")[0]
    if status == 403:
        return (
            f"give rdsync's account the Edit Issues permission in project {project} (and, for "
            'notifications = "suppress", Administer Projects), or set [writeback] enabled = false'
        )
    if status == 404:
        return f"{key} was deleted or moved out of reach; the next sync drops it"
    if field:
        return (
            f"put '{field}' on the edit screen of {key}'s issue type in Jira, or remove it "
            "from [writeback] in the mapping"
        )
    return "correct the issue in Jira or the [writeback] mapping, then sync again"


def _json_body(error: JIRAError) -> dict[str, Any]:
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _text(error: JIRAError, body: dict[str, Any]) -> str:
    messages = body.get("errorMessages") or []
    return (
        "; ".join(str(m) for m in messages) or f"HTTP {status_of(error)} {error.text or ''}".strip()
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Jira")


# json.dumps(body, default=_json_default)'s encoder, built once rather than for every PUT.
_BODY = json.JSONEncoder(default=_json_default)
