"""Items of the example portfolio as Jira Data Center returns them from
`GET /rest/api/2/search?expand=names,changelog` (fields=*all), paged by startAt.

What differs from Cloud (jira_json.py): users have a username (`name`) and a `key` and no
accountId, and the site hides e-mail addresses; paragraphs hold wiki markup (trajectories as
numbered lists with the dates in bold); the hierarchy lives in Advanced Roadmaps' "Parent Link"
(an object whose `data` holds the parent, on Epic-level issues and above) and Jira Software's
"Epic Link" (the epic's key, on story-level issues), and `parent` is empty; issue types carry
no hierarchyLevel; changelog items carry no fieldId.
"""

from __future__ import annotations

import zlib
from typing import Any

from jira_json import CUSTOM, STATUSES, SYSTEM_NAMES, TYPE_IDS, issue_id, number_text
from portfolio import OFFSET, PEOPLE, Item

SITE = "https://jira.example.gov"
API = f"{SITE}/rest/api/2"
PARENT_LINK, EPIC_LINK = "customfield_10100", "customfield_10101"
NAMES = {
    **SYSTEM_NAMES,
    **{fid: name for name, (fid, _) in CUSTOM.items()},
    PARENT_LINK: "Parent Link",
    EPIC_LINK: "Epic Link",
}
STORY_LEVEL = ("Target", "Milestone", "Risk")  # Epic Link; the other kinds use Parent Link
# People who had accounts before Jira 8.4 keep their first username as their key; later ones
# have keys like JIRAUSER10104, which a rename keeps.
OLD_ACCOUNTS = ("whitfield", "nguyen", "mehta")


def username(handle: str) -> str:
    return PEOPLE[handle][1].split("@", 1)[0]


def user(handle: str) -> dict[str, Any]:
    """A user as Data Center shows one with e-mail visibility set to Hidden."""
    name, _email, zone = PEOPLE[handle]
    login = username(handle)
    number = 10100 + list(PEOPLE).index(handle)
    return {
        "self": f"{API}/user?username={login}",
        "name": login,
        "key": login if handle in OLD_ACCOUNTS else f"JIRAUSER{number}",
        "avatarUrls": {"48x48": f"{SITE}/secure/useravatar?ownerId={login}&avatarId=10122"},
        "displayName": name,
        "active": True,
        "timeZone": zone,
    }


def wiki(name: str, value: Any) -> str:
    """A paragraph as typed in Data Center's editor: a trajectory as a numbered list."""
    if name != "Trajectory":
        return str(value)
    lines = str(value).splitlines()
    return "\n".join(
        f"# *{day}*: {amount.strip()}" for day, amount in (line.split(":", 1) for line in lines)
    )


def status(item: Item) -> dict[str, Any]:
    name = (
        "Done" if item.done else ("To Do" if item.kind in ("Milestone", "Risk") else "In Progress")
    )
    sid, cid, ckey, colour, cname = STATUSES[name]
    category = {"self": f"{API}/statuscategory/{cid}", "id": cid, "key": ckey,
                "colorName": colour, "name": cname}  # fmt: skip
    return {"self": f"{API}/status/{sid}", "description": "",
            "iconUrl": f"{SITE}/images/icons/statuses/generic.png", "name": name, "id": sid,
            "statusCategory": category}  # fmt: skip


def issuetype(kind: str) -> dict[str, Any]:
    tid = TYPE_IDS[kind]
    return {
        "self": f"{API}/issuetype/{tid}",
        "id": tid,
        "description": f"A {kind.lower()} of the Results and Delivery architecture",
        "iconUrl": f"{SITE}/secure/viewavatar?size=xsmall&avatarId={tid}&avatarType=issuetype",
        "name": kind,
        "subtask": False,
        "avatarId": int(tid),
    }


def stamp(item: Item, local: str) -> str:
    return f"{local}:00.000{OFFSET[item.department]}"


def custom_value(kind: str, name: str, value: Any) -> Any:
    if kind == "users":
        return [user(handle) for handle in value]
    if kind == "select":
        option = str(zlib.crc32(str(value).encode()) % 90000 + 10000)
        return {"self": f"{API}/customFieldOption/{option}", "value": value, "id": option}
    if kind == "adf":
        return wiki(name, value)
    return value


def parent_link(parent: Item) -> dict[str, Any]:
    """Advanced Roadmaps' Parent Link as Data Center's REST API shows it."""
    number = int(parent.ref.rsplit("-", 1)[1])
    return {
        "hasEpicLinkFieldDependency": False,
        "showField": True,
        "data": {
            "id": int(issue_id(parent.ref)),
            "keyNum": number,
            "key": parent.ref,
            "summary": parent.name,
            "projectId": 10000,
            "issueType": {
                "id": TYPE_IDS[parent.kind],
                "iconUrl": issuetype(parent.kind)["iconUrl"],
            },
        },
    }


def linked(other: Item) -> dict[str, Any]:
    return {
        "id": issue_id(other.ref),
        "key": other.ref,
        "self": f"{API}/issue/{issue_id(other.ref)}",
        "fields": {
            "summary": other.name,
            "status": status(other),
            "priority": {"self": f"{API}/priority/3", "name": "Major", "id": "3"},
            "issuetype": issuetype(other.kind),
        },
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
        parent=None,  # on Data Center a sub-task's field only
        issuelinks=links_of(item, items),
        labels=[],
        duedate=item.fields.get("Due date") or item.fields.get("End date"),
        created=stamp(item, "2024-06-24T10:00"),
        updated=stamp(item, item.updated),
        reporter=user("whitfield"),
        assignee=None,
        priority={"self": f"{API}/priority/3", "name": "Major", "id": "3"},
        description=None,
    )
    values[PARENT_LINK] = values[EPIC_LINK] = None
    if item.parent is not None:
        if item.kind in STORY_LEVEL:
            values[EPIC_LINK] = item.parent
        else:
            values[PARENT_LINK] = parent_link(items[item.parent])
    custom = {**item.fields, "Department": item.department}
    if item.owners:
        custom["Accountable owner"] = item.owners
    if item.history:
        custom["Current value"] = item.history[-1][1]
    for name, value in custom.items():
        if name in CUSTOM:
            fid, kind = CUSTOM[name]
            values[fid] = custom_value(kind, name, value)
    return values


DRIVES = {"id": "10100", "name": "Drives", "inward": "is driven by", "outward": "drives",
          "self": f"{API}/issueLinkType/10100"}  # fmt: skip


def links_of(item: Item, items: dict[str, Item]) -> list[dict[str, Any]]:
    """Drives links from both ends, as Jira lists a link on each of its two issues."""
    found = [_link(item.ref, ref, "outwardIssue", linked(items[ref])) for ref in item.drives]
    for other in items.values():
        if item.ref in other.drives:
            found.append(_link(other.ref, item.ref, "inwardIssue", linked(other)))
    return found


def _link(source: str, target: str, side: str, shown: dict[str, Any]) -> dict[str, Any]:
    link_id = str(30000 + int(source.rsplit("-", 1)[1]) * 100 + int(target.rsplit("-", 1)[1]) % 100)
    return {"id": link_id, "self": f"{API}/issueLink/{link_id}", "type": DRIVES, side: shown}


def changelog_of(item: Item) -> dict[str, Any]:
    """The changes of Current value and of the status, oldest first, without fieldId."""
    histories = []
    previous: str | None = None
    for number, (day, value) in enumerate(item.history):
        text = number_text(value)
        who = item.owners[0] if item.owners else "whitfield"
        change = {"field": "Current value", "fieldtype": "custom", "from": None,
                  "fromString": previous, "to": None, "toString": text}  # fmt: skip
        histories.append({"id": f"{issue_id(item.ref)}{number:02d}", "author": user(who),
                          "created": stamp(item, f"{day}T09:{10 + number:02d}"),
                          "items": [change]})  # fmt: skip
        previous = text
    if item.done:
        change = {"field": "status", "fieldtype": "jira", "from": "3",
                  "fromString": "In Progress", "to": "10001", "toString": "Done"}  # fmt: skip
        histories.append({"id": f"{issue_id(item.ref)}99", "author": user("whitfield"),
                          "created": stamp(item, item.updated), "items": [change]})  # fmt: skip
    return {"startAt": 0, "maxResults": len(histories), "total": len(histories),
            "histories": histories}  # fmt: skip


def issue(item: Item, items: dict[str, Item]) -> dict[str, Any]:
    iid = issue_id(item.ref)
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": iid,
        "self": f"{API}/issue/{iid}",
        "key": item.ref,
        "fields": fields_of(item, items),
        "changelog": changelog_of(item),
    }


def search_pages(items: list[Item], page_size: int) -> list[dict[str, Any]]:
    """The responses of paging /rest/api/2/search by startAt: each with total and names."""
    by_ref = {item.ref: item for item in items}
    return [
        {
            "expand": "names,schema",
            "startAt": start,
            "maxResults": page_size,
            "total": len(items),
            "issues": [issue(item, by_ref) for item in items[start : start + page_size]],
            "names": NAMES,
        }
        for start in range(0, len(items), page_size)
    ]
