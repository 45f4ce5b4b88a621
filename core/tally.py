"""Firm tallies: the counts a grade is made of, kept per firm so grading reads one document.

Each page summary carries its elevator's share (`page_tally`): one elevator, the day its
maintenance first falls overdue, and its valid visits, invalid visits and supervision
findings per month (every month: a share must not depend on the day it was counted). The page writer adds the difference between the new
and the old page's share to the firm's tally (`firm_tallies`, with $inc), so the
firm's tally is the sum of its pages' shares. Grading sums the days up to today and the
12 months up to this one.
"""

import datetime

from core.timeutil import local_date

FIELDS = ("valid", "invalid", "findings")


def month_key(day):
    """Return the tally key of a date's month (2026-11)."""
    return f"{day.year:04d}-{day.month:02d}"


def first_month(today, months):
    """Return the first day of the month `months - 1` months before today's."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def page_tally(maintenance, supervisions, overdue_day, tz):
    """Return an elevator's share of its firm's tally."""
    tally = {"elevators": 1, "overdue": {overdue_day.isoformat(): 1}, "valid": {}, "invalid": {}, "findings": {}}
    for record in maintenance:
        if record.get("corrects"):  # a correction repeats a visit already counted
            continue
        _add(tally["valid" if record["valid"] else "invalid"], month_key(local_date(record["date"], tz)))
    for visit in supervisions:
        if visit.get("result") != "no_issue":
            _add(tally["findings"], month_key(local_date(visit["date"], tz)))
    return tally


def _add(counts, key, n=1):
    counts[key] = counts.get(key, 0) + n


def flatten(tally):
    """Return a tally as {dotted path: count}, ready for $inc."""
    if not tally:
        return {}
    flat = {"elevators": tally.get("elevators", 0)}
    for field in ("overdue",) + FIELDS:
        flat.update({f"{field}.{key}": n for key, n in (tally.get(field) or {}).items()})
    return flat


def unflatten(flat):
    """Return a tally document from {dotted path: count}, dropping zeros."""
    tally = {"elevators": flat.get("elevators", 0), "overdue": {}, **{field: {} for field in FIELDS}}
    for path, n in flat.items():
        field, _, key = path.partition(".")
        if key and n:
            tally[field][key] = n
    return tally


def difference(new, old):
    """Return the $inc that turns a firm tally holding old into one holding new."""
    new_flat, old_flat = flatten(new), flatten(old)
    keys = set(new_flat) | set(old_flat)
    return {k: new_flat.get(k, 0) - old_flat.get(k, 0) for k in sorted(keys)
            if new_flat.get(k, 0) != old_flat.get(k, 0)}


def totals(tally, today):
    """Return (elevators, overdue elevators, valid, invalid, findings) of a firm tally on a day."""
    tally = tally or {}
    months = {month_key(first_month(today, n)) for n in range(1, 13)}
    overdue = sum(n for day, n in (tally.get("overdue") or {}).items() if day <= today.isoformat())
    sums = [sum(n for month, n in (tally.get(field) or {}).items() if month in months) for field in FIELDS]
    return (tally.get("elevators", 0), overdue, *sums)
