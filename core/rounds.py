"""The technician's day (F3): their elevators due within a few days or overdue, nearest first."""

import datetime

from geopy.distance import distance as geo_distance

from core import clock, schedule, visits
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.store import records as record_store
from core.store import visits as visit_store


async def due_elevators(db, person_id, config, near=None):
    """Return (elevator, most pressing Due, metres or None) for assigned elevators not OK, nearest first."""
    today = clock.now().date()
    found = []
    for elevator in await visit_store.find_elevators_of(db, person_id):
        records = await record_store.find_maintenance_records(db, elevator["_id"])
        valid = schedule.maintenance_visits(records)
        states = schedule.all_due(valid, elevator["maintenance_start"].date(), today, config.interval_days)
        pressing = min(states, key=lambda d: d.days_left)
        if pressing.state(config.due_soon_days) == schedule.OK:
            continue
        where = (elevator["location"]["lat"], elevator["location"]["lng"])
        found.append((elevator, pressing, round(geo_distance(near, where).meters) if near else None))
    return sorted(found, key=lambda f: (f[2] if f[2] is not None else 0, f[1].days_left))


# How long /today's "share my location" button stays an answer to /today: a technician taps it
# at once or not at all, and a location much later is more likely meant for something else.
LOCATION_WAIT = datetime.timedelta(minutes=5)


async def ask_location(db, person_id):
    """Record that the technician's next location, within LOCATION_WAIT, is meant to sort /today."""
    await visit_store.save_location_request(db, person_id, "today", clock.now() + LOCATION_WAIT)


async def due_from_shared(db, person_id, location, config):
    """Return the due list sorted from a location shared for /today, or None when none was asked for."""
    if await visit_store.find_location_request(db, person_id, "today", clock.now()) is None:
        return None
    visits.check_fresh(location)  # Refused (forwarded, venue, live, stale) leaves the request open
    await visit_store.delete_location_request(db, person_id)
    return await due_elevators(db, person_id, config, (location["lat"], location["lng"]))


async def last_position(db, person_id):
    """Return the technician's latest check-in position, or None."""
    visit = await visit_store.find_last_checkin(db, person_id)
    return (visit["checkin"]["lat"], visit["checkin"]["lng"]) if visit else None


async def nearest_first(db, person_id):
    """Return the technician's assigned elevators, nearest to their latest check-in first."""
    elevators = await visit_store.find_elevators_of(db, person_id)
    near = await last_position(db, person_id)
    if near is None:
        return elevators
    return sorted(elevators, key=lambda e: geo_distance(near, (e["location"]["lat"], e["location"]["lng"])).meters)


HISTORY_LIMIT = 10


class NotShown(Exception):
    """An elevator whose history a technician cannot see; the message is a reason code."""


async def elevator_history(db, person, code, limit=HISTORY_LIMIT):
    """Return (elevator, its latest records, {person id: name}) for a technician of its firm."""
    elevator = await elevator_store.find_elevator_by_code(db, code)
    if elevator is None:
        raise NotShown("unknown_elevator")
    if elevator["firm_id"] != person["org_id"]:
        raise NotShown("not_your_firm")
    records = await record_store.find_maintenance_records(db, elevator["_id"], limit)
    ids = {pid for r in records for pid in r.get("technician_ids", ())}
    names = {p["_id"]: p["name"] for p in await org_store.find_people(db, ids)}
    return elevator, records, names
