"""Why a rating changed, for the comment that announces it: the assessment the ticket showed
(the latest stored one with the rating the ticket holds, so that a run whose write did not land
changes nothing), that run's findings and ratings, put beside this run's; `rules.changes`
words it."""

from __future__ import annotations

import copy
from datetime import date, datetime
from functools import cached_property

from connector.sources.base import Patch, Source
from connector.sync.keys import KeyScope, by_architecture
from connector.sync.state import StateStore
from mappings.graph import Architecture
from rules.changes import Before, explain
from rules.model import Assessment, Finding, Rating
from rules.tickets import Tickets


class RatingChanges:
    """Explains the rating changes of one run's patches; reads the store only for those."""

    def __init__(
        self,
        store: StateStore,
        arch: Architecture,
        findings: list[Finding],
        assessments: dict[str, Assessment],
        today: date,
        last: tuple[int, list[Finding]] | None = None,
    ) -> None:
        self.store = store
        self.last = last  # (run, findings) the daemon kept of the last committed run
        self.arch = arch
        self.today = today
        self.findings, self.assessments = findings, assessments
        self._runs: dict[int, Before] = {}  # by run: what it knew, its findings indexed once

    @cached_property
    def tickets(self) -> Tickets:
        """The run's index of tickets, made when a comment is explained (most runs: none)."""
        return Tickets(self.arch, self.findings, self.assessments)

    @cached_property
    def keys(self) -> dict[str, str]:
        return {key: entity.source for key, entity in self.arch.entities.items()}

    def annotate(self, patches: list[Patch], sources: dict[str, Source], scope: KeyScope) -> None:
        """Add to each comment a source will post the lines that say why its rating changed
        (before its token is taken from it)."""
        for index, patch in enumerate(patches):
            source = sources[patch.source]
            if not patch.comment or source.planned_comment(patch) is None:
                continue  # no comment, or a tool that posts none (Airtable)
            key = scope.key(patch.source, patch.key)
            options = source.mapping.writeback.options
            shown = options.rating_of(patch.before.get("likelihood") or "")
            why = self.why(patch.source, patch.key, key, shown)
            if why:
                why = scope.local(patch.source, why)
                patches[index] = patch.model_copy(update={"comment": f"{patch.comment}\n{why}"})

    def why(self, source: str, plain: str, key: str, shown: int | None) -> str | None:
        """Why `key`'s rating moved from the one its ticket shows (`shown`), or None when no
        earlier assessment of it is stored."""
        found = self.store.assessment_shown(source, plain, shown)
        if found is None:
            return None
        run_id, before = found
        known = copy.copy(self._run(run_id))  # a shallow copy: the run's index is shared
        known.assessments = {key: before}
        return explain(key, self.tickets, known, self.today)

    def _run(self, run_id: int) -> Before:
        """An earlier run's ratings and findings (indexing its findings took 2 ms a comment
        when made again for each, at 3,000 issues; the last run's findings, which most
        comments compare with, are taken as the daemon kept them: reading back every finding
        of a run took 0.1-0.2 s at 10,000 issues)."""
        found = self._runs.get(run_id)
        if found is None:
            ratings: dict[str, Rating] = by_architecture(self.store.run_ratings(run_id), self.keys)
            info = self.store.run_info(run_id)
            started = datetime.fromisoformat(info.started_at) if info else None
            findings: list[Finding] = (
                self.last[1]
                if self.last is not None and self.last[0] == run_id
                else self.store.run_findings(run_id)
            )
            found = self._runs[run_id] = Before({}, ratings, findings, started)
        return found
