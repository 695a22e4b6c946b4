"""`rdsync mapping discover` for Jira: a mapping skeleton guessed from a site's schema by name
and synonym, each guess with its evidence, the rest left for the admin (pure)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.mapping_tools.fitness import WANTS, WRITEBACK_TYPES, attribute_reader, reader_fit
from connector.mapping_tools.schema import JiraSchema, SiteField
from connector.mapping_tools.skeleton import Section, Skeleton
from connector.mapping_tools.synonyms import (
    ATTRIBUTE_SYNONYMS,
    DRIVEN_PHRASES,
    DRIVES_PHRASES,
    KIND_SYNONYMS,
    WRITEBACK_DEFAULTS,
    WRITEBACK_SYNONYMS,
    Match,
    match,
)
from mappings.config import RatingOptions, attributes_of
from mappings.model import PARENT_KIND, EntityKind

KINDS = list(EntityKind)
# Attributes read the same way for every kind, found once for the common [attributes].
COMMON_FOUND = ("owners", "department", "team_rating")
# Rule 8's salience and the rating agreed at a stock take: read for the rated kinds only, and
# optional (a site without them reads them as empty), so never "not matched".
STOCK_TAKE = ("salient", "agreed_rating", "agreed_on", "agreed_note")
RATED_KINDS = (EntityKind.PRIORITY, EntityKind.OUTCOME, EntityKind.TARGET, EntityKind.STRATEGY)
SALIENT_LABEL = {"field": "labels", "reader": "bool", "true_values": ["salient"]}
FACET_HINT = (
    "If this kind's fields live on another kind's issues (targets in fields of Epics), map it "
    "as a facet: see docs/admin-guide.md, 'Targets that live on Epics'."
)


@dataclass(frozen=True)
class Guess:
    """A site name chosen for one of ours, with the match that chose it."""

    name: str
    found: Match
    detail: str = ""  # e.g. "(hierarchy level 2)" or "(number)"

    @property
    def evidence(self) -> str:
        return f"{self.detail + ': ' if self.detail else ''}{self.found.evidence}"


def assign(
    wanted: Sequence[str],
    names: Sequence[str],
    synonyms: Mapping[str, tuple[tuple[str, float], ...]],
) -> dict[str, Guess]:
    """Each wanted item gets at most one name and each name one item, best matches first."""
    pairs = []
    for order, item in enumerate(wanted):
        for name in names:
            found = match(name, synonyms[item])
            if found is not None:
                pairs.append((-found.score, order, name, item, found))
    chosen: dict[str, Guess] = {}
    used: set[str] = set()
    for _score, _order, name, item, found in sorted(pairs, key=lambda p: p[:3]):
        if item not in chosen and name not in used:
            chosen[item] = Guess(name, found)
            used.add(name)
    return chosen


def best_field(
    fields: Iterable[SiteField], attribute: str, taken: Collection[str] = ()
) -> tuple[SiteField, Guess] | None:
    """The field most likely to hold an attribute: a synonym match whose type fits its reader
    (a type the reader only loosely reads counts for less)."""
    reader = attribute_reader(attribute)
    best: tuple[float, SiteField, Guess] | None = None
    for candidate in fields:
        fit = reader_fit(reader, candidate.type)
        if fit == "no" or candidate.id in taken:
            continue
        found = match(candidate.name, ATTRIBUTE_SYNONYMS.get(attribute, ()))
        if found is None:
            continue
        score = found.score * (1.0 if fit == "fits" else 0.6)
        if best is None or score > best[0]:
            best = (score, candidate, Guess(candidate.name, found, candidate.shown))
    return None if best is None else (best[1], best[2])


def field_ref(found: SiteField, schema_fields: Sequence[SiteField]) -> str:
    """How the mapping names a field: system fields by id, custom ones by name unless two
    fields share it (then by id, which never changes)."""
    if found.system:
        return found.id
    same = [f for f in schema_fields if f.name.casefold() == found.name.casefold()]
    return found.id if len(same) > 1 else found.name


def discover_jira(schema: JiraSchema, *, site: str, project: str | None) -> Skeleton:
    """The skeleton for a Jira site: kinds by issue type, attributes by field, relations by
    hierarchy level and link type, the measurement field, write-back fields."""
    skeleton = Skeleton(header=header(site), top=Section(""))
    skeleton.top.add("tool", "jira")
    jira = skeleton.section("jira")
    if project is not None:
        jira.add(
            "project", project, f"the project of the config; the site has: {_projects(schema)}"
        )
    else:
        jira.add("project", "", f"fill in one of: {_projects(schema)}", active=False)
    kinds = assign([k.value for k in KINDS], [t.name for t in schema.issue_types], KIND_SYNONYMS)
    _common(skeleton, schema)
    _relations(skeleton, schema, kinds)
    for kind in KINDS:
        _entity(skeleton, schema, kind, kinds.get(kind.value))
    _measurements(skeleton, schema, kinds)
    writeback(skeleton, schema.fields, kinds=list(kinds))
    return skeleton


def header(site: str) -> list[str]:
    return [
        f"rdsync mapping, written by `rdsync mapping discover` from {site}.",
        "",
        "Each guess ends with a comment saying why it was made: check them. What could not be",
        "matched is written as comments (lines starting with '# '), so this file loads as it",
        "is; fill those in or leave them out, then run `rdsync mapping check --config FILE`.",
        "docs/admin-guide.md explains every key.",
    ]


def _projects(schema: JiraSchema, shown: int = 8) -> str:
    """A few of the site's projects (a large site has hundreds)."""
    names = [f"{key} ({name})" for key, name in schema.projects.items()]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return (", ".join(names[:shown]) or "none") + more


def _common(skeleton: Skeleton, schema: JiraSchema) -> None:
    common = skeleton.section(
        "attributes", notes=["Read for every entity kind (an entity's own attributes override)."]
    )
    common.add("name", "summary", "the issue's summary")
    for attribute in COMMON_FOUND:
        found = best_field(schema.fields, attribute)
        if found is not None:
            ref = field_ref(found[0], schema.fields)
            common.add(attribute, ref, found[1].evidence)
        elif attribute == "owners":
            common.add("owners", "assignee", "no field is named like an owner: the assignee")
    common.add("status", "status", "the workflow status")
    common.add("done", "status", "true when the status category is Done")
    common.add("updated", "updated", "when the issue last changed")


def _levels(schema: JiraSchema, kinds: dict[str, Guess]) -> list[str]:
    """Parent/child pairs of mapped kinds whose issue types sit one hierarchy level apart."""
    pairs = []
    for child, parent in PARENT_KIND.items():
        below, above = (level_of(schema, kinds.get(k.value)) for k in (child, parent))
        if below and above and above[1] == below[1] + 1:
            pairs.append(f"{above[0]} (level {above[1]}) > {below[0]}")
    return pairs


def level_of(schema: JiraSchema, guess: Guess | None) -> tuple[str, int] | None:
    """An issue type's name and hierarchy level, when both are known."""
    found = schema.issue_type(guess.name) if guess is not None else None
    return (found.name, found.level) if found is not None and found.level is not None else None


def _relations(skeleton: Skeleton, schema: JiraSchema, kinds: dict[str, Guess]) -> None:
    relations = skeleton.section("relations", notes=["Relations for every kind."])
    pairs = _levels(schema, kinds)
    if pairs:
        relations.add(
            "parent", {"by": "parent"}, "issue types one level apart: " + "; ".join(pairs)
        )
    else:
        relations.add(
            "parent",
            {"by": "link", "link_type": "?", "direction": "inward"},
            "no hierarchy levels fit: relate by a link type; the site has: " + _link_types(schema),
            active=False,
        )
        skeleton.unmatched.append("relations.parent: no hierarchy; choose a link type")
    blocks = blocks_link(schema)
    if blocks is not None:  # optional: an item other priorities may wait on
        relations.add("blocks", blocks[0], blocks[1])


def blocks_link(schema: JiraSchema) -> tuple[dict[str, str], str] | None:
    """A link type that says "blocks" (Jira's own "Blocks" by default), read from the
    blocker's side, as a relation and its evidence."""
    for link in schema.link_types:
        for side, phrase in (("outward", link.outward), ("inward", link.inward)):
            if phrase.casefold() == "blocks":
                relation = {"by": "link", "link_type": link.name, "direction": side}
                return relation, f"link type '{link.name}' reads '{phrase}'"
    return None


def drives_link(schema: JiraSchema) -> tuple[dict[str, str], str] | None:
    """A link type that says "drives" (on either side), as a relation and its evidence."""
    for link in schema.link_types:
        for side, phrase, words in (
            ("outward", link.outward, DRIVES_PHRASES),
            ("inward", link.inward, DRIVEN_PHRASES),
        ):
            if phrase.casefold() in words or link.name.casefold() in words:
                relation = {"by": "link", "link_type": link.name, "direction": side}
                return relation, f"link type '{link.name}' reads '{phrase}'"
    return None


def _link_types(schema: JiraSchema) -> str:
    return ", ".join(f"{t.name} ({t.outward} / {t.inward})" for t in schema.link_types) or "none"


def _entity(skeleton: Skeleton, schema: JiraSchema, kind: EntityKind, guess: Guess | None) -> None:
    path = f"entities.{kind.value}"
    section = skeleton.section(path, active=guess is not None)
    if guess is None:
        section.notes.append(f"No issue type looks like a {kind.value}. {FACET_HINT}")
        section.add(
            "issue_type", "?", "the site has: " + ", ".join(t.name for t in schema.issue_types)
        )
        skeleton.unmatched.append(f"{path}: no issue type looks like a {kind.value}")
    else:
        level = schema.issue_type(guess.name)
        shown = f"hierarchy level {level.level}" if level and level.level is not None else ""
        section.add("issue_type", guess.name, Guess(guess.name, guess.found, shown).evidence)
    if kind is EntityKind.STRATEGY:
        found = drives_link(schema)
        if found is not None:
            section.add("relations.drives", found[0], found[1])
        else:
            section.add(
                "relations.drives",
                {"by": "link", "link_type": "?", "direction": "outward"},
                "no link type says 'drives'; the site has: " + _link_types(schema),
                active=False,
            )
            skeleton.unmatched.append(f"{path}.relations.drives: no link type says 'drives'")
    own = [a for a in attributes_of(kind) if a not in {"name", "status", "done", "updated"}]
    own = [a for a in own if a not in COMMON_FOUND and a not in STOCK_TAKE]
    attributes = _attributes(skeleton, schema, path, own, active=guess is not None)
    labels = any(f.id == "labels" for f in schema.fields)
    optional = stock_take(schema.fields, labels=labels) if kind in RATED_KINDS else []
    if optional and attributes is None:
        attributes = skeleton.section(f"{path}.attributes", active=guess is not None)
    for attribute, value, why in optional:
        assert attributes is not None  # made just above when there was none
        attributes.add(attribute, value, why)


def stock_take(fields: Sequence[SiteField], *, labels: bool = False) -> list[tuple[str, Any, str]]:
    """(attribute, value, why) of the optional stock-take attributes a rated kind's fields hold,
    each marked optional; salience, where no field says it, from the label "salient" when the
    site has labels (Jira)."""
    found: list[tuple[str, Any, str]] = []
    taken: set[str] = set()
    for attribute in STOCK_TAKE:
        best = best_field(fields, attribute, taken)
        if best is not None:
            taken.add(best[0].id)
            ref = field_ref(best[0], fields)
            found.append((attribute, {"field": ref, "optional": True}, best[1].evidence))
        elif attribute == "salient" and labels:
            found.append((attribute, SALIENT_LABEL, 'the label "salient" marks it'))
    return found


def _attributes(
    skeleton: Skeleton, schema: JiraSchema, path: str, attributes: list[str], *, active: bool
) -> Section | None:
    if not attributes:
        return None
    section = skeleton.section(f"{path}.attributes", active=active)
    taken: set[str] = set()
    for attribute in attributes:
        found = best_field(schema.fields, attribute, taken)
        if found is None:
            wants = WANTS[attribute_reader(attribute)]
            section.add(attribute, "", f"no field matched; wants {wants}", active=False)
            if active:
                skeleton.unmatched.append(f"{path}.attributes.{attribute}: no field matched")
            continue
        taken.add(found[0].id)
        section.add(attribute, field_ref(found[0], schema.fields), found[1].evidence)
    return section


def _measurements(skeleton: Skeleton, schema: JiraSchema, kinds: dict[str, Guess]) -> None:
    notes = ["Indicator history: every change of this field in the changelog, and its value."]
    found = best_field(schema.fields, "current_value")
    section = skeleton.section("measurements", active=found is not None, notes=notes)
    if found is None:
        section.add("field", "", "no field looks like a current value", active=False)
        if "indicator" in kinds:
            skeleton.unmatched.append("measurements.field: no field looks like a current value")
        return
    section.add("field", field_ref(found[0], schema.fields), found[1].evidence)


def writeback(skeleton: Skeleton, fields: Sequence[SiteField], *, kinds: list[str]) -> None:
    """[writeback]: fields on the site that look like ours, else our names for `--fix`."""
    section = skeleton.section(
        "writeback", notes=["Where rdsync writes what it judges: fields it owns."]
    )
    names = [f.name for f in fields if f.type == "select" or f.type in ("paragraph", "datetime")]
    chosen = assign(list(WRITEBACK_TYPES), names, WRITEBACK_SYNONYMS)
    for role, (word, _jira, _airtable) in WRITEBACK_TYPES.items():
        guess = chosen.get(role)
        typed = guess and any(f.name == guess.name and f.type == word for f in fields)
        if guess is not None and typed:
            section.add(role, guess.name, f"on the site: {guess.found.evidence}")
        else:
            name = WRITEBACK_DEFAULTS[role]
            section.add(role, name, "not on the site yet: `rdsync mapping check --fix` creates it")
    written = [k for k in ("priority", "outcome", "target", "strategy") if k in kinds]
    section.add("kinds", written, "the kinds whose tickets receive ratings")
    gaps_only = [k for k in ("indicator", "milestone", "risk") if k in kinds]
    section.add("gap_kinds", gaps_only, "the kinds whose tickets receive only their rubric gaps")
    options = skeleton.section("writeback.options")
    defaults = RatingOptions()
    for name in ("red", "amber_red", "amber_green", "green"):
        options.add(name, getattr(defaults, name))
