"""Indicator history from Jira Cloud's `POST changelog/bulkfetch`: every change of the measured
fields of up to 1,000 issues a request, paged by `nextPageToken`.

Search inlines only an issue's 40 newest histories, and the `total` beside them counts what the
page holds, so it cannot tell a cut history from a whole one: the bulk fetch is the one way to
read every measurement, at ⌈indicators / 1,000⌉ calls plus its extra pages.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from connector.sources.compact import SHORT

ISSUES = 1000  # issues a request may name
FIELDS = 10  # field ids a request may filter by
# Histories a page: the most the spec allows. A page is one call against the burst limit,
# and Jira's points cost the same objects whatever the page size.
PAGE = 10_000
ITEM = ("field", "fieldId", "toString")  # what the mapping reads of a history's item

Body = dict[str, Any]
Post = Callable[[str, Body], Body]  # (what, body) -> the page, retried


def fetch_histories(
    issues: list[dict[str, Any]],
    field_ids: list[str],
    post: Post,
    counts: Counter[str],
    text: Callable[[str], str] = lambda text: text,
    settle: Callable[[], None] = lambda: None,
) -> None:
    """Give each issue its whole changelog of `field_ids` (oldest first), in the shape search
    inlines it (`{"histories": [...], "total": n}`), each history as lean as the mapping
    reads it (`_history`: its short texts held as `text` holds them, see `compact.Shared`),
    page by page, `settle` called after each.

    A request's body needs only the page before's `nextPageToken`, so the next one is sent
    (from one thread of its own, one request in flight at a time) while this page is kept;
    its error is raised when its page is next."""
    if not issues or not field_ids:
        return
    found: dict[str, list[dict[str, Any]]] = {str(issue["id"]): [] for issue in issues}
    ids = list(found)
    batches = [ids[start : start + ISSUES] for start in range(0, len(ids), ISSUES)]
    fields = field_ids[:FIELDS]
    n, first = 0, _body(batches[0], fields)
    body: Body | None = first
    with ThreadPoolExecutor(1, thread_name_prefix="jira-changelog") as pool:
        coming = _send(pool, post, first, counts)
        while body is not None:
            page = coming.result()
            n, body = _following(batches, fields, n, body, page)
            if body is not None:
                coming = _send(pool, post, body, counts)
            for log in page.get("issueChangeLogs") or ():
                histories = found.get(str(log.get("issueId")))
                if histories is not None:
                    histories.extend(_history(h, text) for h in log.get("changeHistories") or ())
            settle()
    for issue in issues:
        histories = found[str(issue["id"])]
        issue["changelog"] = {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        }


def _following(
    batches: list[list[str]], field_ids: list[str], n: int, body: Body, page: Body
) -> tuple[int, Body | None]:
    """The body after `body` (of batch `n`) and its page, with its batch: the same batch's
    next page while the page has a `nextPageToken`, else the next batch's first; None after
    the last."""
    if page.get("nextPageToken"):
        return n, {**body, "nextPageToken": page["nextPageToken"]}
    n += 1
    return n, (_body(batches[n], field_ids) if n < len(batches) else None)


def _body(batch: list[str], field_ids: list[str]) -> Body:
    return {"issueIdsOrKeys": batch, "fieldIds": field_ids, "maxResults": PAGE}


def _send(pool: ThreadPoolExecutor, post: Post, body: Body, counts: Counter[str]) -> Future[Body]:
    """One bulk fetch, counted here (in the caller's thread), sent from the pool's."""
    counts["changelog_calls"] += 1
    return pool.submit(post, f"changelog bulkfetch {counts['changelog_calls']}", body)


def _history(history: Any, text: Callable[[str], str]) -> Any:
    """A history as the mapping reads it: its id, `created` as Jira's timestamp text, and of
    each item (only the measured fields' come) the field's name and id and the new value's
    text, each short text as `text` holds it. The rest nothing reads: the author (about 550
    bytes with its avatar links), the field's type and the old value. Held, hashed, stored
    and loaded again with each changed issue, a history took some 840 bytes; now 130. The
    spec's example gives `created` in epoch seconds where its schema says date-time; either
    reads."""
    if not isinstance(history, dict):
        return history  # the mapper reports what it cannot read
    created = history.get("created")
    if isinstance(created, int | float) and not isinstance(created, bool):
        seconds = created / 1000 if created > 10**11 else created
        stamp = datetime.fromtimestamp(seconds, UTC)
        created = stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    items = history.get("items")
    if isinstance(items, list):
        items = [_item(item, text) for item in items]
    return {"id": history.get("id"), "created": created, "items": items}


def _item(item: Any, text: Callable[[str], str]) -> Any:
    if not isinstance(item, dict):
        return item  # the mapper reports it
    kept = {}
    for key in ITEM:
        value = item.get(key)
        if value is not None:
            kept[key] = text(value) if isinstance(value, str) and len(value) <= SHORT else value
    return kept


def post_json(session: Any, url: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A POST of a JSON body through the client's session, its JSON answer returned."""

    def post(body: dict[str, Any]) -> dict[str, Any]:
        answer = session.post(url, data=json.dumps(body))
        page = answer.json()
        return page if isinstance(page, dict) else {}

    return post
