"""Rescue figures per elevator and per firm: calls, times to arrival, calls over the target.

One document per elevator (`elevator:<id>`) and per firm (`firm:<id>`) in `rescue_figures`,
holding per local month the calls' ids, their arrival times and those over the target.
Its one writer is the `rescue_figures` job, which adds with $addToSet, so running it twice
changes nothing; the firm page and the firm's grade read one document, never the calls, and
the page writer copies an elevator's months onto its page summary.
"""

import datetime
import statistics

from core import jobs, page_writer
from core.i18n import translations
from core.store import rescues as store
from core.tally import first_month, month_key
from core.timeutil import local_date, local_midnight_utc

def _(text):
    """Mark text for extraction; it is translated for each reader."""
    return text


KIND = "rescue_figures"
NONE_LATE = _("No rescue call went over 30 minutes.")
ARRIVED_AFTER = _("reached after %(minutes)s min")
NOT_REACHED = _("not reached within the target")
MONTHS = 12


def figures_job(rescue_id, moment):
    """Return the job that adds a call to its figures after a change (moment names the change)."""
    return jobs.job(KIND, {"rescue_id": rescue_id}, key=f"rescue:{rescue_id}:figures:{moment}")


def figures_ids(rescue):
    """Return the figures documents a call counts in."""
    ids = [f"elevator:{rescue['elevator_id']}"]
    return ids + [f"firm:{rescue['firm_id']}"] if rescue.get("firm_id") else ids


async def add_call(db, rescue, tz):
    """Add a call, its arrival and its lateness to its elevator's and firm's figures."""
    ids, month = figures_ids(rescue), month_key(local_date(rescue["created_at"], tz))
    await store.add_to_figures(db, ids, month, "calls", rescue["_id"])
    if rescue.get("arrived_at"):
        seconds = round((rescue["arrived_at"] - rescue["created_at"]).total_seconds())
        await store.add_to_figures(db, ids, month, "arrivals", {"r": rescue["_id"], "s": seconds})
    if rescue.get("over_target"):
        await store.add_to_figures(db, ids, month, "late", rescue["_id"])
    # The elevator's page summary holds these figures: have it rebuilt.
    await page_writer.inputs_changed(db, [rescue["elevator_id"]])


def _window(doc, today):
    """Return the months of a figures document within the last MONTHS, this one included."""
    wanted = {month_key(first_month(today, n)) for n in range(1, MONTHS + 1)}
    return [m for key, m in ((doc or {}).get("months") or {}).items() if key in wanted]


def summarise(doc, today):
    """Return {calls, median_minutes, worst_minutes, late} over the last 12 months."""
    months = _window(doc, today)
    seconds = [a["s"] for m in months for a in m.get("arrivals", ())]
    return {"calls": sum(len(m.get("calls", ())) for m in months),
            "median_minutes": round(statistics.median(seconds) / 60, 1) if seconds else None,
            "worst_minutes": round(max(seconds) / 60, 1) if seconds else None,
            "late": sum(len(m.get("late", ())) for m in months)}


def summarise_months(months, today):
    """Return the summary of the months a page summary keeps (its `rescue_months`)."""
    return summarise({"months": months}, today)


async def summary(db, kind, org_or_elevator_id, today):
    """Return the last 12 months' figures of an elevator ("elevator") or a firm ("firm")."""
    return summarise(await store.find_figures(db, f"{kind}:{org_or_elevator_id}"), today)


async def over_target_calls(db, day, config):
    """Return the calls over the arrival target for the digest of a local date.

    The window is the day before, moved back by the target, so every call in it is already
    decided when the round runs at midnight, and each call is in exactly one digest.
    """
    target = datetime.timedelta(minutes=config.rescue_arrive_minutes)
    until = local_midnight_utc(day, config.timezone) - target
    return await store.find_over_target(db, until - datetime.timedelta(days=1), until)


def describe_late(calls, lang):
    """Return the digest's lines about calls over the target, in a reader's language."""
    gettext = translations(lang).ugettext
    if not calls:
        return gettext(NONE_LATE)
    lines = []
    for call in calls:
        reached = call.get("arrived_at")
        minutes = round((reached - call["created_at"]).total_seconds() / 60) if reached else None
        lines.append(f"{call['elevator_id']} {call.get('place', '')} ({call.get('firm_id')}): " +
                     (gettext(ARRIVED_AFTER) % {"minutes": minutes} if reached else gettext(NOT_REACHED)))
    return "\n".join(lines)
