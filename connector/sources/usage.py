"""API calls cost money: a source's monthly call budget, and what it keeps between runs.

Airtable caps the API calls of a workspace per month on its Free (1,000) and Team (100,000)
plans; past the cap it throttles the workspace for the rest of the month. A source with a
`monthly_call_budget` counts every request it sends in the state store (`SourceState`), warns
once the month's calls pass `budget_warn_share` of it, and refuses to start a run past it
unless `over_budget = true`. Months are calendar months in UTC, the run clock's.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Protocol

from connector.clock import Clock
from mappings.errors import RdsyncError

log = logging.getLogger("rdsync.usage")


class SourceState(Protocol):
    """What a source keeps in the state store between runs (`connector.sync.state.StateStore`)."""

    def source_value(self, source: str, name: str) -> str | None: ...
    def set_source_value(self, source: str, name: str, value: str) -> None: ...
    def add_calls(self, source: str, day: date, calls: int = 1) -> None: ...
    def month_calls(self, source: str, month: date) -> int: ...


class BudgetSpent(RdsyncError):
    """A source has made its month's `monthly_call_budget` of calls: the run does not start."""

    exit_code = 3


class CallBudget:
    """The calls of one source this month, against its budget (None: counted, never capped)."""

    def __init__(
        self,
        source: str,
        state: SourceState | None,
        clock: Clock,
        *,
        budget: int | None = None,
        warn_share: float = 0.8,
        over_budget: bool = False,
    ) -> None:
        self.source = source
        self.state = state
        self.clock = clock
        self.budget = budget
        self.warn_share = warn_share
        self.over_budget = over_budget

    def used(self) -> int:
        """Calls this source sent this month, as the state store counted them."""
        return 0 if self.state is None else self.state.month_calls(self.source, self.clock.today())

    def check(self) -> str | None:
        """Before a run's first call: raise past the budget; a warning past its share."""
        if self.budget is None:
            return None
        used, key = self.used(), f"sources.{self.source}.monthly_call_budget"
        shown = f"{used:,} of {self.budget:,} API calls this month ({used / self.budget:.0%})"
        if used >= self.budget and not self.over_budget:
            raise BudgetSpent(
                f"{shown}: the budget is spent, so this run would cost more",
                where=key,
                fix=f"Wait for {_next_month(self.clock.today())}, raise "
                f"monthly_call_budget to what the workspace's plan allows (Airtable: Free "
                f"1,000 and Team 100,000 a month; Business and Enterprise have no cap), or "
                f"set sources.{self.source}.over_budget = true to run on regardless.",
            )
        if used < self.budget * self.warn_share:
            return None
        warning = f"{shown}: past {self.warn_share:.0%} of {key}"
        if used >= self.budget:
            warning += " (over_budget = true: running on)"
        log.warning("source=%s %s", self.source, warning)
        return warning

    def spend(self, calls: int = 1) -> None:
        """Count requests as sent (each attempt: the tool counts retries too)."""
        if self.state is not None:
            self.state.add_calls(self.source, self.clock.today(), calls)


def _next_month(day: date) -> str:
    first = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return f"{first.day} {first:%B %Y}"
