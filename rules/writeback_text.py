"""The text written back onto a ticket: likelihood option, rationale and rubric gaps, size-bound.

Pure and deterministic: the same assessment and findings give the same text, so a second sync
with nothing changed writes nothing. Texts hold whole lines; what does not fit becomes a last
line "… and N more" rather than a cut in mid-word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rules.model import RUBRIC_CRITERIA, Assessment, Finding, Rating, RubricRating

JIRA_LIMIT = 32_767  # a Jira paragraph (textarea) field
AIRTABLE_LIMIT = 100_000  # an Airtable long text field


def rationale_text(assessment: Assessment, limit: int = JIRA_LIMIT) -> str:
    """A line per judgement, a line per cap, then the problem-solving level and the team's rating.

    No dates of the run and no 'previous' rating: those change at every run and would make
    every sync write.
    """
    lines = list(assessment.rationale_lines)
    if assessment.problem_reason:
        lines.append(f"Problem solving: {assessment.problem_reason}")
    if assessment.team_rating is not None:
        lines.append(f"Team's own rating: {assessment.team_rating.option}")
    return fit(lines, limit)


def gaps_text(
    findings: Iterable[Finding],
    rubric_ratings: Iterable[RubricRating] = (),
    limit: int = JIRA_LIMIT,
) -> str:
    """The rubric criteria below Green (for a priority), then the findings on the ticket.

    Findings come most severe first, then by code, key, field and message; each reads
    `RD108 owner-multiple: <message> — Fix: <fix>`. Empty when there is nothing to say.
    """
    rubric = sorted(
        (r for r in rubric_ratings if r.rating < Rating.GREEN),
        key=lambda r: (r.priority_key, _criterion_order(r.criterion), r.criterion),
    )
    lines = [_rubric_line(r) for r in rubric]
    ordered = sorted(
        findings, key=lambda f: (f.severity.rank, f.code, f.key, f.field or "", f.message)
    )
    lines += [_one_line(f"{f.code} {f.name}: {f.message} — Fix: {f.fix}") for f in ordered]
    return fit(list(dict.fromkeys(lines)), limit)


def _criterion_order(criterion: str) -> int:
    return (
        RUBRIC_CRITERIA.index(criterion) if criterion in RUBRIC_CRITERIA else len(RUBRIC_CRITERIA)
    )


def _rubric_line(rating: RubricRating) -> str:
    codes = f" ({', '.join(sorted(set(rating.codes)))})" if rating.codes else ""
    return f"Rubric {rating.criterion}: {rating.rating.option}{codes}"


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
