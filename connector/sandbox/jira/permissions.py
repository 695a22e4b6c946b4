"""Who may do what on the sandbox's Jira: accounts' roles, `GET mypermissions`, and the checks
Jira makes before it lets an ordinary user skip notifications or touch field configuration."""

from __future__ import annotations

from werkzeug.wrappers import Response

from connector.sandbox.jira.context import Ctx, find_issue, json_response
from connector.sandbox.jira.errors import JiraHTTPError

# Jira's permission keys: key -> (id, name, type, description). The ids are Jira's own.
PERMISSIONS: dict[str, tuple[str, str, str, str]] = {
    "ADMINISTER": ("0", "Administer Jira", "GLOBAL", "Create and administer projects, issue "
                   "types, fields, workflows and schemes for all projects."),
    "SYSTEM_ADMIN": ("44", "Administer Jira", "GLOBAL", "Ability to perform all administration "
                     "functions."),
    "USER_PICKER": ("27", "Browse users and groups", "GLOBAL", "View and select users or "
                    "groups from the user picker."),
    "CREATE_SHARED_OBJECTS": ("22", "Share dashboards and filters", "GLOBAL", "Share "
                              "dashboards and filters with other users."),
    "BULK_CHANGE": ("33", "Make bulk changes", "GLOBAL", "Modify collections of issues at once."),
    "ADMINISTER_PROJECTS": ("23", "Administer Projects", "PROJECT", "Ability to administer a "
                            "project in Jira."),
    "BROWSE_PROJECTS": ("10", "Browse Projects", "PROJECT", "Ability to browse projects and "
                        "the issues within them."),
    "CREATE_ISSUES": ("11", "Create Issues", "PROJECT", "Ability to create issues."),
    "EDIT_ISSUES": ("12", "Edit Issues", "PROJECT", "Ability to edit issues."),
    "ASSIGN_ISSUES": ("13", "Assign Issues", "PROJECT", "Ability to assign issues to other "
                      "people."),
    "ADD_COMMENTS": ("15", "Add Comments", "PROJECT", "Ability to comment on issues."),
    "DELETE_ISSUES": ("16", "Delete Issues", "PROJECT", "Ability to delete issues."),
    "LINK_ISSUES": ("21", "Link Issues", "PROJECT", "Ability to link issues together."),
    "TRANSITION_ISSUES": ("46", "Transition Issues", "PROJECT", "Ability to transition "
                          "issues."),
    "EDIT_OWN_COMMENTS": ("35", "Edit Own Comments", "PROJECT", "Ability to edit own "
                          "comments."),
}  # fmt: skip
# What an ordinary member of a project's Members role holds in a default scheme.
MEMBER = frozenset(
    {
        "USER_PICKER", "CREATE_SHARED_OBJECTS", "BROWSE_PROJECTS", "CREATE_ISSUES",
        "EDIT_ISSUES", "ASSIGN_ISSUES", "ADD_COMMENTS", "LINK_ISSUES", "TRANSITION_ISSUES",
        "EDIT_OWN_COMMENTS",
    }
)  # fmt: skip
# The roles a sandbox account can have: the site's administrators (the Administer Jira global
# permission), a project administrator (the Administrators role of every project) and a user.
GRANTS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "project-admin": MEMBER | {"ADMINISTER_PROJECTS", "DELETE_ISSUES", "BULK_CHANGE"},
    "user": MEMBER,
}
ROLES = tuple(GRANTS)
DISCARD_NOTIFICATION = (
    "To discard the user notification either admin or project admin permissions are required."
)
CONTEXTS_ADMIN_ONLY = "Only Jira administrators can access custom field contexts."
OPTIONS_ADMIN_ONLY = "Only Jira administrators can manage custom field options."
FIELDS_ADMIN_ONLY = "Only Jira administrators can create custom fields."


def has(ctx: Ctx, key: str) -> bool:
    """Whether the caller holds a permission (every project alike: one permission scheme)."""
    return key in GRANTS[ctx.scheme.role_of(ctx.user)]


def may_discard_notifications(ctx: Ctx) -> bool:
    """`notifyUsers=false` takes Administer Jira or Administer Projects."""
    return has(ctx, "ADMINISTER") or has(ctx, "ADMINISTER_PROJECTS")


def require_admin(ctx: Ctx, message: str, status: int = 403) -> None:
    if not has(ctx, "ADMINISTER"):
        raise JiraHTTPError(status, message)


def my_permissions(ctx: Ctx) -> Response:
    """GET /mypermissions?permissions=A,B: each asked key with `havePermission`, in a global,
    project or issue context (an unknown project or issue is 404, as on Jira)."""
    args = ctx.request.args
    asked = [key.strip() for key in args.get("permissions", "").split(",") if key.strip()]
    if not asked:
        raise JiraHTTPError(400, "The 'permissions' query parameter is required.")
    unknown = [key for key in asked if key not in PERMISSIONS]
    if unknown:
        raise JiraHTTPError(400, f"Permission key '{unknown[0]}' does not exist.")
    _context(ctx)
    found = {}
    for key in asked:
        pid, name, kind, description = PERMISSIONS[key]
        found[key] = {
            "id": pid,
            "key": key,
            "name": name,
            "type": kind,
            "description": description,
            "havePermission": has(ctx, key),
        }
    return json_response({"permissions": found})


def _context(ctx: Ctx) -> None:
    """The project or issue the question is about must exist (and be visible)."""
    args = ctx.request.args
    project = args.get("projectId") or args.get("projectKey")
    if project and ctx.scheme.project_named(project) is None:
        raise JiraHTTPError(404, f"No project could be found with key '{project}'.")
    issue = args.get("issueId") or args.get("issueKey")
    if issue:
        with ctx.store.read() as conn:
            find_issue(conn, issue)
