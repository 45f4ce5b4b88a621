"""The technician's steps on a rescue call: accept (one winner), arrived, released, closed.

Each step is one conditional update on the call, so two technicians tapping Accept at the
same moment give one winner, and a step repeated (a double tap, Telegram's retry) moves
nothing. The arrival is accepted only within the elevator's geofence (core.visits' rules).
"""

import datetime

from core import clock, jobs, visits
from core.rescue import CAUSES
from core.rescue_figures import figures_job
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.store import rescues as store


class Refused(Exception):
    """A step the call cannot take now; code says why, details fill the message."""

    def __init__(self, code, **details):
        super().__init__(code)
        self.code = code
        self.details = details


async def accept(db, rescue_id, person):
    """Make a technician of the call's firm its owner; raise Refused when another got there first."""
    rescue = await store.find_rescue(db, rescue_id) if isinstance(rescue_id, str) else None
    if rescue is None:
        raise Refused("unknown_call")
    if rescue["firm_id"] != person.get("org_id"):
        raise Refused("not_your_firm")
    firm = await org_store.find_firm(db, rescue["firm_id"]) or {}
    owner = {"person_id": person["_id"], "name": person.get("name"), "phone": person.get("phone"),
             "firm_name": firm.get("name"), "firm_name_en": firm.get("name_en")}
    won = await store.advance(db, rescue_id, {"accepted_by": None, "open": True},
                              {"accepted_by": owner, "accepted_at": clock.now(), "state": "accepted"})
    if won is not None:
        return won
    current = await store.find_rescue(db, rescue_id)
    taker = current.get("accepted_by") or {}
    if taker.get("person_id") == person["_id"]:
        return current  # the same technician tapped twice
    raise Refused("taken", name=taker.get("name") or "?") if taker else Refused("closed")


async def accepted_call(db, person):
    """Return the open call a technician accepted, or None."""
    return await store.find_open_accepted_by(db, person["_id"])


async def arrive(db, rescue, location, config):
    """Record the technician's arrival from a location inside the geofence; the late ones count against the firm."""
    if rescue["state"] != "accepted":
        raise Refused("wrong_step")
    elevator = await elevator_store.find_elevator(db, rescue["elevator_id"])
    try:
        metres = visits.location_distance(location, elevator, config.geofence_m)
    except visits.Refused as refused:
        raise Refused(refused.code, **refused.details) from None
    now = clock.now()
    late = now - rescue["created_at"] > datetime.timedelta(minutes=config.rescue_arrive_minutes)
    changes = {"state": "arrived", "arrived_at": now, "arrival": {"lat": location["lat"], "lng": location["lng"],
                                                                  "metres": round(metres)}}
    if late:
        changes["over_target"] = True
    async with jobs.owing(db, [figures_job(rescue["_id"], "arrived")]):
        arrived = await store.advance(db, rescue["_id"], {"state": "accepted"}, changes)
    if arrived is None:
        raise Refused("wrong_step")
    return arrived


async def release(db, rescue):
    """Record that the people are out."""
    released = await store.advance(db, rescue["_id"], {"state": "arrived"},
                                   {"state": "released", "released_at": clock.now()})
    if released is None:
        raise Refused("wrong_step")
    return released


async def close(db, rescue, cause):
    """Close a call after the release, with its cause; the elevator may then have a new call."""
    if cause not in CAUSES:
        raise Refused("wrong_step")
    closed = await store.advance(db, rescue["_id"], {"state": "released"},
                                 {"state": "closed", "closed_at": clock.now(), "cause": cause, "open": False,
                                  "slot": f"closed:{rescue['_id']}"})
    if closed is None:
        raise Refused("wrong_step")
    return closed
