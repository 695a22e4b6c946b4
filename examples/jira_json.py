"""Items of the example portfolio as Jira Cloud returns them from
`GET /rest/api/3/search/jql?expand=names,changelog` (fields=*all)."""

from __future__ import annotations

import uuid
import zlib
from typing import Any

from portfolio import OFFSET, PEOPLE, Item

SITE = "https://rd-demo.atlassian.net"
API = f"{SITE}/rest/api/3"

# name -> (id, type): the custom fields of the default scheme (DOMAIN.md §2).
CUSTOM: dict[str, tuple[str, str]] = {
    "Start date": ("customfield_10015", "date"),
    "Accountable owner": ("customfield_10040", "users"),
    "Unit": ("customfield_10041", "text"),
    "Data source": ("customfield_10042", "text"),
    "Current value": ("customfield_10043", "number"),
    "Baseline value": ("customfield_10044", "number"),
    "Baseline date": ("customfield_10045", "date"),
    "Target value": ("customfield_10046", "number"),
    "Target date": ("customfield_10047", "date"),
    "Direction": ("customfield_10048", "select"),
    "Trajectory": ("customfield_10049", "adf"),
    "Rationale": ("customfield_10051", "adf"),
    "Scale": ("customfield_10052", "adf"),
    "Resources": ("customfield_10053", "adf"),
    "Definition of success": ("customfield_10054", "adf"),
    "Delivery chain": ("customfield_10055", "adf"),
    "Mitigation": ("customfield_10056", "adf"),
    "Impact": ("customfield_10057", "select"),
    "Difficulty": ("customfield_10058", "select"),
    "Department": ("customfield_10059", "select"),
    "Delivery likelihood": ("customfield_10060", "select"),
    "Likelihood rationale": ("customfield_10061", "adf"),
    "Rubric gaps": ("customfield_10062", "adf"),
    "Last assessed": ("customfield_10063", "datetime"),
}
SYSTEM_NAMES = {
    "summary": "Summary",
    "issuetype": "Issue Type",
    "status": "Status",
    "project": "Project",
    "parent": "Parent",
    "issuelinks": "Linked Issues",
    "labels": "Labels",
    "duedate": "Due date",
    "created": "Created",
    "updated": "Updated",
    "reporter": "Reporter",
    "assignee": "Assignee",
    "priority": "Priority",
    "description": "Description",
}
NAMES = {**SYSTEM_NAMES, **{fid: name for name, (fid, _) in CUSTOM.items()}}

LEVELS = {"Priority": 3, "Outcome": 2, "Indicator": 1, "Target": 0, "Strategy": 1}
TYPE_IDS = {
    "Priority": "10010",
    "Outcome": "10011",
    "Indicator": "10012",
    "Target": "10013",
    "Strategy": "10014",
    "Milestone": "10015",
    "Risk": "10016",
    "Bug": "10004",
}
STATUSES = {
    "To Do": ("10000", 2, "new", "blue-gray", "To Do"),
    "In Progress": ("3", 4, "indeterminate", "yellow", "In Progress"),
    "Done": ("10001", 3, "done", "green", "Done"),
}


def issue_id(key: str) -> str:
    return str(10000 + int(key.rsplit("-", 1)[1]))


def user(handle: str) -> dict[str, Any]:
    name, email, zone = PEOPLE[handle]
    account = f"712020:{uuid.uuid5(uuid.NAMESPACE_DNS, email)}"
    return {
        "self": f"{API}/user?accountId={account}",
        "accountId": account,
        "emailAddress": email,
        "avatarUrls": {"48x48": f"https://avatar-management.example/{account}/48"},
        "displayName": name,
        "active": True,
        "timeZone": zone,
        "accountType": "atlassian",
    }


def adf(text: str) -> dict[str, Any]:
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.splitlines()
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def number_text(value: float) -> str:
    """How Jira writes a number in a changelog: 45900, 74.4 (never an exponent)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def status(item: Item) -> dict[str, Any]:
    name = (
        "Done" if item.done else ("To Do" if item.kind in ("Milestone", "Risk") else "In Progress")
    )
    sid, cid, ckey, colour, cname = STATUSES[name]
    return {
        "self": f"{API}/status/{sid}",
        "description": "",
        "iconUrl": f"{SITE}/images/icons/statuses/generic.png",
        "name": name,
        "id": sid,
        "statusCategory": {
            "self": f"{API}/statuscategory/{cid}",
            "id": cid,
            "key": ckey,
            "colorName": colour,
            "name": cname,
        },
    }


def issuetype(kind: str) -> dict[str, Any]:
    tid = TYPE_IDS[kind]
    return {
        "self": f"{API}/issuetype/{tid}",
        "id": tid,
        "description": f"A {kind.lower()} of the Results and Delivery architecture",
        "iconUrl": f"{SITE}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{tid}",
        "name": kind,
        "subtask": False,
        "avatarId": int(tid),
        "hierarchyLevel": LEVELS.get(kind, 0),
    }


def stamp(item: Item, local: str) -> str:
    """A local YYYY-MM-DDTHH:MM as Jira writes it: 2025-06-30T16:42:00.000+1000."""
    return f"{local}:00.000{OFFSET[item.department]}"


def custom_value(kind: str, value: Any) -> Any:
    if kind == "users":
        return [user(handle) for handle in value]
    if kind == "select":
        option = str(zlib.crc32(str(value).encode()) % 90000 + 10000)
        return {"self": f"{API}/customFieldOption/{option}", "value": value, "id": option}
    if kind == "adf":
        return adf(str(value))
    return value


def linked(other: Item) -> dict[str, Any]:
    return {
        "id": issue_id(other.ref),
        "key": other.ref,
        "self": f"{API}/issue/{issue_id(other.ref)}",
        "fields": {
            "summary": other.name,
            "status": status(other),
            "priority": {"self": f"{API}/priority/3", "name": "Medium", "id": "3"},
            "issuetype": issuetype(other.kind),
        },
    }


PROJECT = {
    "self": f"{API}/project/10000",
    "id": "10000",
    "key": "DEL",
    "name": "Results and Delivery",
    "projectTypeKey": "software",
}


def fields_of(item: Item, items: dict[str, Item]) -> dict[str, Any]:
    values: dict[str, Any] = {fid: None for fid, _ in CUSTOM.values()}
    values.update(
        summary=item.name or None,
        issuetype=issuetype(item.kind),
        status=status(item),
        project={
            "self": f"{API}/project/10000",
            "id": "10000",
            "key": "DEL",
            "name": "Results and Delivery",
            "projectTypeKey": "software",
        },
        parent=linked(items[item.parent]) if item.parent in items else None,
        issuelinks=links_of(item, items),
        labels=[],
        duedate=item.fields.get("Due date") or item.fields.get("End date"),
        created=stamp(item, "2024-06-24T10:00"),
        updated=stamp(item, item.updated),
        reporter=user("whitfield"),
        assignee=None,
        priority={"self": f"{API}/priority/3", "name": "Medium", "id": "3"},
        description=None,
    )
    if item.parent is not None and item.parent not in items:  # a parent outside the input
        values["parent"] = {"id": "19999", "key": item.parent, "self": f"{API}/issue/19999"}
    custom = {**item.fields, "Department": item.department}
    if item.owners:
        custom["Accountable owner"] = item.owners
    if item.history:
        custom["Current value"] = item.history[-1][1]
    for name, value in custom.items():
        if name in CUSTOM:
            fid, kind = CUSTOM[name]
            values[fid] = custom_value(kind, value)
    return values


DRIVES = {
    "id": "10100",
    "name": "Drives",
    "inward": "is driven by",
    "outward": "drives",
    "self": f"{API}/issueLinkType/10100",
}


def links_of(item: Item, items: dict[str, Item]) -> list[dict[str, Any]]:
    """Drives links from both ends, as Jira lists a link on each of its two issues."""
    found = []
    for ref in item.drives:
        target = items.get(ref)
        shown = (
            linked(target) if target else {"id": "19998", "key": ref, "self": f"{API}/issue/19998"}
        )
        found.append(_link(item.ref, ref, "outwardIssue", shown))
    for other in items.values():
        if item.ref in other.drives:
            found.append(_link(other.ref, item.ref, "inwardIssue", linked(other)))
    return found


def _link(source: str, target: str, side: str, shown: dict[str, Any]) -> dict[str, Any]:
    link_id = str(20000 + int(source.rsplit("-", 1)[1]) * 100 + int(target.rsplit("-", 1)[1]) % 100)
    return {"id": link_id, "self": f"{API}/issueLink/{link_id}", "type": DRIVES, side: shown}


def change(hid: str, who: str, created: str, field: tuple[str, str, str], move: tuple) -> dict:
    """One changelog history with one item: field (name, type, id), move (from, to, strings)."""
    name, kind, fid = field
    before, after, before_text, after_text = move
    item = {"field": name, "fieldtype": kind, "fieldId": fid, "from": before,
            "fromString": before_text, "to": after, "toString": after_text}  # fmt: skip
    return {"id": hid, "author": user(who), "created": created, "items": [item]}


def changelog_of(item: Item) -> dict[str, Any]:
    """The changes of Current value (each measurement) and of the status, newest first."""
    histories = []
    value_field = ("Current value", "custom", CUSTOM["Current value"][0])
    previous: str | None = None
    for number, (day, value) in enumerate(item.history):
        text = value if isinstance(value, str) else number_text(value)
        who = item.owners[0] if item.owners else "whitfield"
        created = stamp(item, f"{day}T09:{10 + number:02d}")
        hid = f"{issue_id(item.ref)}{number:02d}"
        histories.append(change(hid, who, created, value_field, (None, None, previous, text)))
        previous = text
    if item.done:
        move = ("3", "10001", "In Progress", "Done")
        created = stamp(item, item.updated)
        status_field = ("status", "jira", "status")
        histories.append(
            change(f"{issue_id(item.ref)}99", "whitfield", created, status_field, move)
        )
    histories.reverse()
    return {"startAt": 0, "maxResults": len(histories), "total": len(histories),
            "histories": histories}  # fmt: skip


def issue(item: Item, items: dict[str, Item]) -> dict[str, Any]:
    iid = issue_id(item.ref)
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": iid,
        "self": f"{API}/issue/{iid}",
        "key": item.ref,
        "changelog": changelog_of(item),
        "fields": fields_of(item, items),
    }


def search_pages(items: list[Item], page_size: int) -> list[dict[str, Any]]:
    """The responses of paging search/jql: each with names; all but the last with a token."""
    by_ref = {item.ref: item for item in items}
    pages = []
    for start in range(0, len(items), page_size):
        chunk = items[start : start + page_size]
        page: dict[str, Any] = {"issues": [issue(item, by_ref) for item in chunk], "names": NAMES}
        last = start + page_size >= len(items)
        if not last:
            page["nextPageToken"] = f"CAEaAggD{start + page_size:04d}"
        page["isLast"] = last
        pages.append(page)
    return pages
