"""A technician's visit, step by step: start, place, face, checklist, photos, finish, record.

A visit in progress is one document in `visits`; every step reads it, checks the input and
moves it on with a conditional update, so any process can take the next message.
"""

import datetime

from geopy.distance import distance as geo_distance

from core import alerts, clock, confirmations, district, faces, guard, photos, repairs, schedule
from core.worker import sweep
from core.checklists import INTERVALS, elevator_type_for_category, load_checklist
from core.store import elevators as elevator_store
from core.store import records as record_store
from core.store import technicians as people_store
from core.store import visits as store

VISIT_TYPES = (*INTERVALS, "repair", "rescue")
ITEM_CHOICES = {"d": "ok", "a": "adjusted", "f": "issue", "n": "not_applicable"}
# The steps of a visit that wait for a location: the check-in and the check-out.
LOCATION_STEPS = ("place", "checkout")
MAX_LOCATION_AGE = datetime.timedelta(minutes=2)
MAX_FACE_FAILURES = 3
# Faster than this between two check-ins is not a drive across town (km/h).
MAX_TRAVEL_KMH = 120


class Refused(Exception):
    """An input the visit cannot take; code says why, details fill the message."""

    def __init__(self, code, **details):
        super().__init__(code)
        self.code = code
        self.details = details


async def start(db, person, code):
    """Open a visit of a person to an elevator, or return the one already open there."""
    elevator = await elevator_store.find_elevator_by_code(db, code)
    if elevator is None:
        raise Refused("unknown_elevator")
    if elevator["firm_id"] != person["org_id"]:
        raise Refused("not_your_firm")
    open_visit = await store.find_open_visit(db, person["_id"])
    if open_visit is not None:
        if open_visit["elevator_id"] == elevator["_id"]:
            return open_visit
        await store.update_visit(db, open_visit["_id"], {"$addToSet": {"flags": "start_elsewhere_while_open"}})
        raise Refused("open_elsewhere", elevator=open_visit["elevator_id"])
    visit = {"person_id": person["_id"], "firm_id": person["org_id"], "elevator_id": elevator["_id"],
             "unit_id": elevator["unit_id"], "open": True, "step": "type", "started_at": clock.now(),
             "flags": [], "face_attempts": [], "items": [], "photo_hashes": []}
    visit["_id"] = await store.insert_visit(db, visit)
    return visit


async def choose_type(db, visit, visit_type):
    """Set the kind of visit; a repair at an elevator with open fault reports asks which one first."""
    if visit_type not in VISIT_TYPES or visit["step"] != "type":
        raise Refused("wrong_step")
    faults = visit_type == "repair" and await repairs.open_faults(db, visit["elevator_id"])
    return await store.update_visit(db, visit["_id"], {"$set": {"type": visit_type,
                                                                "step": "report" if faults else "place"}})


async def choose_report(db, visit, report_id):
    """Link a repair visit to the open fault report it answers (None: to none), then ask for the place."""
    if visit["step"] != "report":
        raise Refused("wrong_step")
    change = {"step": "place"}
    if report_id is not None:
        if await repairs.linkable(db, visit["elevator_id"], report_id) is None:
            raise Refused("report_gone")
        await repairs.start_work(db, report_id)
        change["report_id"] = report_id
    return await store.update_visit(db, visit["_id"], {"$set": change})


def check_fresh(location):
    """Refuse a location that does not show where the technician is now: forwarded, venue, live edit, stale."""
    if location.get("forwarded"):
        raise Refused("forwarded")
    if location.get("venue"):
        raise Refused("venue")
    if location.get("edited") or location.get("live"):
        raise Refused("live")
    if clock.now() - location["sent_at"] > MAX_LOCATION_AGE:
        raise Refused("stale")


def _check_location(location, elevator, geofence_m):
    """Return the distance in metres from the elevator, refusing a location that is not fresh or is far."""
    check_fresh(location)
    metres = geo_distance((location["lat"], location["lng"]),
                          (elevator["location"]["lat"], elevator["location"]["lng"])).meters
    if metres > geofence_m:
        raise Refused("far", metres=round(metres))
    return metres


def _travel_flag(previous, location):
    """Return "impossible_travel" if the technician could not have come from the previous check-in."""
    if previous is None:
        return None
    before = previous["checkin"]
    hours = (location["sent_at"] - before["at"].replace(tzinfo=location["sent_at"].tzinfo)).total_seconds() / 3600
    km = geo_distance((before["lat"], before["lng"]), (location["lat"], location["lng"])).km
    if km > 1 and (hours <= 0 or km / hours > MAX_TRAVEL_KMH):
        return "impossible_travel"
    return None


async def check_in(db, visit, location, geofence_m):
    """Take the check-in location: refused (Refused) or stored with its flags."""
    if visit["step"] != "place":
        raise Refused("wrong_step")
    elevator = await elevator_store.find_elevator_by_code(db, visit["elevator_id"])
    metres = _check_location(location, elevator, geofence_m)
    flags = [f for f in (_travel_flag(await store.find_last_checkin(db, visit["person_id"]), location),
                         "poor_accuracy" if (location.get("accuracy") or 0) > geofence_m else None) if f]
    checkin = {"lat": location["lat"], "lng": location["lng"], "accuracy": location.get("accuracy"),
               "metres": round(metres), "at": location["sent_at"]}
    return await store.update_visit(db, visit["_id"], {"$set": {"checkin": checkin, "step": "face"},
                                                       "$addToSet": {"flags": {"$each": flags}}})


async def take_selfie(db, visit, selfie, config):
    """Match a selfie; return the visit, moved on or not; raise Refused for a replay or a mismatch."""
    if visit["step"] != "face":
        raise Refused("wrong_step")
    face = await people_store.find_face(db, visit["person_id"])
    earlier = [*face.get("reference_hashes", []), *face.get("selfie_hashes", [])]
    if photos.find_replay(selfie, earlier, config.photo_hash_distance):
        await store.update_visit(db, visit["_id"], {"$addToSet": {"flags": "selfie_replay"},
                                                    "$push": {"face_attempts": _attempt(False, None, "replay")}})
        await alerts.face_refused(db, visit, "replay")
        raise Refused("replay")
    match = await faces.match(selfie, face["embeddings"], config.face_threshold, config.face_min_px)
    if match.reason in ("no_face", "face_too_small", "unreadable"):
        raise Refused(match.reason)
    visit = await store.update_visit(db, visit["_id"], {"$push": {"face_attempts": _attempt(*match)}})
    if not match.ok:
        failures = sum(1 for a in visit["face_attempts"] if not a["ok"])
        if failures >= MAX_FACE_FAILURES:
            await finish(db, visit, config, ["face_mismatch"])
            await alerts.face_refused(db, visit, "face_failed")
            raise Refused("face_failed")
        raise Refused("mismatch", left=MAX_FACE_FAILURES - failures)
    await store.push_selfie_hash(db, visit["person_id"], photos.phash(selfie))
    await people_store.drop_reference_photos(db, visit["person_id"])
    if visit["type"] not in INTERVALS:  # a repair or a rescue has no TSG checklist
        return await store.update_visit(db, visit["_id"], {"$set": {"step": "photos", "face_ok": True,
                                                                    "due_codes": []}})
    items = await due_items(db, visit, config)
    return await store.update_visit(db, visit["_id"], {"$set": {"step": "checklist", "face_ok": True,
                                                                "due_codes": [i.code for i in items]}})


def _attempt(ok, distance, reason):
    return {"ok": ok, "distance": distance, "reason": reason, "at": clock.now()}


async def due_items(db, visit, config):
    """Return the checklist items of the visit's type and of every longer interval the history makes due."""
    elevator = await elevator_store.find_elevator_by_code(db, visit["elevator_id"])
    records = await record_store.find_maintenance_records(db, elevator["_id"])
    valid = schedule.maintenance_visits(records)
    today = clock.now().date()
    states = schedule.all_due(valid, elevator["maintenance_start"].date(), today, config.interval_days)
    due = [d.interval for d in states if d.state(config.due_soon_days) != schedule.OK]
    longest = max([visit["type"], *due], key=INTERVALS.index)
    return load_checklist(elevator_type_for_category(elevator["category"])).items_for(longest)


def item_text(visit, code, lang, elevator_category):
    """Return an item's name and requirement in a language."""
    checklist = load_checklist(elevator_type_for_category(elevator_category))
    item = next(i for i in checklist.items if i.code == code)
    return (item.en, item.requirement_en) if lang == "en" else (item.zh, item.requirement_zh)


def next_item(visit):
    """Return the code of the next unanswered item, or None when all are answered."""
    answered = {i["code"] for i in visit["items"]}
    return next((c for c in visit.get("due_codes", []) if c not in answered), None)


async def answer_item(db, visit, code, choice):
    """Record one item's result; a fault waits for its note."""
    if visit["step"] != "checklist" or code != next_item(visit) or visit.get("note_for"):
        raise Refused("wrong_step")
    result = ITEM_CHOICES[choice]
    change = {"$push": {"items": {"code": code, "result": result, "note": ""}}}
    if result == "issue":
        change["$set"] = {"note_for": code}
    visit = await store.update_visit(db, visit["_id"], change)
    return await _after_item(db, visit)


async def add_note(db, visit, text):
    """Attach the note a fault needs."""
    code = visit.get("note_for")
    if visit["step"] != "checklist" or not code or not text.strip():
        raise Refused("wrong_step")
    items = [{**i, "note": text.strip()[:500]} if i["code"] == code else i for i in visit["items"]]
    visit = await store.update_visit(db, visit["_id"], {"$set": {"items": items}, "$unset": {"note_for": ""}})
    return await _after_item(db, visit)


async def _after_item(db, visit):
    """Move on to the photos once every item is answered and no note is owed."""
    if next_item(visit) is None and not visit.get("note_for"):
        return await store.update_visit(db, visit["_id"], {"$set": {"step": "photos"}})
    return visit


async def add_photo(db, visit, data, config):
    """Keep a work photo's hash, flagging a reused one; move on to check-out at the minimum."""
    if visit["step"] != "photos":
        raise Refused("wrong_step")
    photo_hash = photos.phash(data)
    earlier = await store.find_firm_photo_hashes(db, visit["firm_id"])
    change = {"$push": {"photo_hashes": photo_hash}}
    if photos.find_near(photo_hash, earlier, config.photo_hash_distance):
        change["$addToSet"] = {"flags": "photo_reused"}
    await store.insert_work_photo(db, visit["firm_id"], visit["_id"], photo_hash)
    visit = await store.update_visit(db, visit["_id"], change)
    if len(visit["photo_hashes"]) >= config.visit_min_photos:
        visit = await store.update_visit(db, visit["_id"], {"$set": {"step": "checkout"}})
    return visit


async def check_out(db, visit, location, config):
    """Take the check-out location inside the geofence and save the record."""
    if visit["step"] != "checkout":
        raise Refused("wrong_step")
    elevator = await elevator_store.find_elevator_by_code(db, visit["elevator_id"])
    metres = _check_location(location, elevator, config.geofence_m)
    checkout = {"lat": location["lat"], "lng": location["lng"], "metres": round(metres), "at": location["sent_at"]}
    visit = await store.update_visit(db, visit["_id"], {"$set": {"checkout": checkout}})
    return await finish(db, visit, config)


def _reasons(visit, min_photos):
    """Return why a visit does not count (place, face, photos)."""
    reasons = []
    if "checkin" not in visit or "checkout" not in visit:
        reasons.append("no_location_checkin")
    if not visit.get("face_ok"):
        reasons.append("face_mismatch")
    if len(visit["photo_hashes"]) < min_photos:
        reasons.append("no_photos")
    return reasons


async def finish(db, visit, config, reasons=()):
    """Close a visit and save its final record once, through the district writer."""
    now = clock.now()
    started = visit["started_at"].replace(tzinfo=now.tzinfo)
    duration = (now - started).total_seconds()
    flags = list(visit["flags"])
    if duration < config.visit_min_minutes.get(visit.get("type"), 0) * 60:
        flags.append("too_short")
    if any(a["reason"] == "mismatch" for a in visit["face_attempts"]):
        flags.append("face_mismatch_attempt")  # matched in the end, or not: the firm sees it tried
    reasons = sorted(set(reasons) | set(_reasons(visit, config.visit_min_photos)))
    kind = visit.get("type") or "half_monthly"
    record = {"_id": visit["_id"], "visit_id": visit["_id"], "elevator_id": visit["elevator_id"],
              "firm_id": visit["firm_id"], "unit_id": visit["unit_id"], "date": started,
              "type": kind, "interval": kind if kind in INTERVALS else None, "report_id": visit.get("report_id"),
              "technician_ids": [visit["person_id"]],
              "items": visit["items"], "valid": not reasons, "invalid_reasons": reasons, "flags": sorted(set(flags)),
              "duration_s": round(duration), "checkin": visit.get("checkin"), "checkout": visit.get("checkout"),
              "face": [{k: a[k] for k in ("ok", "distance", "reason")} for a in visit["face_attempts"]],
              "photo_hashes": visit["photo_hashes"], "confirmed": None, "created_at": now}
    closed = await store.update_visit(db, visit["_id"], {"$set": {"open": False, "step": "closed",
                                                                  "closed_at": now}})
    if closed is not None and not await store.record_exists(db, visit["_id"]):
        await district.add_maintenance_records(db, [record])
        if record["valid"]:
            await confirmations.ask_confirmation(db, record, guard.load_secret_key(config), config.public_url)
    return record


@sweep
async def close_visits_left_open(db, config):
    """Close as invalid every visit open longer than LIFTWATCH_VISIT_MAX_OPEN_HOURS; return how many."""
    left = await store.find_visits_open_since(db, clock.now() - datetime.timedelta(hours=config.visit_max_open_hours))
    for visit in left:
        # A visit that never checked out has no proof of place at the end: no_location_checkin.
        await finish(db, visit, config, ["no_location_checkin"])
    return len(left)


def location_distance(location, elevator, geofence_m):
    """Return a location's distance from the elevator in metres; raise Refused as a check-in would (rescue arrival)."""
    return _check_location(location, elevator, geofence_m)
