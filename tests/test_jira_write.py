"""Jira write-back values in the site's shapes, and refusals turned into advice."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from jira.exceptions import JIRAError

from connector.config import JiraSourceConfig, WritebackConfig
from connector.sources.base import ApplyResult, Outage, Patch
from connector.sources.jira_write import JiraWriter, adf, comment_token
from connector.sources.retry import RetryPolicy

FIELD_IDS = {
    "likelihood": "customfield_10040",
    "rationale": "customfield_10041",
    "gaps": "customfield_10042",
    "assessed": "customfield_10043",
}
SCHEMAS = {
    "customfield_10040": {"type": "option", "custom": "x:select"},
    "customfield_10041": {"type": "string", "custom": "x:textarea"},
    "customfield_10042": {"type": "string", "custom": "x:textarea"},
    "customfield_10043": {"type": "datetime", "custom": "x:datetime"},
}
NAMES = {
    "customfield_10040": "Delivery likelihood",
    "customfield_10041": "Likelihood rationale",
    "customfield_10042": "Rubric gaps",
    "customfield_10043": "Last assessed",
}


def writer(cloud: bool = True) -> JiraWriter:
    source: Any = SimpleNamespace(
        cloud=cloud, schemas=SCHEMAS, field_ids=FIELD_IDS, names=NAMES, name="jira"
    )
    config = JiraSourceConfig(
        type="jira", url="https://dept.atlassian.net", email="a@b", projects=["DEL"]
    )
    return JiraWriter(source, config, WritebackConfig())


def refusal(status: int, body: dict[str, Any]) -> JIRAError:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return JIRAError("refused", status_code=status, response=response)


PATCH = Patch(
    source="jira",
    key="DEL-12",
    changes={"likelihood": "2 - Amber/Red", "rationale": "a\nb"},
    field_names={"likelihood": "Delivery likelihood", "rationale": "Likelihood rationale"},
)


def test_values_take_the_shape_of_their_field() -> None:
    cloud = writer()
    assert cloud.value("likelihood", "2 - Amber/Red") == {"value": "2 - Amber/Red"}
    assert cloud.value("rationale", "a\nb")["type"] == "doc"
    assert cloud.value("gaps", None) is None
    stamp = datetime(2026, 3, 31, 10, 15, 0, 250_000, tzinfo=UTC)
    assert cloud.value("assessed", stamp) == "2026-03-31T10:15:00.250+0000"
    assert writer(cloud=False).value("rationale", "a\nb") == "a\nb"  # Server: plain text


def test_a_missing_option_names_the_issue_field_and_fix() -> None:
    error = refusal(
        400,
        {
            "errorMessages": [],
            "errors": {"customfield_10040": "Option value '2 - Amber/Red' is not valid"},
        },
    )
    assert str(writer().failure(PATCH, error)) == (
        "DEL-12: field 'Delivery likelihood' has no option '2 - Amber/Red': "
        "add the option in Jira or change [writeback] in the config"
    )


def test_a_field_off_the_screen_says_where_to_put_it() -> None:
    error = refusal(
        400,
        {
            "errorMessages": [],
            "errors": {
                "customfield_10041": "Field 'customfield_10041' cannot be set. It is not on "
                "the appropriate screen, or unknown."
            },
        },
    )
    failure = writer().failure(PATCH, error)
    assert failure.field == "Likelihood rationale" and failure.status == 400
    assert "cannot be set" in failure.message
    assert "edit screen" in failure.fix and "[writeback]" in failure.fix


@pytest.mark.parametrize(
    ("status", "says"),
    [(403, "Edit Issues permission in project DEL"), (404, "the next sync drops it")],
)
def test_permission_and_missing_issues_get_their_own_advice(status: int, says: str) -> None:
    error = refusal(status, {"errorMessages": ["Issue does not exist"], "errors": {}})
    failure = writer().failure(PATCH, error)
    assert failure.key == "DEL-12" and says in failure.fix
    assert "Issue does not exist" in failure.message


class LossyClient:
    """Takes each comment, but the first answer is lost on the way back (a dropped line).

    As Jira Cloud: the issue's comment list shows no properties; POST /comment/list with
    expand=properties does."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        self._session = self

    def _get_url(self, path: str) -> str:
        return f"https://dept.atlassian.net/rest/api/3/{path}"

    def post(self, url: str, data: str, params: Any = None) -> Any:
        if url.endswith("/comment/list"):
            wanted = set(json.loads(data)["ids"])
            values = [
                {"id": str(n), "body": c["body"], "properties": c.get("properties", [])}
                for n, c in enumerate(self.comments)
                if n in wanted and "properties" in (params or {}).get("expand", "")
            ]
            return SimpleNamespace(json=lambda: {"values": values})
        self.comments.append(json.loads(data))
        if len(self.comments) == 1:
            raise requests.ConnectionError("connection reset after the request was sent")
        return SimpleNamespace(json=lambda: {})

    def _get_json(self, path: str, params: Any = None) -> dict[str, Any]:
        return {
            "comments": [{"id": str(n), "body": c["body"]} for n, c in enumerate(self.comments)]
        }


def test_a_comment_whose_answer_was_lost_is_not_posted_twice() -> None:
    """The retry finds the first comment by the token in its property, and the token is
    nowhere in what the comment shows."""
    client = LossyClient()
    policy = RetryPolicy(tool="Jira", sleep=lambda seconds: None)
    source: Any = SimpleNamespace(
        cloud=True,
        client=client,
        call=lambda what, fn, *args, **kwargs: policy.call(what, fn, *args, **kwargs),
    )
    config = JiraSourceConfig(
        type="jira", url="https://dept.atlassian.net", email="a@b", projects=["DEL"]
    )
    patch = PATCH.model_copy(update={"comment": "Delivery likelihood changed from 3 to 2."})
    result = ApplyResult()
    JiraWriter(source, config, WritebackConfig())._comment(patch, result, Outage("jira"))
    assert len(client.comments) == 1 and result.comments == 1
    assert policy.stats.retries == 1
    posted = client.comments[0]
    assert posted["properties"] == [{"key": "rdsync", "value": {"token": comment_token(patch)}}]
    assert "rdsync:" not in json.dumps(posted["body"])


def test_a_write_back_text_as_adf_paragraphs_and_lists() -> None:
    """Blank lines dropped; consecutive "- " lines are one list, a paragraph ends it; a bare
    "-" is a paragraph (the document Jira shows as the text reads)."""
    text = "Why:\n- one\n  - two \n\nThen\n- three\n-\n- four"

    def para(words: str) -> dict[str, Any]:
        return {"type": "paragraph", "content": [{"type": "text", "text": words}]}

    def bullets(*items: str) -> dict[str, Any]:
        listed = [{"type": "listItem", "content": [para(item)]} for item in items]
        return {"type": "bulletList", "content": listed}

    assert adf(text) == {
        "type": "doc",
        "version": 1,
        "content": [
            para("Why:"),
            bullets("one", "two"),
            para("Then"),
            bullets("three"),
            para("-"),
            bullets("four"),
        ],
    }
