"""A trapped passenger's rescue call (MISSION F4): taken, joined, moved through its states.

A call is never refused: an answer that cannot be used is dropped and flagged, abuse is
flagged for staff, and every caller of one elevator joins its open call. The steps after
the call (dispatch, escalation, arrival) are in core/rescue_dispatch.py and core/rescue_steps.py.
"""

import re
import secrets

from core import clock
from core.reports import MOBILE
from core.store import deliveries as delivery_store
from core.store import rescues as store


def _(text):
    """Mark text for extraction; it is translated where it is shown."""
    return text


# The passenger's words for each state, in the order a call goes through them.
STATES = {
    "received": _("Your call was received"),
    "notified": _("The maintenance firm has been told"),
    "accepted": _("A technician is on the way"),
    "arrived": _("The technician has arrived"),
    "released": _("You are out"),
    "closed": _("The call is closed"),
}
ORDER = tuple(STATES)
CAUSES = {
    "power_cut": _("Power cut"),
    "door_fault": _("Door fault"),
    "control_fault": _("Control or drive fault"),
    "safety_gear": _("Safety gear or overspeed governor tripped"),
    "misuse": _("Misuse (doors held, overload)"),
    "false_alarm": _("False alarm: nobody was trapped"),
    "other": _("Other"),
}
MAX_PEOPLE = 50
KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_key():
    """Return a fresh idempotency key for one rescue form."""
    return secrets.token_urlsafe(18)


def check_call(raw):
    """Return (answers, flags) of a rescue form: what cannot be used is dropped and flagged, never refused."""
    flags, answers = [], {"people": None, "hurt": None, "phone": None}
    people = _field(raw, "people")
    if people:
        if people.isdigit() and 1 <= int(people) <= MAX_PEOPLE:
            answers["people"] = int(people)
        else:
            flags.append("people_unreadable")
    hurt = _field(raw, "hurt")
    if hurt in ("yes", "no"):
        answers["hurt"] = hurt == "yes"
    elif hurt:
        flags.append("hurt_unreadable")
    phone = re.sub(r"[\s-]", "", _field(raw, "phone"))
    if phone:
        if MOBILE.match(phone):
            answers["phone"] = phone
        else:
            flags.append("phone_unreadable")
    return answers, flags


def _field(raw, name):
    """Return a short stripped text field ('' when absent or not text)."""
    value = raw.get(name, "")
    return value.strip()[:40] if isinstance(value, str) else ""


def caller_key(raw):
    """Return the form's idempotency key, or a fresh one when it is missing or malformed."""
    key = raw.get("key", "")
    return key if isinstance(key, str) and KEY.match(key) else new_key()


def _fresh(elevator, now):
    """Return the fields of a call opened now on an elevator."""
    return {"_id": secrets.token_hex(12), "token": secrets.token_urlsafe(18), "elevator_id": elevator["_id"],
            "firm_id": elevator.get("firm_id"), "unit_id": elevator.get("unit_id"), "state": "received",
            "place": " ".join(filter(None, (elevator.get("address"), elevator.get("building")))),
            "open": True, "created_at": now, "accepted_at": None, "accepted_by": None,
            "arrived_at": None, "released_at": None, "closed_at": None, "cause": None, "over_target": False,
            "escalations": []}


async def call(db, elevator, key, answers, flags):
    """Store a caller's call durably and return (call, opened): a repeat finds it, a second caller joins it.

    The key is unique across calls, so a first tap is one write; only a write refused for a
    duplicate key (a repeat, or another first tap at the same moment) looks the key up.
    """
    for _attempt in range(5):
        now = clock.now()
        caller = {"key": key, "at": now, **answers, "flags": flags}
        merged = {"$max": {"people": answers["people"] or 0}}
        if answers["hurt"]:
            merged["$set"] = {"hurt": True}
        joined = await store.join_or_open(db, elevator["_id"], caller, _fresh(elevator, now), merged)
        if joined is not None:
            return joined, joined["callers"][0]["key"] == key
        found = await store.find_by_caller_key(db, key)
        if found is not None:
            return found, False
    raise RuntimeError(f"could not store a rescue call for {elevator['_id']}")


def valid_token(token):
    """Tell whether a status-page token is worth looking up."""
    return isinstance(token, str) and 10 <= len(token) <= 64


async def find_by_token(db, token):
    """Return the call with this status token, or None."""
    return await store.find_by_token(db, token) if valid_token(token) else None


async def notified_at(db, rescue):
    """Return when the first message of the call's dispatch was accepted by its channel, or None."""
    sent = [d["sent_at"] for d in await delivery_store.find_deliveries(db, dispatch_notification(rescue))
            if d["state"] == "sent" and d.get("sent_at")]
    return min(sent) if sent else None


def dispatch_notification(rescue):
    """Return the notification id of a call's dispatch (every first message of it)."""
    return f"rescue:{rescue['_id']}:dispatch"


def shown_state(rescue, notified):
    """Return the state the passenger reads: `notified` once a first message was accepted."""
    if rescue["state"] == "received" and notified:
        return "notified"
    return rescue["state"]


def steps(rescue, notified):
    """Return [(state, time or None)] for every state, in order, for the status page."""
    times = {"received": rescue["created_at"], "notified": notified, "accepted": rescue.get("accepted_at"),
             "arrived": rescue.get("arrived_at"), "released": rescue.get("released_at"),
             "closed": rescue.get("closed_at")}
    return [(state, times[state]) for state in ORDER]


async def status(db, rescue, arrive_minutes):
    """Return what the status page and its live updates show of a call."""
    notified = await notified_at(db, rescue)
    state = shown_state(rescue, notified)
    taker = rescue.get("accepted_by") or {}
    return {"state": state, "state_label": STATES[state], "steps": steps(rescue, notified),
            "received_at": rescue["created_at"], "target_minutes": arrive_minutes,
            "technician": taker.get("name"), "firm_name": taker.get("firm_name"),
            "firm_name_en": taker.get("firm_name_en"), "cause": CAUSES.get(rescue.get("cause") or ""),
            "people": rescue.get("people") or None, "callers": len(rescue.get("callers", ()))}
