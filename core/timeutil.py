"""Time: stored in UTC, shown in the district's local time zone."""

import datetime
from zoneinfo import ZoneInfo

from core import clock


def utcnow():
    """Return the current time, timezone-aware, in UTC (from core.clock, which tests control)."""
    return clock.now()


def local_date(moment, tz_name):
    """Return the calendar date of an aware datetime in the given zone."""
    return moment.astimezone(ZoneInfo(tz_name)).date()


def today(tz_name):
    """Return today's date in the given zone."""
    return local_date(utcnow(), tz_name)


def local_midnight_utc(day, tz_name):
    """Return local midnight of a date, as an aware UTC datetime (how dates are stored)."""
    local = datetime.datetime.combine(day, datetime.time(), ZoneInfo(tz_name))
    return local.astimezone(datetime.timezone.utc)
