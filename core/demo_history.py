"""Years of demo history per elevator: maintenance visits, inspections, the regulator's checks.

Each elevator's story (overdue now, inspection missed, stopped) is decided beforehand in
a Plan; the functions here write records that tell that story and nothing else.
"""

import datetime
from dataclasses import dataclass

from core.models import INVALID_REASONS, ITEM_RESULTS, SUPERVISION_RESULTS
from core import demo_names as names
from core.checklists import INTERVALS, elevator_type_for_category, interval_rank, load_checklist
from core.store.meta import stamped_id
from core.timeutil import local_date

YEAR_DAYS = 365
# A visit takes on a longer interval's items once they fall due within this many days.
LOOKAHEAD_DAYS = 15
UNDER_MAINTENANCE_SHARE = 0.04
REASON_WEIGHTS = (3, 3, 2, 2)  # in the order of models.INVALID_REASONS
ITEM_WEIGHTS = (930, 50, 12, 8)  # in the order of models.ITEM_RESULTS


@dataclass
class Plan:
    """One elevator's story: overdue now, inspection missed, stopped, checked by the regulator."""

    overdue: bool = False
    inspection_overdue: bool = False
    stopped_by: str = ""
    supervised: bool = False


def at_local(day, minute, tz):
    """Return minute past local midnight of day, as an aware UTC datetime."""
    local = datetime.datetime.combine(day, datetime.time(), tz) + datetime.timedelta(minutes=minute)
    return local.astimezone(datetime.timezone.utc)


def days_from(day, days):
    """Return the date days after day (before it when negative)."""
    return day + datetime.timedelta(days=days)


def add_year(day):
    """Return the same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def history(district, elevator, config):
    """Set an elevator's status; return its maintenance records, inspections and supervisions."""
    plan = district.plans[elevator["_id"]]
    elevator["status"] = status(names.stream("status", elevator["_id"]), plan)
    checks = [supervision(district, elevator, plan)] if plan.supervised else []
    return visits(district, elevator, plan, config), inspections(district, elevator, plan), checks


def status(rng, plan):
    """Return the status an elevator's story gives it."""
    if plan.stopped_by:
        return "out_of_service"
    if not plan.overdue and rng.random() < UNDER_MAINTENANCE_SHARE:
        return "under_maintenance"
    return "in_service"


# -- maintenance -------------------------------------------------------------------


def visits(district, elevator, plan, config):
    """Return the maintenance records of one elevator, oldest first.

    The visits before the window that last did each longer interval's items are written
    too: without them a yearly visit made eleven months before the window would be
    missing, and the elevator would look a year overdue when it is not.
    """
    rng = names.stream("visits", elevator["_id"])
    window_start = days_from(district.today, -YEAR_DAYS * district.size.years)
    start = local_date(elevator["maintenance_start"], config.timezone)
    first = max(window_start, days_from(start, 1))
    profile = district.profiles[elevator["firm_id"]]
    days, valid = visit_days(rng, profile, first, district.today, plan.overdue)
    before = last_before(rng, first, start, window_start)
    chosen = choose_intervals(days, valid, dict(before), config.interval_days)
    earlier = earlier_visits(before, start)
    days, chosen, valid = [d for d, _ in earlier] + days, [i for _, i in earlier] + chosen, [True] * len(earlier) + valid
    unit = district.unit(elevator["unit_id"])
    return [visit_record(district, rng, elevator, unit, *visit) for visit in zip(days, chosen, valid)]


def earlier_visits(last, start):
    """Return (date, interval) of the visits before the window, the longest interval per date."""
    by_day = {}
    for interval in INTERVALS:  # shortest first, so a longer interval on the same day wins
        if last[interval] > start:
            by_day[last[interval]] = interval
    return sorted(by_day.items())


def visit_days(rng, profile, first, today, overdue):
    """Return visit dates and whether each visit counts, built back from the last visit."""
    last = days_from(today, -rng.randint(16, 40) if overdue else -rng.randint(1, 13))
    days = [last]
    while (earlier := days_from(days[-1], -rng.choice(profile.gaps))) >= first:
        days.append(earlier)
    days.reverse()
    valid = [rng.random() >= profile.invalid for _ in days[:-1]] + [True]
    if overdue and rng.random() < 0.4:
        # A visit after the last valid one that does not count: the clock keeps running.
        days.append(days_from(today, -rng.randint(2, 10)))
        valid.append(False)
    return days, valid


def last_before(rng, first, start, window_start):
    """Return, per interval, when its items were last done before the first visit shown."""
    if start >= window_start:
        return dict.fromkeys(INTERVALS, start)
    yearly = rng.randint(0, 349)
    half = yearly % 165
    quarter = half % 75
    lags = {"half_monthly": min(quarter, 14), "quarterly": quarter, "half_yearly": half, "yearly": yearly}
    return {interval: days_from(first, -lag) for interval, lag in lags.items()}


def choose_intervals(days, valid, last, interval_days):
    """Return each visit's interval: the longest one falling due before the next visit."""
    chosen = []
    for day, ok in zip(days, valid):
        interval = next((i for i in reversed(INTERVALS)
                         if days_from(last[i], interval_days[i] - LOOKAHEAD_DAYS) <= day), INTERVALS[0])
        chosen.append(interval)
        if ok:
            last.update(dict.fromkeys(INTERVALS[:interval_rank(interval) + 1], day))
    return chosen


def visit_record(district, rng, elevator, unit, day, interval, valid):
    """Return one maintenance record, made during working hours."""
    moment = at_local(day, rng.randint(510, 1020), district.tz)
    checklist = load_checklist(elevator_type_for_category(elevator["category"]))
    return {"_id": stamped_id(moment, district.next_serial()),
            "elevator_id": elevator["_id"], "firm_id": elevator["firm_id"], "unit_id": unit["_id"],
            "date": moment, "interval": interval, "technician_ids": crew(rng, elevator, district),
            "items": item_results(rng, checklist.items_for(interval)),
            "valid": valid, "invalid_reasons": [] if valid else invalid_reasons(rng),
            "confirmed": confirmation(rng, district, unit, moment),
            "created_at": moment + datetime.timedelta(minutes=rng.randint(25, 90))}


def crew(rng, elevator, district):
    """Return who did a visit: the assigned pair, now and then with a stand-in."""
    pair = list(elevator["technician_ids"])
    if rng.random() < 0.1:
        others = [pid for pid in district.technicians(elevator["firm_id"]) if pid not in pair]
        pair[1] = rng.choice(others)
    return pair


def item_results(rng, items):
    """Return the outcome of each checklist item of a visit (one draw for all: a million visits add up)."""
    results = rng.choices(ITEM_RESULTS, weights=ITEM_WEIGHTS, k=len(items))
    return [{"code": item.code, "result": result, "note": "" if result == "ok" else rng.choice(names.ITEM_NOTES[result])}
            for item, result in zip(items, results)]


def invalid_reasons(rng):
    """Return why a visit does not count: one reason, sometimes two."""
    picks = rng.choices(INVALID_REASONS, weights=REASON_WEIGHTS, k=rng.choice((1, 1, 1, 2)))
    return sorted(set(picks))


def confirmation(rng, district, unit, moment):
    """Return the using unit's confirmation of a visit, or None if not (yet) given."""
    diligence = names.stream("diligence", unit["_id"]).uniform(0.85, 0.99)
    at = moment + datetime.timedelta(minutes=rng.randint(30, 2880))
    if rng.random() > diligence or at >= at_local(district.today, 0, district.tz):
        return None
    return {"by": unit["safety_officers"][0]["name"], "at": at}


# -- inspections and supervision ------------------------------------------------------


def inspections(district, elevator, plan):
    """Return an elevator's yearly periodic inspections over the years of history, oldest first."""
    rng = names.stream("inspections", elevator["_id"])
    ago = rng.randint(368, 420) if plan.inspection_overdue else rng.randint(10, 355)
    days = [days_from(district.today, -ago)]
    for _ in range(district.size.years):
        days.insert(0, days_from(days[0], rng.randint(-375, -355)))
    registered = datetime.date.fromisoformat(elevator["registered"] + "-01")
    days = [d for d in days if d > registered] or days[-1:]
    results = [rng.choices(("pass", "pass_after_rectification"), weights=(82, 18))[0] for _ in days]
    if plan.stopped_by == "inspection":
        results[-1] = "fail"
    return [inspection(district, rng, elevator, day, result) for day, result in zip(days, results)]


def inspection(district, rng, elevator, day, result):
    """Return one periodic inspection record."""
    moment = at_local(day, rng.randint(540, 960), district.tz)
    body, body_en = names.INSPECTION_BODY
    return {"_id": stamped_id(moment, district.next_serial()),
            "elevator_id": elevator["_id"], "firm_id": elevator["firm_id"],
            "body": body, "body_en": body_en, "date": moment, "result": result,
            "next_due": at_local(add_year(day), 0, district.tz),
            "report_no": f"QZTJ-DT{day:%Y%m}-{elevator['_id'][-4:]}"}


def supervision(district, elevator, plan):
    """Return the regulator's on-site check of one elevator."""
    rng = names.stream("supervision", elevator["_id"])
    day, result = supervision_outcome(rng, district.today, district.profiles[elevator["firm_id"]], plan)
    moment = at_local(day, rng.randint(540, 1000), district.tz)
    findings = [] if result == "no_issue" else rng.sample(names.FINDINGS, rng.randint(1, 3))
    authority, authority_en = names.AUTHORITY
    return {"_id": stamped_id(moment, district.next_serial()),
            "elevator_id": elevator["_id"], "firm_id": elevator["firm_id"], "unit_id": elevator["unit_id"],
            "date": moment, "authority": authority, "authority_en": authority_en,
            "result": result, "findings": [{"zh": zh, "en": en} for zh, en in findings]}


def supervision_outcome(rng, today, profile, plan):
    """Return the day and result of a check, as the firm's record makes likely."""
    if plan.stopped_by == "supervision":
        return days_from(today, -rng.randint(5, 40)), "stop_use"
    day = days_from(today, -rng.randint(5, 360))
    result = rng.choices(SUPERVISION_RESULTS, weights=profile.supervision)[0]
    if result == "stop_use" and day > days_from(today, -60):
        result = "rectify"  # a recent stop order would have left the elevator out of service
    return day, result
