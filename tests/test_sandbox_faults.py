"""Fault specs, deterministic decisions, and faults as clients meet them on both APIs."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import pytest
import requests
from pyairtable import Api

from connector.sandbox.faults import FaultInjector, FaultSpec, FaultSpecError
from connector.sandbox.server import Sandbox

BASE = "appSandboxFaults1"


def decisions(
    spec: str, endpoint: str | None = "jira.search_jql", n: int = 200
) -> list[str | None]:
    injector = FaultInjector(FaultSpec.parse(spec))
    return [getattr(injector.decide(endpoint), "kind", None) for _ in range(n)]


def test_a_spec_reads_items_and_options() -> None:
    spec = FaultSpec.parse(
        "429:0.1, search:503:0.05,slow:0.05,drop:0.05,seed=7,retry-after=3,delay=0.2"
    )
    assert [(r.scope, r.kind, r.rate) for r in spec.rules] == [
        (None, "429", 0.1),
        ("search", "503", 0.05),
        (None, "slow", 0.05),
        (None, "drop", 0.05),
    ]
    assert (spec.seed, spec.retry_after, spec.delay) == (7, "3", 0.2)
    assert FaultSpec.parse(None).rules == FaultSpec.parse("").rules == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("429", "fault item '429' is not [SCOPE:]KIND:RATE"),
        ("404:0.1", "kind '404' is not one of 429, 500, 502, 503, slow, drop"),
        ("429:lots", "rate 'lots' must be a number from 0 to 1"),
        ("503:1.5", "rate '1.5' must be a number from 0 to 1"),
        ("seed=x", "fault option 'seed=x': bad value"),
        ("retry-after=soon", "fault option 'retry-after=soon': bad value"),
        ("jitter=1", "fault option 'jitter=1': unknown option"),
    ],
)
def test_a_bad_spec_names_the_item(text: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        FaultSpec.parse(text)


def test_the_same_seed_gives_the_same_faults_and_rates_hold() -> None:
    spec = "429:0.25,503:0.1,seed=11"
    first = decisions(spec, n=4000)
    assert first == decisions(spec, n=4000)
    assert first != decisions("429:0.25,503:0.1,seed=12", n=4000)
    assert 900 < first.count("429") < 1100 and 300 < first.count("503") < 500


def test_scopes_pick_endpoints_by_name() -> None:
    assert set(decisions("search:503:1", "jira.search_jql")) == {"503"}
    assert set(decisions("search:503:1", "jira.search_count")) == {"503"}
    assert set(decisions("search:503:1", "jira.issue_get")) == {None}
    assert set(decisions("airtable:429:1", "airtable.list_records")) == {"429"}
    assert set(decisions("airtable:429:1", "jira.myself")) == {None}
    assert set(decisions("jira.issue_*:500:1", "jira.issue_edit")) == {"500"}
    assert set(decisions("issue_edit:500:1", None)) == {None}  # unmatched paths: unscoped only


def test_a_scope_may_name_one_issue_or_record() -> None:
    assert set(decisions("@DEL-7:500:1", "jira.issue_edit")) == {None}  # no issue named
    injector = FaultInjector(FaultSpec.parse("@DEL-7:500:1,issue_get@DEL-8:503:1"))
    assert getattr(injector.decide("jira.issue_edit", "DEL-7"), "kind", None) == "500"
    assert getattr(injector.decide("jira.comment_add", "DEL-7"), "kind", None) == "500"
    assert injector.decide("jira.issue_edit", "DEL-70") is None
    assert injector.decide("jira.issue_edit", "DEL-8") is None
    assert getattr(injector.decide("jira.issue_get", "DEL-8"), "kind", None) == "503"
    assert FaultSpec.parse("issue_get@DEL-8:503:1").rules[0].target == "DEL-8"
    with pytest.raises(FaultSpecError, match="name the issue or record after '@'"):
        FaultSpec.parse("issue_get@:503:1")


def test_one_broken_issue_fails_while_searches_still_list_it(sandbox: Sandbox) -> None:
    created = requests.post(
        sandbox.url + "/rest/api/3/issue",
        json={
            "fields": {
                "project": {"key": "DEL"},
                "issuetype": {"name": "Milestone"},
                "summary": "x",
            }
        },
        auth=(sandbox.email, sandbox.token),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    sandbox.set_faults(f"@{key}:500:1")
    assert get(sandbox, f"/rest/api/3/issue/{key}").status_code == 500
    found = get(sandbox, f"/rest/api/3/search/jql?jql=key%3D{key}")
    issues = found.json()["issues"]  # ids only: search/jql returns no fields unless asked
    assert found.status_code == 200 and [i["id"] for i in issues] == [created.json()["id"]]


def test_retry_after_in_seconds_as_a_date_or_left_out() -> None:
    late = FaultInjector(FaultSpec.parse("503:1,retry-after=date:5")).decide("jira.myself")
    assert late is not None and late.headers[0][0] == "Retry-After"
    assert parsedate_to_datetime(late.headers[0][1]).tzinfo is not None
    bare = FaultInjector(FaultSpec.parse("429:1,retry-after=none")).decide("jira.myself")
    assert bare is not None and bare.headers == ()
    assert FaultInjector(FaultSpec.parse("500:1")).decide(None).headers == ()  # type: ignore[union-attr]


def get(sandbox: Sandbox, path: str) -> requests.Response:
    return requests.get(sandbox.url + path, auth=(sandbox.email, sandbox.token), timeout=10)


def test_dropped_connections_and_slow_answers(sandbox: Sandbox) -> None:
    sandbox.set_faults("drop:1")
    with pytest.raises(requests.ConnectionError):
        get(sandbox, "/rest/api/3/myself")
    assert sandbox.count("GET", "/rest/api/3/myself", 0) == 1
    assert sandbox.stats()["log"][-1]["fault"] == "drop"
    sandbox.set_faults("slow:1,delay=0.3")
    started = time.perf_counter()
    assert get(sandbox, "/rest/api/3/myself").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_server_errors_have_jiras_shape_and_control_paths_are_never_faulted(
    sandbox: Sandbox,
) -> None:
    sandbox.set_faults("502:1")
    response = get(sandbox, "/rest/api/3/serverInfo")
    assert response.status_code == 502
    assert response.json() == {"errorMessages": ["Bad gateway."], "errors": {}}
    put = requests.put(
        sandbox.url + "/_sandbox/faults", json={"spec": "503:1,retry-after=4"}, timeout=10
    )
    assert put.status_code == 204
    assert requests.get(sandbox.url + "/_sandbox/faults", timeout=10).json() == {
        "spec": "503:1,retry-after=4"
    }
    answer = get(sandbox, "/rest/api/3/myself")
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "4")
    stats = requests.get(sandbox.url + "/_sandbox/stats", timeout=10).json()
    assert [(c["path"], c["status"]) for c in stats["counts"]] == [
        ("/rest/api/3/myself", 503),
        ("/rest/api/3/serverInfo", 502),
    ]
    assert requests.delete(sandbox.url + "/_sandbox/stats", timeout=10).status_code == 204
    assert sandbox.stats()["total"] == 0
    bad = requests.put(sandbox.url + "/_sandbox/faults", json={"spec": "418:1"}, timeout=10)
    assert bad.status_code == 400 and "418" in bad.json()["error"]


def test_pyairtable_meets_airtables_429_with_retry_after(sandbox: Sandbox) -> None:
    api = Api(sandbox.token, endpoint_url=sandbox.url, retry_strategy=None, timeout=(5, 5))
    sandbox.set_faults("airtable:429:1,retry-after=2")
    with pytest.raises(requests.HTTPError) as caught:
        api.table(BASE, "Priorities").all()
    response = caught.value.response
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    assert response.json()["errors"][0]["error"] == "RATE_LIMIT_REACHED"
    assert sandbox.count("GET", "/v0/{base_id}/{table}", 429) == 1
    sandbox.set_faults(None)
    stranger = Api("not-the-token", endpoint_url=sandbox.url, retry_strategy=None, timeout=(5, 5))
    with pytest.raises(requests.HTTPError) as caught:
        stranger.table(BASE, "Priorities").all()
    assert caught.value.response.status_code == 401
    assert caught.value.response.json()["error"]["type"] == "AUTHENTICATION_REQUIRED"
