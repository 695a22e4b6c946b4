"""The text written back onto a ticket: likelihood option, rationale and rubric gaps, size-bound.

Pure and deterministic: the same assessment and findings give the same text, so a second sync
with nothing changed writes nothing. Texts hold whole lines; what does not fit becomes a last
line "… and N more" rather than a cut in mid-word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rules.engine import natural_key
from rules.judgements import rule_words
from rules.model import LABELS, RUBRIC_CRITERIA, Assessment, Finding, Rating, RubricRating
from rules.registry import get_rule
from rules.rubric import CRITERIA

if TYPE_CHECKING:
    from rules.tickets import Tickets

JIRA_LIMIT = 32_767  # a Jira paragraph (textarea) field
AIRTABLE_LIMIT = 100_000  # an Airtable long text field
BULLET = "- "  # a list item: Jira Cloud gets a bullet list (ADF), Data Center's wiki one too


def rationale_text(
    assessment: Assessment, levers: Sequence[str] = (), limit: int = JIRA_LIMIT
) -> str:
    """The rating and what would most raise it, then a line per judgement with the evidence
    it quotes, the row of the decision table they met, then the problem-solving level, the
    team's own rating and the rating agreed at the stock take.

    No dates of the run and no 'previous' rating: those change at every run and would make
    every sync write.
    """
    option = assessment.likelihood.option
    if assessment.likelihood is Rating.GREEN:
        lines = [f"Rated {option}: on track; keep it there."]
    elif levers:
        lines = [f"Rated {option}. What would most raise it:"]
        lines += [BULLET + _one_line(lever) for lever in levers]
    else:
        lines = [f"Rated {option}: see the judgements below."]
    lines.append("The five judgements behind it:")
    lines += [
        f"{BULLET}{name}: {LABELS.get(int(rating), rating)} — {_one_line(text)}"
        for name, rating, text in assessment.judged
    ]
    if assessment.row:
        lines.append(f"How they combine (row {assessment.row}): {assessment.row_words}")
    if assessment.problem_reason:
        lines.append(f"Problem solving: {assessment.problem_reason}")
    if assessment.team_rating is not None:
        lines.append(f"Team's own rating: {assessment.team_rating.option}")
    if assessment.agreed is not None:
        lines.append(agreed_line(assessment))
    return fit(lines, limit)


def agreed_line(assessment: Assessment) -> str:
    """The stock take's rating beside ours: 'Agreed at the stock take on 2026-11-12: 4 - Green
    (its note)', and when newer evidence overtook it, that rdsync's rating stands."""
    agreed = assessment.agreed
    assert agreed is not None
    when = f" on {agreed.on}" if agreed.on is not None else " (no date given)"
    line = f"Agreed at the stock take{when}: {agreed.rating.option}"
    if agreed.note:
        line += f" ({_one_line(agreed.note)})"
    if not agreed.in_force:
        since = f"; new evidence since: {agreed.evidence}" if agreed.on and agreed.evidence else ""
        line += f"{since}; this rating stands until it is agreed again"
    return line


def gaps_text(ticket: str, tickets: Tickets, limit: int = JIRA_LIMIT) -> str:
    """What a ticket lacks, each line naming the ticket it is about: for a priority, the
    planning rubric's criteria below Green with the gaps behind each; then the findings
    written on this ticket (its own, and those of the indicators, milestones or risks that
    have no gaps field of their own), most severe first; then pointers to a department-wide
    finding written on another priority. Empty when there is nothing to say."""
    said = (tickets.written, tickets.pointers, tickets.rubric)
    if all(ticket not in found for found in said):  # most tickets: nothing to say, said fast
        return ""
    lines = rubric_lines(ticket, tickets)
    ordered = sorted(
        tickets.written.get(ticket, ()),
        key=lambda f: (f.severity.rank, f.code, f.key, f.field or "", f.message),
    )
    lines += [finding_line(f, ticket, tickets) for f in ordered]
    for finding, chosen in tickets.pointers.get(ticket, ()):
        what = _words(finding)
        lines.append(
            f"{what[0].upper()}{what[1:]}: written once for the department, on "
            f"{tickets.label(chosen, ticket)} ({finding.code})."
        )
    return fit(list(dict.fromkeys(lines)), limit)


def finding_line(finding: Finding, ticket: str, tickets: Tickets) -> str:
    """'DEL-37 "Minutes of activity…" has no data source. Fix: Fill in … (RD204)': the message
    naming its ticket (with its summary when it is another ticket's), the fix, the code."""
    what, key = _one_line(finding.message).rstrip("."), finding.key
    if key != ticket:
        label = tickets.label(key, ticket)
        if what.startswith(f"{key}: "):
            what = f"{label}: {what[len(key) + 2 :]}"
        elif what.startswith(f"{key} "):
            what = f"{label} {what[len(key) + 1 :]}"
        else:
            what = f"{label}: {what}"
    elif key not in what:
        what = f"{key}: {what}"
    if not what.startswith(key):  # a sentence, not a record id ("rec…"), opens in capitals
        what = what[:1].upper() + what[1:]
    return _one_line(f"{what}. Fix: {finding.fix} ({finding.code})")


def rubric_lines(ticket: str, tickets: Tickets) -> list[str]:
    """A priority's rubric criteria below Green, those with the same rating and the same gaps
    behind them on one line: 'Planning rubric, Aspiration: Red — outcome without indicator on
    DEL-66 "Every hospital publishes…"; target not time bound on DEL-64 "90% of…"'."""
    below = sorted(
        (r for r in tickets.rubric.get(ticket, ()) if r.rating < Rating.GREEN),
        key=lambda r: (_criterion_order(r.criterion), r.criterion),
    )
    if not below:
        return []
    in_plan = _plan_findings(ticket, tickets)
    merged: dict[tuple[int, str], list[str]] = defaultdict(list)
    for rating in below:
        merged[int(rating.rating), _behind(rating, in_plan, ticket, tickets)].append(
            rating.criterion
        )
    return [
        f"Planning rubric, {', '.join(criteria)}: {LABELS[value]} — {behind}"
        for (value, behind), criteria in sorted(
            merged.items(), key=lambda item: _criterion_order(item[1][0])
        )
    ]


def _plan_findings(priority: str, tickets: Tickets) -> dict[str, list[Finding]]:
    """The findings on a priority's plan, by rule code."""
    found: dict[str, list[Finding]] = defaultdict(list)
    if priority not in tickets.arch:
        return found
    for entity in tickets.arch.plan(priority):
        for finding in tickets.on.get(entity.key, ()):
            found[finding.code].append(finding)
    return found


def _behind(
    rating: RubricRating, in_plan: dict[str, list[Finding]], ticket: str, tickets: Tickets
) -> str:
    """The gaps behind a criterion's rating, by rule, each naming its tickets."""
    parts = []
    for code in sorted(set(rating.codes)):
        keys = sorted({f.key for f in in_plan.get(code, ())}, key=natural_key)
        if not keys:
            continue
        words = _words(in_plan[code][0])
        if len(keys) == 1:
            parts.append(f"{words} on {tickets.label(keys[0], ticket)}")
        else:
            shown = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
            parts.append(f"{words} on {shown}")
    if parts:
        return "; ".join(parts)
    looked_at = _looked_at(rating.criterion)
    return f"nothing in the plan of {ticket} to rate it by: no open {looked_at}"


def _looked_at(criterion: str) -> str:
    codes = CRITERIA.get(criterion, ())
    kinds = sorted({str(kind) for code in codes for kind in get_rule(code).kinds})
    return " or ".join(kinds) or "item"


def _words(finding: Finding) -> str:
    return rule_words(finding.code, finding.name)


def _criterion_order(criterion: str) -> int:
    return (
        RUBRIC_CRITERIA.index(criterion) if criterion in RUBRIC_CRITERIA else len(RUBRIC_CRITERIA)
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def more_line(count: int) -> str:
    return f"… and {count} more"


def fit(lines: Sequence[str], limit: int) -> str:
    """The lines joined by newlines within `limit` characters, whole lines only.

    Lines that do not fit are replaced by a line "… and N more". When not even the first line
    fits beside that marker, the first line is shortened at a word boundary and ends in "…".
    """
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    keep, used = 0, 0
    for line in lines:
        needed = used + len(line) + 1 + len(more_line(len(lines) - keep - 1))
        if needed > limit:
            break
        used += len(line) + 1
        keep += 1
    if keep:
        return "\n".join([*lines[:keep], more_line(len(lines) - keep)])
    rest = len(lines) - 1
    tail = f"\n{more_line(rest)}" if rest else ""
    first = shorten(lines[0], limit - len(tail))
    if first:
        return first + tail
    marker = more_line(len(lines))
    return marker if len(marker) <= limit else ""


def shorten(text: str, room: int) -> str:
    """`text` cut at the last word boundary so that it and a closing "…" fit `room`; '' if no
    whole word fits."""
    if len(text) <= room:
        return text
    if room < 2:
        return ""
    cut = text[: room - 1]
    space = cut.rfind(" ") if text[room - 1] != " " else len(cut)
    if space <= 0:
        return ""
    return cut[:space].rstrip() + "…"
