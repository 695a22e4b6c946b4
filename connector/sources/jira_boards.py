"""What `rdsync jira dashboard` keeps on a Jira site: four saved filters over rdsync's write-back
fields and a dashboard of Jira's own gadgets over them, built from the config and the mapping.

Every field is named in JQL by its id (`cf[10050]`), never by its name (names repeat, and may
hold quotes); every value is a quoted JQL string. A gadget shows a filter through its item
property `config`, an object of strings, as Jira's own gadgets keep it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connector.config import JiraDashboardConfig

GADGETS = "rest/gadgets/1.0/g/com.atlassian.jira.gadgets:"
FILTER_RESULTS = f"{GADGETS}filter-results-gadget/gadgets/filter-results-gadget.xml"
PIE_CHART = f"{GADGETS}pie-chart-gadget/gadgets/piechart-gadget.xml"
TWO_DIMENSIONAL = f"{GADGETS}two-dimensional-stats-gadget/gadgets/two-dimensional-stats-gadget.xml"
ROWS_TITLE = {
    "issuetype": "Level",
    "priorities": "Priority",
    "statuses": "Status",
    "assignees": "Assignee",
    "project": "Project",
}


@dataclass(frozen=True)
class Fields:
    """The site's field ids rdsync's filters and gadgets are made of."""

    likelihood: str
    gaps: str
    assessed: str
    owners: str
    options: tuple[str, str, str, str]  # red, amber/red, amber/green, green


@dataclass(frozen=True)
class WantedFilter:
    key: str  # what a gadget names it by
    name: str
    description: str
    jql: str


@dataclass(frozen=True)
class WantedGadget:
    title: str  # unique on the dashboard: how a second run finds it again
    uri: str
    color: str
    row: int
    column: int
    filter_key: str
    config: tuple[tuple[str, str], ...]  # without the filter, which only the site numbers

    def config_for(self, filter_id: str) -> dict[str, str]:
        """The gadget's `config` property, showing the filter of this id."""
        shown = dict(self.config)
        if self.uri == FILTER_RESULTS:
            return {"filterId": filter_id, **shown}
        if self.uri == PIE_CHART:
            return {"projectOrFilterId": f"filter-{filter_id}", **shown}
        return {"filterId": f"filter-{filter_id}", **shown}


def jql_string(value: str) -> str:
    """A JQL string literal: a quote or backslash in the value is escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def jql_field(field_id: str) -> str:
    """A field as JQL names it: `cf[N]` for a custom field, else its id."""
    if field_id.startswith("customfield_"):
        return f"cf[{field_id.removeprefix('customfield_')}]"
    return field_id


def fall_phrase(before: str, after: str) -> str:
    """The words of rdsync's rating-change comment for one fall (connector.sync.plan)."""
    return f"Delivery likelihood changed from {before} to {after}"


def wanted_filters(
    config: JiraDashboardConfig, fields: Fields, scope: str, *, stale_code: str, days: int
) -> list[WantedFilter]:
    """The four filters: Red and Amber/Red; stale data; every rated item (shown by owner);
    what fell within the assessment period."""
    lk, gaps, assessed = (jql_field(f) for f in (fields.likelihood, fields.gaps, fields.assessed))
    red, amber_red = (jql_string(o) for o in fields.options[:2])
    by_rating = f"ORDER BY {lk} ASC, key ASC"
    falls = [
        f"comment ~ {jql_string(jql_string(fall_phrase(before, after)))}"
        for n, before in enumerate(fields.options)
        for after in fields.options[:n]
    ]
    prefix = config.filter_prefix
    return [
        WantedFilter(
            "low",
            f"{prefix}Red and Amber/Red",
            "Items rdsync rates Red or Amber/Red, lowest first.",
            f"({scope}) AND {lk} in ({red}, {amber_red}) {by_rating}",
        ),
        WantedFilter(
            "stale",
            f"{prefix}Stale data",
            f"Indicators whose latest measurement is older than the freshness limit "
            f"({stale_code} in their rubric gaps).",
            f"({scope}) AND {gaps} ~ {jql_string(stale_code)} ORDER BY updated ASC",
        ),
        WantedFilter(
            "rated",
            f"{prefix}Items by accountable owner",
            "Every item rdsync rates; the dashboard counts them by accountable owner.",
            f"({scope}) AND {lk} is not EMPTY {by_rating}",
        ),
        WantedFilter(
            "fell",
            f"{prefix}Fell since the last assessment",
            f"Items whose rating fell (rdsync's rating-change comment) and that were assessed "
            f"in the last {days} days, the assessment period.",
            f"({scope}) AND {assessed} >= -{days}d AND ({' OR '.join(falls)}) {by_rating}",
        ),
    ]


def wanted_gadgets(config: JiraDashboardConfig, fields: Fields) -> list[WantedGadget]:
    """Filter results on the left; a pie chart and two statistics on the right."""
    columns = f"issuetype|issuekey|summary|{fields.likelihood}|{fields.owners}|{fields.assessed}"
    listing = (
        ("num", "20"),
        ("columnNames", columns),
        ("refresh", "false"),
        ("isConfigured", "true"),
    )

    def table(y_stat: str) -> tuple[tuple[str, str], ...]:
        return (
            ("xstattype", fields.likelihood),
            ("ystattype", y_stat),
            ("sortBy", "natural"),
            ("sortDirection", "asc"),
            ("showTotals", "true"),
            ("numberToShow", "50"),
            ("isConfigured", "true"),
            ("refresh", "false"),
        )

    rows = ROWS_TITLE.get(config.rows, "Field")
    pie = (("statType", fields.likelihood), ("isConfigured", "true"), ("refresh", "false"))
    return [
        WantedGadget("Red and Amber/Red", FILTER_RESULTS, "red", 0, 0, "low", listing),
        WantedGadget("Fell since the last assessment", FILTER_RESULTS, "yellow", 1, 0, "fell",
                     listing),
        WantedGadget("Stale data", FILTER_RESULTS, "gray", 2, 0, "stale", listing),
        WantedGadget("Delivery likelihood", PIE_CHART, "blue", 0, 1, "rated", pie),
        WantedGadget(
            "Accountable owner against Delivery likelihood",
            TWO_DIMENSIONAL, "blue", 1, 1, "rated", table(fields.owners),
        ),
        WantedGadget(
            f"{rows} against Delivery likelihood",
            TWO_DIMENSIONAL, "blue", 2, 1, "rated", table(config.rows),
        ),
    ]  # fmt: skip


def share(group: str) -> list[dict[str, object]]:
    """Share permissions: view for the configured group (edit stays with the owner)."""
    return [{"type": "group", "group": {"name": group}}]


def shared_groups(permissions: object) -> list[str]:
    """The group names of a filter's or dashboard's share permissions as Jira answers them."""
    found = []
    for item in permissions if isinstance(permissions, list) else []:
        group = item.get("group") if isinstance(item, Mapping) else None
        if isinstance(group, Mapping) and item.get("type") == "group":
            found.append(str(group.get("name")))
    return sorted(found)


def other_shares(permissions: object) -> bool:
    """Whether permissions share with anything but groups (a project, everyone signed in)."""
    items = permissions if isinstance(permissions, list) else []
    return any(isinstance(i, Mapping) and i.get("type") != "group" for i in items)
