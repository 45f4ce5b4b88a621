"""Storage of visits in progress (one document per visit), work-photo hashes and accepted selfies."""

from pymongo import DESCENDING, ReturnDocument


async def insert_visit(db, visit):
    """Insert a new visit; return its id."""
    return (await db.visits.insert_one(visit)).inserted_id


async def find_open_visit(db, person_id):
    """Return a person's open visit, or None."""
    return await db.visits.find_one({"person_id": person_id, "open": True})


async def find_visit(db, visit_id):
    """Return one visit, or None."""
    return await db.visits.find_one({"_id": visit_id})


async def update_visit(db, visit_id, change):
    """Apply an update to an open visit; return the visit after it, or None when it is closed."""
    return await db.visits.find_one_and_update({"_id": visit_id, "open": True}, change,
                                               return_document=ReturnDocument.AFTER)


async def find_last_checkin(db, person_id):
    """Return the person's latest visit that has a check-in location, or None."""
    return await db.visits.find_one({"person_id": person_id, "checkin": {"$exists": True}},
                                    sort=[("checkin.at", DESCENDING)])


async def find_visits_open_since(db, cutoff):
    """Return the open visits started before cutoff."""
    return await db.visits.find({"open": True, "started_at": {"$lt": cutoff}}).to_list(None)


async def find_firm_photo_hashes(db, firm_id):
    """Return the perceptual hashes of a firm's earlier work photos."""
    return await db.work_photos.distinct("hash", {"firm_id": firm_id})


async def insert_work_photo(db, firm_id, visit_id, photo_hash):
    """Record a work photo's hash for later comparisons."""
    await db.work_photos.insert_one({"firm_id": firm_id, "visit_id": visit_id, "hash": photo_hash})


async def push_selfie_hash(db, person_id, photo_hash):
    """Keep an accepted selfie's hash so that a replay of it is caught."""
    await db.faces.update_one({"_id": person_id}, {"$push": {"selfie_hashes": photo_hash}})


async def find_elevators_of(db, person_id):
    """Return the elevators a technician is assigned to."""
    return await db.elevators.find({"technician_ids": person_id}).to_list(None)


async def record_exists(db, record_id):
    """Tell whether a maintenance record with this id was saved."""
    return await db.maintenance_records.count_documents({"_id": record_id}, limit=1) > 0



async def save_location_request(db, person_id, purpose, expires_at):
    """Record that the bot waits for a person's location for a purpose until expires_at (one per person)."""
    await db.location_requests.replace_one({"_id": person_id},
                                           {"_id": person_id, "purpose": purpose, "expires_at": expires_at},
                                           upsert=True)


async def find_location_request(db, person_id, purpose, now):
    """Return a person's unexpired request for a location for a purpose, or None."""
    return await db.location_requests.find_one({"_id": person_id, "purpose": purpose, "expires_at": {"$gt": now}})


async def delete_location_request(db, person_id):
    """Forget that the bot waits for a person's location."""
    await db.location_requests.delete_one({"_id": person_id})
