"""Passengers' fault reports, complaints and ratings: what a form may hold, and saving it.

Validation returns field errors as message ids (marked with `_` for extraction); the page
translates them into the reader's language.
"""

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass, field

from core import clock, jobs
from core.store import page_revisions as revision_store
from core.store import photos as photo_store
from core.store import reports as report_store


def _(text):
    """Mark text for extraction; it is translated where it is shown."""
    return text


FAULT_CATEGORIES = {
    "doors": _("Doors"),
    "stopped": _("Stopped between floors"),
    "noise": _("Noise or shaking"),
    "buttons": _("Buttons or display"),
    "light": _("Light or fan"),
    "alarm": _("Alarm or intercom"),
    "other": _("Other"),
}
COMPLAINT_CATEGORIES = {
    "not_done": _("Maintenance not done"),
    "done_badly": _("Maintenance done badly"),
    "slow_repair": _("Slow repair"),
    "slow_rescue": _("Slow rescue"),
    "attitude": _("Attitude"),
    "other": _("Other"),
}
COMPLAINT_ABOUT = {"firm": _("The maintenance firm"), "unit": _("The using unit")}
STATES = {
    "open": _("Received"),
    "acknowledged": _("Acknowledged by the firm"),
    "in_progress": _("Being repaired"),
    "fixed": _("Fixed, says the firm"),
    "rejected": _("Rejected by the firm"),
    "confirmed": _("Confirmed fixed by the reporter"),
    "reopened": _("Reported as not fixed"),
}
OPEN_STATES = ("open", "acknowledged", "in_progress", "reopened")
# Who a notification failed to reach, as the tracking page names them.
PARTIES = {"firm": _("the maintenance firm"), "unit": _("the using unit"), "regulator": _("the regulator")}

MOBILE = re.compile(r"^1[3-9]\d{9}$")
DESCRIPTION_MAX = 1000
COMMENT_MAX = 300
MAX_PHOTOS = 3


@dataclass
class Form:
    """What a passenger submitted, and the errors found in it (field -> message id)."""

    values: dict
    errors: dict = field(default_factory=dict)

    @property
    def ok(self):
        """Tell whether the form has no error."""
        return not self.errors


def _text(raw, key, limit, required, errors):
    """Return a stripped text field, noting a missing or overlong one."""
    value = raw.get(key, "")
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        errors[key] = _("Please fill this in.")
    elif len(value) > limit:
        errors[key] = _("Too long: at most %(limit)s characters.")
    return value


def _choice(raw, key, choices, errors):
    """Return a value that must be one of choices."""
    value = raw.get(key, "")
    if not isinstance(value, str) or value not in choices:
        errors[key] = _("Please choose one.")
        return ""
    return value


def _phone(raw, required, errors):
    """Return a mainland mobile number (spaces and dashes dropped), or an error."""
    value = raw.get("phone", "")
    value = re.sub(r"[\s-]", "", value)[:40] if isinstance(value, str) else ""
    if (value or required) and not MOBILE.match(value):
        errors["phone"] = _("Enter an 11-digit mobile number starting with 1, such as 13800001234.")
    return value


def check_fault(raw):
    """Validate a fault report form."""
    errors = {}
    values = {"category": _choice(raw, "category", FAULT_CATEGORIES, errors),
              "description": _text(raw, "description", DESCRIPTION_MAX, True, errors),
              "phone": _phone(raw, False, errors)}
    return Form(values, errors)


def check_complaint(raw):
    """Validate a complaint form."""
    errors = {}
    values = {"about": _choice(raw, "about", COMPLAINT_ABOUT, errors),
              "category": _choice(raw, "category", COMPLAINT_CATEGORIES, errors),
              "description": _text(raw, "description", DESCRIPTION_MAX, True, errors),
              "phone": _phone(raw, True, errors)}
    return Form(values, errors)


def check_rating(raw):
    """Validate a rating form."""
    errors = {}
    stars = raw.get("stars", "")
    if not (isinstance(stars, str) and stars in ("1", "2", "3", "4", "5")):
        errors["stars"] = _("Please choose from 1 to 5 stars.")
    values = {"stars": stars, "comment": _text(raw, "comment", COMMENT_MAX, False, errors),
              "phone": _phone(raw, False, errors)}
    return Form(values, errors)


def utcnow():
    """Return the current time in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


def new_report(kind, elevator, values, photo_ids=(), now=None):
    """Return a new report document for an elevator (not yet stored)."""
    now = now or utcnow()
    return {"_id": secrets.token_hex(8), "token": secrets.token_urlsafe(18), "kind": kind,
            "elevator_id": elevator["_id"], "firm_id": elevator.get("firm_id"),
            "unit_id": elevator.get("unit_id"), "category": values["category"],
            "about": values.get("about"), "description": values["description"],
            "phone": values.get("phone") or None, "photo_ids": list(photo_ids),
            "state": "open", "history": [{"state": "open", "at": now, "note": ""}],
            "metoo_count": 0, "metoo": [], "created_at": now, "updated_at": now,
            "acknowledged_at": None, "fixed_at": None, "escalated_at": None}


def notification_kind(report):
    """Return the routing kind of a report: fault, complaint_maintenance or complaint_unit."""
    if report["kind"] == "fault":
        return "fault"
    return "complaint_unit" if report.get("about") == "unit" else "complaint_maintenance"


async def page_changed(db, elevator_id):
    """Have an elevator's page summary rebuilt: it holds its open reports and its rating."""
    from core.page_writer import inputs_changed  # the page writer reads this module's summaries
    await inputs_changed(db, [elevator_id])


async def page_owed(db, elevator_id):
    """Note that an elevator's page is out of date (the first half of page_changed: the sweep finds it)."""
    await revision_store.bump_revisions(db, [elevator_id], clock.now())


async def ask_for_page(db, elevator_id):
    """Ask for an elevator's page to be rebuilt now (the second half of page_changed, after page_owed)."""
    from core.page_writer import page_jobs  # the page writer reads this module's summaries
    await jobs.enqueue_many(db, page_jobs([elevator_id]))


async def save_report(db, report, ask_for_page_now=True):
    """Store a new report and note its page out of date; the page is asked for now unless the caller asks later."""
    await report_store.insert_report(db, report)
    await (page_changed if ask_for_page_now else page_owed)(db, report["elevator_id"])
    return report


async def find_by_token(db, token):
    """Return the report with this tracking token, or None."""
    if not isinstance(token, str) or not 10 <= len(token) <= 64:
        return None
    return await report_store.find_report_by_token(db, token)


class AlreadyRated(Exception):
    """This phone or browser has rated this elevator this month."""


def month_of(moment):
    """Return the month a rating counts for, as YYYY-MM."""
    return moment.strftime("%Y-%m")


async def save_rating(db, elevator, values, voter, now=None):
    """Store a rating; one per voter (a phone, else a browser id) per elevator per month."""
    now = now or utcnow()
    who = values.get("phone") or voter
    key = hashlib.sha256(f"{elevator['_id']}|{month_of(now)}|{who}".encode()).hexdigest()[:32]
    doc = {"_id": key, "elevator_id": elevator["_id"], "firm_id": elevator.get("firm_id"),
           "stars": int(values["stars"]), "comment": values.get("comment", ""), "created_at": now}
    if not await report_store.insert_rating(db, doc):
        raise AlreadyRated(elevator["_id"])
    await page_changed(db, elevator["_id"])
    return doc


async def rating_summary(db, elevator_id=None, firm_id=None):
    """Return {"average": float or None, "count": int} of an elevator's or a firm's ratings."""
    total, count = await report_store.sum_ratings(db, elevator_id=elevator_id, firm_id=firm_id)
    return {"average": round(total / count, 1) if count else None, "count": count}


ALREADY_RATED = _("You have already rated this elevator this month. Thank you!")
SAME_FAULT_HOURS = 24


async def find_same_fault(db, elevator_id, category, now=None):
    """Return an open fault report of this category on this elevator from the last 24 hours, or None."""
    since = (now or utcnow()) - datetime.timedelta(hours=SAME_FAULT_HOURS)
    found = await report_store.find_open_reports(db, elevator_id, "fault", OPEN_STATES, since=since)
    return next((r for r in found if r["category"] == category), None)


async def submit(db, kind, elevator, values, photos=(), now=None, ask_for_page_now=True):
    """Store a passenger's photos and their new report; return the report (see save_report for the page)."""
    report = new_report(kind, elevator, values, now=now)
    for photo in photos:
        report["photo_ids"].append(await photo_store.insert_photo(db, photo, report["_id"], public=kind == "fault"))
    return await save_report(db, report, ask_for_page_now)


async def add_metoo(db, elevator_id, report_id, comment, now=None):
    """Count one more passenger on an open fault report of this elevator; return it, or None."""
    if not isinstance(report_id, str) or len(report_id) > 40:
        return None
    report = await report_store.find_report(db, report_id)
    if report is None or report["elevator_id"] != elevator_id or report["state"] not in OPEN_STATES:
        return None
    added = await report_store.add_metoo(db, report_id, {"at": now or utcnow(), "comment": comment.strip()})
    await page_changed(db, elevator_id)
    return added


def labels_of(report):
    """Return the message ids that name a report's kind, category and state."""
    categories = FAULT_CATEGORIES if report["kind"] == "fault" else COMPLAINT_CATEGORIES
    return {"category_label": categories.get(report["category"], report["category"]),
            "state_label": STATES.get(report["state"], report["state"]), "state_labels": STATES,
            "party_labels": PARTIES}


OPEN_FAULTS_SHOWN = 10


def _fault_rows(found):
    """Return open fault reports as the public page lists them: category, time, me-too count."""
    return [{"category": FAULT_CATEGORIES.get(r["category"], r["category"]), "created_at": r["created_at"],
             "state": STATES[r["state"]], "metoo_count": r["metoo_count"]} for r in found]


def summarise_for_page(open_fault_reports, rating_sum):
    """Return the elevator page's reports summary from its open faults and its (sum, count) of stars."""
    total, count = rating_sum
    return {"open_faults": _fault_rows(open_fault_reports),
            "rating": {"average": round(total / count, 1) if count else None, "count": count}}


async def open_faults(db, elevator_id, limit=OPEN_FAULTS_SHOWN):
    """Return an elevator's open fault reports for its public page: category, time, me-too count."""
    return _fault_rows(await report_store.find_open_reports(db, elevator_id, "fault", OPEN_STATES, limit=limit))


async def elevator_summary(db, elevator_id):
    """Return what the elevator page shows of passengers' reports: open faults and the rating."""
    return {"open_faults": await open_faults(db, elevator_id),
            "rating": await rating_summary(db, elevator_id=elevator_id)}


def _median_hours(pairs):
    """Return the median of (end - start) in hours, or None when there is none."""
    hours = sorted((end - start).total_seconds() / 3600 for start, end in pairs if end)
    if not hours:
        return None
    middle = len(hours) // 2
    return round(hours[middle] if len(hours) % 2 else (hours[middle - 1] + hours[middle]) / 2, 1)


async def firm_summary(db, firm_id):
    """Return the firm page's figures: rating, and median hours to acknowledge and to fix (latest 500 reports)."""
    rows = await report_store.find_firm_report_times(db, firm_id)
    return {"rating": await rating_summary(db, firm_id=firm_id), "reports_count": len(rows),
            "median_ack_hours": _median_hours((r["created_at"], r.get("acknowledged_at")) for r in rows),
            "median_fix_hours": _median_hours((r["created_at"], r.get("fixed_at")) for r in rows)}
