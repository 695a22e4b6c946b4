"""Write-back planning (pure): desired values minus what the tool holds = the patches to send."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from connector.sources.base import TEXT_ROLES, CurrentValues, Patch, Role
from mappings.config import WriteBack
from mappings.graph import Architecture
from mappings.model import Strict
from mappings.readers import ReadError, read_paragraph, read_select
from rules.levers import Levers
from rules.model import Assessment, Finding, RubricRating
from rules.tickets import Tickets
from rules.writeback_text import BULLET, gaps_text, rationale_text

_SPACES = re.compile(r"[ \t\u00a0]+")


class DesiredValues(Strict):
    """What rdsync wants a record's owned write-back fields to say (None: empty)."""

    likelihood: str | None = None  # the select option, e.g. "2 - Amber/Red"
    rationale: str | None = None
    gaps: str | None = None
    assessed: datetime
    only_gaps: bool = False  # a ticket of `writeback.gap_kinds`: its gaps, never a rating


def desired_values(
    arch: Architecture,
    findings: list[Finding],
    assessments: Mapping[str, Assessment],
    writeback: WriteBack,
    *,
    limit: int,
    now: datetime,
    rubric: Mapping[str, list[RubricRating]] | None = None,
    keys: Collection[str] | None = None,
) -> dict[str, DesiredValues]:
    """What each record of the write-back kinds should say: its likelihood, the rationale
    (what would most raise it, then the judgements), and its rubric gaps (the findings written
    on it, and for a priority its rubric below Green); a record of `gap_kinds` only its gaps.
    With `keys`, those items' alone (`connector.sync.wanted`: what a run's change can reach)."""
    tickets = Tickets(
        arch,
        findings,
        assessments,
        rubric,
        rated=writeback.kinds,
        gap_kinds=writeback.gap_kinds,
    )
    levers = Levers(tickets)
    desired = {}
    # Most tickets without a rating have no gaps either: they share one value (never changed
    # in place; `model_copy` makes a new one), not one model each.
    shared = {only: DesiredValues(assessed=now, only_gaps=only) for only in (False, True)}
    entities = arch.entities
    for key, entity in entities.items() if keys is None else ((k, entities[k]) for k in keys):
        only_gaps = entity.kind in writeback.gap_kinds
        if entity.kind not in writeback.kinds and not only_gaps:
            continue
        assessment = None if only_gaps else assessments.get(key)
        gaps = gaps_text(key, tickets, limit) or None
        if assessment is None:
            desired[key] = (
                DesiredValues(gaps=gaps, assessed=now, only_gaps=only_gaps)
                if gaps
                else shared[only_gaps]
            )
            continue
        desired[key] = DesiredValues(
            likelihood=writeback.options.option(int(assessment.likelihood)),
            rationale=rationale_text(assessment, levers.lines(key), limit),
            gaps=gaps,
            assessed=now,
        )
    return desired


def normalise_text(raw: Any) -> str:
    """Text as compared: ADF read as text, runs of spaces as one, blank lines and ends dropped,
    a list item's "- " dropped.

    Jira stores paragraphs as ADF (a list item reads back without its marker) and Airtable may
    trim; neither difference is a change.
    """
    if raw is None:
        return ""
    try:
        text = read_paragraph(raw) or ""
    except ReadError:
        return repr(raw)  # unreadable: never equal to what we want, so it gets rewritten
    # Once over the whole text, not line by line: a run of spaces never spans a line break.
    lines = _SPACES.sub(" ", text).splitlines()
    return "\n".join([line.removeprefix(BULLET) for line in map(str.strip, lines) if line])


def normalise_option(raw: Any) -> str:
    """A select value as compared: Jira `{"value": ...}` and Airtable strings alike."""
    if raw is None:
        return ""
    try:
        return read_select(raw) or ""
    except ReadError:
        return repr(raw)


def _normalised(role: Role, raw: Any) -> str:
    return normalise_option(raw) if role == "likelihood" else normalise_text(raw)


def plan_record(
    source: str,
    key: str,
    desired: DesiredValues,
    current: CurrentValues,
    field_names: Mapping[Role, str],
    *,
    comment_on_change: bool = True,
) -> Patch | None:
    """The patch for one record, or None when the tool already says what we would write."""
    changes: dict[Role, str | datetime | None] = {}
    before: dict[Role, str | None] = {}
    if desired.only_gaps:  # never a rating, a rationale or a time of assessment
        field_names = {role: name for role, name in field_names.items() if role == "gaps"}
    for role in TEXT_ROLES:
        if role not in field_names:
            continue
        want, have = getattr(desired, role), getattr(current, role)
        if have is None and (want is None or type(want) is str):
            # An empty field (every one, on a first sync): what rdsync wants reads as text
            # unless it is blank, and text is never blank once read (`normalise_text`).
            if want is not None and want.strip():
                changes[role], before[role] = want, None
        elif _normalised(role, want) != _normalised(role, have):
            changes[role] = want or None
            before[role] = _normalised(role, have) or None
    # `Last assessed` alone would change on every run: it travels only with a real change,
    # or once, on a record that has never been assessed.
    if "assessed" in field_names and (changes or current.assessed in (None, "")):
        changes["assessed"] = desired.assessed
    if not changes:
        return None
    return Patch(
        source=source,
        key=key,
        changes=changes,
        before=before,
        field_names={role: field_names[role] for role in changes},
        comment=_comment(before.get("likelihood"), desired) if comment_on_change else None,
    )


def _comment(previous: str | None, desired: DesiredValues) -> str | None:
    """A comment for a change from one rating to another (the first rating needs none). The
    run adds why it changed, in a few lines (`connector.sync.history`); never the whole
    rationale again."""
    if previous is None or desired.likelihood is None or previous == desired.likelihood:
        return None
    return f"Delivery likelihood changed from {previous} to {desired.likelihood}."


class Agreed:
    """The records last found saying what rdsync wanted, so that a run compares again only
    what can differ: `before` (key -> the record's digest and the wanted values' digest, from
    the last run) and, filled as this run plans, `now`. A record whose digest and wanted values
    are both as they were needs no patch again: `plan_record` is a function of just those and
    of the fields and the comment setting, by which `fields` keys the whole map. (Comparing
    reads each ticket's ADF back as text: most of the plan's time when 1% changed.)"""

    def __init__(
        self, fields: str, before: Mapping[str, tuple[str, str]], digests: Mapping[str, str]
    ) -> None:
        self.fields = fields
        self.before, self.digests = before, digests
        self.now: dict[str, tuple[str, str]] = {}
        self.compared = 0  # records compared this run (the others agreed as they did)
        self.unchanged: Collection[str] = ()  # keys whose wanted values are the last run's

    def wanted(self, key: str, desired: DesiredValues) -> str:
        """The digest of what the record should say (the last run's, when unchanged)."""
        held = self.before.get(key)
        if held is not None and key in self.unchanged:
            return held[1]
        return wanted_digest(desired)

    def agrees(self, key: str, wanted: str) -> bool:
        held = self.before.get(key)
        return held is not None and held == (self.digests.get(key), wanted)

    def keep(self, key: str, wanted: str) -> None:
        digest = self.digests.get(key)
        if digest is not None:
            self.now[key] = (digest, wanted)


def wanted_digest(desired: DesiredValues) -> str:
    """What a record should say, as a short digest (the time of assessment left out: it is
    written only beside a change)."""
    said = (desired.likelihood, desired.rationale, desired.gaps, desired.only_gaps)
    return hashlib.blake2b(repr(said).encode(), digest_size=16).hexdigest()


def fields_digest(field_names: Mapping[Role, str], comment_on_change: bool) -> str:
    return repr((sorted(field_names.items()), comment_on_change))


def plan_writeback(
    desired: Mapping[str, DesiredValues],
    current: Mapping[str, CurrentValues],
    field_names: Mapping[Role, str],
    *,
    source: str,
    comment_on_change: bool = True,
    agreed: Agreed | None = None,
    now: datetime | None = None,
) -> list[Patch]:
    """Patches, in key order, for the records whose owned fields differ from the desired values.

    Records missing from `current` (not read this run, or gone from the tool) get no patch:
    we write only onto what we have just seen. Roles missing from `field_names` are never
    written, so an unmapped field stays untouched. With `agreed`, a record that said last run
    what it should say this run, unchanged since, is not compared again. With `now`, a record
    compared is compared with its desired values as of `now` (kept ones carry the time of the
    run that worked them out; the time of assessment is written only beside a change).
    """
    patches = []
    if agreed is not None:
        fields = fields_digest(field_names, comment_on_change)
        if agreed.fields != fields:
            agreed.before = {}  # other fields or settings: every record compared afresh
        agreed.fields = fields
    for key in sorted(desired):
        if key not in current:
            continue
        wanted = None  # its digest, made only to compare with the last run's or to keep
        if agreed is not None and key in agreed.before:
            wanted = agreed.wanted(key, desired[key])
            if agreed.agrees(key, wanted):
                agreed.keep(key, wanted)
                continue
        if agreed is not None:
            agreed.compared += 1
        want = desired[key]
        if now is not None and want.assessed != now:
            want = want.model_copy(update={"assessed": now})
        patch = plan_record(
            source,
            key,
            want,
            current[key],
            field_names,
            comment_on_change=comment_on_change,
        )
        if patch is not None:
            patches.append(patch)
        elif agreed is not None:
            agreed.keep(key, agreed.wanted(key, desired[key]) if wanted is None else wanted)
    return patches
