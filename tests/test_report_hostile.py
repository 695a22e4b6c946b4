"""Reports survive any text and any number: a demo site whose tickets hold control characters,
dates no plan can mean and numbers no chart can draw still gets every format, the bad values
as RD901 findings on their ticket and field, and a chart for every target."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from connector.cli.report import build_reports, build_stocktakes
from connector.sandbox.airtable.seed import BASE_ID, MEASUREMENTS, TABLES
from connector.sandbox.airtable.store import stable_id
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from reports.json_out import SCHEMA_FILE
from tests.campaign import ANCHOR, configure, sync
from tests.report_checks import Page

pytestmark = pytest.mark.e2e

# A summary pasted from Word (a vertical tab is its soft line break) that ends in the ANSI code
# that hides all later text on a terminal.
HOSTILE = "Four-hour target\x0bfor every ED\x1b[8m"
SHOWN = "Four-hour target for every ED\\x1b[8m"  # what every report shows of it
HUGE = 1.7e308  # a double, so both tools store it; no chart axis can hold it


@dataclass
class Planted:
    """The hostile edits made on a site: ticket refs renamed, and the RD901s they must give."""

    priority: str = "P1"
    target: str = "P1-O1-I1-T1"
    unreadable: set[tuple[str, str]] = field(default_factory=set)  # (key, field label)


def _session(site: Sandbox, tool: str) -> requests.Session:
    session = requests.Session()
    if tool == "jira":
        session.auth = (site.email, site.token)
    else:
        session.headers["Authorization"] = f"Bearer {site.token}"
    return session


def plant_jira(site: Sandbox, planted: Planted) -> None:
    """Summaries with controls, dates of year 1 and 9999, and values of ±1.7e308."""
    keys, session = site.demo()["keys"], _session(site, "jira")
    field_id = site.field_id
    edits: dict[str, dict[str, Any]] = {
        planted.priority: {"summary": HOSTILE},
        planted.target: {
            "summary": HOSTILE,
            field_id("Baseline date"): "0001-01-01",
            field_id("Target date"): "9999-12-31",
        },
        "P1-O1-I2-T1": {field_id("Trajectory"): _adf("0001-01-01: 10\n9999-12-31: 30")},
        "P1-O1-I1": {field_id("Current value"): HUGE},
        "P2-O1-I1": {field_id("Current value"): -HUGE},
    }
    for ref, fields in edits.items():
        url = f"{site.url}/rest/api/3/issue/{keys[ref]}"
        session.put(url, json={"fields": fields}, timeout=30).raise_for_status()
    planted.unreadable |= {
        (keys[planted.target], "Baseline date"),
        (keys[planted.target], "Target date"),
        (keys["P1-O1-I2-T1"], "Trajectory"),
        (keys["P1-O1-I1"], "Current value"),
        (keys["P2-O1-I1"], "Current value"),
    }


def _adf(text: str) -> dict[str, Any]:
    lines = [
        {"type": "paragraph", "content": [{"type": "text", "text": t}]} for t in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": lines}


def plant_airtable(site: Sandbox, planted: Planted) -> None:
    """The same names, measurements dated 0001-01-01 and 9999-12-31, values of ±1.7e308."""
    session = _session(site, "airtable")

    def record(ref: str) -> str:
        return stable_id("rec", "item", ref)

    for kind, ref in (("priority", planted.priority), ("target", planted.target)):
        url = f"{site.url}/v0/{BASE_ID}/{TABLES[kind]}"
        body = {"records": [{"id": record(ref), "fields": {"Name": HOSTILE}}]}
        session.patch(url, json=body, timeout=30).raise_for_status()
    url = f"{site.url}/v0/{BASE_ID}/{TABLES['indicator']}"
    body = {"records": [{"id": record("P3-O1-I1"), "fields": {"Current value": HUGE}}]}
    session.patch(url, json=body, timeout=30).raise_for_status()
    planted.unreadable.add((record("P3-O1-I1"), "Current value"))
    rows = [
        ("P1-O1-I1", "0001-01-01", 80.0, "Date"),
        ("P1-O1-I1", "9999-12-31", 81.0, "Date"),
        ("P2-O1-I1", ANCHOR.isoformat(), HUGE, "Value"),
        ("P2-O1-I1", ANCHOR.isoformat(), -HUGE, "Value"),
    ]
    records = [
        {"fields": {"Name": f"{ref} {at}", "Indicator": [record(ref)], "Date": at, "Value": v}}
        for ref, at, v, _ in rows
    ]
    url = f"{site.url}/v0/{BASE_ID}/{MEASUREMENTS}"
    made = session.post(url, json={"records": records}, timeout=30)
    made.raise_for_status()
    for created, (*_, label) in zip(made.json()["records"], rows, strict=True):
        planted.unreadable.add((created["id"], label))


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


PLANT: dict[str, Callable[[Sandbox, Planted], None]] = {
    "jira": plant_jira,
    "airtable": plant_airtable,
}


@pytest.mark.parametrize("tool", ["jira", "airtable"])
def test_a_hostile_portfolio_gets_every_format_and_a_finding_per_bad_value(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, tool: str
) -> None:
    site = make_sandbox(seed="demo")
    site.airtable.rate_limit_per_second = None
    config = configure(tmp_path, site, tool)
    planted = Planted()
    PLANT[tool](site, planted)
    sync(config, site.clock)
    store = StateStore(config.state_path)
    try:
        paths = build_reports(config, store, tmp_path / "reports")
        priority_key = next(
            e.key for e in store.outputs()[1].entities if e.name == HOSTILE and e.kind == "priority"
        )
        packs = build_stocktakes(config, store, [priority_key], tmp_path / "stocktakes")
    finally:
        store.close()
    assert sorted(paths) == ["html", "json", "pdf", "xlsx"]

    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(report)
    quality = report["tables"]["data_quality"]
    found = {(row["key"], row["field"]) for row in quality if row["code"] == "RD901"}
    assert planted.unreadable <= found  # each bad value named by its ticket and field
    names = {row["name"] for row in report["tables"]["heat_map"]}
    assert HOSTILE in names  # the JSON carries the text as typed (escaped by JSON itself)

    html = paths["html"].read_bytes()
    assert b"\x1b" not in html and b"\x0b" not in html
    page = Page(html.decode("utf-8"))
    assert SHOWN in " ".join(page.text)
    # every target got its chart: one <svg> per target, the shared legend, and the focus
    # section's priority matrix (its priorities share leaders)
    targets = report["tables"]["targets"]
    assert report["tables"]["dependencies"]
    assert html.count(b"<svg") == len(targets) + 1 + 1
    assert b"No chart" not in html

    assert SHOWN.replace(" ", "") in pdf_text(paths["pdf"]).replace(" ", "")

    book = load_workbook(paths["xlsx"])
    cells = [c.value for s in book.worksheets for row in s.iter_rows() for c in row]
    texts = [v for v in cells if isinstance(v, str)]
    assert SHOWN in texts
    assert not [v for v in texts if ILLEGAL_CHARACTERS_RE.search(v)]

    stocktake = packs[priority_key]
    assert sorted(stocktake) == ["html", "pdf"]
    pack = stocktake["html"].read_bytes()
    assert b"\x1b" not in pack and b"<svg" in pack and b"No chart" not in pack
