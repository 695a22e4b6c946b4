"""Record comments and attachment uploads, as Airtable's Web API serves them.

Comments: POST /v0/{base}/{table}/{record}/comments {"text", "parentCommentId"?} and GET the
same path (newest first, `offset` paging). A comment mentions a base collaborator as
`@[usrXXXXXXXXXXXXXX]` in its text; the answer lists them in `mentioned`.

Uploads: POST https://content.airtable.com/v0/{base}/{record}/{field}/uploadAttachment with
{"contentType", "file" (base64), "filename"}, at most 5 MB, into a `multipleAttachments`
field; the answer is the record with that field's cell, keyed by field id. (The sandbox
serves it on its one host.)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from datetime import datetime
from typing import Any

from connector.sandbox.airtable.store import (
    AirtableError,
    BaseDef,
    StoredRecord,
    TableDef,
    iso,
    new_id,
)

DDL = """
CREATE TABLE IF NOT EXISTS at_comments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, record_id TEXT NOT NULL,
    author TEXT NOT NULL, text TEXT NOT NULL, parent TEXT, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS at_comments_by_record ON at_comments (record_id, seq);
"""
UPLOAD_LIMIT = 5 * 1024 * 1024  # bytes: larger files go by public URL
MENTION = re.compile(r"@\[(usr[A-Za-z0-9]+)\]")
PAGE = 100  # comments a page, Airtable's default and most
AUTHOR = {"id": "usrSandboxAdmin01", "email": "sandbox@example.com", "name": "Sandbox token"}


def ensure(conn: sqlite3.Connection) -> None:
    for statement in DDL.split(";"):  # not executescript: it would commit the transaction
        if statement.strip():
            conn.execute(statement)


def _record(conn: sqlite3.Connection, table: TableDef | None, record_id: str) -> StoredRecord:
    row = conn.execute(
        "SELECT id, table_id, created, modified, cells, cell_times FROM at_records WHERE id = ?",
        (record_id,),
    ).fetchone()
    if row is None or (table is not None and row[1] != table.id):
        raise AirtableError(404, "MODEL_ID_NOT_FOUND", "Record not found")
    return StoredRecord(*row)


def add_comment(
    conn: sqlite3.Connection,
    base: BaseDef,
    table: TableDef,
    record_id: str,
    body: dict[str, Any],
    people: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    text = body.get("text")
    if set(body) - {"text", "parentCommentId"} or not isinstance(text, str) or not text.strip():
        raise AirtableError(
            422, "INVALID_REQUEST_UNKNOWN", "Invalid request: a comment needs a non-empty text"
        )
    _record(conn, table, record_id)
    comment_id = new_id("com")
    conn.execute(
        "INSERT INTO at_comments (id, record_id, author, text, parent, created) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (comment_id, record_id, AUTHOR["id"], text, body.get("parentCommentId"), iso(now)),
    )
    return _comment(comment_id, text, iso(now), body.get("parentCommentId"), people)


def list_comments(
    conn: sqlite3.Connection,
    table: TableDef,
    record_id: str,
    offset: str | None,
    people: dict[str, Any],
) -> dict[str, Any]:
    _record(conn, table, record_id)
    start = int(offset) if offset and offset.isdigit() else 0
    rows = conn.execute(
        "SELECT id, text, created, parent FROM at_comments WHERE record_id = ? "
        "ORDER BY seq DESC LIMIT ? OFFSET ?",
        (record_id, PAGE + 1, start),
    ).fetchall()
    more = len(rows) > PAGE
    return {
        "comments": [_comment(r[0], r[1], r[2], r[3], people) for r in rows[:PAGE]],
        "offset": str(start + PAGE) if more else None,
    }


def _comment(
    comment_id: str, text: str, created: str, parent: str | None, people: dict[str, Any]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for user in MENTION.findall(text):
        person = people.get(user)
        if person is not None:
            found[user] = {
                "type": "user",
                "id": user,
                "displayName": person.name,
                "email": person.email,
            }
    shown: dict[str, Any] = {
        "id": comment_id,
        "author": AUTHOR,
        "text": text,
        "createdTime": created,
        "lastUpdatedTime": None,
    }
    if found:
        shown["mentioned"] = found
    if parent:
        shown["parentCommentId"] = parent
    return shown


def upload(
    conn: sqlite3.Connection,
    base: BaseDef,
    record_id: str,
    field_ref: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Append the file to the record's attachment cell; the record, keyed by field id."""
    record = _record(conn, None, record_id)
    table = base.table_by_id(record.table_id)
    column = table.field(field_ref)
    if column is None:
        raise AirtableError(422, "UNKNOWN_FIELD_NAME", f'Unknown field name: "{field_ref}"')
    if column.type != "multipleAttachments":
        raise AirtableError(
            422,
            "INVALID_ATTACHMENT_UPLOAD_FIELD",
            f'Field "{column.name}" is not an attachment field',
        )
    content = _decoded(body)
    attachment = {
        "id": new_id("att"),
        "url": f"https://v5.airtableusercontent.com/sandbox/{new_id('dl')}",
        "filename": str(body["filename"]),
        "size": len(content),
        "type": str(body["contentType"]),
    }
    cells = dict(record.cells)
    cells[column.id] = [*(cells.get(column.id) or []), attachment]
    record.cells = cells
    record.cell_times = {**record.cell_times, column.id: iso(now)}
    conn.execute(
        "UPDATE at_records SET modified = ?, cells = ?, cell_times = ? WHERE id = ?",
        (iso(now), _json(record.cells), _json(record.cell_times), record.id),
    )
    return {"id": record.id, "createdTime": record.created, "fields": {column.id: cells[column.id]}}


def _decoded(body: dict[str, Any]) -> bytes:
    given = (body.get("contentType"), body.get("file"), body.get("filename"))
    if set(body) - {"contentType", "file", "filename"} or not all(
        isinstance(v, str) and v for v in given
    ):
        raise AirtableError(
            422,
            "INVALID_REQUEST_UNKNOWN",
            "Invalid request: contentType, file (base64) and filename are required",
        )
    try:
        content = base64.b64decode(str(body["file"]), validate=True)
    except (binascii.Error, ValueError):
        raise AirtableError(
            422, "INVALID_REQUEST_UNKNOWN", "Invalid request: file is not base64"
        ) from None
    if len(content) > UPLOAD_LIMIT:
        raise AirtableError(
            413, "REQUEST_TOO_LARGE", "The file is over 5 MB: add it by public URL instead"
        )
    return content


def _json(value: Any) -> str:
    return json.dumps(value)
