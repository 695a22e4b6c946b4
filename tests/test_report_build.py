"""The entry points: every format from one model into a folder, and the real pipeline feeds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mappings.errors import InputError
from reports import build_report, build_stocktake
from reports.document import build_document
from reports.json_out import SCHEMA_FILE
from reports.model import ReportData
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess
from rules.rubric import rate_rubric
from tests.fixtures_reports import (
    GENERATED,
    HIDDEN,
    HIDDEN_SHOWN,
    TODAY,
    UNDRAWABLE,
    architecture,
    demo_data,
    hostile_data,
    previous,
)
from tests.report_checks import Page, off_page_references


def test_build_report_writes_every_format_and_leaves_no_partial_file(tmp_path: Path) -> None:
    paths = build_report(demo_data(), tmp_path / "out", ["json", "xlsx", "html", "pdf"])
    assert sorted(paths) == ["html", "json", "pdf", "xlsx"]
    assert paths["html"].name == "crdo-report-all-departments-2025-11-03.html"
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    assert paths["xlsx"].read_bytes().startswith(b"PK")
    assert json.loads(paths["json"].read_text())["schema_version"] == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in paths.values()
    )


def test_build_report_names_the_bad_format(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        build_report(demo_data(), tmp_path, ["html", "docx"])
    assert caught.value.where == "--format"
    assert "docx" in str(caught.value) and "html, pdf, xlsx, json" in str(caught.value.fix)
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_build_stocktake_writes_its_html(tmp_path: Path) -> None:
    paths = build_stocktake(demo_data(), "DEL-1", tmp_path, formats=["html"])
    assert sorted(paths) == ["html"]
    assert paths["html"].name == "stocktake-del-1-2025-11-03.html"
    assert off_page_references(paths["html"].read_text()) == []
    with pytest.raises(InputError):
        build_stocktake(demo_data(), "DEL-1", tmp_path, formats=["xlsx"])  # HTML and PDF only


def test_the_real_rules_and_likelihood_feed_the_report() -> None:
    """Findings from the rule engine, assessments from `assess`, the rubric from `rate_rubric`."""
    import jsonschema

    from reports.json_out import report_json

    arch = architecture()
    ctx = RuleContext(today=TODAY)
    findings = run_rules(arch, RulesConfig(), ctx)
    assessments = assess(arch, findings, ctx)
    later = RuleContext(today=TODAY, assessments=assessments, previous=previous())
    findings += run_rules(arch, RulesConfig(), later, phase="assessment")
    data = ReportData(
        generated_at=GENERATED,
        architecture=arch,
        findings=findings,
        assessments=assessments,
        previous=previous(),
        rubric=rate_rubric(arch, findings),
    )
    document = build_document(data, charts=False)
    heat = {r["key"]: r["likelihood"] for r in document.records("heat_map")}
    assert heat == {k: int(assessments[k].likelihood) for k in heat}
    assert {r["code"] for r in document.records("findings_by_rule")} == {f.code for f in findings}
    assert all(r["gaps"] != "Not rated" for r in document.records("rubric_gaps"))
    quality = [(r["code"], r["key"]) for r in document.records("data_quality")]
    assert len(quality) == len(set(quality))  # a data problem and its finding: shown once
    output = json.loads(json.dumps(report_json(document)))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(output)
    from reports.html import render_report

    document = build_document(data)
    assert "Problem solving" in " ".join(Page(render_report(document)).text)


def test_values_no_chart_can_draw_cost_their_chart_never_the_report(tmp_path: Path) -> None:
    """What an older state store may hold (an infinite value, a year-1 date, NaN, control
    characters) still gives every format: the two charts become notes, the rest are drawn."""
    import jsonschema
    from openpyxl import load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    data = hostile_data()
    paths = build_report(data, tmp_path, ["html", "pdf", "xlsx", "json"])
    html = paths["html"].read_text(encoding="utf-8")
    for key in UNDRAWABLE:
        assert f"No chart for {key}: its data could not be drawn" in html
    targets = build_document(data, charts=False).tables["targets"]
    focus = [name for name in build_document(data).charts if name.startswith("focus:")]
    # the legend, and the focus section's pictures
    assert html.count("<svg") == len(targets) - len(UNDRAWABLE) + 1 + len(focus)
    assert "\x1b" not in html and HIDDEN_SHOWN in " ".join(Page(html).text)

    def no_constant(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    output = json.loads(paths["json"].read_text(encoding="utf-8"), parse_constant=no_constant)
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(output)
    assert HIDDEN in {row["name"] for row in output["tables"]["targets"]}  # JSON keeps the text

    texts = [
        c.value
        for sheet in load_workbook(paths["xlsx"]).worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert HIDDEN_SHOWN in texts and not [t for t in texts if ILLEGAL_CHARACTERS_RE.search(t)]
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    pack = build_stocktake(data, "DEL-1", tmp_path, ["html", "pdf"])
    assert "No chart for DEL-4" in pack["html"].read_text(encoding="utf-8")


def test_html_and_pdf_share_one_drawing_of_each_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The charts are drawn once per build, whichever formats show them: the PDF prints the
    very SVG the HTML holds."""
    from collections import Counter

    from mappings.model import Target
    from reports.charts import TrajectoryCharts

    drawn: Counter[str] = Counter()
    draw = TrajectoryCharts.svg

    def counted(self: TrajectoryCharts, target: Target, *args: object) -> str:
        drawn[target.key] += 1
        return draw(self, target, *args)

    monkeypatch.setattr(TrajectoryCharts, "svg", counted)
    data = demo_data()
    build_report(data, tmp_path, ["html", "pdf"])
    targets = [k for k, e in data.architecture.entities.items() if isinstance(e, Target)]
    assert drawn == Counter(targets)


BESIDE = """
import os, sys
from pathlib import Path
import reports.json_out, reports.pdf, reports.xlsx
from reports import build_report
from tests.fixtures_reports import demo_data

log = Path(sys.argv[1])
def recording(real):
    def write(*args):
        with log.open("a", encoding="utf-8") as notes:
            notes.write(f"{os.getpid()}\\n")
        return real(*args)
    return write
reports.xlsx.write_xlsx = recording(reports.xlsx.write_xlsx)
reports.json_out.write_json = recording(reports.json_out.write_json)
reports.pdf.write_pdf = recording(reports.pdf.write_pdf)
formats = sys.argv[3].split(",")
if sys.argv[4] == "thread":  # another thread running: forking is not safe
    import threading
    done = threading.Event()
    threading.Thread(target=done.wait).start()
build_report(demo_data(), Path(sys.argv[2]), formats)
if sys.argv[4] == "thread":
    done.set()
print(os.getpid())
"""


def _build_noting_pids(
    tmp_path: Path, name: str, formats: str, threads: str
) -> tuple[str, list[str]]:
    """Builds in a fresh process (one thread, as `rdsync report` runs; a pytest-xdist worker
    has more): its pid, and the pid of each writer of the PDF or a table."""
    import os
    import subprocess
    import sys

    log = tmp_path / f"{name}.pids"
    done = subprocess.run(
        [sys.executable, "-c", BESIDE, str(log), str(tmp_path / name), formats, threads],
        capture_output=True, check=True, text=True, env={**os.environ},
    )  # fmt: skip
    return done.stdout.split()[-1], log.read_text(encoding="utf-8").split()


def test_the_pdf_and_the_tables_are_written_by_other_processes(tmp_path: Path) -> None:
    """The PDF prints in a forked process while this one draws the HTML's other charts, and
    XLSX and JSON (no layout) are written by forked processes beside it; the files are the
    same as those written alone. With other threads running (no safe fork), or with no PDF to
    wait for, this process writes them."""
    parent, writers = _build_noting_pids(tmp_path, "all", "html,pdf,xlsx,json", "alone")
    assert len(set(writers)) == 3 and parent not in writers
    parent, writers = _build_noting_pids(tmp_path, "json", "json", "alone")
    assert writers == [parent]
    parent, writers = _build_noting_pids(tmp_path, "threads", "pdf,xlsx,json", "thread")
    assert writers == [parent, parent, parent]
    together = {p.suffix: p for p in (tmp_path / "all").iterdir()}
    alone = {p.suffix: p for p in (tmp_path / "json").iterdir()}
    assert together[".json"].read_bytes() == alone[".json"].read_bytes()
    assert sorted(together) == [".html", ".json", ".pdf", ".xlsx"]  # no partial file left
    for path in together.values():
        assert path.stat().st_mode & 0o777 == 0o600


PRIORITY = """
import os, sys
from pathlib import Path
import reports.build, reports.charts, reports.document
import reports.json_out, reports.pdf, reports.xlsx
from reports import build_report
from tests.fixtures_reports import demo_data

log = Path(sys.argv[1])
def noting(what, real, name=lambda *args: ""):
    def work(*args, **named):
        with log.open("a", encoding="utf-8") as notes:
            notes.write(f"{what}{name(*args)} {os.getpid()} {os.nice(0)}\\n")
        return real(*args, **named)
    return work
reports.xlsx.write_xlsx = noting("xlsx", reports.xlsx.write_xlsx)
reports.json_out.write_json = noting("json", reports.json_out.write_json)
reports.pdf.write_pdf = noting("pdf", reports.pdf.write_pdf)
reports.charts._draw = noting("drawn", reports.charts._draw)
reports.charts.POOL_FROM = 2  # the demo's few charts over a pool, as a large report's are
# In this process, in order: what it hands to a child, and the charts it has drawn
ordered = lambda beside, path, job: f":{path.suffix}"
reports.build.Beside.write = noting("beside", reports.build.Beside.write, ordered)
reports.document.draw_charts = noting("charts", reports.document.draw_charts)
build_report(demo_data(), Path(sys.argv[2]), ["html", "pdf", "xlsx", "json"])
print(os.getpid(), os.nice(0))
"""


def test_the_work_beside_the_pdf_runs_at_the_builds_priority(tmp_path: Path) -> None:
    """The tables' writers start first (their core is idle while the PDF's charts are drawn)
    and every process of the build runs at its priority: one lowered would get a tenth of a
    core wherever other programs keep the cores busy, and the report would wait on it."""
    import os
    import subprocess
    import sys

    log = tmp_path / "work.log"
    done = subprocess.run(
        [sys.executable, "-c", PRIORITY, str(log), str(tmp_path / "out")],
        capture_output=True, check=True, text=True, env={**os.environ},
    )  # fmt: skip
    parent, nice = done.stdout.split()
    work = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    here = [w for w, pid, _ in work if pid == parent]
    assert here == ["beside:.xlsx", "beside:.json", "charts", "beside:.pdf", "charts"]
    elsewhere = {w for w, pid, _ in work if pid != parent}
    assert elsewhere == {"xlsx", "json", "pdf", "drawn"}  # the charts drawn over the pool
    assert {n for _, _, n in work} == {nice}


def test_a_table_that_fails_beside_the_pdf_fails_the_build_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error of the forked writer (an InputError does not cross processes as itself) is
    raised by the build with its own type, place and fix, and no partial file is left."""
    import reports.xlsx

    def refuse(*args: object) -> Path:
        raise InputError("cannot write the workbook", where="report.xlsx", fix="Free space.")

    monkeypatch.setattr(reports.xlsx, "write_xlsx", refuse)
    with pytest.raises(InputError) as raised:
        build_report(demo_data(), tmp_path, ["pdf", "xlsx", "json"])
    assert raised.value.where == "report.xlsx"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


FAILING = """
import sys
from pathlib import Path
import reports.xlsx
from mappings.errors import InputError
from reports import build_report
from tests.fixtures_reports import demo_data

def refuse(*args):
    raise InputError("cannot write the workbook", where="report.xlsx", fix="Free space.")

reports.xlsx.write_xlsx = refuse
try:
    build_report(demo_data(), Path(sys.argv[1]), ["pdf", "xlsx"])
except InputError as error:
    print("raised", error.where)
"""


def test_a_writer_that_fails_in_its_forked_process_fails_the_build_as_itself(
    tmp_path: Path,
) -> None:
    """In a fresh process (one thread: the writers fork), the child's failure prints no
    traceback; the build writes that format again itself and raises its error whole."""
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FAILING, str(tmp_path)],
        capture_output=True, check=True, text=True, env={**os.environ},
    )  # fmt: skip
    assert done.stdout.split() == ["raised", "report.xlsx"]
    assert "Traceback" not in done.stderr
    assert [p.suffix for p in tmp_path.iterdir()] == [".pdf"]  # no partial workbook left
