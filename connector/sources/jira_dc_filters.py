"""rdsync's saved filters on Jira Data Center, where only filters can be kept: it has no REST API
to create a dashboard or add gadgets, and no /filter/search to find a filter again by name.

So a filter is saved as a favourite of the account rdsync signs in as and found again among
its favourites (GET /filter/favourite) by name and owner; its group share is added and
removed one by one (/filter/{id}/permission), Data Center's way of sharing a filter."""

from __future__ import annotations

from typing import Any

from connector.sources.jira_boards import WantedFilter, other_shares, shared_groups
from connector.sources.jira_dashboard import DashboardKeeper, Outcome, _same


class DataCenterFilters(DashboardKeeper):
    """The filters of DashboardKeeper, the Data Center way; no dashboard."""

    me_ids: frozenset[str] = frozenset()

    def keep_only_filters(self, filters: list[WantedFilter]) -> Outcome:
        me = self._get("myself", "myself")
        self.me_ids = frozenset(str(me[k]) for k in ("key", "name", "accountId") if me.get(k))
        self.keep_filters(filters)
        return self.outcome

    def _find_filter(self, name: str) -> dict[str, Any] | None:
        favourites = self._get("favourite filters", "filter/favourite")
        return next(
            (
                f
                for f in favourites
                if _same(f, name)
                and {str(v) for v in (f.get("owner") or {}).values()} & self.me_ids
            ),
            None,
        )

    def _filter_body(self, want: WantedFilter) -> dict[str, Any]:
        body = {"name": want.name, "description": want.description, "jql": want.jql}
        return body | {"favourite": True}  # found again among the favourites

    def _create_filter(self, want: WantedFilter) -> str:
        made = self._write(
            f"create filter '{want.name}'", "POST", "filter", self._filter_body(want)
        )
        filter_id = str(made["id"]) if made else ""
        self._share(filter_id, want.name)
        return filter_id

    def _share(self, filter_id: str, name: str) -> None:
        body = {"type": "group", "groupname": self.config.share_group}
        what = f"share filter '{name}' with {self.config.share_group}"
        self._write(what, "POST", f"filter/{filter_id or '(new)'}/permission", body)

    def _update_filter(self, found: dict[str, Any], want: WantedFilter) -> None:
        kept = (found.get("name"), found.get("jql"), found.get("description", ""))
        if kept != (want.name, want.jql, want.description):
            what, path = f"update filter '{want.name}'", f"filter/{found['id']}"
            self._write(what, "PUT", path, self._filter_body(want))
        else:
            self.outcome.unchanged += 1
        held = found.get("sharePermissions") or []
        if shared_groups(held) == [self.config.share_group] and not other_shares(held):
            self.outcome.unchanged += 1
            return
        for permission in held:
            group = (permission.get("group") or {}).get("name")
            if group != self.config.share_group:
                path = f"filter/{found['id']}/permission/{permission['id']}"
                self._delete(
                    f"unshare filter '{want.name}' from {group or permission['type']}", path
                )
        if self.config.share_group not in shared_groups(held):
            self._share(str(found["id"]), want.name)

    def _delete(self, what: str, path: str) -> None:
        self._write(what, "DELETE", path, None)
