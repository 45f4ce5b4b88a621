"""An elevator's standing on a given day: each maintenance interval's and the inspection's state.

Every place that says whether an elevator is late — the page's headline, colour and table,
the firm page, the credit grade, the demo summary — asks `elevator_standing`, so no page
can say "due in 12 days" in one place and "310 days overdue" in another.

The page summary keeps due dates, never states: a state depends on today's date and would
go stale at midnight, a due date does not (see docs/storage.md).
"""

import datetime
from dataclasses import dataclass

from core import schedule
from core.store import elevators as elevator_store
from core.timeutil import local_date, local_midnight_utc

OK, DUE_SOON, OVERDUE, FAILED = "ok", "due_soon", "overdue", "failed"
STATES = (OK, DUE_SOON, OVERDUE, FAILED)
MAINTENANCE, INSPECTION = "maintenance", "inspection"
_SEVERITY = {OK: 0, DUE_SOON: 1, OVERDUE: 2, FAILED: 3}
INSPECTION_SOON_DAYS = 30


@dataclass(frozen=True)
class Concern:
    """One thing that falls due: a maintenance interval or the periodic inspection."""

    subject: str
    state: str
    interval: str | None  # the maintenance interval; None for the inspection
    due: datetime.date | None  # None: never inspected
    days: int  # days overdue when late, else days left (0 when there is no due date)
    last: datetime.date | None = None

    @property
    def days_overdue(self):
        """Return how many days past due, or 0."""
        return self.days if self.state in (OVERDUE, FAILED) else 0

    def rank(self):
        """Return a key that sorts worse concerns higher."""
        return _SEVERITY[self.state], self.days if self.state in (OVERDUE, FAILED) else -self.days


@dataclass(frozen=True)
class Standing:
    """Every concern of one elevator on one day, and the worst of them."""

    maintenance: tuple  # one Concern per interval, shortest first
    inspection: Concern

    @property
    def worst_maintenance(self):
        """Return the maintenance interval that is most overdue, or next due."""
        return max(self.maintenance, key=Concern.rank)

    @property
    def worst(self):
        """Return the worst concern of all."""
        return max((*self.maintenance, self.inspection), key=Concern.rank)

    @property
    def maintenance_overdue(self):
        """Tell whether any maintenance interval is past due."""
        return self.worst_maintenance.state == OVERDUE


def maintenance_concern(due, soon_days):
    """Return the Concern of one schedule.Due."""
    state = due.state(soon_days)
    days = due.days_overdue if state == OVERDUE else due.days_left
    return Concern(MAINTENANCE, state, due.interval, due.due, days, due.last)


def inspection_concern(next_due, result, today, soon_days=INSPECTION_SOON_DAYS):
    """Return the Concern of the periodic inspection: failed, overdue, due soon or ok."""
    if next_due is None:
        return Concern(INSPECTION, FAILED if result == "fail" else OVERDUE, None, None, 0)
    left = (next_due - today).days
    if result == "fail":
        return Concern(INSPECTION, FAILED, None, next_due, max(0, -left))
    state = schedule.inspection_state(next_due, today, soon_days)
    return Concern(INSPECTION, state, None, next_due, -left if state == OVERDUE else left)


def maintenance_dues(page, today, config):
    """Return the schedule.Due of every interval for a page summary on a given day."""
    visits = [(local_date(moment, config.timezone), interval)
              for interval, moment in page["last_by_interval"].items() if moment]
    start = local_date(page["maintenance_start"], config.timezone)
    return schedule.all_due(visits, start, today, config.interval_days)


def latest_inspection_result(page):
    """Return the result of an elevator's latest periodic inspection, or None."""
    if "inspection_result" in page:
        return page["inspection_result"]
    return page["inspections"][0]["result"] if page.get("inspections") else None


def elevator_standing(page, today, config):
    """Return the Standing of a page summary on a given day."""
    concerns = tuple(maintenance_concern(d, config.due_soon_days) for d in maintenance_dues(page, today, config))
    moment = page.get("next_inspection_due")
    next_due = local_date(moment, config.timezone) if moment else None
    return Standing(concerns, inspection_concern(next_due, latest_inspection_result(page), today))


def due_dates(page, config):
    """Return the due dates a page summary stores for indexed counting (local midnight, UTC)."""
    # Today does not matter to a due date: any day gives the same dates.
    dues = maintenance_dues(page, datetime.date(2000, 1, 1), config)
    first = min(d.due for d in dues)
    return {"maintenance": local_midnight_utc(first, config.timezone),
            "inspection": page.get("next_inspection_due")}


def day_bounds(today, config):
    """Return (start of today, start of the first day no longer 'due soon'), as UTC datetimes."""
    soon_end = today + datetime.timedelta(days=config.due_soon_days + 1)
    return local_midnight_utc(today, config.timezone), local_midnight_utc(soon_end, config.timezone)



async def firm_counts(db, firm_id, today, config):
    """Count a firm's elevators by state on a given day, with indexed queries over stored due dates."""
    counts = await elevator_store.count_firm_pages(db, firm_id, *day_bounds(today, config))
    counts["maintenance_on_time"] = counts["elevators"] - counts["maintenance_overdue"] - counts["maintenance_due_soon"]
    return counts
