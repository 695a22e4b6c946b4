"""`rdsync status`: the last runs, the daemon's health, its next jobs, today's API calls and who
holds the state store, read from the store and the health file (never from a tool)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.cli.sync import CONFIG
from connector.cli.terminal import echo, json_text

if TYPE_CHECKING:  # heavy (pydantic, sqlite3): imported inside the command
    from connector.clock import Clock
    from connector.config import Config
    from connector.sync.state import RunInfo, StateStore

STATUS_VERSION = 1  # raised only when a field of the JSON changes meaning or goes away
CALLS = "api_calls."  # a run's calls through one source, e.g. counts["api_calls.jira"]
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def open_store(config: Config, clock: Clock | None = None) -> StateStore:
    """The state store of a config, which must exist already: a command that only reads it
    must not leave an empty store behind a mistyped [state] path."""
    from connector.clock import SYSTEM
    from connector.sync.stores import open_store as open_existing

    return open_existing(config, clock or SYSTEM, existing=True)


@click.command()
@CONFIG
@click.option("--runs", "limit", default=10, show_default=True, help="How many runs to list.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for a person; json for a monitor (docs/admin-guide.md describes its fields).",
)
def status(config_path: Path, limit: int, fmt: str) -> None:
    """What the daemon is doing: the last runs (when, full or incremental, counts, errors,
    duration), its health, its next jobs, API calls per source today, and who holds the lock.

    Read from the state store and the health file only: no tool is called, and the lock is
    read, never taken, so it is safe beside a running daemon.

    \b
    Examples:
      rdsync status --config rdsync.toml
      rdsync status --config rdsync.toml --format json | jq .health
    """
    from connector.clock import SYSTEM
    from connector.config import load_config

    config = load_config(config_path)
    store = open_store(config, SYSTEM)
    try:
        body = gather(config, store, SYSTEM, limit=limit)
    finally:
        store.close()
    body["config"] = str(config_path)
    echo(json_text(body) if fmt == "json" else "\n".join(render(body)))


def gather(
    config: Config, store: StateStore, clock: Clock, *, limit: int = 10, tz: tzinfo | None = None
) -> dict[str, Any]:
    """Everything `rdsync status` shows, as of the clock's now (`tz`: the zone the daemon's
    HH:MM times are in; default the machine's, as the scheduler reads them)."""
    now = clock.now()
    holder = store.lock_holder()
    runs = store.runs(limit)
    return {
        "status_version": STATUS_VERSION,
        "now": now.isoformat(timespec="seconds"),
        "state": {"url" if config.state.url else "path": store.where, "schema": store.version},
        "lock": {"held": False}
        if holder is None
        else {"held": True, "pid": holder.pid, "since": holder.since, "text": holder.text},
        "health": _health(config, now),
        "runs": [_run(r) for r in runs],
        "api_calls_today": _calls_today(store, now),
        "next": _next_jobs(config, store, now.astimezone(tz), runs),
    }


def _run(r: RunInfo) -> dict[str, Any]:
    mode = "dry run" if r.dry_run else ("full" if r.full else "incremental")
    seconds = r.counts.get("seconds")
    if seconds is None and r.ended_at:
        spent = datetime.fromisoformat(r.ended_at) - datetime.fromisoformat(r.started_at)
        seconds = round(spent.total_seconds(), 2)
    return {
        "id": r.id,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "mode": mode,
        "status": r.status,
        "seconds": seconds,
        "counts": {k: v for k, v in r.counts.items() if k != "seconds"},
        "errors": r.errors,
    }


def _health(config: Config, now: datetime) -> dict[str, Any]:
    """The health file the daemon (and `rdsync sync`) writes after each successful run."""
    path = config.health_path
    found: dict[str, Any] = {"path": str(path), "found": path.exists()}
    if not path.exists():
        return found
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        last = datetime.fromisoformat(body["last_success"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        return found | {"error": f"unreadable: {type(error).__name__}: {error}"}
    age = (now - last).total_seconds()
    return found | {
        "last_success": body["last_success"],
        "age_seconds": round(age),
        # Two sync intervals without a success: the daemon is stopped, stuck or failing.
        "overdue": age > 2 * 60 * config.schedule.sync_minutes,
        "run_id": body.get("run_id"),
        "full": body.get("full"),
        "sources": body.get("sources", {}),
    }


def _calls_today(store: StateStore, now: datetime) -> dict[str, Any]:
    """API calls by source of the runs started today (UTC, as runs are stamped). Runs stored
    before calls were kept by source count under `unattributed`."""
    day = now.astimezone(UTC).date()
    since = datetime.combine(day, time(0), tzinfo=UTC).isoformat(timespec="seconds")
    runs = store.runs(1_000_000, since=since)
    by_source: dict[str, int] = {}
    unattributed = 0
    for r in runs:
        mine = {k[len(CALLS) :]: int(v) for k, v in r.counts.items() if k.startswith(CALLS)}
        for name, calls in mine.items():
            by_source[name] = by_source.get(name, 0) + calls
        if not mine:
            unattributed += int(r.counts.get("api_calls", 0))
    return {
        "day": day.isoformat(),
        "runs": len(runs),
        "by_source": dict(sorted(by_source.items())),
        "unattributed": unattributed,
    }


def _next_jobs(
    config: Config, store: StateStore, now: datetime, runs: list[RunInfo]
) -> dict[str, Any]:
    """When the daemon's jobs come next by [schedule], in the zone of `now`."""
    cadence = config.schedule
    synced = [r for r in runs if not r.dry_run and not r.full] or [r for r in runs if not r.dry_run]
    sync_at = None
    if synced:  # the scheduler times the next sync from the end of the last one
        last = datetime.fromisoformat(synced[0].ended_at or synced[0].started_at)
        sync_at = last + timedelta(minutes=cadence.sync_minutes)
    weekday = _WEEKDAYS.index(cadence.report_weekday) if cadence.report_weekday else None
    report = store.last_report("report")
    return {
        "zone": now.strftime("%Z %z").strip(),
        "sync": {
            "at": _stamp(sync_at.astimezone(now.tzinfo)) if sync_at else None,
            "overdue": sync_at is not None and sync_at < now,
            "every_minutes": cadence.sync_minutes,
        },
        "full": {"at": _stamp(_next_at(now, cadence.full_at)), "daily_at": cadence.full_at},
        "report": {
            "at": _stamp(_next_at(now, cadence.report_at, weekday)),
            "daily_at": cadence.report_at,
            "weekday": cadence.report_weekday,
            "last": report[1] if report else None,
        },
        "stocktake": _next_stocktake(config, store, now),
    }


def _next_at(now: datetime, hhmm: str, weekday: int | None = None) -> datetime:
    """The first HH:MM after `now` (on `weekday`, when given), in the zone of `now`."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while at <= now or (weekday is not None and at.weekday() != weekday):
        at += timedelta(days=1)
    return at


def _next_stocktake(config: Config, store: StateStore, now: datetime) -> dict[str, Any]:
    """The next day a priority's stock take pack is due (`daemon.stocktake_due`: staggered
    over the cycle), and which priorities: the daemon's own list (`stocktake_priorities`, the
    `[reports] department`'s when one is set), from the last sync's priorities."""
    from connector.sync.daemon import stocktake_due

    weeks = config.schedule.stocktake_weeks
    keys = _stocktake_keys(config, store)
    first = _next_at(now, config.schedule.report_at)
    for offset in range(7 * weeks + 1):
        at = first + timedelta(days=offset)
        on: date = at.astimezone(UTC).date()  # the daemon asks its clock's (UTC) day
        due = [k for i, k in enumerate(keys) if stocktake_due(i, len(keys), weeks, on)]
        if due:
            return {"at": _stamp(at), "priorities": due, "every_weeks": weeks}
    return {"at": None, "priorities": [], "every_weeks": weeks}


def _stocktake_keys(config: Config, store: StateStore) -> list[str]:
    """Every assessed priority, or, with `[reports] department` set, that department's: the
    stagger counts only them, so the whole list would name the wrong days and priorities."""
    if config.reports.department is None:
        return store.assessed_keys("priority")  # every priority is assessed, by its key
    from connector.cli.report import stocktake_priorities

    found = store.outputs()
    return [] if found is None else stocktake_priorities(config, found[1].entities)


def _stamp(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds")


def render(body: dict[str, Any]) -> list[str]:
    """The status for a terminal."""
    lock = body["lock"]
    held = (
        f"held by {lock['text']}"
        if lock["held"]
        else "free: no daemon or sync holds the state store now"
    )
    state = body["state"]
    lines = [
        f"rdsync status at {body['now']}",
        f"  state store  {state['path']} (schema {state['schema']})",
        f"  lock         {held}",
    ]
    lines += _health_lines(body["health"])
    lines += _run_lines(body["runs"])
    lines += _calls_lines(body["api_calls_today"])
    lines += _next_lines(body["next"], lock["held"])
    return lines


def _age(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


def _health_lines(health: dict[str, Any]) -> list[str]:
    lines = ["", f"Health ({health['path']})"]
    if not health["found"]:
        return [
            *lines,
            "  none yet: `rdsync sync` and `rdsync run` write it after each successful run",
        ]
    if "error" in health:
        return [*lines, f"  {health['error']}"]
    mode = "full" if health["full"] else "incremental"
    late = "; OVERDUE: over two sync intervals without a success" if health["overdue"] else ""
    lines.append(
        f"  last success {health['last_success']} ({_age(health['age_seconds'])} ago), "
        f"run {health['run_id']}, {mode}{late}"
    )
    for name, part in sorted(health["sources"].items()):
        if part.get("status") == "synced":
            lines.append(f"  {name}: synced, {part.get('read', 0)} records read")
        else:
            lines.append(f"  {name}: {part.get('status')}: {part.get('why', '')}")
            lines += [f"    {problem}" for problem in part.get("problems", [])]
    return lines


def _run_lines(runs: list[dict[str, Any]]) -> list[str]:
    if not runs:
        return ["", "Last runs", "  none yet"]
    head = ("run", "started", "mode", "status", "seconds", "read", "changed", "written", "calls")
    rows = [head] + [
        (
            str(r["id"]),
            r["started_at"],
            r["mode"],
            r["status"],
            "" if r["seconds"] is None else f"{r['seconds']:g}",
            *(
                str(r["counts"].get(k, _none(r)))
                for k in ("read", "changed", "written", "api_calls")
            ),
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["", "Last runs"]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    for r in runs:
        lines += [f"  run {r['id']} error: {error}" for error in r["errors"]]
    return lines


def _none(run: dict[str, Any]) -> str:
    """A count a run did not keep: none done when it finished ok, unknown when it failed."""
    return "0" if run["status"] == "ok" else ""


def _calls_lines(calls: dict[str, Any]) -> list[str]:
    runs = "1 run" if calls["runs"] == 1 else f"{calls['runs']} runs"
    lines = ["", f"API calls today ({calls['day']} UTC, {runs})"]
    for name, count in calls["by_source"].items():
        lines.append(f"  {name:<12} {count}")
    if calls["unattributed"]:
        lines.append(
            f"  {'(no source)':<12} {calls['unattributed']} (runs stored before calls were "
            "kept by source)"
        )
    if not calls["by_source"] and not calls["unattributed"]:
        lines.append("  none")
    return lines


def _next_lines(jobs: dict[str, Any], running: bool) -> list[str]:
    who = "" if running else "; no process holds the lock, so no daemon runs them now"
    lines = ["", f"Next jobs ([schedule], times in {jobs['zone']}{who})"]
    sync = jobs["sync"]
    every = f"every {sync['every_minutes']} min after the last run ended"
    if sync["at"] is None:
        lines.append(f"  {'sync':<11} at the daemon's start, then {every}")
    else:
        late = " (overdue)" if sync["overdue"] else ""
        lines.append(f"  {'sync':<11} {sync['at']}{late}  {every}")
    full = jobs["full"]
    lines.append(f"  {'full sync':<11} {full['at']}  daily at {full['daily_at']}")
    report = jobs["report"]
    when = f"{report['weekday']}s" if report["weekday"] else "daily"
    last = f"; last {report['last']}" if report["last"] else ""
    lines.append(f"  {'report':<11} {report['at']}  {when} at {report['daily_at']}{last}")
    take = jobs["stocktake"]
    cycle = f"each priority every {take['every_weeks']} weeks"
    if take["at"] is None:
        lines.append(f"  {'stock take':<11} none due: no priority in the last sync ({cycle})")
    else:
        lines.append(
            f"  {'stock take':<11} {take['at']}  {', '.join(take['priorities'])} ({cycle})"
        )
    return lines
