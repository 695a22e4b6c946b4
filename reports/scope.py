"""What one report covers: its priorities and their plans, its findings, and who leads what."""

from __future__ import annotations

from mappings.graph import Architecture
from mappings.model import BaseEntity, DataProblem, Person, Priority
from reports.model import ReportData
from rules.engine import natural_key
from rules.model import Assessment, Finding, Rating

ASSESSED_KINDS = ("priority", "outcome", "target", "strategy")  # in the order reports show them
NO_OWNER = "No accountable owner"
UNLINKED = "Not linked to a priority"
WEB = ("https://", "http://")  # the only addresses a key links to
APPROACHES = {  # Rule 8, the manual's four levels of problem solving
    1: "Timely nudge",
    2: "Standard problem-solving",
    3: "Intensive problem-solving drive",
    4: "Crisis management",
}


class Scope:
    """The priorities of the report's department (or all), their plans, and look-ups over them.

    Every table and chart is built through a Scope, so that `--department` filters them all
    the same way. A strategy that drives targets of two priorities is placed under the priority
    `Architecture.priority_of` gives it (its first), and counted once.
    """

    def __init__(self, data: ReportData) -> None:
        self.data = data
        self.arch: Architecture = data.architecture
        self.today = data.today
        department = data.department
        self.priorities: list[Priority] = sorted(
            (p for p in self.arch.of_kind(Priority) if department in (None, p.department)),
            key=lambda p: natural_key(p.key),
        )
        self.plans: dict[str, list[BaseEntity]] = {
            p.key: self.arch.plan(p.key) for p in self.priorities
        }
        self._home: dict[str, str] = {}
        for priority in self.priorities:
            for entity in self.plans[priority.key]:
                self._home.setdefault(entity.key, priority.key)
        for key in self._home:
            primary = self.arch.priority_of(key)
            if primary is not None and primary.key in self.plans:
                self._home[key] = primary.key
        self._covered = set(self._home) | {
            e.key for e in self.arch.entities.values() if department in (None, e.department)
        }
        self.findings: list[Finding] = [f for f in data.findings if self.covers(f.key)]
        self.problems: list[DataProblem] = self._unreported_problems()
        self._urls: dict[str, str] | None = None

    def covers(self, key: str) -> bool:
        """Whether a key belongs to this report; with no department, everything does."""
        return self.data.department is None or key in self._covered

    def _unreported_problems(self) -> list[DataProblem]:
        """Data problems of the architecture that no RD9xx finding reports already."""
        reported = {(f.code, f.key) for f in self.findings}
        return [
            p for p in self.arch.problems if self.covers(p.key) and (p.code, p.key) not in reported
        ]

    # -- look-ups -------------------------------------------------------------------------

    def home(self, key: str) -> str | None:
        """The key of the priority whose plan an entity is shown under, if any."""
        return self._home.get(key)

    def entity(self, key: str) -> BaseEntity | None:
        return self.arch.get(key)

    def name(self, key: str) -> str:
        entity = self.arch.get(key)
        if entity is not None and entity.name:
            return entity.name
        assessment = self.data.assessments.get(key)
        return assessment.name if assessment is not None else ""

    def kind(self, key: str) -> str:
        entity = self.arch.get(key)
        if entity is not None:
            return str(entity.kind)
        assessment = self.data.assessments.get(key)
        return assessment.kind if assessment is not None else ""

    def leaders(self, key: str) -> list[Person]:
        """The accountable leaders of a key: its owners, else its nearest owned ancestor's."""
        entity = self.arch.get(key)
        if entity is None:
            return []
        if entity.owners:
            return list(entity.owners)
        for ancestor in self.arch.ancestors(key):
            if ancestor.owners:
                return list(ancestor.owners)
        return []

    def leader(self, key: str) -> str:
        """The leaders of a key as one label, or NO_OWNER."""
        return ", ".join(p.label for p in self.leaders(key)) or NO_OWNER

    def url(self, key: str) -> str | None:
        """The web address of a key's ticket or record; None unless it is http(s), so that no
        address a state store holds can run script or reach a file when a reader clicks it."""
        entity = self.arch.get(key)
        url = entity.url if entity is not None else None
        return url if url is not None and url.startswith(WEB) else None

    def urls(self) -> dict[str, str]:
        """Every key of the report that links to its ticket or record, with its address."""
        if self._urls is None:
            found = ((e.key, self.url(e.key)) for e in self.arch.entities.values())
            self._urls = {key: url for key, url in found if url is not None and self.covers(key)}
            for item in self.data.work or ():  # all work's tickets link too (reports.focus)
                if item.url is not None and item.url.startswith(WEB):
                    self._urls.setdefault(item.key, item.url)
        return self._urls

    def priority_name(self, key: str) -> str:
        home = self.home(key)
        return f"{home} {self.name(home)}" if home is not None else UNLINKED

    # -- ratings --------------------------------------------------------------------------

    def assessments(self) -> list[Assessment]:
        """The assessments in scope, by kind (priority first), then by natural key order."""
        found = [a for a in self.data.assessments.values() if self.covers(a.key)]
        return sorted(found, key=lambda a: (_kind_rank(a.kind), natural_key(a.key)))

    def assessment(self, key: str) -> Assessment | None:
        return self.data.assessments.get(key)

    def likelihood(self, key: str) -> Rating | None:
        assessment = self.data.assessments.get(key)
        return assessment.likelihood if assessment is not None else None

    def in_force(self, key: str) -> Rating | None:
        """The rating the portfolio views (counts, heat map) show: the one agreed at the stock
        take while no evidence is newer, else rdsync's own (`Assessment.rating_in_force`)."""
        assessment = self.data.assessments.get(key)
        return assessment.rating_in_force if assessment is not None else None

    def previous(self, key: str) -> Rating | None:
        """The likelihood at the previous report."""
        if key in self.data.previous:
            return self.data.previous[key]
        assessment = self.data.assessments.get(key)
        return assessment.previous if assessment is not None else None

    def team(self, key: str) -> Rating | None:
        """The team's own likelihood, where the mapping reads one."""
        if key in self.data.team_ratings:
            return self.data.team_ratings[key]
        assessment = self.data.assessments.get(key)
        if assessment is not None and assessment.team_rating is not None:
            return assessment.team_rating
        entity = self.arch.get(key)
        if entity is not None and entity.team_rating is not None:
            return Rating(entity.team_rating)
        return None

    def keys_of_kind(self, kind: str) -> list[str]:
        """The keys of the entities of one kind in scope, in natural order."""
        keys = [
            e.key for e in self.arch.entities.values() if str(e.kind) == kind and self.covers(e.key)
        ]
        return sorted(keys, key=natural_key)

    def findings_on(self, keys: set[str]) -> list[Finding]:
        """The findings on some keys, the most severe first."""
        found = [f for f in self.findings if f.key in keys]
        return sorted(found, key=lambda f: (f.severity.rank, f.code, natural_key(f.key)))


def _kind_rank(kind: str) -> int:
    return ASSESSED_KINDS.index(kind) if kind in ASSESSED_KINDS else len(ASSESSED_KINDS)
