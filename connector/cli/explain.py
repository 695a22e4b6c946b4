"""`rdsync explain KEY`: why an item has its rating, from the state store alone (never a tool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from connector.cli.sync import CONFIG
from connector.cli.terminal import echo, json_text

_RATED = "the likelihood is judged for strategies, targets, outcomes and priorities"


@click.command()
@click.argument("key")
@CONFIG
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for a person; json for a script (docs/admin-guide.md describes its fields).",
)
def explain(key: str, config_path: Path, fmt: str) -> None:
    """Why an item has its rating: the five judgements with their evidence, what capped it or
    rolled it up, its findings, its rating run by run, and what would raise it.

    Read from the state store of the last sync, offline: no tool is called. A key the last
    sync did not read exits 2 and names the closest keys it did.

    \b
    Examples:
      rdsync explain DEL-4 --config rdsync.toml
      rdsync explain DEL-4 --config rdsync.toml --format json | jq .to_raise
    """
    from connector.cli.explanation import explain as gather
    from connector.cli.status import open_store
    from connector.config import load_config

    config = load_config(config_path)
    store = open_store(config)
    try:
        body = gather(config, store, key)
    finally:
        store.close()
    if fmt == "json":
        echo(json_text(body))
        return
    for line in render(body):
        echo(line)


def render(body: dict[str, Any]) -> list[str]:
    """The explanation for a terminal, section by section."""
    lines = _item(body)
    rating = body["rating"]
    if rating is None:
        towards = ", ".join(body["counts_towards"]) or "no rated item"
        lines += ["", f"Not rated: {_RATED}. It counts towards {towards}."]
    else:
        lines += _rating(body, rating) + _history(body["history"]) + _judgements(body)
    lines += _findings(body)
    if rating is not None:
        lines += _raise(body)
    if body.get("focus") is not None:
        lines += _focus(body["focus"])
    return lines


def _focus(focus: dict[str, Any]) -> list[str]:
    """A priority's ties to the others, and the work that serves it (or none)."""
    lines = ["", "Interdependencies with other priorities"]
    for c in focus["critical"]:
        rated = "" if c["rated_key"] == c["key"] else f" (as {c['rated_key']})"
        lines.append(
            f"  AT RISK  {c['key']} rated {c['likelihood']}{rated}: {c['direction']} "
            f"({', '.join(c['waiting'])} of {', '.join(c['priorities'])})"
        )
    for d in focus["dependencies"]:
        lines.append(f"  {d['dependency']:<28} {d['description']}")
        lines.append(f"  {'':<28} tickets: {', '.join(d['tickets'])}")
    if not focus["dependencies"]:
        lines.append("  none: no other priority is tied to this one in the tools")
    work = focus["work"]
    if work is None:
        return lines
    effort = work["unaligned_effort_share"]
    lines += [
        "",
        "All work (the sources' wider scope)",
        f"  serving this priority: {work['serving']} items ({work['serving_effort']:g} effort)"
        + (f": {', '.join(work['serving_keys'])}" if work["serving_keys"] else ""),
        f"  {work['department'] or 'all departments'}: {work['unaligned']} of {work['work_items']} "
        f"items ({work['unaligned_share']:g}%) serve no priority"
        + (f", {effort:g}% of the effort" if effort is not None else ""),
    ]
    for item in work["largest_unaligned"]:
        effort_text = "" if item["effort"] is None else f" ({item['effort']:g})"
        lines.append(f"    {item['key']:<10} {item['name']}{effort_text}")
    return lines


def _item(body: dict[str, Any]) -> list[str]:
    item = body["item"]
    where = f"{item['source']}, status {item['status'] or 'none'}"
    if item["parent"]:
        where += f", under {item['parent']}"
    return [
        f"{item['key']} · {item['kind']} · {item['name']}",
        f"  ticket      {item['url'] or 'no link'}",
        f"  owner       {', '.join(item['owners']) or 'none named'}",
        f"  department  {item['department'] or 'none'}",
        f"  source      {where}",
    ]


def _rating(body: dict[str, Any], rating: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"Rating: {rating['option']} (assessed {rating['assessed_on']}, run {body['run']['id']})",
        f"  last rated {rating['period_days']} days or more before (the assessment period): "
        f"{rating['previous'] or 'none stored'}; the team's own rating: "
        f"{rating['team_rating'] or 'none'}",
    ]
    if rating["problem_reason"]:
        lines.append(f"  {rating['problem_reason']}")
    return lines


def _history(spans: list[dict[str, Any]]) -> list[str]:
    lines = ["", "History (the rating each run stored; a stretch of one rating on one line)"]
    if not spans:
        return [*lines, "  none stored"]
    for span in spans[-12:]:
        when = span["from"] if span["from"] == span["to"] else f"{span['from']} to {span['to']}"
        runs = "1 run" if span["runs"] == 1 else f"{span['runs']} runs"
        first, last = span["first_run"], span["last_run"]
        ids = f"run {first}" if first == last else f"runs {first}-{last}"
        lines.append(f"  {when:<24}  {span['rating']} - {span['label']:<12} {runs} ({ids})")
    if len(spans) > 12:
        lines.append(f"  ({len(spans) - 12} earlier stretches: --format json lists them all)")
    return lines


def _judgements(body: dict[str, Any]) -> list[str]:
    lines = ["", "The five judgements (rating: the evidence)"]
    for j in body["judgements"]:
        rated = f"{j['rating']} - {j['label']}"
        lines.append(f"  {j['name']:<27} {rated:<16} {j['rationale']}")
    row = body["row"]
    lines += ["", f"Decision table row {row['id']} (docs/likelihood.md)", f"  {row['words']}"]
    if row["now"] != row["id"]:
        lines.append(f"  (the table now gives row {row['now']} for these judgements)")
    lines += ["", "Capped"] + [f"  {cap}" for cap in body["caps"] or ["not capped"]]
    for title, rated in (
        ("Rolled up from", body["rolled_up_from"]),
        ("Driven by", body["driven_by"]),
    ):
        if rated:
            lines += ["", title]
            for r in rated:
                option = f"{r['rating']} - {r['label']}" if r["rating"] else "not rated"
                lines.append(f"  {r['key']:<10} {r['kind'] or '':<9} {option:<16} {r['name']}")
    return lines


def _findings(body: dict[str, Any]) -> list[str]:
    lines = ["", f"Findings on {' and '.join(body['parts'])}"]
    if not body["findings"]:
        return [*lines, "  none"]
    for f in body["findings"]:
        field = f", field {f['field']}" if f["field"] else ""
        lines += [
            f"  {f['code']} {f['name']} ({f['severity']}) on {f['key']}{field}",
            f"      {f['message']}",
            f"      fix: {f['fix']}",
        ]
    return lines


def _raise(body: dict[str, Any]) -> list[str]:
    plan = body["to_raise"]
    if plan is None:
        return ["", "What would raise it: nothing; Green is the top of the scale."]
    lines = [
        "",
        f"What would raise it to {plan['label']} (the method's caps: each line is needed; "
        "together, all else staying as it is, they are enough)",
    ]
    key = body["item"]["key"]
    for need in plan["needs"]:
        lines += [f"  - {need['said']}", f"    needs: {need['needs']}"]
        others = [k for k in need["keys"] if k != key]
        if others and need["cap"] != "errors":
            lines.append(f"    what holds {others[0]}: rdsync explain {others[0]} --config FILE")
    if plan["planning_findings"]:
        named = "; ".join(
            f"{f['code']} {f['name']} on {f['key']}" for f in plan["planning_findings"]
        )
        lifts = (
            "fixing them lifts it as far as the planning of the items below it allows"
            if body["item"]["kind"] in ("outcome", "priority")
            else "fixing them raises it"
        )
        lines.append(f"  Quality of planning counts these findings ({lifts}): {named}")
    recomputed = body["recomputed"]
    if not recomputed["same"]:
        lines.append(
            f"  Note: under the [likelihood] settings of the config now, these judgements and "
            f"caps give {recomputed['rating']}, not the stored {body['rating']['rating']}: "
            "the settings changed since that run; the lines above follow the settings now."
        )
    return lines
