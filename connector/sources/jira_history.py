"""Indicator history from Jira Cloud's `POST changelog/bulkfetch`: every change of the measured
fields of up to 1,000 issues a request, paged by `nextPageToken`.

Search inlines only an issue's 40 newest histories, and the `total` beside them counts what the
page holds, so it cannot tell a cut history from a whole one: the bulk fetch is the one way to
read every measurement, at ⌈indicators / 1,000⌉ calls plus its extra pages, whose bytes grow
with each changed indicator's history. An incremental read holds each one's history as last
read: where that is long (`long_held`), a search of those issues inlines their newest 40, which
hold all that is new when they reach back to the newest one held (`inline_histories`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from connector.sources.compact import SHORT
from connector.sources.handoff import quick_handoff

ISSUES = 1000  # issues a request may name
FIELDS = 10  # field ids a request may filter by
# Histories a page: the most the spec allows. A page is one call against the burst limit,
# and Jira's points cost the same objects whatever the page size.
PAGE = 10_000
# Histories held (of the measured fields) from which an issue's newest 40, of every field, cost
# less than its whole history of those: an indicator's 40 took 33 KB (some 830 bytes each, as a
# measured one takes in the bulk fetch), but a history that carries rdsync's own texts before
# and after takes more (2.9 KB a history, the 40 newest of 20 changed issues of every kind:
# 2.3 MB); at 80 and more the 40 cost less while their histories average under twice.
INLINE_AFTER = 80
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
    with ThreadPoolExecutor(1, thread_name_prefix="jira-changelog") as pool, quick_handoff():
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


def long_held(issues: list[dict[str, Any]], known: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The issues whose record as last read (the same issue's: by id) holds at least
    `INLINE_AFTER` histories: cheaper read from search's newest 40 than whole."""
    return [
        issue
        for issue in issues
        if len(_held(known.get(issue["key"]), issue) or ()) >= INLINE_AFTER
    ]


def inline_histories(
    issues: list[dict[str, Any]],
    inline: dict[str, Any],
    known: Mapping[str, Any],
    field_ids: list[str],
    text: Callable[[str], str] = lambda text: text,
) -> list[dict[str, Any]]:
    """Give each issue whose changelog inlined in a search page (`inline`, by key: Cloud's
    newest 40 histories, newest first, of every field) reaches back to the newest history its
    record as last read (`known`) holds, that changelog with the newer histories of
    `field_ids` after it, as the bulk fetch would give it whole; the issues it cannot be
    given so (a new or moved issue, none held, or more changes than the page inlines since)
    are returned, for `fetch_histories`.

    Jira's histories are immutable and the page's are the newest in a row, so every history
    newer than the one held is on the page once that one is: a read pays for at most 40
    histories an issue, not for the changelog's length."""
    rest = []
    fields = set(field_ids[:FIELDS])
    for issue in issues:
        held = _held(known.get(issue["key"]), issue)
        newer = _newer(inline.get(issue["key"]), held[-1].get("id")) if held else None
        if held is None or newer is None or not all(map(_readable, newer)):
            rest.append(issue)  # what the bulk fetch gives it, the mapper's problems too
            continue
        histories = list(held)
        for history in reversed(newer):  # oldest first, as the bulk fetch gives them
            items = [item for item in history["items"] if _changes(item, fields)]
            if items:  # a history of other fields only: the bulk fetch would not give it
                histories.append(_history({**history, "items": items}, text))
        issue["changelog"] = {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        }
    return rest


def _held(before: Any, issue: dict[str, Any]) -> list[Any] | None:
    """The histories the same issue (by id: a key may name another issue after a move) held
    when last read, oldest first; None when it held none to reach back to."""
    if not isinstance(before, dict) or str(before.get("id")) != str(issue.get("id")):
        return None
    histories = (before.get("changelog") or {}).get("histories")
    if not isinstance(histories, list) or not histories or not isinstance(histories[-1], dict):
        return None
    return histories


def _newer(inline: Any, last: Any) -> list[Any] | None:
    """The inlined histories newer than the one whose id is `last` (newest first), or None
    when the page does not reach back to it."""
    histories = inline.get("histories") if isinstance(inline, dict) else None
    if last is None or not isinstance(histories, list):
        return None
    for n, history in enumerate(histories):
        if isinstance(history, dict) and str(history.get("id")) == str(last):
            return histories[:n]
    return None


def _readable(history: Any) -> bool:
    return isinstance(history, dict) and isinstance(history.get("items"), list)


def _changes(item: Any, fields: set[str]) -> bool:
    """Whether a history's item changes one of `fields` (the bulk fetch's `fieldIds`)."""
    return isinstance(item, dict) and item.get("fieldId") in fields


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
