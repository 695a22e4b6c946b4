"""What would most raise an item's likelihood: the one to three actions its ticket opens with.

An item's rating is held down by its weakest judgements, by the error findings on its parts
(each caps it), and by the weakest items below it (their ratings roll up). So the candidates are:
- each finding on the item's parts, ranked by the rating of the weakest judgement it weighs on
  (an error: no higher than the item's own rating, which it caps);
- the actions of the items below it, ranked by that item's rating: fixing the weakest target or
  strategy is what lifts an outcome or a priority;
- when nothing is found that explains the weakest judgement, that judgement itself, with the
  evidence it quotes (a target that needs nine times its historical pace has no gap to fix, only
  a trend to bend).
Candidates sort by that rating (reddest first), errors before warnings, the item's own before
those below, then by ticket key; each names the ticket the action is on.
"""

from __future__ import annotations

from typing import NamedTuple

from rules.engine import natural_key
from rules.judgements import CAPACITY, CHALLENGE, EVIDENCE, PLANNING, STAGE, rule_words
from rules.model import LABELS, Assessment, Finding, Severity
from rules.tickets import Tickets, department_wide

LEVERS = 3  # the things a ticket opens with
# The judgements a finding weighs on besides Quality of planning (which counts every finding
# but the routine ones, RD4xx): the evidence each judgement reads, as docs/likelihood.md says.
WEIGHS: dict[str, tuple[str, ...]] = {
    "RD103": (EVIDENCE,),
    "RD105": (CAPACITY, STAGE),
    "RD106": (CHALLENGE, EVIDENCE),
    "RD201": (CHALLENGE,),
    "RD202": (CHALLENGE,),
    "RD203": (EVIDENCE,),
    "RD204": (CHALLENGE, EVIDENCE),
    "RD205": (EVIDENCE,),
    "RD206": (CHALLENGE,),
    "RD207": (CHALLENGE, EVIDENCE),
    "RD301": (STAGE,),
    "RD303": (STAGE,),
    "RD304": (STAGE,),
    "RD305": (CAPACITY,),
    "RD306": (CAPACITY,),
    "RD401": (CAPACITY, STAGE, EVIDENCE),
    "RD402": (EVIDENCE,),
    "RD404": (CAPACITY,),
    "RD108": (CAPACITY,),
    "RD107": (CAPACITY,),
}
_SEVERITY = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 3}
_FROM_TARGETS = frozenset({CHALLENGE, EVIDENCE})  # what a strategy's targets feed it
_FALLBACK = 2  # a judgement named for want of a finding: after the findings of its rating


class Lever(NamedTuple):
    """One action: its rank (rating it lifts, severity, depth below the item, the ticket's
    order, the rule), the ticket it is on, what is wrong and what to do."""

    rank: tuple[int, int, int, tuple[tuple[int, int | str], ...], str]
    key: str
    what: str
    action: str


class Levers:
    """The levers of every rated item of a run, each item's worked out once."""

    def __init__(self, tickets: Tickets) -> None:
        self.tickets = tickets
        self._found: dict[str, list[Lever]] = {}

    def lines(self, key: str, limit: int = LEVERS) -> list[str]:
        """The item's top levers as its ticket writes them, each naming the ticket it is on."""
        label = self.tickets.label
        return [
            f"{label(lever.key, key)}: {lever.what}. {_sentence(lever.action)}"
            for lever in self.of(key)[:limit]
        ]

    def of(self, key: str) -> list[Lever]:
        """The item's levers, best first (none for a Green or unrated item)."""
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._work_out(key)
        return found

    def _work_out(self, key: str) -> list[Lever]:
        tickets = self.tickets
        rated = tickets.assessments.get(key)
        if rated is None or rated.likelihood >= 4:
            return []
        judged = {name: rating for name, rating, _ in rated.judged}
        candidates = self._own_findings(key, rated)
        for child in tickets.below(key):
            below = tickets.assessments[child].likelihood
            acts = [lever for lever in self.of(child) if lever.rank[1] != _FALLBACK]
            for lever in acts[:LEVERS]:  # a child's weak judgement is its own to explain
                candidates.append(_deeper(lever, int(below)))
        if rated.kind == "strategy":  # its challenge and evidence are its targets'
            for target in tickets.driven(key):
                driven = tickets.assessments.get(target)
                if driven is not None and driven.likelihood < 4:
                    candidates += [
                        lever
                        for lever in self._own_findings(target, driven, deeper=True)
                        if _FROM_TARGETS.intersection(WEIGHS.get(lever.rank[4], ()))
                    ]
        unique: dict[tuple[str, str], Lever] = {}
        for lever in sorted(candidates):
            unique.setdefault((lever.key, lever.what), lever)
        found = [lever for lever in unique.values() if lever.rank[1] < _SEVERITY[Severity.INFO]]
        # Named for want of enough actions, last: the weakest judgement and its evidence (a
        # trend to bend has no gap to fix). An outcome's or priority's judgements are its
        # children's, whose actions say more.
        if not found or (rated.kind in ("target", "strategy") and len(found) < LEVERS):
            weakest = min(judged.values(), default=4)
            found += _judgement_levers(key, rated.judged, weakest)
        return found

    def _own_findings(self, key: str, rated: Assessment, deeper: bool = False) -> list[Lever]:
        """A lever for each finding on the item's parts (a department-wide one is the
        department's to settle, not the item's)."""
        own = int(rated.likelihood)
        judged = {name: rating for name, rating, _ in rated.judged}
        found = [
            _finding_lever(f, own, judged)
            for part in self.tickets.parts(key)
            for f in self.tickets.on.get(part, ())
            if not department_wide(f.code)
        ]
        return [_deeper(lever, own) for lever in found] if deeper else found


def _deeper(lever: Lever, rating: int) -> Lever:
    """A lever of an item below, ranked by that item's rating, one level further down."""
    worst, severity, depth, order, code = lever.rank
    return lever._replace(rank=(max(rating, worst), severity, depth + 1, order, code))


def _finding_lever(finding: Finding, own: int, judged: dict[str, int]) -> Lever:
    names = WEIGHS.get(finding.code, ())
    if not finding.code.startswith("RD4"):
        names = (*names, PLANNING)
    rating = min((judged[name] for name in names if name in judged), default=4)
    if finding.severity is Severity.ERROR:
        rating = min(rating, own)  # an error caps the item's rating: lifting it lifts the item
    rank = (rating, _SEVERITY[finding.severity], 0, natural_key(finding.key), finding.code)
    return Lever(rank, finding.key, rule_words(finding.code, finding.name), finding.fix)


def _judgement_levers(
    key: str, judged: tuple[tuple[str, int, str], ...], weakest: int
) -> list[Lever]:
    return [
        Lever(
            (rating, _FALLBACK, 0, natural_key(key), name),
            key,
            f"{name} is {LABELS[rating]}",
            text,
        )
        for name, rating, text in judged
        if rating == weakest
    ][:1]


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


__all__ = ["LEVERS", "WEIGHS", "Lever", "Levers"]
