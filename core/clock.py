"""The one clock: every job, lease, page and grade asks it the time, and tests move it.

Tests set or advance it instead of sleeping, so back-off schedules and lease expiry are
checked in milliseconds. Outside tests it is the system clock, in UTC.
"""

import datetime

_fixed = None


def now():
    """Return the current time, timezone-aware, in UTC."""
    if _fixed is not None:
        return _fixed
    return datetime.datetime.now(datetime.timezone.utc)


def set_time(moment):
    """Stop the clock at moment (an aware datetime); tests only."""
    global _fixed
    _fixed = moment.astimezone(datetime.timezone.utc)


def advance(**delta):
    """Move a stopped clock forward by a timedelta's keyword arguments; tests only."""
    set_time(now() + datetime.timedelta(**delta))


def release():
    """Let the clock follow the system clock again."""
    global _fixed
    _fixed = None
