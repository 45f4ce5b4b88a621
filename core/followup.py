"""Following a report up: telling the responsible parties, the firm's signed actions, the reporter's answer."""

import datetime
import logging
import time

from core import guard
from core.notify.compose import compose
from core.notify.deliveries import abandon, delivery_docs, hand_to_worker, record_notification, record_taken, \
    send_taken, utcnow
from core.notify.routing import resolve
from core.reports import COMPLAINT_CATEGORIES, FAULT_CATEGORIES, OPEN_STATES, ask_for_page, notification_kind, \
    page_changed
from core.store import elevators as elevator_store
from core.store import reports as report_store

log = logging.getLogger(__name__)

LINK_DAYS = 14
UNACKNOWLEDGED_AFTER = datetime.timedelta(hours=24)
# What the firm may do through its links, from which states, and the time stamp each sets.
ACTIONS = {
    "acknowledge": ("acknowledged", ("open", "reopened"), "acknowledged_at"),
    "in_progress": ("in_progress", ("open", "acknowledged", "reopened"), "acknowledged_at"),
    "fixed": ("fixed", OPEN_STATES, "fixed_at"),
    "rejected": ("rejected", OPEN_STATES, None),
}
ACTION_LABELS = {"acknowledge": "Acknowledge", "in_progress": "In progress", "fixed": "Fixed",
                 "rejected": "Not ours, or a duplicate"}


class StateConflict(Exception):
    """The report is no longer in a state that allows this step."""


def action_url(key, base_url, report_id, action, now=None):
    """Return a signed link that lets the firm take one action on a report, for LINK_DAYS days."""
    expires = str(int((now if now is not None else time.time()) + LINK_DAYS * 86400))
    signature = guard.link_signature(key, report_id, action, expires)
    return f"{base_url}/a/{report_id}/{action}?exp={expires}&sig={signature}"


def photo_url(key, base_url, photo_id, now=None):
    """Return a signed link to a full-size photo, for those told of the report."""
    return action_url(key, base_url, photo_id, "photo", now).replace(f"/a/{photo_id}/photo", f"/photos/{photo_id}/full")


def _(text):
    """Mark text for extraction; compose() translates it for each reader."""
    return text


PHOTO = _("Photo")


def _facts(report, elevator):
    """Return the facts a notification about a report states."""
    categories = FAULT_CATEGORIES if report["kind"] == "fault" else COMPLAINT_CATEGORIES
    place = " ".join(filter(None, (elevator.get("address"), elevator.get("building"))))
    return {"code": report["elevator_id"], "place": place,
            "category": {"msgid": categories.get(report["category"], report["category"])},
            "description": report["description"], "phone": report.get("phone"),
            "reported_at": report["created_at"].strftime("%Y-%m-%d %H:%M UTC")}


def _notification(report, kind, elevator, key, base_url, extra_facts=None):
    """Return (notification id, compose(lang, copy)) of a report event."""
    links = [(ACTION_LABELS[a], action_url(key, base_url, report["_id"], a)) for a in ACTIONS]
    links += [(PHOTO, photo_url(key, base_url, photo_id)) for photo_id in report.get("photo_ids", ())]
    facts = {**_facts(report, elevator), **(extra_facts or {})}
    notification_id = f"{report['_id']}:{kind}:{len(report['history'])}"
    return notification_id, lambda lang, copy: compose(kind, lang, facts, links, copy)


async def notify_report(db, report, kind, *, key, base_url, elevator=None, extra_facts=None):
    """Record the notification of a report event for everyone it is routed to; return the delivery ids.

    Their `deliver` job is keyed by the notification, so recording it again asks for nothing more.
    """
    if elevator is None:
        elevator = await elevator_store.find_elevator(db, report["elevator_id"]) or {"_id": report["elevator_id"]}
    notification_id, composer = _notification(report, kind, elevator, key, base_url, extra_facts)
    ids = await record_notification(db, notification_id, kind, elevator, composer)
    await hand_to_worker(db, notification_id, ids)
    return ids


async def record_new_report(db, report, elevator, *, key, base_url):
    """Record the notification of a report just stored, its deliveries taken for sending here; return them.

    The portal answers the reporter, then sends them (send_new_report). A process that dies
    first leaves them pending: the worker's sweep of lost deliveries asks for their job.
    """
    kind = notification_kind(report)
    notification_id, composer = _notification(report, kind, elevator, key, base_url)
    docs = delivery_docs(notification_id, kind, await resolve(db, kind, elevator), composer, utcnow())
    if not docs:
        log.warning("%s %s: nobody to tell", kind, notification_id)
    return await record_taken(db, docs)


async def send_new_report(db, report, docs, notifier):
    """Send a new report's deliveries at once, then ask for its page; what did not go is handed to the worker.

    A temporary failure is retried, and a refusal made known (delivery_failed), by the
    notification's deliver job, as for every other notification.
    """
    try:
        results = await send_taken(db, docs, notifier)
        if any(outcome != "sent" for outcome in results.values()):
            await hand_to_worker(db, docs[0]["notification_id"], [d["_id"] for d in docs])
    finally:
        await ask_for_page(db, report["elevator_id"])  # after the messages: the page may wait a moment


async def take_action(db, report_id, action, note="", now=None):
    """Apply a firm's action to a report; raise StateConflict when its state does not allow it."""
    state, allowed, stamp = ACTIONS[action]
    now = now or utcnow()
    current = await report_store.find_report(db, report_id)
    stamps = {stamp: now} if stamp and current and not current.get(stamp) else {}
    entry = {"state": state, "at": now, "note": note}
    changed = await report_store.change_state(db, report_id, allowed, state, entry, stamps)
    if changed is None:
        raise StateConflict(report_id)
    await page_changed(db, changed["elevator_id"])
    return changed


async def answer_fixed(db, report, fixed, *, key, base_url, now=None):
    """Record the reporter's answer to "fixed": confirmed, or reopened and the firm told again."""
    now = now or utcnow()
    state = "confirmed" if fixed else "reopened"
    changed = await report_store.change_state(db, report["_id"], ("fixed",), state,
                                              {"state": state, "at": now, "note": ""}, {})
    if changed is None:
        raise StateConflict(report["_id"])
    await page_changed(db, report["elevator_id"])
    if not fixed:
        await notify_report(db, changed, "not_fixed", key=key, base_url=base_url)
    return changed


async def escalate_unacknowledged(db, *, key, base_url, now=None):
    """Tell the firm's fallback contacts and the regulator of each report nobody acknowledged in 24 hours.

    Each report is claimed with one conditional update first, so two workers never both send;
    the worker runs this as a periodic sweep. Return the delivery ids recorded.
    """
    now = now or utcnow()
    recorded = []
    while (report := await report_store.claim_unacknowledged(db, now - UNACKNOWLEDGED_AFTER, now)) is not None:
        recorded += await notify_report(db, report, "unacknowledged", key=key, base_url=base_url)
    return recorded


# Who is told instead when a delivery to a party fails for good (core/notify/routing.py).
UNDELIVERED = {"firm": "undelivered_firm", "unit": "undelivered_unit"}


async def delivery_failed(db, delivery_id, reason, *, key, base_url, now=None):
    """Make a delivery that failed for good seen: marked failed, noted on its report, the fallback and regulator told.

    Safe to run again: the report notes each delivery once, and the notice is one notification.
    Return the ids of the deliveries recorded for the notice.
    """
    delivery = await abandon(db, delivery_id, reason)
    if delivery is None or delivery["state"] != "failed":
        return []  # unknown, or sent after all
    log.error("delivery %s (%s %s to %s %s) failed for good: %s", delivery_id, delivery["kind"], delivery["channel"],
              delivery["party"], delivery["org_id"], delivery.get("last_error"))
    report = await report_store.find_report(db, delivery["notification_id"].split(":", 1)[0])
    if report is None:
        return []  # not about a report: the failed delivery and the failed job say it
    notice = UNDELIVERED.get(delivery["party"])
    # A copy, the regulator itself, or a notice that failed in turn: the trace is enough.
    told = notice is not None and not delivery["copy"] and delivery["kind"] not in UNDELIVERED.values()
    entry = {"delivery_id": delivery_id, "party": delivery["party"], "channel": delivery["channel"],
             "told": told, "at": now or utcnow()}
    await report_store.note_undelivered(db, report["_id"], entry)
    if not told:
        return []
    failed = f"{delivery['channel']} {delivery['address']}: {delivery.get('last_error') or ''}".strip()
    return await notify_report(db, report, notice, key=key, base_url=base_url, extra_facts={"undelivered": failed})
