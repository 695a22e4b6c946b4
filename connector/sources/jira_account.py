"""What rdsync's Jira account may do (`GET mypermissions`), and so whether its edits may skip
the watchers' e-mails: `notifyUsers=false` takes Administer Projects or Administer Jira, and an
edit that asks for it without them is refused whole (403)."""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any

from jira.exceptions import JIRAError

from connector.sources.retry import status_of

if TYPE_CHECKING:
    from connector.sources.jira import JiraSource

log = logging.getLogger("rdsync.jira")

QUIET = ("ADMINISTER", "ADMINISTER_PROJECTS")  # either lets an edit skip notifications
# What rdsync does on a site, the permissions any one of which allows it, and the one to grant.
ABILITIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("read issues", ("BROWSE_PROJECTS",), "Browse Projects"),
    ("write ratings", ("EDIT_ISSUES",), "Edit Issues"),
    ("comment", ("ADD_COMMENTS",), "Add Comments"),
    ("skip notifications", QUIET, "Administer Projects"),
    ("create fields", ("ADMINISTER",), "Administer Jira"),
)
ASKED = ("BROWSE_PROJECTS", "EDIT_ISSUES", "ADD_COMMENTS", *QUIET)
DISCARD = "discard the user notification"  # in Jira's refusal of notifyUsers=false


def my_permissions(
    source: JiraSource, project: str | None, keys: tuple[str, ...] = ASKED
) -> dict[str, bool] | None:
    """Which of `keys` the account holds in `project` (in any project, without one); None if
    the site will not say (a Data Center too old for the endpoint, an unknown project)."""
    params: dict[str, Any] = {"permissions": ",".join(keys)}
    if project is not None:
        params["projectKey"] = project
    try:
        page = source.call(
            f"mypermissions {project or 'global'}",
            source.client._get_json,
            "mypermissions",
            params=params,
        )
    except JIRAError as error:
        if status_of(error) in (400, 404):
            return None
        raise
    held = page.get("permissions") or {}
    return {key: bool((held.get(key) or {}).get("havePermission")) for key in keys}


def abilities(held: dict[str, bool]) -> dict[str, tuple[bool, str]]:
    """What the account may do, from the permissions it holds: ability -> (may, grant)."""
    return {what: (any(held.get(key) for key in keys), grant) for what, keys, grant in ABILITIES}


def is_discard_refusal(error: JIRAError) -> bool:
    """Jira's 403 to an edit that asked to skip notifications without the right to."""
    return status_of(error) == 403 and DISCARD in str(error.text or "")


class Notifications:
    """Whether the edits of a project's issues skip watchers' e-mails (`notifyUsers=false`),
    by the source's `notifications` setting: "suppress" always, "send" never, "auto" where
    the account may (asked once a project, on its first edit)."""

    def __init__(self, source: JiraSource) -> None:
        # Weakly: the source owns this, and a cycle between the two would leave each run's
        # source, client and mapping (some 350 objects) to the cyclic collector, which does
        # not see them while a run holds the heap frozen (`heap.frozen_run`): a process
        # running syncs in turn piled them up (70,000 after 200 syncs), each sync slower.
        self._source = weakref.ref(source)
        self.by_project: dict[str, bool] = {}

    @property
    def source(self) -> JiraSource:
        source = self._source()
        assert source is not None, "a source's notifications outlived it"
        return source

    def quiet(self, key: str) -> bool:
        setting = self.source.config.notifications
        if setting != "auto":
            return setting == "suppress"
        project = key.rsplit("-", 1)[0]
        if project not in self.by_project:
            held = my_permissions(self.source, project, QUIET) or {}
            self.by_project[project] = any(held.values())
            if not self.by_project[project]:
                self._say(project)
        return self.by_project[project]

    def refused(self, key: str) -> None:
        """Jira refused a quiet edit after all (a right withdrawn): send them from now on."""
        project = key.rsplit("-", 1)[0]
        self.by_project[project] = False
        self._say(project)

    def _say(self, project: str) -> None:
        log.info(
            "%s: the account may not skip notifications in project %s (Administer Projects "
            "or Administer Jira): Jira e-mails watchers of each rating rdsync writes",
            self.source.name,
            project,
        )
