"""What the reliability campaigns share: a sandbox site and its config, the team's edits, and
snapshots of what the tool holds, split into what a team owns and what rdsync writes.

A snapshot reads the tool over plain HTTP (not through rdsync), with the faults switched off:

- `team`: per record, the canonical JSON of every field a team owns, i.e. all fields but our
  write-back fields and the tool's own bookkeeping (`updated`, Airtable's computed fields),
  plus the comments that are not ours. "Byte-identical" is equality of these strings.
- `owned`: per record, our write-back values as rdsync compares them (option, rationale and
  gaps as text, whether `Last assessed` is set: its time differs from run to run).
- `comments`: per Jira issue, the comment texts in order, ours without the idempotency token,
  and `tokens`, ours by token, so that a duplicate shows as a token seen twice. Ours carry the
  token in their `rdsync` property (Jira Cloud, read through POST /comment/list) or, from
  rdsync before that, as a last line of text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from connector.cli.demo import TOKEN_FILE, demo_config
from connector.clock import Clock
from connector.config import Config, load_config
from connector.sandbox.airtable.seed import BASE_ID, MEASUREMENTS, TABLES
from connector.sandbox.airtable.store import stable_id
from connector.sandbox.server import Sandbox
from connector.sources.jira_write import TOKEN_PREFIX, TOKEN_PROPERTY
from connector.sync.daemon import Daemon
from connector.sync.plan import normalise_option, normalise_text
from connector.sync.run import SETTLE_AFTER, Outcome, SyncRun
from connector.sync.stores import open_store
from mappings.readers import read_paragraph

ANCHOR = date(2026, 11, 22)
WRITEBACK = ("Delivery likelihood", "Likelihood rationale", "Rubric gaps", "Last assessed")
# Jira's own bookkeeping, and Airtable's computed field types: they change with any write.
JIRA_BOOKKEEPING = frozenset({"updated", "comment", "lastViewed"})
COMPUTED = frozenset(
    {"lastModifiedTime", "lastModifiedBy", "createdTime", "createdBy", "formula", "rollup"}
    | {"lookup", "multipleLookupValues", "count", "autoNumber"}
)
# The team's edits between two syncs: three indicators move far enough to change ratings.
TEAM_EDITS = (("P1-O1-I1", 60.0), ("P10-O1-I1", 1.0), ("P3-O1-I1", 99.0))
# Quick retries for campaigns: Retry-After (1 s at most here) is honoured in full; backoff
# without one starts at 50 ms, so that 50 seeds run in minutes, not hours.
FAST_RETRY = {"budget_seconds": 90, "max_wait_seconds": 2, "initial_wait_seconds": 0.05}


def settle(sandbox: Sandbox) -> None:
    """After a killed run: wait until the sandbox has answered (or dropped) every request the
    run left in flight, then move the site's clock past the window in which a given-up comment
    is left alone, so that the next run settles it (no wall-clock wait)."""
    sandbox.wait_idle()
    clock = sandbox.clock
    assert isinstance(clock, Clock), "start the sandbox with a connector.clock.Clock"
    clock.advance(SETTLE_AFTER + timedelta(seconds=1))


def configure(
    folder: Path,
    sandbox: Sandbox,
    tool: str = "jira",
    *,
    retry: Mapping[str, float] | None = None,
    source: Mapping[str, float] | None = None,
) -> Config:
    """The config `rdsync demo` writes for this sandbox, with [retry] and source keys added."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TOKEN_FILE).write_text(sandbox.token + "\n", encoding="utf-8")
    text = demo_config(sandbox.url, sandbox.email, tool, BASE_ID)  # type: ignore[arg-type]
    extra = "".join(f"{key} = {value}\n" for key, value in (source or {}).items())
    text = text.replace(f'mapping = "{tool}"\n', f'mapping = "{tool}"\n{extra}', 1)
    if retry:
        text += "\n[retry]\n" + "".join(f"{key} = {value}\n" for key, value in retry.items())
    path = folder / "rdsync.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def configure_sources(
    folder: Path,
    sources: Mapping[str, tuple[Sandbox, str, Mapping[str, Any]]],
    *,
    retry: Mapping[str, float] | None = None,
) -> Config:
    """A config of several sources, `name -> (sandbox, tool, keys)`: each the source `rdsync
    demo` writes for its sandbox, the keys (e.g. `projects`, `jql`) replacing or adding to its
    own; one state store for all. The sandboxes share one token (`sandbox-token`)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = []
    for name, (sandbox, tool, keys) in sources.items():
        (folder / TOKEN_FILE).write_text(sandbox.token + "\n", encoding="utf-8")
        table = {"type": tool, "token_file": TOKEN_FILE, "mapping": tool}
        if tool == "jira":
            table |= {"url": sandbox.url, "email": sandbox.email}
            table |= {} if "jql" in keys else {"projects": ["DEL"]}
        else:
            table |= {"base": BASE_ID, "endpoint_url": sandbox.url}
        lines = [f"{key} = {json.dumps(value)}" for key, value in (table | dict(keys)).items()]
        tables.append(f"[sources.{name}]\n" + "\n".join(lines) + "\n")
    text = "\n".join(tables) + '\n[state]\npath = "state.sqlite"\n'
    if retry:
        text += "\n[retry]\n" + "".join(f"{key} = {value}\n" for key, value in retry.items())
    path = folder / "rdsync.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def sync(
    config: Config, clock: Clock, *, accept_scope_change: bool = False, **kwargs: Any
) -> Outcome:
    """One run in this process, as `rdsync sync` makes it (quiet), on the site's clock."""
    store = open_store(config, clock)
    try:
        run = SyncRun(
            config, store, clock=clock, echo=lambda _: None, accept_scope_change=accept_scope_change
        )
        return run.execute(**kwargs)
    finally:
        store.close()


def settled(
    make_sandbox: Callable[..., Sandbox], folder: Path, issues: int
) -> tuple[Sandbox, Daemon, timedelta, Outcome]:
    """`issues` synthetic issues (bench_sync's site) and a daemon that synced them and read back
    its own writes; the cadence its clock moves by, and that second run. The caller closes the
    daemon's store."""
    site = make_sandbox(seed="empty")
    site.seed_bulk(issues, history=6)
    config = configure(folder, site)
    cadence = timedelta(minutes=config.schedule.sync_minutes)
    daemon = Daemon(config, clock=site.clock)
    try:
        daemon.sync()  # rates and writes every plan
        site.clock.advance(cadence)
        return site, daemon, cadence, daemon.sync()  # reads back its own writes
    except BaseException:
        daemon.store.close()
        raise


def team_edits(
    sandbox: Sandbox,
    tool: str,
    anchor: date = ANCHOR,
    edits: tuple[tuple[str, float], ...] = TEAM_EDITS,
) -> None:
    """What a team types between two syncs: new values for indicators (by portfolio ref)."""
    session = _session(sandbox, tool)
    if tool == "jira":
        keys = sandbox.demo()["keys"]
        value_field = sandbox.field_id("Current value")
        for ref, value in edits:
            url = f"{sandbox.url}/rest/api/3/issue/{keys[ref]}"
            session.put(url, json={"fields": {value_field: value}}, timeout=30).raise_for_status()
        return
    measurements = [
        {
            "fields": {
                "Name": f"{ref}, team entry",
                "Indicator": [_record_id(ref)],
                "Date": anchor.isoformat(),
                "Value": value,
            }
        }
        for ref, value in edits
    ]
    url = f"{sandbox.url}/v0/{BASE_ID}/{MEASUREMENTS}"
    session.post(url, json={"records": measurements}, timeout=30).raise_for_status()
    updates = [{"id": _record_id(ref), "fields": {"Current value": value}} for ref, value in edits]
    url = f"{sandbox.url}/v0/{BASE_ID}/{TABLES['indicator']}"
    session.patch(url, json={"records": updates}, timeout=30).raise_for_status()


def _record_id(ref: str) -> str:
    return stable_id("rec", "item", ref)


def _session(sandbox: Sandbox, tool: str) -> requests.Session:
    session = requests.Session()
    if tool == "jira":
        session.auth = (sandbox.email, sandbox.token)
    else:
        session.headers["Authorization"] = f"Bearer {sandbox.token}"
    return session


# -- snapshots ------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What the tool holds; see the module docstring."""

    team: dict[str, str] = field(default_factory=dict)
    owned: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    comments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tokens: Counter[str] = field(default_factory=Counter)

    @property
    def duplicates(self) -> int:
        """Comments of ours posted more than once (the same idempotency token)."""
        return sum(count - 1 for count in self.tokens.values() if count > 1)

    def state(self) -> dict[str, Any]:
        """rdsync's side, as compared with a fault-free run: write-back values and comments."""
        return {"owned": self.owned, "comments": self.comments}


def snapshot(sandbox: Sandbox, tool: str) -> Snapshot:
    """Read everything the tool holds with the faults off (they are put back afterwards)."""
    spec = sandbox._faults.spec.text
    sandbox.set_faults(None)
    try:
        return _jira_snapshot(sandbox) if tool == "jira" else _airtable_snapshot(sandbox)
    finally:
        sandbox.set_faults(spec or None)


def _owned(option: Any, rationale: Any, gaps: Any, assessed: Any) -> tuple[Any, ...]:
    return (
        normalise_option(option),
        normalise_text(rationale),
        normalise_text(gaps),
        assessed not in (None, ""),
    )


def _jira_snapshot(sandbox: Sandbox) -> Snapshot:
    session = _session(sandbox, "jira")
    ids = [sandbox.field_id(name) for name in WRITEBACK]
    found = Snapshot()
    for issue in _jira_issues(sandbox, session):
        key, fields = issue["key"], issue["fields"]
        team = {k: v for k, v in fields.items() if k not in ids and k not in JIRA_BOOKKEEPING}
        found.owned[key] = _owned(*(fields.get(i) for i in ids))
        texts, theirs = [], []
        url = f"{sandbox.url}/rest/api/3/issue/{key}/comment"
        page = session.get(url, params={"maxResults": 1000}, timeout=30).json()
        comments = page.get("comments") or []
        tokens = _property_tokens(sandbox, session, comments)
        for comment in comments:
            text = read_paragraph(comment["body"]) or ""
            body, _, token = text.partition("\n" + TOKEN_PREFIX)
            token = token or tokens.get(comment["id"], "")
            if token:
                found.tokens[key + ":" + token] += 1
            else:
                theirs.append(comment)
            texts.append(body)
        team["(comments)"] = theirs
        found.team[key] = json.dumps(team, sort_keys=True)
        found.comments[key] = tuple(texts)
    return found


def _property_tokens(
    sandbox: Sandbox, session: requests.Session, comments: list[dict[str, Any]]
) -> dict[str, str]:
    """The token in each comment's `rdsync` property, by comment id."""
    if not comments:
        return {}
    url = f"{sandbox.url}/rest/api/3/comment/list"
    ids = {"ids": [int(c["id"]) for c in comments]}
    listed = session.post(url, params={"expand": "properties"}, json=ids, timeout=30).json()
    return {
        str(c["id"]): str(p["value"]["token"])
        for c in listed["values"]
        for p in c.get("properties") or ()
        if p.get("key") == TOKEN_PROPERTY
    }


def _jira_issues(sandbox: Sandbox, session: requests.Session) -> Iterator[dict[str, Any]]:
    url = f"{sandbox.url}/rest/api/3/search/jql"
    params: dict[str, Any] = {
        "jql": "project = DEL ORDER BY key",
        "fields": "*all",
        "maxResults": 100,
    }
    while True:
        page = session.get(url, params=params, timeout=30).json()
        yield from page["issues"]
        if not page.get("nextPageToken"):
            return
        params["nextPageToken"] = page["nextPageToken"]


def _airtable_snapshot(sandbox: Sandbox) -> Snapshot:
    session = _session(sandbox, "airtable")
    schema = session.get(f"{sandbox.url}/v0/meta/bases/{BASE_ID}/tables", timeout=30).json()
    found = Snapshot()
    for table in schema["tables"]:
        skip = {f["name"] for f in table["fields"] if f["type"] in COMPUTED} | set(WRITEBACK)
        for record in _airtable_records(sandbox, session, table["id"]):
            fields = record.get("fields") or {}
            team = {k: v for k, v in fields.items() if k not in skip}
            found.team[record["id"]] = json.dumps(team, sort_keys=True)
            if table["name"] != MEASUREMENTS:
                found.owned[record["id"]] = _owned(*(fields.get(name) for name in WRITEBACK))
    return found


def _airtable_records(
    sandbox: Sandbox, session: requests.Session, table: str
) -> Iterator[dict[str, Any]]:
    url = f"{sandbox.url}/v0/{BASE_ID}/{table}"
    params: dict[str, Any] = {"pageSize": 100}
    while True:
        page = session.get(url, params=params, timeout=30).json()
        yield from page["records"]
        if not page.get("offset"):
            return
        params["offset"] = page["offset"]


def clobbered(before: Snapshot, after: Snapshot) -> list[str]:
    """Records whose team-owned fields or comments changed, or that appeared or went."""
    keys = before.team.keys() | after.team.keys()
    return sorted(key for key in keys if before.team.get(key) != after.team.get(key))


def differences(
    expected: dict[str, Any],
    got: dict[str, Any],
    parts: tuple[str, ...] = ("owned", "comments"),
    limit: int = 3,
) -> list[str]:
    """The first few records whose rdsync-side state differs from the fault-free run's."""
    found = []
    for part in parts:
        want, have = expected[part], got[part]
        for key in sorted(want.keys() | have.keys()):
            if want.get(key) != have.get(key):
                wanted, got_ = _short(want.get(key)), _short(have.get(key))
                found.append(f"{part} of {key}: expected {wanted}, got {got_}")
    return found[:limit]


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 120 else shown[:117] + "..."
