"""When maintenance and inspection fall due (TSG T5002-2017: at least every 15 days).

A visit of a longer interval includes every shorter interval's items, so a yearly
visit also counts as the quarterly, half-yearly and half-monthly one.
"""

import datetime
from dataclasses import dataclass

from core.checklists import INTERVALS, interval_rank

OK, DUE_SOON, OVERDUE = "ok", "due_soon", "overdue"


@dataclass(frozen=True)
class Due:
    """The state of one maintenance interval on a given day."""

    interval: str
    last: datetime.date | None
    due: datetime.date
    days_left: int

    @property
    def overdue(self):
        """Tell whether the due date has passed."""
        return self.days_left < 0

    @property
    def days_overdue(self):
        """Return how many days past due, or 0."""
        return max(0, -self.days_left)

    def state(self, soon_days):
        """Return OK, DUE_SOON or OVERDUE."""
        if self.days_left < 0:
            return OVERDUE
        return DUE_SOON if self.days_left <= soon_days else OK


def maintenance_visits(records, day=lambda moment: moment.date()):
    """Return (date, interval) of the valid maintenance visits among records.

    Repair and rescue records have no interval, and a correction repeats the date and
    interval of the record it corrects, so neither moves a due date.
    """
    return [(day(r["date"]), r["interval"]) for r in records
            if r["valid"] and r.get("interval") and not r.get("corrects")]


def covers(visit_interval, interval):
    """Tell whether a visit of visit_interval includes interval's items."""
    return interval_rank(visit_interval) >= interval_rank(interval)


def last_covering(visits, interval):
    """Return the latest date of a valid visit that covers interval, or None."""
    dates = [day for day, kind in visits if covers(kind, interval)]
    return max(dates) if dates else None


def due_for(visits, interval, start, today, interval_days):
    """Return the Due state of one interval from (date, interval) pairs of valid visits."""
    last = last_covering(visits, interval)
    due = (last or start) + datetime.timedelta(days=interval_days[interval])
    return Due(interval, last, due, (due - today).days)


def all_due(visits, start, today, interval_days):
    """Return the Due state of every interval, shortest first."""
    return [due_for(visits, interval, start, today, interval_days) for interval in INTERVALS]


def inspection_state(next_due, today, soon_days=30):
    """Return OK, DUE_SOON or OVERDUE for the periodic inspection (no date means overdue)."""
    if next_due is None or next_due < today:
        return OVERDUE
    return DUE_SOON if (next_due - today).days <= soon_days else OK
