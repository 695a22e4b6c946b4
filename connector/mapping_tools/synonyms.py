"""The names sites give our entity kinds, attributes, write-back fields and link types, and
matching a site's names against them (pure)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

STRONG, WEAK = 1.0, 0.7

# Entity kind -> names of issue types or tables that hold it; (name, strength).
KIND_SYNONYMS: dict[str, tuple[tuple[str, float], ...]] = {
    "priority": (
        ("priority", STRONG),
        ("initiative", STRONG),
        ("theme", STRONG),
        ("strategic priority", STRONG),
        ("commitment", WEAK),
        ("portfolio", WEAK),
    ),
    "outcome": (("outcome", STRONG), ("objective", STRONG), ("goal", STRONG), ("aim", WEAK)),
    "indicator": (
        ("indicator", STRONG),
        ("kpi", STRONG),
        ("metric", STRONG),
        ("measure", STRONG),
        ("key performance indicator", STRONG),
        ("performance measure", STRONG),
    ),
    "target": (("target", STRONG), ("key result", STRONG), ("benchmark", WEAK)),
    "strategy": (
        ("strategy", STRONG),
        ("epic", STRONG),
        ("programme", STRONG),
        ("program", STRONG),
        ("workstream", STRONG),
        ("project", WEAK),
        ("intervention", WEAK),
    ),
    "milestone": (
        ("milestone", STRONG),
        ("deliverable", STRONG),
        ("story", WEAK),
        ("user story", WEAK),
        ("task", WEAK),
    ),
    "risk": (("risk", STRONG), ("threat", STRONG), ("raid", WEAK), ("issue", WEAK)),
}

# Attribute -> names of fields that hold it. System fields are matched by their names too.
ATTRIBUTE_SYNONYMS: dict[str, tuple[tuple[str, float], ...]] = {
    "owners": (
        ("accountable owner", STRONG),
        ("senior responsible owner", STRONG),
        ("sro", STRONG),
        ("accountable", STRONG),
        ("owner", STRONG),
        ("accountable lead", STRONG),
        ("executive sponsor", WEAK),
        ("sponsor", WEAK),
        ("lead", WEAK),
    ),
    "department": (
        ("department", STRONG),
        ("business unit", STRONG),
        ("ministry", STRONG),
        ("directorate", STRONG),
        ("division", STRONG),
        ("branch", WEAK),
        ("organisation", WEAK),
        ("organization", WEAK),
    ),
    "team_rating": (
        ("team rating", STRONG),
        ("team likelihood", STRONG),
        ("self assessment", STRONG),
        ("delivery confidence", WEAK),
        ("confidence", WEAK),
    ),
    "salient": (
        ("politically salient", STRONG),
        ("political salience", STRONG),
        ("salient", STRONG),
        ("high profile", WEAK),
    ),
    "agreed_rating": (
        ("agreed likelihood", STRONG),
        ("agreed rating", STRONG),
        ("stock take rating", STRONG),
        ("agreed", WEAK),
    ),
    "agreed_on": (("agreed on", STRONG), ("date agreed", STRONG), ("stock take date", STRONG)),
    "agreed_note": (("agreed note", STRONG), ("stock take note", STRONG)),
    "unit": (("unit", STRONG), ("unit of measure", STRONG), ("uom", STRONG), ("units", STRONG)),
    "data_source": (
        ("data source", STRONG),
        ("source system", STRONG),
        ("source", WEAK),
        ("data provider", STRONG),
    ),
    "current_value": (
        ("current value", STRONG),
        ("actual", STRONG),
        ("actual value", STRONG),
        ("current", STRONG),
        ("latest value", STRONG),
        ("measured value", STRONG),
        ("value", WEAK),
    ),
    "baseline_value": (
        ("baseline value", STRONG),
        ("baseline", STRONG),
        ("starting value", STRONG),
    ),
    "baseline_date": (("baseline date", STRONG), ("baseline as of", STRONG)),
    "target_value": (("target value", STRONG), ("target", STRONG), ("goal value", STRONG)),
    "target_date": (("target date", STRONG), ("goal date", STRONG), ("deadline", WEAK)),
    "direction": (
        ("direction", STRONG),
        ("desired trend", STRONG),
        ("desired direction", STRONG),
        ("polarity", STRONG),
        ("trend", WEAK),
    ),
    "trajectory": (
        ("trajectory", STRONG),
        ("glidepath", STRONG),
        ("glide path", STRONG),
        ("interim targets", STRONG),
    ),
    "start_date": (("start date", STRONG), ("start", STRONG), ("begin date", STRONG)),
    "end_date": (("end date", STRONG), ("due date", STRONG), ("finish date", STRONG)),
    "rationale": (
        ("rationale", STRONG),
        ("theory of action", STRONG),
        ("theory of change", STRONG),
        ("business case", STRONG),
        ("justification", STRONG),
    ),
    "scale": (("scale", STRONG), ("reach", WEAK), ("scope", WEAK)),
    "resources": (
        ("resources", STRONG),
        ("resourcing", STRONG),
        ("budget", STRONG),
        ("funding", WEAK),
    ),
    "success_definition": (
        ("definition of success", STRONG),
        ("success criteria", STRONG),
        ("success measures", STRONG),
        ("success definition", STRONG),
    ),
    "delivery_chain": (
        ("delivery chain", STRONG),
        ("delivery partners", STRONG),
        ("delivery model", WEAK),
    ),
    "impact": (("impact", STRONG), ("estimated impact", STRONG)),
    "difficulty": (("difficulty", STRONG), ("complexity", STRONG), ("effort", WEAK)),
    "due": (("due date", STRONG), ("due", STRONG), ("deadline", STRONG)),
    "mitigation": (
        ("mitigation", STRONG),
        ("mitigation plan", STRONG),
        ("mitigations", STRONG),
        ("risk response", STRONG),
        ("response", WEAK),
    ),
}

WRITEBACK_SYNONYMS: dict[str, tuple[tuple[str, float], ...]] = {
    "likelihood": (
        ("delivery likelihood", STRONG),
        ("likelihood of delivery", STRONG),
    ),  # never a bare "Likelihood": a risk register's field of that name belongs to the team
    "rationale": (("likelihood rationale", STRONG), ("rationale for likelihood", STRONG)),
    "gaps": (("rubric gaps", STRONG), ("planning gaps", STRONG)),
    "assessed": (("last assessed", STRONG), ("likelihood assessed", STRONG)),
}
WRITEBACK_DEFAULTS = {
    "likelihood": "Delivery likelihood",
    "rationale": "Likelihood rationale",
    "gaps": "Rubric gaps",
    "assessed": "Last assessed",
}

# Link phrases for "a strategy drives a target", each with the side it reads from.
DRIVES_PHRASES = ("drives", "contributes to", "supports", "moves", "delivers", "impacts")
DRIVEN_PHRASES = ("is driven by", "is contributed to by", "is supported by", "is delivered by")

_WORD = re.compile(r"[a-z0-9]+")
TYPO_CUTOFF = 0.9  # "Acountable owner" is a typo of "Accountable owner"; "Start date" of nothing


def normal(name: str) -> str:
    """Lower-case words, each singular: "KPIs" and "kpi" match, "Priorities" and "priority"."""
    words = []
    for word in _WORD.findall(name.casefold()):
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
        words.append(word)
    return " ".join(words)


@dataclass(frozen=True)
class Match:
    """How well a site's name matches one of our names, and why, for a comment."""

    score: float
    synonym: str
    how: str  # "is", "contains", "looks like"

    @property
    def evidence(self) -> str:
        if self.how == "is":
            return f"named '{self.synonym}'"
        if self.how == "contains":
            return f"its name contains '{self.synonym}'"
        return f"its name looks like '{self.synonym}'"


def match(name: str, synonyms: Iterable[tuple[str, float]]) -> Match | None:
    """The best match of a name against synonyms: whole name, whole words within it, or a
    close spelling; None when nothing matches."""
    wanted = normal(name)
    padded = f" {wanted} "
    best: Match | None = None
    for synonym, strength in synonyms:
        phrase = normal(synonym)
        if wanted == phrase:
            found = Match(strength, synonym, "is")
        elif f" {phrase} " in padded:
            found = Match(strength * 0.9, synonym, "contains")
        else:
            ratio = difflib.SequenceMatcher(None, wanted, phrase).ratio()
            if ratio < TYPO_CUTOFF:
                continue
            found = Match(strength * 0.8 * ratio, synonym, "looks like")
        if best is None or found.score > best.score:
            best = found
    return best
