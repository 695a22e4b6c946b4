"""The Jira site's scheme held in memory (fields, options, types, statuses, users) and its JSON."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

CUSTOM_PREFIX = "com.atlassian.jira.plugin.system.customfieldtypes:"

# kind -> (schema type, schema items, custom type, clause-name suffix). The suffixes are the
# typed clause names Jira Cloud lists beside a custom field's plain name.
CUSTOM_KINDS: dict[str, tuple[str, str | None, str, str]] = {
    "users": ("array", "user", "multiuserpicker", "User Picker (multiple users)"),
    "user": ("user", None, "userpicker", "User Picker (single user)"),
    "text": ("string", None, "textfield", "Short text"),
    "paragraph": ("string", None, "textarea", "Paragraph"),
    "number": ("number", None, "float", "Number"),
    "date": ("date", None, "datepicker", "Date"),
    "datetime": ("datetime", None, "datetime", "Time stamp"),
    "select": ("option", None, "select", "Dropdown"),
}
# Fields apps bring on Jira Server/Data Center, by kind: (schema type, full custom type key).
# Advanced Roadmaps' "Parent Link" holds the parent of an Epic-level issue or above; Jira
# Software's "Epic Link" the epic of a story-level issue. Both show schema type "any".
APP_KINDS: dict[str, tuple[str, str]] = {
    "parentlink": ("any", "com.atlassian.jpo:jpo-custom-field-parent"),
    "epiclink": ("any", "com.pyxis.greenhopper.jira:gh-epic-link"),
}

# System fields: id -> (name, kind, schema type, schema items, extra clause names).
SYSTEM_FIELDS: dict[str, tuple[str, str, str | None, str | None, tuple[str, ...]]] = {
    "summary": ("Summary", "text", "string", None, ()),
    "description": ("Description", "paragraph", "string", None, ()),
    "issuetype": ("Issue Type", "issuetype", "issuetype", None, ("type",)),
    "project": ("Project", "project", "project", None, ()),
    "status": ("Status", "status", "status", None, ()),
    "created": ("Created", "stamp", "datetime", None, ("createdDate",)),
    "updated": ("Updated", "stamp", "datetime", None, ("updatedDate",)),
    "statuscategorychangedate": ("Status Category Changed", "stamp", "datetime", None, ()),
    "creator": ("Creator", "user", "user", None, ()),
    "reporter": ("Reporter", "user", "user", None, ()),
    "assignee": ("Assignee", "user", "user", None, ()),
    "labels": ("Labels", "labels", "array", "string", ()),
    "duedate": ("Due date", "date", "date", None, ("due",)),
    "parent": ("Parent", "parent", None, None, ()),
    "issuelinks": ("Linked Issues", "issuelinks", "array", "issuelinks", ()),
    "comment": ("Comment", "comment", "comments-page", None, ()),
    "attachment": ("Attachment", "attachment", "array", "attachment", ()),
}

# Fields a client may set on create or edit; the rest are computed by the site.
SETTABLE_SYSTEM = frozenset(
    {"summary", "description", "assignee", "reporter", "labels", "duedate", "parent"}
)
NON_NAVIGABLE = frozenset({"comment"})

# Jira's fixed status categories: id -> (key, name, colour).
CATEGORIES: dict[int, tuple[str, str, str]] = {
    2: ("new", "To Do", "blue-gray"),
    4: ("indeterminate", "In Progress", "yellow"),
    3: ("done", "Done", "green"),
}


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    kind: str
    custom_id: int | None

    @property
    def custom(self) -> bool:
        return self.custom_id is not None

    @property
    def settable(self) -> bool:
        return self.custom or self.id in SETTABLE_SYSTEM


@dataclass(frozen=True)
class Option:
    id: str
    field_id: str
    value: str


@dataclass(frozen=True)
class IssueType:
    id: int
    name: str
    description: str
    level: int


@dataclass(frozen=True)
class Status:
    id: int
    name: str
    category_id: int


@dataclass(frozen=True)
class Project:
    id: int
    key: str
    name: str
    lead: str | None


@dataclass(frozen=True)
class User:
    account_id: str
    email: str
    display_name: str
    active: bool
    number: int = 0  # the user's row: Data Center's user key for users made since Jira 8.4

    @property
    def name(self) -> str:
        """The Server/Data Center username: the e-mail's local part."""
        return self.email.split("@", 1)[0]

    @property
    def key(self) -> str:
        """The Server/Data Center user key: JIRAUSER and a number, which a rename keeps."""
        return f"JIRAUSER{10000 + self.number}"


@dataclass(frozen=True)
class LinkType:
    id: int
    name: str
    inward: str
    outward: str


@dataclass
class Scheme:
    """A snapshot of the site's configuration, reloaded whenever a seed changes it."""

    fields: dict[str, FieldDef] = field(default_factory=dict)
    options: dict[str, list[Option]] = field(default_factory=dict)
    types: dict[int, IssueType] = field(default_factory=dict)
    statuses: dict[int, Status] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    link_types: dict[int, LinkType] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # accountId -> role, of who signs in
    tokens: dict[str, str] = field(default_factory=dict)  # API token -> accountId

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Scheme:
        scheme = cls()
        for fid, (name, kind, *_rest) in SYSTEM_FIELDS.items():
            scheme.fields[fid] = FieldDef(fid, name, kind, None)
        for fid, name, kind, cid in conn.execute(
            "SELECT id, name, kind, custom_id FROM jira_fields ORDER BY custom_id"
        ):
            scheme.fields[fid] = FieldDef(fid, name, kind, cid)
        for oid, fid, value in conn.execute(
            "SELECT id, field_id, value FROM jira_options ORDER BY field_id, position"
        ):
            scheme.options.setdefault(fid, []).append(Option(str(oid), fid, value))
        for row in conn.execute(
            "SELECT id, name, description, hierarchy_level FROM jira_issue_types"
        ):
            scheme.types[row[0]] = IssueType(*row)
        for row in conn.execute("SELECT id, name, category_id FROM jira_statuses"):
            scheme.statuses[row[0]] = Status(*row)
        for row in conn.execute("SELECT id, key, name, lead FROM jira_projects"):
            scheme.projects[row[0]] = Project(*row)
        for acc, email, display, active, number in conn.execute(
            "SELECT account_id, email, display_name, active, rowid FROM jira_users"
        ):
            scheme.users[acc] = User(acc, email, display, bool(active), number)
        for row in conn.execute("SELECT id, name, inward, outward FROM jira_link_types"):
            scheme.link_types[row[0]] = LinkType(*row)
        for account, token, role in conn.execute(
            "SELECT account_id, token, role FROM jira_accounts"
        ):
            scheme.roles[account], scheme.tokens[token] = role, account
        return scheme

    def role_of(self, account_id: str) -> str:
        """An account's role on the site; people who never sign in are ordinary users."""
        return self.roles.get(account_id, "user")

    def field_named(self, name: str) -> FieldDef | None:
        """A field by id, or by its name: exactly, else ignoring case; the first of several
        (Jira allows names that repeat or differ only in case). For tests and seeds only:
        Jira's own edit takes field ids."""
        if name in self.fields:
            return self.fields[name]
        exact = next((f for f in self.fields.values() if f.name == name), None)
        lowered = name.lower()
        return exact or next((f for f in self.fields.values() if f.name.lower() == lowered), None)

    def option(
        self, field_id: str, *, value: str | None = None, oid: str | None = None
    ) -> Option | None:
        for opt in self.options.get(field_id, ()):
            if (value is not None and opt.value == value) or (oid is not None and opt.id == oid):
                return opt
        return None

    def type_named(self, ref: str) -> IssueType | None:
        lowered = ref.lower()
        return next(
            (t for t in self.types.values() if t.name.lower() == lowered or str(t.id) == ref), None
        )

    def status_named(self, ref: str) -> Status | None:
        lowered = ref.lower()
        return next(
            (s for s in self.statuses.values() if s.name.lower() == lowered or str(s.id) == ref),
            None,
        )

    def project_named(self, ref: str) -> Project | None:
        """A project by key, id or name, the three ways JQL and the REST API accept."""
        lowered = ref.lower()
        return next(
            (
                p
                for p in self.projects.values()
                if p.key.lower() == lowered or str(p.id) == ref or p.name.lower() == lowered
            ),
            None,
        )

    def user_by(
        self, *, account_id: str | None = None, name: str | None = None, key: str | None = None
    ) -> User | None:
        if account_id is not None:
            return self.users.get(account_id)
        if key is not None:
            return next((u for u in self.users.values() if u.key == key), None)
        return next((u for u in self.users.values() if name in (u.name, u.email)), None)

    def link_type_named(
        self, *, name: str | None = None, lid: str | None = None
    ) -> LinkType | None:
        return next(
            (
                lt
                for lt in self.link_types.values()
                if (name is not None and lt.name.lower() == name.lower()) or str(lt.id) == lid
            ),
            None,
        )


class Site:
    """JSON renderings of the scheme's objects for one base URL and deployment mode."""

    def __init__(
        self, scheme: Scheme, base: str, mode: str, version: str, viewer: str | None = None
    ) -> None:
        self.scheme = scheme
        self.base = base
        self.mode = mode
        self.viewer = viewer  # the caller's accountId: Data Center shows only them their e-mail
        self.api = f"{base}/rest/api/{version}"
        self._users: dict[str, dict[str, Any]] = {}
        # Renderings repeat on every issue of a page: build each once per request.
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}

    def user(self, account_id: str) -> dict[str, Any] | None:
        if account_id not in self._users:
            user = self.scheme.users.get(account_id)
            if user is None:
                return None
            self._users[account_id] = self._render_user(user)
        return self._users[account_id]

    def _render_user(self, user: User) -> dict[str, Any]:
        avatars = {
            f"{s}x{s}": f"{self.base}/secure/useravatar?size={s}&ownerId={user.account_id}"
            for s in (48, 24, 16, 32)
        }
        common = {
            "emailAddress": user.email,
            "avatarUrls": avatars,
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": "UTC",
        }
        if self.mode == "server":
            # The site's user e-mail visibility is "Hidden", as many Data Center sites set it:
            # only the user themself sees their address, everyone else gets none at all.
            if user.account_id != self.viewer:
                del common["emailAddress"]
            return {
                "self": f"{self.api}/user?username={user.name}",
                "key": user.key,
                "name": user.name,
                **common,
            }
        return {
            "self": f"{self.api}/user?accountId={user.account_id}",
            "accountId": user.account_id,
            **common,
            "accountType": "atlassian",
        }

    def option(self, opt: Option) -> dict[str, Any]:
        return {"self": f"{self.api}/customFieldOption/{opt.id}", "value": opt.value, "id": opt.id}

    def status(self, status: Status) -> dict[str, Any]:
        if ("status", status.id) not in self._cache:
            self._cache["status", status.id] = self._status(status)
        return self._cache["status", status.id]

    def _status(self, status: Status) -> dict[str, Any]:
        key, name, colour = CATEGORIES[status.category_id]
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": "",
            "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": str(status.id),
            "statusCategory": {
                "self": f"{self.api}/statuscategory/{status.category_id}",
                "id": status.category_id,
                "key": key,
                "colorName": colour,
                "name": name,
            },
        }

    def issue_type(self, itype: IssueType) -> dict[str, Any]:
        if ("type", itype.id) not in self._cache:
            self._cache["type", itype.id] = self._issue_type(itype)
        return self._cache["type", itype.id]

    def _issue_type(self, itype: IssueType) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issuetype/{itype.id}",
            "id": str(itype.id),
            "description": itype.description,
            "iconUrl": f"{self.base}/images/icons/issuetypes/{itype.name.lower()}.svg",
            "name": itype.name,
            "subtask": False,
            "avatarId": itype.id,
            "hierarchyLevel": itype.level,
        }

    def project(self, project: Project, *, expand: str = "") -> dict[str, Any]:
        if expand:
            return self._project(project, expand)
        if ("project", project.id) not in self._cache:
            self._cache["project", project.id] = self._project(project, "")
        return self._cache["project", project.id]

    def _project(self, project: Project, expand: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": f"{self.api}/project/{project.id}",
            "id": str(project.id),
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "style": "classic",
            "isPrivate": False,
            "avatarUrls": {
                f"{s}x{s}": f"{self.base}/secure/projectavatar?size={s}&pid={project.id}"
                for s in (48, 24, 16, 32)
            },
        }
        if "issueTypes" in expand.split(","):
            body["issueTypes"] = [self.issue_type(t) for t in self.scheme.types.values()]
        if "lead" in expand.split(",") and project.lead:
            body["lead"] = self.user(project.lead)
        return body

    def link_type(self, lt: LinkType) -> dict[str, Any]:
        return {
            "id": str(lt.id),
            "name": lt.name,
            "inward": lt.inward,
            "outward": lt.outward,
            "self": f"{self.api}/issueLinkType/{lt.id}",
        }

    def field(self, fdef: FieldDef) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": fdef.id,
            "key": fdef.id,
            "name": fdef.name,
            "custom": fdef.custom,
            "orderable": fdef.settable,
            "navigable": fdef.id not in NON_NAVIGABLE,
            "searchable": True,
            "clauseNames": clause_names(fdef),
        }
        schema = field_schema(fdef)
        if schema is not None:
            body["schema"] = schema
        return body


def field_schema(fdef: FieldDef) -> dict[str, Any] | None:
    """The field's `schema` as GET /field and `expand=schema` show it (None: Jira shows none)."""
    if fdef.custom_id is not None and fdef.kind in APP_KINDS:
        app_type, app_custom = APP_KINDS[fdef.kind]
        return {"type": app_type, "custom": app_custom, "customId": fdef.custom_id}
    if fdef.custom_id is not None:
        stype, items, custom, _suffix = CUSTOM_KINDS[fdef.kind]
        schema: dict[str, Any] = {"type": stype}
        if items:
            schema["items"] = items
        schema.update(custom=CUSTOM_PREFIX + custom, customId=fdef.custom_id)
        return schema
    _name, _kind, system_type, system_items, _aliases = SYSTEM_FIELDS[fdef.id]
    if system_type is None:
        return None
    schema = {"type": system_type}
    if system_items:
        schema["items"] = system_items
    schema["system"] = fdef.id
    return schema


def clause_names(fdef: FieldDef) -> list[str]:
    if fdef.custom_id is not None and fdef.kind in APP_KINDS:
        return [f"cf[{fdef.custom_id}]", fdef.name]
    if fdef.custom_id is not None:
        suffix = CUSTOM_KINDS[fdef.kind][3]
        return [f"cf[{fdef.custom_id}]", fdef.name, f"{fdef.name}[{suffix}]"]
    return [fdef.id, *SYSTEM_FIELDS[fdef.id][4]]
