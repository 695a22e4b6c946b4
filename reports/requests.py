"""Update requests before a stock take, and the missed updates at it (Rule 7: the data lead
keeps data on progress up to date; accountable leaders drive the follow-ups).

A need is one thing a person must do in their own tool before the stock take: enter a
measurement that is due or stale, close or re-plan a milestone that is overdue or falls due by
then, fix an error finding on an item they own, or say why a rating fell. Each names its
ticket and the fix. What was requested and is still needed at the stock take is missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mappings.model import Indicator, Milestone, Person, Target
from reports.model import MissedUpdate, ReportData
from reports.scope import Scope
from rules.model import Rating, Severity
from rules.trajectory import latest_on

KINDS = ("measurement", "milestone", "finding", "rating")  # the order a request lists them in
KIND_TITLES = {
    "measurement": "Measurements due or stale",
    "milestone": "Milestones overdue or due before the stock take",
    "finding": "Errors on items you own",
    "rating": "Ratings that fell",
}


@dataclass(frozen=True)
class Need:
    """One line of an update request: what is wrong on which ticket, and the fix."""

    kind: str  # one of KINDS
    key: str  # the ticket or record to open
    name: str
    url: str | None
    what: str
    fix: str
    code: str = ""  # a finding's rule code: two findings on one ticket are two needs

    @property
    def ident(self) -> str:
        """Stable across runs: a request's line is found again at the stock take by it."""
        return f"{self.kind}:{self.key}:{self.code}"


@dataclass(frozen=True)
class Request:
    """One person's list for one priority's stock take."""

    person: Person
    priority_key: str
    priority_name: str
    stocktake_on: date
    needs: tuple[Need, ...]

    def by_kind(self) -> list[tuple[str, list[Need]]]:
        return [
            (KIND_TITLES[kind], [n for n in self.needs if n.kind == kind])
            for kind in KINDS
            if any(n.kind == kind for n in self.needs)
        ]


def update_requests(data: ReportData, priority_key: str, stocktake_on: date) -> list[Request]:
    """Every person with something to do before `priority_key`'s stock take, with their list
    (people in the order of their names; lines in KINDS order, then by key)."""
    scope = Scope(data)
    if priority_key not in scope.plans:
        return []
    lists: dict[str, tuple[Person, dict[str, Need]]] = {}
    for person, need in _needs(scope, priority_key, stocktake_on):
        found = lists.setdefault(person.id, (person, {}))
        found[1].setdefault(need.ident, need)
    name = scope.name(priority_key)
    requests = [
        Request(
            person,
            priority_key,
            name,
            stocktake_on,
            tuple(sorted(needs.values(), key=lambda n: (KINDS.index(n.kind), n.key, n.code))),
        )
        for person, needs in lists.values()
    ]
    return sorted(requests, key=lambda r: (r.person.label.casefold(), r.person.id))


def _needs(scope: Scope, priority_key: str, on: date) -> list[tuple[Person, Need]]:
    found: list[tuple[Person, Need]] = []
    plan = scope.plans[priority_key]
    keys = {e.key for e in plan}
    for entity in plan:
        if isinstance(entity, Target):
            found += _measurement(scope, entity, on)
        elif isinstance(entity, Milestone):
            found += _milestone(scope, entity, on)
    for finding in scope.findings_on(keys):
        if finding.severity == Severity.ERROR:
            need = Need(
                "finding",
                finding.key,
                scope.name(finding.key),
                scope.url(finding.key),
                f"{finding.message} ({finding.code})",
                finding.fix,
                finding.code,
            )
            found += [(p, need) for p in scope.leaders(finding.key)]
    for key in sorted(keys):
        found += _fell(scope, key)
    return found


def _measurement(scope: Scope, target: Target, on: date) -> list[tuple[Person, Need]]:
    """A target whose indicator has no reading, or one that is stale by the stock take: the
    data lead (the indicator's owner; else the target's leader) enters the latest value."""
    indicator = scope.arch.indicator_of(target)
    if indicator is None:
        return []
    fresh = scope.data.thresholds.freshness_days
    latest = latest_on(scope.arch.series(indicator.key), scope.today)
    if latest is not None and (on - latest.at).days <= fresh:
        return []
    if latest is None:
        what = "No measurement recorded yet"
    else:
        age = (on - latest.at).days
        what = (
            f"Latest value {latest.value:g} is from {latest.at.isoformat()}: {age} days old by "
            f"the stock take (fresh for {fresh} days)"
        )
    need = Need(
        "measurement",
        indicator.key,
        indicator.name,
        scope.url(indicator.key),
        what,
        f"Enter the latest value of {_quoted(indicator)} (with its date) before "
        f"{on.isoformat()}, for target {target.key}.",
    )
    owners = indicator.owners or scope.leaders(target.key)
    return [(p, need) for p in owners]


def _quoted(indicator: Indicator) -> str:
    return f"“{indicator.name}”" if indicator.name else indicator.key


def _milestone(scope: Scope, milestone: Milestone, on: date) -> list[tuple[Person, Need]]:
    if milestone.done or milestone.due is None or milestone.due > on:
        return []
    days = (milestone.due - scope.today).days
    when = (
        f"Overdue by {-days} days (due {milestone.due.isoformat()})"
        if days < 0
        else f"Due {milestone.due.isoformat()}, before the stock take"
    )
    need = Need(
        "milestone",
        milestone.key,
        milestone.name,
        scope.url(milestone.key),
        when,
        "Mark it done if it is; else set the date it will be done and say in the ticket what "
        "holds it up.",
    )
    return [(p, need) for p in scope.leaders(milestone.key)]


def _fell(scope: Scope, key: str) -> list[tuple[Person, Need]]:
    before, now = scope.previous(key), scope.likelihood(key)
    if before is None or now is None or now >= before:
        return []
    need = Need(
        "rating",
        key,
        scope.name(key),
        scope.url(key),
        f"Delivery likelihood fell from {Rating(before).label} to {Rating(now).label}",
        "Bring the evidence up to date, and write in the ticket what changed and what will "
        "bring the rating back, for the stock take to discuss.",
    )
    return [(p, need) for p in scope.leaders(key)]


def missed_updates(data: ReportData, requested: list[dict[str, object]]) -> list[MissedUpdate]:
    """The requested lines still needed now: `requested` holds what each request carried
    (priority, stocktake_on, person_id, person, items: [ident], sent_on), as the write ledger
    kept it. Listed by person, then priority and key."""
    current: dict[tuple[str, str], dict[str, dict[str, Need]]] = {}
    missed: list[MissedUpdate] = []
    for sent in requested:
        priority, on = str(sent["priority"]), date.fromisoformat(str(sent["stocktake_on"]))
        slot = (priority, on.isoformat())
        if slot not in current:
            current[slot] = {
                r.person.id: {n.ident: n for n in r.needs}
                for r in update_requests(data, priority, on)
            }
        still = current[slot].get(str(sent["person_id"]), {})
        items = sent.get("items")
        for ident in items if isinstance(items, list) else []:
            need = still.get(str(ident))
            if need is None:
                continue
            missed.append(
                MissedUpdate(
                    person=str(sent["person"]),
                    person_id=str(sent["person_id"]),
                    priority_key=priority,
                    stocktake_on=on,
                    key=need.key,
                    name=need.name,
                    kind=need.kind,
                    what=need.what,
                    fix=need.fix,
                    requested_on=_day(sent.get("sent_on")),
                )
            )
    return sorted(missed, key=lambda m: (m.person.casefold(), m.priority_key, m.key, m.kind))


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def subject(request: Request) -> str:
    count = len(request.needs)
    return (
        f"Before the {request.priority_key} stock take on {request.stocktake_on.isoformat()}: "
        f"{count} update{'s' if count != 1 else ''} needed"
    )


def render_html(request: Request, today: date, tool: str = "Jira") -> str:
    """The e-mail's HTML: inline styles only, as mail clients drop style sheets."""
    from reports.html import environment

    template = environment().get_template("update-request.html.j2")
    return template.render(
        request=request,
        subject=subject(request),
        days=(request.stocktake_on - today).days,
        sent_on=today,
        tool=tool,
    )


def render_text(request: Request, today: date, tool: str = "Jira") -> str:
    """The plain-text part (and the body of a comment): the same lines, the links spelled out."""
    days = (request.stocktake_on - today).days
    lines = [
        f"Dear {request.person.label},",
        "",
        f"The stock take of {request.priority_key} {request.priority_name} is on "
        f"{request.stocktake_on.isoformat()}, in {days} day{'s' if days != 1 else ''}. Please "
        f"update these items in {tool} before then:",
    ]
    for title, needs in request.by_kind():
        lines += ["", f"{title}:"]
        for need in needs:
            lines.append(f"- {need.key} {need.name}: {need.what}. Fix: {need.fix}")
            if need.url:
                lines.append(f"  {need.url}")
    lines += ["", "What is still open at the stock take is listed in its pack as missed."]
    return "\n".join(lines) + "\n"
