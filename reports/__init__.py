"""CRDO compliance reports and stock take packs: HTML, PDF, XLSX and JSON from one model.

`build_report` and `build_stocktake` (in reports.build) are the entry points; they are loaded
on first use so that importing `reports.model` stays free of pandas and matplotlib.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "build_stocktake"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from reports import build

        return getattr(build, name)
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
