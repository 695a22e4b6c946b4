"""The sandbox's WSGI app: one werkzeug app serving Jira (/rest) and Airtable (/v0) on one port.

Every API request passes, in order: fault injection (faults.py), authentication (Jira: Basic
email:token or Bearer token of any account the site has; Airtable: Bearer token), the API, and
the counters. A Cloud site also answers under Atlassian's gateway prefix `/ex/jira/<cloudId>`,
as https://api.atlassian.com/ex/jira/<cloudId> does for scoped tokens and service accounts; its
links then name the gateway, as Jira's do. Control endpoints, never faulted, authenticated or
counted:

    GET    /_sandbox/stats    {"total", "since", "counts": [{method, path, status, count}], "log"}
    DELETE /_sandbox/stats    reset the counters and the log (204)
    GET    /_sandbox/faults   {"spec": "..."}
    PUT    /_sandbox/faults   body {"spec": "429:0.1,seed=7"}: replace the fault spec (204)
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from connector.sandbox.airtable.api import AirtableAPI
from connector.sandbox.faults import Fault, FaultInjector, FaultSpec
from connector.sandbox.jira.api import NOT_AUTHENTICATED, JiraAPI
from connector.sandbox.jira.context import json_response
from connector.sandbox.stats import Stats

ROUTE_VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
GATEWAY = re.compile(r"^/ex/jira/(?P<cloud>[^/]+)(?P<rest>/.*)?$")
AIRTABLE_UNAUTHORIZED = {
    "error": {"type": "AUTHENTICATION_REQUIRED", "message": "Authentication required"}
}
AIRTABLE_RATE_LIMITED = {
    "errors": [
        {"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}
    ]
}
FAULT_TEXT = {
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
}


class Route(NamedTuple):
    """Where a request goes: its endpoint (None when no route matched) and path template."""

    endpoint: str | None
    values: dict[str, Any]
    template: str  # e.g. /rest/api/3/issue/{issueIdOrKey}, the OpenAPI path
    problem: HTTPException | None = None


class _DroppedConnection(ConnectionResetError):
    """Raised after the socket is shut: werkzeug then treats the connection as dropped."""


class SandboxApp:
    """The WSGI application: routing, faults, auth and stats around the two APIs."""

    def __init__(
        self,
        jira: JiraAPI,
        airtable: AirtableAPI,
        *,
        token: str,
        email: str,
        faults: FaultInjector,
        stats: Stats,
        cloud_id: str | None = None,
    ) -> None:
        self.jira = jira
        self.airtable = airtable
        self.token = token
        self.email = email
        self.faults = faults
        self.stats = stats
        self.cloud_id = cloud_id  # None: no gateway (Data Center has none)
        self.url_map = Map([*jira.url_rules(), *airtable.url_rules()], strict_slashes=False)
        self.control = Map(
            [
                Rule("/_sandbox/stats", endpoint="stats", methods=["GET", "DELETE"]),
                Rule("/_sandbox/faults", endpoint="faults", methods=["GET", "PUT"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        through = GATEWAY.match(environ.get("PATH_INFO") or "")
        if through is not None:
            if through["cloud"] != self.cloud_id or not self.cloud_id:
                missing = {"errorMessages": ["Site not found for the given cloud id."]}
                return json_response(missing, 404)(environ, start_response)
            prefix = f"/ex/jira/{through['cloud']}"
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            environ["PATH_INFO"] = through["rest"] or "/"
        request = Request(environ)
        if request.path.startswith("/_sandbox/") and through is None:
            return self._control(request)(environ, start_response)
        return self._api(request)(environ, start_response)

    def _api(self, request: Request) -> Response:
        self.stats.begin()
        try:
            return self._answer(request)
        finally:
            self.stats.end()

    def _answer(self, request: Request) -> Response:
        started = time.perf_counter()
        route = self._match(request)
        target = route.values.get("issueIdOrKey") or route.values.get("record_id")
        fault = self.faults.decide(route.endpoint, target)
        if fault and fault.kind == "drop":
            self._record(request, route, 0, fault, started)
            _drop(request)
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
        response = self._respond(request, route, fault)
        self._record(request, route, response.status_code, fault, started)
        return response

    def _respond(self, request: Request, route: Route, fault: Fault | None) -> Response:
        airtable = request.path.startswith("/v0/")
        if fault and fault.status:
            return _fault_response(fault, airtable)
        if route.endpoint is None:
            return _unmatched(request, airtable, route.problem)
        if airtable:
            if not self._bearer(request):
                return json_response(AIRTABLE_UNAUTHORIZED, 401)
            return self.airtable.dispatch(route.endpoint, request, route.values)
        account = self._jira_account(request)
        if account is None:
            return Response(NOT_AUTHENTICATED, 401, mimetype="text/plain")
        return self.jira.dispatch(route.endpoint, request, dict(route.values), account)

    def _match(self, request: Request) -> Route:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            rule, values = adapter.match(return_rule=True)
        except (MethodNotAllowed, NotFound) as problem:
            return Route(None, {}, "(no route)", problem)
        template = ROUTE_VARIABLE.sub(r"{\1}", rule.rule)
        if "ver" in values:
            template = template.replace("{ver}", str(values["ver"]))
        return Route(str(rule.endpoint), dict(values), template)

    def _bearer(self, request: Request) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {self.token}"

    def _jira_account(self, request: Request) -> str | None:
        """The caller's accountId: Basic email:token (Cloud API token) or a Bearer token, of
        the admin (the sandbox's token) or of an account added with `add_account`.

        In server mode a token plays both secrets a Data Center user has, and both sign in as
        on a real site with default settings: Basic username:password (username: the e-mail's
        local part) and a Bearer personal access token. Data Center only refuses passwords
        once an admin turns basic authentication off, which a sandbox has no reason to do.
        """
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return self.jira.signed_in(header[7:])
        if header.startswith("Basic "):
            try:
                login, _, token = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            return self.jira.signed_in(token, login)
        return None

    def _record(
        self, request: Request, route: Route, status: int, fault: Fault | None, started: float
    ) -> None:
        self.stats.record(
            request.method,
            route.template,
            status,
            endpoint=route.endpoint,
            url=request.script_root + request.full_path.rstrip("?"),
            fault=fault.kind if fault else None,
            seconds=time.perf_counter() - started,
        )

    def _control(self, request: Request) -> Response:
        adapter = self.control.bind_to_environ(request.environ)
        try:
            endpoint, _values = adapter.match()
        except HTTPException as problem:
            return json_response({"error": problem.description}, problem.code or 404)
        if endpoint == "stats":
            if request.method == "DELETE":
                self.stats.reset()
                return Response(status=204)
            return json_response(self.stats.snapshot())
        if request.method == "PUT":
            body = request.get_json(silent=True, force=True) or {}
            try:
                self.faults.set(FaultSpec.parse(str(body.get("spec") or "")))
            except ValueError as problem:
                return json_response({"error": str(problem)}, 400)
            return Response(status=204)
        return json_response({"spec": self.faults.spec.text})


NOT_FOUND_PAGE = (
    "<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
    "<h1>Page not found</h1><p>The page you are looking for doesn't exist.</p></body></html>"
)


def _fault_response(fault: Fault, airtable: bool) -> Response:
    status = fault.status or 500
    if airtable:
        body: Any = (
            AIRTABLE_RATE_LIMITED
            if status == 429
            else {"error": {"type": "SERVER_ERROR", "message": FAULT_TEXT[status]}}
        )
    else:
        body = {"errorMessages": [FAULT_TEXT[status]], "errors": {}}
    response = json_response(body, status)
    response.headers.extend(fault.headers)
    return response


def _unmatched(request: Request, airtable: bool, problem: HTTPException | None) -> Response:
    status = problem.code if problem is not None and problem.code else 404
    if airtable:
        return json_response({"error": "NOT_FOUND"}, status)
    if not request.path.startswith("/rest/"):
        # Outside /rest (e.g. a site URL with a wrong path before it) Jira's web front answers
        # with its HTML "page not found", as any web server would: there is no JSON there.
        return Response(NOT_FOUND_PAGE, 404, mimetype="text/html")
    message = (
        f"Method {request.method} is not allowed for {request.path}."
        if status == 405
        else f"No resource found for {request.path}."
    )
    return json_response({"errorMessages": [message], "errors": {}}, status)


def _drop(request: Request) -> None:
    """Closes the connection without an answer, as a network failure would.

    The body is read first: left in the buffer, werkzeug would parse it as the next request
    line and log a "Bad request version" error.
    """
    request.get_data()
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise _DroppedConnection("fault: connection dropped")
