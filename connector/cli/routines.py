"""`rdsync routines`: the update requests due before each stock take, and the packs delivered."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.cli.sync import CONFIG, setup_logging
from connector.cli.terminal import echo
from mappings.errors import RdsyncError

if TYPE_CHECKING:
    from connector.clock import Clock
    from connector.config import Config
    from connector.sources.base import Source
    from connector.sync.routines import Delivery, Outgoing, PackOut
    from connector.sync.state import StateStore
    from mappings.model import Person
    from reports.model import ReportData
    from reports.requests import Request


def next_stocktake(index: int, count: int, weeks: int, on: date) -> date:
    """The first day from `on` on which priority `index` of `count` has its stock take."""
    from connector.sync.daemon import stocktake_due

    day = on
    while not stocktake_due(index, count, weeks, day):
        day += timedelta(days=1)
    return day


def stocktakes(config: Config, store: StateStore, today: date) -> dict[str, date]:
    """Each priority of the last sync (of `[reports] department`, if set), from every source,
    with its next stock take (today's included)."""
    from connector.cli.report import stocktake_priorities

    _, outputs = store.newest_outputs()
    keys = stocktake_priorities(config, outputs.entities)
    weeks = config.schedule.stocktake_weeks
    return {key: next_stocktake(i, len(keys), weeks, today) for i, key in enumerate(keys)}


def run_routines(
    config: Config,
    store: StateStore,
    clock: Clock,
    *,
    dry_run: bool = False,
    sources: dict[str, Source] | None = None,
) -> Delivery:
    """Send the update requests of every stock take within `[routines] lead_days`, and deliver
    the pack of every stock take today; each once (the write ledger)."""
    from connector.cli.report import report_data
    from connector.sources.build import build_sources
    from connector.sync.routines import Routines
    from reports.model import ReportData
    from reports.requests import update_requests

    assert config.routines is not None
    today = clock.today()
    data = report_data(config, store)
    assert isinstance(data, ReportData)
    sources = sources if sources is not None else build_sources(config, clock, store)
    routines = Routines(config, store, sources, clock, dry_run=dry_run, echo=echo)
    for key, on in stocktakes(config, store, today).items():
        if 0 < (on - today).days <= config.routines.lead_days:
            made = [_outgoing(config, data, sources, r) for r in update_requests(data, key, on)]
            routines.send_requests([m for m in made if m.items])
        elif on == today and not _pack_delivered(config, store, key, on):
            if dry_run:
                ways = ", ".join(config.routines.pack)
                echo(f"would deliver: the stock take pack of {key} ({ways})")
                continue
            _count_missed(store, data, key, on)
            pack = _pack(config, store, data, key, on)
            if pack is not None:
                routines.deliver_pack(pack)
    return routines.done


def _outgoing(
    config: Config, data: ReportData, sources: dict[str, Source], request: Request
) -> Outgoing:
    from connector.sync.routines import Outgoing
    from reports.requests import render_html, render_text, subject

    source = _source_of(data, request.priority_key)
    tool = type(sources.get(source)).__name__.removesuffix("Source") or "your tool"
    text = render_text(request, data.today, tool)
    mention = f"@[{request.person.id}] " if tool == "Airtable" else ""
    return Outgoing(
        priority_key=request.priority_key,
        priority_source=source,
        table=_airtable_table(sources.get(source)),
        stocktake_on=request.stocktake_on,
        person_id=request.person.id,
        person_name=request.person.label,
        email=address(config, request.person),
        subject=subject(request),
        text=text,
        html=render_html(request, data.today, tool),
        comment=mention + text,
        items=tuple(n.ident for n in request.needs),
    )


def address(config: Config, person: Person) -> str | None:
    """A person's e-mail: as the tool shows it, else from [routines.people] (by id, name or
    e-mail, in that order)."""
    people = config.routines.people if config.routines is not None else {}
    for ref in (person.id, person.name, person.email):
        if ref and ref in people:
            return people[ref]
    return person.email


def _source_of(data: ReportData, key: str) -> str:
    entity = data.architecture.get(key)
    return entity.source if entity is not None else ""


def _airtable_table(source: Any) -> str | None:
    from connector.sources.airtable import AirtableSource
    from mappings.model import EntityKind

    if not isinstance(source, AirtableSource):
        return None
    return source.mapping.entities[EntityKind.PRIORITY].table


def _count_missed(store: StateStore, data: ReportData, key: str, on: date) -> None:
    """Who left what undone at this stock take, kept for Capacity to drive progress."""
    from connector.sync.routines import record_missed

    people: dict[str, int] = {}
    for m in data.missed_updates:
        if m.priority_key == key and m.stocktake_on == on and m.person_id:
            people[m.person_id] = people.get(m.person_id, 0) + 1
    found = store.outputs()
    record_missed(store, found[0] if found is not None else 0, key, on, people)


def _pack_delivered(config: Config, store: StateStore, key: str, on: date) -> bool:
    from connector.sync.routines import LEDGER_SOURCE, PACK

    assert config.routines is not None
    wanted = [f"{PACK}-{channel}" for channel in config.routines.pack]
    entries = [store.ledger_entry(LEDGER_SOURCE, key, a, on.isoformat()) for a in wanted]
    return all(e is not None and e.status == "done" for e in entries)


def _pack(
    config: Config, store: StateStore, data: ReportData, key: str, on: date
) -> PackOut | None:
    """Today's pack of a priority as a PDF (built now, with the missed updates), to deliver."""
    from connector.cli.report import build_stocktakes
    from connector.sync.routines import PackOut

    folder = config.resolve(config.reports.out) / "stocktakes"
    made = build_stocktakes(config, store, [key], folder)[key]
    pdf = made.get("pdf")
    if pdf is None:
        return None
    attendees = _attendees(config, data, key)
    name = data.architecture.get(key)
    title = f"{key} {name.name if name is not None else ''}".strip()
    return PackOut(
        priority_key=key,
        priority_source=_source_of(data, key),
        stocktake_on=on,
        filename=pdf.name,
        pdf=pdf.read_bytes(),
        attendees=attendees,
        subject=f"Stock take pack: {title}, {on.isoformat()}",
        text=f"The stock take pack of {title} for today's stock take is attached (PDF).\n",
    )


def _attendees(config: Config, data: ReportData, key: str) -> tuple[str, ...]:
    """Everyone accountable for an item of the priority's plan, with an address."""
    found: list[str] = []
    for entity in data.architecture.plan(key):
        for person in entity.owners:
            mail = address(config, person)
            if mail is not None and mail not in found:
                found.append(mail)
    return tuple(found)


def scheduled_routines(config: Config, store: StateStore, on: date) -> None:
    """The daemon's daily job: what `rdsync routines` would send today."""
    import logging

    if config.routines is None or store.outputs() is None:
        return
    done = run_routines(config, store, store.clock)
    for line in done.lines():
        logging.getLogger("rdsync.routines").info("%s", line)


@click.command()
@CONFIG
@click.option("--dry-run", is_flag=True, help="Print what is due, send nothing.")
def routines(config_path: Path, dry_run: bool) -> None:
    """Send the update requests due before each stock take, and deliver today's packs.

    Each accountable leader and data lead with something to update before a priority's stock
    take ([routines] lead_days ahead) gets one list, by e-mail and/or as a comment mentioning
    them on the priority's ticket; on the stock take day the pack is attached there and/or
    e-mailed to the attendees. Nothing is sent twice for one stock take.

    \b
    Example:
      rdsync routines --config rdsync.toml --dry-run
    """
    from connector.clock import SYSTEM
    from connector.config import load_config
    from connector.sync.state import state_errors
    from connector.sync.stores import open_store

    setup_logging(False)
    config = load_config(config_path)
    if config.routines is None:
        raise RdsyncError(
            "the config has no [routines] table",
            where=f"{config_path}: routines",
            fix="Add [routines] (config.example.toml shows every key).",
        )
    store = open_store(config, SYSTEM)
    try:
        with state_errors(store.where):
            store.lock()  # it writes the ledger: one writer at a time, as a sync
            done = run_routines(config, store, SYSTEM, dry_run=dry_run)
    finally:
        store.close()
    for line in done.lines() or ["nothing due"]:
        echo(line)
    if done.failed:
        raise SystemExit(1)
