"""References between sources: a key (DEL-12), a qualified key (hr:DEL-12) or a ticket's or
record's URL in a mapped field, resolved to the key of the architecture, or an RD902 naming
the field, the record and the value.

A strategy kept in Airtable may drive a target kept in Jira: its "Jira target" field holds
"DEL-12", "https://dept.atlassian.net/browse/DEL-12" or the issue's REST `self` URL. A key
means the referring source's own record when it has one (a Jira site's parent is on the site),
else the one record of that key any source holds; a URL means the record of the source that
reads that site or base. A key two other sources hold is ambiguous: written `hr:DEL-12`, it
names one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mappings.model import DataProblem

SEPARATOR = ":"  # as connector.sync.keys: never in a Jira key, an Airtable record id or a facet

# https://site/browse/DEL-12, https://site/rest/api/3/issue/DEL-12 (or /10012, the issue id)
_JIRA_URL = re.compile(
    r"^(https?://[^?#\s]+?)/(?:browse|rest/api/(?:2|3|latest)/issue)/([^/?#\s]+)/?(?:[?#]\S*)?$",
    re.IGNORECASE,
)
# https://airtable.com/appXXX/tblYYY/recZZZ (views and the record's expanded form too)
_AIRTABLE_URL = re.compile(r"^https?://[^/\s]+/(app[A-Za-z0-9]+)/(?:\S*/)?(rec[A-Za-z0-9]+)\b")

_WHAT = {"parent": "has parent", "drives": "drives"}


class References:
    """Resolves the reference texts of each source against every source's keys.

    `holders`: each plain key, the sources that hold it (a record read, mapped or not);
    `sites`: each source's site (a Jira URL, an Airtable endpoint and base, casefolded);
    `qualify(source, plain)`: the key a source's record has in the architecture;
    `records`: each source's records by key (the issue ids of a REST URL are read from them).
    """

    def __init__(
        self,
        holders: Mapping[str, Iterable[str]],
        sites: Mapping[str, str],
        qualify: Any,
        records: Mapping[str, Iterable[str]],
    ) -> None:
        self.holders = holders
        self.sites = {name: site.casefold().rstrip("/") for name, site in sites.items()}
        self.qualify = qualify
        self.records = records
        self._ids: dict[str, dict[str, str]] = {}

    def resolve(self, name: str, text: str) -> tuple[str | None, str]:
        """(the key in the architecture, "") or (None, why `text` names no record)."""
        if name in self.holders.get(text, ()):  # the source's own record: nearly every one
            return self.qualify(name, text), ""
        found = _JIRA_URL.match(text)
        if found:
            return self._at_site(found[1], found[2])
        found = _AIRTABLE_URL.match(text)
        if found:
            return self._in_base(found[1], found[2])
        source, sep, plain = text.partition(SEPARATOR)
        if sep and source in self.sites:
            if source in self.holders.get(plain, ()):
                return self.qualify(source, plain), ""
            return None, f"which sources.{source} does not hold"
        holding = sorted(self.holders.get(text, ()))
        if len(holding) == 1:
            return self.qualify(holding[0], text), ""
        if holding:
            shown = " or ".join(f"{n}{SEPARATOR}{text}" for n in holding)
            return None, f"which {len(holding)} sources hold ({shown}): write which one"
        return None, "which is not in the mapped scope"

    def _at_site(self, prefix: str, key: str) -> tuple[str | None, str]:
        site = prefix.casefold().rstrip("/")
        names = sorted(n for n, s in self.sites.items() if s == site)
        if not names:
            return None, f"a ticket of {prefix}, a site no source reads"
        for name in names:
            plain = self._issue_key(name, key) if key.isdigit() else key.upper()
            if plain is not None and name in self.holders.get(plain, ()):
                return self.qualify(name, plain), ""
        shown = ", ".join(f"sources.{n}" for n in names)
        return None, f"which is not in the scope of {shown}"

    def _in_base(self, base: str, record: str) -> tuple[str | None, str]:
        names = sorted(n for n, s in self.sites.items() if s.endswith("/" + base.casefold()))
        if not names:
            return None, f"a record of base {base}, which no source reads"
        for name in names:
            if name in self.holders.get(record, ()):
                return self.qualify(name, record), ""
        shown = ", ".join(f"sources.{n}" for n in names)
        return None, f"which is not in the scope of {shown}"

    def _issue_key(self, name: str, issue_id: str) -> str | None:
        """The key of the issue a REST URL names by its id, from the source's records."""
        if name not in self._ids:
            records = self.records.get(name, {})
            values = records.items() if isinstance(records, Mapping) else ()
            self._ids[name] = {
                str(raw.get("id")): key for key, raw in values if isinstance(raw, dict)
            }
        return self._ids[name].get(issue_id)


def unresolved(key: str, relation: str, label: str, text: str, why: str) -> DataProblem:
    """RD902 on the record `key` whose field `label` (its `relation`) names nothing: `why`."""
    what = _WHAT.get(relation, f"names in {relation}")
    return DataProblem(
        code="RD902",
        key=key,
        field=label,
        message=f"{key} {what} {text} (field '{label}'), {why}",
        fix=f"In '{label}' of {key}, give the key or URL of a ticket some source reads "
        "(source:KEY where two sources hold the key), or bring it into a source's scope.",
    )
