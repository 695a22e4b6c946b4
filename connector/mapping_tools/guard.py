"""The check every write waits for: a source's mapping against the schema its `connect` read,
by the checks of `rdsync mapping check`, so that no run writes where it should not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.mapping_tools import live
from connector.mapping_tools.check import check_jira
from connector.mapping_tools.check_airtable import check_airtable
from connector.mapping_tools.problems import Problem
from connector.mapping_tools.schema import jira_schema
from connector.sources.airtable import AirtableSource
from connector.sources.jira import JiraSource
from mappings.errors import ConfigError

FIX = (
    "Correct those keys of the mapping: `rdsync mapping check --config FILE` shows them, and "
    "its `--fix` creates write-back fields and options that are missing."
)


class UnfitMapping(ConfigError):
    """A mapping that does not fit its site: nothing is read or written through it."""


def preflight(source: Any, *, writes: bool = True) -> list[Problem]:
    """The problems (notes left out) that make writing through this source unsafe: a field
    the mapping names that is missing, ambiguous or only a case-variant or near miss of one,
    a field of a type its reader or write-back role cannot use, a write-back field the mapping
    also reads, a missing select option.

    Costs no call beyond `connect` (GET /field; Airtable's schema, kept from the last run where
    there is one), except Jira's likelihood options (two calls) when `writes`, and the
    contexts of fields that share a name; a Jira mapping found fit is not asked again while
    the source keeps its connection (a daemon keeps it until its daily full sync)."""
    if isinstance(source, JiraSource):
        source.ensure_connected()  # a new connection forgets the last check (`fitness`)
        if writes in source.fitness:  # fit when last checked on this connection: no calls
            return list(source.fitness[writes])
        problems = check_jira(
            source.mapping,
            jira_schema(live.jira_fields(source), (), (), ()),
            options=(lambda fid: live.jira_options(source, fid)) if writes else lambda _fid: None,
            fields_only=True,
            contexts=lambda fid: live.jira_contexts(source, fid),
        )
        if not [problem for problem in problems if not problem.note]:
            source.fitness[writes] = []  # an unfit one is checked again each run, once fixed
    elif isinstance(source, AirtableSource):
        if not source.schema:  # the schema the last run kept, if any: a no-change sync stays at
            source.connect(fresh=False)  # one request a table (a full read fetches it afresh)
        schema = live.read_airtable_schema(source)
        problems = check_airtable(source.mapping, schema, base=source.config.base)
    else:
        raise TypeError(f"no mapping check for a source of type {type(source).__name__}")
    return [problem for problem in problems if not problem.note]


def refusal(unfit: Mapping[str, tuple[Any, list[Problem]]]) -> UnfitMapping:
    """One error for every unfit source (name -> (source, problems)), each problem a line
    naming the mapping file and key, with what to do."""
    lines = [
        f"  {source.mapping.origin}: {problem.line()}"
        for source, problems in unfit.values()
        for problem in problems
    ]
    names = ", ".join(f"sources.{name}" for name in unfit)
    return UnfitMapping(
        "the mapping does not fit the site, so nothing was read or written:\n" + "\n".join(lines),
        where=names,
        fix=FIX,
    )
