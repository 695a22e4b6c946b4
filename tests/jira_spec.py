"""Atlassian's OpenAPI spec for the tests that hold the sandbox's Jira answers against it.

The spec is not in the repository: `RDSYNC_JIRA_OPENAPI` names the file, or it is found in
../shared/specs beside the clone (as CI lays it out, where `.ci/run` requires it). Without it,
the tests marked `needs_spec` skip and say where to get it.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from connector.sandbox.server import Sandbox

# Atlassian's spec is not in the repository: RDSYNC_JIRA_OPENAPI names the file, or it is found
# in ../shared/specs beside the clone (as CI lays it out, where `.ci/run` requires it).
SPEC_NAME = "jira-platform-rest-v3.openapi.json"
SPEC = Path(
    os.environ.get("RDSYNC_JIRA_OPENAPI")
    or Path(__file__).resolve().parents[2] / "shared" / "specs" / SPEC_NAME
)
SKIP_REASON = (
    f"Atlassian's OpenAPI spec {SPEC_NAME} is not at {SPEC}: download the Jira Cloud "
    "platform REST v3 spec (developer.atlassian.com, 'OpenAPI spec') and set "
    "RDSYNC_JIRA_OPENAPI to its path"
)
needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason=SKIP_REASON)
API = "/rest/api/3"
ADF = {
    "type": "doc",
    "version": 1,
    "content": [{"type": "paragraph", "content": [{"type": "text", "text": "On track"}]}],
}
# Statuses real Jira Cloud sends that the spec does not list, each with the reason.
UNDOCUMENTED = {
    (
        "get",
        "/rest/api/3/search",
        410,
    ): "the endpoint was removed from Cloud after the spec listed it",
    (
        "post",
        "/rest/api/3/search",
        410,
    ): "the endpoint was removed from Cloud after the spec listed it",
}
# Atlassian's rate-limiting guide: "Any REST API can return a rate limit response" (429, with
# Jira's ErrorCollection), though few operations of the spec list it.
ANY_OPERATION = frozenset({429})
# Where the spec is stricter than Jira itself: changelog items carry null `from`/`to` (a number
# field records only strings), which the spec types as non-nullable strings.
NULLABLE = {"ChangeDetails": ("from", "fromString", "to", "toString")}
# Where the spec is broken: DashboardGadgetPosition names its two keys by their descriptions
# ("The row position of the gadget."); Jira sends {"row", "column"}, as the spec's own example
# of GET /dashboard/{dashboardId}/gadget shows.
GADGET_POSITION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["row", "column"],
    "properties": {
        "row": {"type": "integer", "format": "int32"},
        "column": {"type": "integer", "format": "int32"},
    },
}


@cache
def spec() -> dict[str, Any]:
    """The spec, as Jira answers (see NULLABLE); a test that reaches here without the file
    skips from this point on, naming it (what it asserted before still counted)."""
    if not SPEC.is_file():
        pytest.skip(SKIP_REASON)
    loaded = json.loads(SPEC.read_text())
    for schema_name, properties in NULLABLE.items():
        for prop in properties:
            loaded["components"]["schemas"][schema_name]["properties"][prop]["nullable"] = True
    loaded["components"]["schemas"]["DashboardGadgetPosition"] = GADGET_POSITION
    return loaded


@cache
def registry() -> Registry:
    return Registry().with_resource(
        "urn:jira", Resource.from_contents(spec(), default_specification=DRAFT4)
    )


def errors_against(schema: dict[str, Any], body: Any) -> list[str]:
    """Validation errors of `body` against a spec schema, `$ref`s resolved in the spec."""
    rooted = json.loads(json.dumps(schema).replace('"#/components/', '"urn:jira#/components/'))
    validator = OAS30Validator(rooted, registry=registry())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]


def check(sandbox: Sandbox, response: requests.Response) -> None:
    """The response matches the schema its operation declares for its status."""
    entry = sandbox.stats()["log"][-1]
    path, method, status = entry["path"], response.request.method.lower(), response.status_code  # type: ignore[union-attr]
    operation = spec()["paths"].get(path, {}).get(method)
    assert operation is not None, f"{method.upper()} {path} is not an operation of the spec"
    documented = operation["responses"].get(str(status))
    if documented is None:
        known = (method, path, status) in UNDOCUMENTED or status in ANY_OPERATION
        assert known, f"{method} {path}: {status} not in the spec"
        assert (
            errors_against({"$ref": "#/components/schemas/ErrorCollection"}, response.json()) == []
        )
        return
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    if status == 401:
        assert response.text == "Client must be authenticated to access this resource."
    elif status == 204:
        assert response.content == b""
    elif schema:
        assert errors_against(schema, response.json()) == [], f"{method} {path} {status}"
    elif status >= 400:
        # The spec describes these errors in prose only; Jira sends its ErrorCollection.
        assert (
            errors_against({"$ref": "#/components/schemas/ErrorCollection"}, response.json()) == []
        )
