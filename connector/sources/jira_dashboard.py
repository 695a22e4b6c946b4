"""Keeps rdsync's saved filters and dashboard on a Jira Cloud site: found again by name and
owner, compared, and written only where they differ, so a second run writes nothing.

Through the real `jira` client: its session against the REST paths it has no method for
(a filter's share permissions, dashboard search, gadgets), as the client itself does. Jira
Data Center has no REST API to create a dashboard or add a gadget (its /dashboard is
read-only): the command refuses a server source before any call."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jira.exceptions import JIRAError

from connector.config import JiraDashboardConfig
from connector.sources.jira import JiraSource
from connector.sources.jira_boards import (
    WantedFilter,
    WantedGadget,
    other_shares,
    share,
    shared_groups,
)
from connector.sources.retry import status_of
from mappings.errors import ConfigError, RdsyncError

PAGE = 100


@dataclass
class Outcome:
    """What a run did (or, dry, would do): one line per change, and the writes it sent."""

    lines: list[str] = field(default_factory=list)
    writes: int = 0
    unchanged: int = 0
    dashboard_url: str | None = None


class DashboardKeeper:
    """Brings the site's filters and dashboard to what is wanted, writing only differences."""

    def __init__(
        self,
        source: JiraSource,
        config: JiraDashboardConfig,
        *,
        dry_run: bool = False,
        echo: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.source = source
        self.config = config
        self.dry_run = dry_run
        self.echo = echo
        self.outcome = Outcome()
        self.me = ""

    # -- calls ----------------------------------------------------------------------------

    def _get(self, what: str, path: str, params: dict[str, Any] | None = None) -> Any:
        client = self.source.client
        return self.source.call(what, client._get_json, path, params=params)

    def _write(self, what: str, method: str, path: str, body: Any) -> Any:
        """One POST, PUT or DELETE (none when dry); the answer's JSON, or None without one."""
        self.outcome.lines.append(what)
        self.echo(("would " if self.dry_run else "") + what)
        if self.dry_run:
            return None
        client = self.source.client
        send = {"POST": client._session.post, "PUT": client._session.put}.get(
            method, client._session.delete
        )
        data = None if body is None else json.dumps(body)
        try:
            response = self.source.call(what, send, client._get_url(path), data=data)
        except JIRAError as error:
            raise self._refused(what, error) from None
        self.outcome.writes += 1
        return response.json() if response.content else None

    def _refused(self, what: str, error: JIRAError) -> RdsyncError:
        """Jira's refusal as an error naming the config key it most likely comes from."""
        answer = _answer(error)
        if "sharePermissions" in answer and "group" in answer.lower():
            return ConfigError(
                f"Jira refused to share with group {self.config.share_group!r}: {answer}",
                where="jira_dashboard.share_group",
                fix="Name a group of the site (Jira admin → User management → Groups).",
            )
        return RdsyncError(
            f"Jira refused to {what} (HTTP {status_of(error)}): {answer}",
            where=f"sources.{self.source.name}",
            fix="Check the account's rights (it must be allowed to share filters and "
            "dashboards) and `rdsync mapping check` for the write-back fields.",
        )

    def _pages(self, what: str, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self._get(what, path, {**params, "startAt": start, "maxResults": PAGE})
            yield from page.get("values", [])
            start += len(page.get("values", []))
            if page.get("isLast", True) or not page.get("values"):
                return

    # -- filters --------------------------------------------------------------------------

    def keep_filters(self, wanted: list[WantedFilter]) -> dict[str, str]:
        """Each wanted filter made or brought up to date; their ids by key ("" when dry and
        not made yet)."""
        ids = {}
        for want in wanted:
            found = self._find_filter(want.name)
            if found is None:
                ids[want.key] = self._create_filter(want)
            else:
                ids[want.key] = str(found["id"])
                self._update_filter(found, want)
        return ids

    def _filter_body(self, want: WantedFilter) -> dict[str, Any]:
        return {
            "name": want.name,
            "description": want.description,
            "jql": want.jql,
            "sharePermissions": share(self.config.share_group),
            "editPermissions": [],
        }

    def _create_filter(self, want: WantedFilter) -> str:
        made = self._write(
            f"create filter '{want.name}'", "POST", "filter", self._filter_body(want)
        )
        return str(made["id"]) if made else ""

    def _update_filter(self, found: dict[str, Any], want: WantedFilter) -> None:
        if self._filter_differs(found, want):
            what, path = f"update filter '{want.name}'", f"filter/{found['id']}"
            self._write(what, "PUT", path, self._filter_body(want))
        else:
            self.outcome.unchanged += 1

    def _find_filter(self, name: str) -> dict[str, Any] | None:
        params = {
            "filterName": name,
            "isSubstringMatch": "true",
            "accountId": self.me,
            "expand": "description,jql,sharePermissions,editPermissions",
        }
        return next(
            (f for f in self._pages("filter search", "filter/search", params) if _same(f, name)),
            None,
        )

    def _filter_differs(self, found: dict[str, Any], want: WantedFilter) -> bool:
        return (
            found.get("name") != want.name
            or found.get("jql") != want.jql
            or found.get("description", "") != want.description
            or shared_groups(found.get("sharePermissions")) != [self.config.share_group]
            or other_shares(found.get("sharePermissions"))
            or bool(found.get("editPermissions"))
        )

    # -- the dashboard --------------------------------------------------------------------

    def keep_dashboard(self, description: str) -> str:
        """The dashboard made or brought up to date; its id ("" when dry and not made yet)."""
        params = {
            "dashboardName": self.config.name,
            "accountId": self.me,
            "expand": "description,sharePermissions,editPermissions,viewUrl",
        }
        found = next(
            (
                d
                for d in self._pages("dashboard search", "dashboard/search", params)
                if _same(d, self.config.name)
            ),
            None,
        )
        body = {
            "name": self.config.name,
            "description": description,
            "sharePermissions": share(self.config.share_group),
            "editPermissions": [],
        }
        if found is None:
            made = self._write(f"create dashboard '{self.config.name}'", "POST", "dashboard", body)
            self.outcome.dashboard_url = made.get("view") if made else None
            return str(made["id"]) if made else ""
        self.outcome.dashboard_url = found.get("view")
        differs = (
            found.get("description", "") != description
            or shared_groups(found.get("sharePermissions")) != [self.config.share_group]
            or other_shares(found.get("sharePermissions"))
            or bool(found.get("editPermissions"))
        )
        if differs:
            what = f"update dashboard '{self.config.name}'"
            self._write(what, "PUT", f"dashboard/{found['id']}", body)
        else:
            self.outcome.unchanged += 1
        return str(found["id"])

    def keep_gadgets(
        self, dashboard_id: str, wanted: list[WantedGadget], filter_ids: dict[str, str]
    ) -> None:
        """Each gadget added or moved to its place, then its `config` set to its filter."""
        present: dict[str, dict[str, Any]] = {}
        if dashboard_id:
            answer = self._get("gadget list", f"dashboard/{dashboard_id}/gadget")
            for gadget in answer.get("gadgets", []):
                present.setdefault(str(gadget.get("title")), gadget)
        for want in sorted(wanted, key=lambda g: (g.column, g.row)):
            found = present.get(want.title)
            gadget_id = self._keep_gadget(dashboard_id, want, found)
            filter_id = filter_ids.get(want.filter_key, "")
            self._keep_config(dashboard_id, gadget_id, want, filter_id, new=found is None)

    def _keep_gadget(
        self, dashboard_id: str, want: WantedGadget, found: dict[str, Any] | None
    ) -> str:
        place = {"row": want.row, "column": want.column}
        if found is None:
            body = {"uri": want.uri, "color": want.color, "position": place, "title": want.title}
            what = f"add gadget '{want.title}'"
            made = self._write(what, "POST", f"dashboard/{dashboard_id}/gadget", body)
            return str(made["id"]) if made else ""
        if found.get("color") != want.color or found.get("position") != place:
            body = {"color": want.color, "position": place, "title": want.title}
            path = f"dashboard/{dashboard_id}/gadget/{found['id']}"
            self._write(f"move gadget '{want.title}'", "PUT", path, body)
        else:
            self.outcome.unchanged += 1
        return str(found["id"])

    def _keep_config(
        self, dashboard_id: str, gadget_id: str, want: WantedGadget, filter_id: str, *, new: bool
    ) -> None:
        """The gadget's `config` property (a gadget just added has none to read)."""
        config = want.config_for(filter_id or "(new)")
        path = f"dashboard/{dashboard_id}/items/{gadget_id}/properties/config"
        current = None
        if not new:
            try:
                current = self._get("gadget config", path).get("value")
            except JIRAError as error:
                if status_of(error) != 404:
                    raise
        if current == config:
            self.outcome.unchanged += 1
            return
        self._write(f"set what gadget '{want.title}' shows", "PUT", path, config)

    # -- the whole ------------------------------------------------------------------------

    def keep(
        self, filters: list[WantedFilter], gadgets: list[WantedGadget], description: str
    ) -> Outcome:
        self.me = str(self._get("myself", "myself").get("accountId", ""))
        ids = self.keep_filters(filters)
        dashboard_id = self.keep_dashboard(description)
        self.keep_gadgets(dashboard_id, gadgets, ids)
        return self.outcome


def _same(found: dict[str, Any], name: str) -> bool:
    """Jira's names are unique per owner in any case: a found one is ours by its whole name."""
    return str(found.get("name", "")).casefold() == name.casefold()


def _answer(error: JIRAError) -> str:
    """Jira's error messages, from its ErrorCollection."""
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        return str(error.text or "")
    messages = list(body.get("errorMessages") or [])
    messages += [f"{key}: {value}" for key, value in (body.get("errors") or {}).items()]
    return "; ".join(messages) or str(error.text or "")
