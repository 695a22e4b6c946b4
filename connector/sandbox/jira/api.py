"""The Jira REST API the sandbox serves (v3, and v2 alike): routes, dispatch, site metadata."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from connector.sandbox.jira import attachments as jira_attachments
from connector.sandbox.jira import changelogs as jira_changelogs
from connector.sandbox.jira import dashboards as jira_dashboards
from connector.sandbox.jira import fields as jira_fields
from connector.sandbox.jira import filter_permissions as jira_filter_permissions
from connector.sandbox.jira import filters as jira_filters
from connector.sandbox.jira import gadgets as jira_gadgets
from connector.sandbox.jira import issues as jira_issues
from connector.sandbox.jira import links as jira_links
from connector.sandbox.jira import permissions as jira_permissions
from connector.sandbox.jira import properties as jira_properties
from connector.sandbox.jira import search as jira_search
from connector.sandbox.jira import shares as jira_shares
from connector.sandbox.jira.context import Ctx, json_response
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.limits import Limits
from connector.sandbox.jira.meta import Scheme, Site
from connector.sandbox.jira.values import Values
from connector.sandbox.store import Store

API = "/rest/api/<any('2','3'):ver>"
# Variables are named as in Atlassian's OpenAPI paths, so a route's template is the spec's path.
ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("serverInfo", "server_info", ("GET",)),
    ("myself", "myself", ("GET",)),
    ("mypermissions", "my_permissions", ("GET",)),
    ("field", "fields", ("GET",)),
    ("issuetype", "issue_types", ("GET",)),
    ("issueLinkType", "link_types", ("GET",)),
    ("status", "statuses", ("GET",)),
    ("project", "projects", ("GET",)),
    ("project/<projectIdOrKey>", "project", ("GET",)),
    ("user", "user", ("GET",)),
    ("user/search", "user_search", ("GET",)),
    ("search/jql", "search_jql", ("GET", "POST")),
    ("search/approximate-count", "search_count", ("POST",)),
    ("search", "search", ("GET", "POST")),
    ("issue", "issue_create", ("POST",)),
    ("issue/<issueIdOrKey>", "issue_get", ("GET",)),
    ("issue/<issueIdOrKey>", "issue_edit", ("PUT",)),
    ("issue/<issueIdOrKey>/changelog", "issue_changelog", ("GET",)),
    ("changelog/bulkfetch", "changelog_bulkfetch", ("POST",)),
    ("issue/<issueIdOrKey>/comment", "comments", ("GET",)),
    ("issue/<issueIdOrKey>/comment", "comment_add", ("POST",)),
    ("issue/<issueIdOrKey>/comment/<id>", "comment_get", ("GET",)),
    ("issue/<issueIdOrKey>/transitions", "transitions", ("GET",)),
    ("issue/<issueIdOrKey>/transitions", "transition", ("POST",)),
    ("issueLink", "link_create", ("POST",)),
    ("issueLink/<linkId>", "link_get", ("GET",)),
    ("issueLink/<linkId>", "link_delete", ("DELETE",)),
    *jira_fields.ROUTES,
    *jira_properties.ROUTES,
    *jira_attachments.ROUTES,
    *jira_filters.ROUTES,
    *jira_filter_permissions.ROUTES,
    *jira_dashboards.ROUTES,
    *jira_gadgets.ROUTES,
]
ARGUMENTS = {
    "issueIdOrKey": "ref",
    "projectIdOrKey": "ref",
    "id": "comment_id",
    "linkId": "link_id",
    **jira_fields.ARGUMENTS,
    **jira_properties.ARGUMENTS,
    **jira_attachments.ARGUMENTS,
    **jira_gadgets.ARGUMENTS,
    **jira_filter_permissions.ARGUMENTS,
}
# Cloud-only resources: Data Center has no REST API to find filters by name, or to create,
# search or edit dashboards and their gadgets (its /dashboard is read-only).
CLOUD_ONLY = frozenset(
    {"filter_search", "filter_my", "dashboard_create", "dashboard_update", "dashboard_search"}
    | set(jira_gadgets.HANDLERS)
)
NOT_AUTHENTICATED = "Client must be authenticated to access this resource."


class JiraAPI:
    """Serves the Jira routes from a Store; `reload()` after a seed changes the scheme."""

    def __init__(self, store: Store, *, mode: str, now: Callable[[], datetime]) -> None:
        self.store = store
        self.mode = mode
        self.now = now
        self.scheme = Scheme()
        self.limits = Limits()  # Cloud's rate limits: none until a test sets some
        jira_shares.install(store)
        self.reload()

    def reload(self) -> None:
        with self.store.read() as conn:
            self.scheme = Scheme.load(conn)

    def url_rules(self) -> list[Rule]:
        return [
            Rule(f"{API}/{path}", endpoint=f"jira.{name}", methods=list(methods))
            for path, name, methods in ROUTES
        ]

    def dispatch(
        self, endpoint: str, request: Request, values: dict[str, Any], account_id: str
    ) -> Response:
        version = values.pop("ver")
        if self.mode == "server" and version == "3":  # Data Center serves API v2 only
            return json_response(JiraHTTPError(404, f"null for uri: {request.url}").body(), 404)
        base = request.url_root.rstrip("/")  # through the gateway: its prefix, as Jira's links
        ctx = Ctx(
            store=self.store,
            scheme=self.scheme,
            site=Site(self.scheme, base, self.mode, version, viewer=account_id),
            values=Values(self.scheme, version=version, mode=self.mode),
            request=request,
            user=account_id,
            now=self.now(),
            mode=self.mode,
        )
        name = endpoint.removeprefix("jira.")
        if self.mode == "server" and name in CLOUD_ONLY:
            return json_response(JiraHTTPError(404, f"null for uri: {request.url}").body(), 404)
        try:
            self.limits.admit(name, request.method, values.get("issueIdOrKey"), ctx.now)
            response = HANDLERS[name](ctx, **{ARGUMENTS[k]: v for k, v in values.items()})
        except JiraHTTPError as problem:
            response = json_response(problem.body(), problem.status)
            response.headers.update(problem.headers)
            return response
        if name in jira_fields.CHANGES_SCHEME:
            self.reload()  # later requests see the new field or options
        return response

    def account_for(self, email: str) -> str | None:
        user = self.scheme.user_by(name=email)
        return user.account_id if user else None

    def signed_in(self, token: str, login: str | None = None) -> str | None:
        """The account a token belongs to; with `login` (Basic auth), only if it names that
        account: its e-mail on Cloud, also its username on Data Center."""
        account = self.scheme.tokens.get(token)
        if account is None or login is None:
            return account
        user = self.scheme.users.get(account)
        names = {user.email.lower()} if user else set()
        if user and self.mode == "server":
            names.add(user.name.lower())
        return account if login.lower() in names else None


def server_info(ctx: Ctx) -> Response:
    cloud = ctx.mode == "cloud"
    version = [1001, 0, 0] if cloud else [9, 12, 0]
    site = ctx.request.host_url.rstrip("/")  # the site's own address, even via the gateway
    return json_response(
        {
            "baseUrl": site,
            "displayUrl": site,
            "version": ".".join(map(str, version)) + ("-SNAPSHOT" if cloud else ""),
            "versionNumbers": version,
            "deploymentType": "Cloud" if cloud else "Server",
            "buildNumber": 100290 if cloud else 9120000,
            "buildDate": "2026-01-05T00:00:00.000+0000",
            "serverTime": ctx.stamp,
            "scmInfo": "c0ffee5a4d1b2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
            "serverTitle": "rdsync sandbox",
            "serverTimeZone": "Etc/UTC",
        }
    )


def myself(ctx: Ctx) -> Response:
    user = ctx.site.user(ctx.user) or {}
    return json_response({**user, "locale": "en_US", "expand": "groups,applicationRoles"})


def fields(ctx: Ctx) -> Response:
    return json_response([ctx.site.field(f) for f in ctx.scheme.fields.values()])


def issue_types(ctx: Ctx) -> Response:
    return json_response([ctx.site.issue_type(t) for t in ctx.scheme.types.values()])


def link_types(ctx: Ctx) -> Response:
    return json_response(
        {"issueLinkTypes": [ctx.site.link_type(lt) for lt in ctx.scheme.link_types.values()]}
    )


def statuses(ctx: Ctx) -> Response:
    return json_response([ctx.site.status(s) for s in ctx.scheme.statuses.values()])


def projects(ctx: Ctx) -> Response:
    expand = ctx.request.args.get("expand", "")
    return json_response([ctx.site.project(p, expand=expand) for p in ctx.scheme.projects.values()])


def project(ctx: Ctx, ref: str) -> Response:
    found = ctx.scheme.project_named(ref)
    if found is None:
        raise JiraHTTPError(404, f"No project could be found with key '{ref}'.")
    expand = ctx.request.args.get("expand", "")
    return json_response(ctx.site.project(found, expand=f"issueTypes,lead,{expand}"))


def user(ctx: Ctx) -> Response:
    """GET /user: Cloud by `accountId`; Server/Data Center by `username` or `key`."""
    args = ctx.request.args
    if ctx.mode == "server":
        ref = args.get("username") or args.get("key") or ""
        found = ctx.scheme.user_by(name=ref) if "username" in args else ctx.scheme.user_by(key=ref)
        if found is None:
            raise JiraHTTPError(404, f"The user named '{ref}' does not exist")
        return json_response(ctx.site.user(found.account_id))
    account = args.get("accountId")
    found = (
        ctx.scheme.user_by(account_id=account)
        if account
        else ctx.scheme.user_by(name=args.get("username", args.get("key", "")))
    )
    if found is None:
        raise JiraHTTPError(
            404,
            f"Specified user does not exist or you do not have required permissions: '{account}'",
        )
    return json_response(ctx.site.user(found.account_id))


def user_search(ctx: Ctx) -> Response:
    query = (ctx.request.args.get("query") or ctx.request.args.get("username") or "").lower()
    found = [
        ctx.site.user(u.account_id)
        for u in ctx.scheme.users.values()
        if query and (query in u.email.lower() or query in u.display_name.lower())
    ]
    return json_response(found)


HANDLERS: dict[str, Callable[..., Response]] = {
    "server_info": server_info,
    "myself": myself,
    "my_permissions": jira_permissions.my_permissions,
    "fields": fields,
    "issue_types": issue_types,
    "link_types": link_types,
    "statuses": statuses,
    "projects": projects,
    "project": project,
    "user": user,
    "user_search": user_search,
    "search_jql": jira_search.search_jql,
    "search_count": jira_search.approximate_count,
    "search": jira_search.search_startat,
    "issue_create": jira_issues.create_issue,
    "issue_get": jira_issues.get_issue,
    "issue_edit": jira_issues.edit_issue,
    "issue_changelog": jira_issues.changelog,
    "changelog_bulkfetch": jira_changelogs.bulk_fetch,
    "comments": jira_links.list_comments,
    "comment_add": jira_links.add_comment,
    "comment_get": jira_links.get_comment,
    "transitions": jira_issues.transitions,
    "transition": jira_issues.do_transition,
    "link_create": jira_links.create_link,
    "link_get": jira_links.get_link,
    "link_delete": jira_links.delete_link,
    **jira_fields.HANDLERS,
    **jira_properties.HANDLERS,
    **jira_attachments.HANDLERS,
    **jira_filters.HANDLERS,
    **jira_filter_permissions.HANDLERS,
    **jira_dashboards.HANDLERS,
    **jira_gadgets.HANDLERS,
}
