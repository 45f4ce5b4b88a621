"""Storage of maintenance, inspection and supervision records."""


async def insert_maintenance_records(db, records):
    """Insert maintenance records; they are never altered after saving (TSG T5002 Art. 10)."""
    if records:
        await db.maintenance_records.insert_many(records, ordered=True)


async def insert_inspections(db, inspections):
    """Insert periodic inspection records."""
    if inspections:
        await db.inspections.insert_many(inspections, ordered=True)


async def insert_supervisions(db, supervisions):
    """Insert the regulator's on-site supervision records."""
    if supervisions:
        await db.supervisions.insert_many(supervisions, ordered=True)


async def find_maintenance_records(db, elevator_id, limit=None):
    """Return an elevator's maintenance records, newest first."""
    cursor = db.maintenance_records.find({"elevator_id": elevator_id}, {"items": 0}).sort("date", -1)
    if limit:
        cursor = cursor.limit(limit)
    return await cursor.to_list(None)


async def find_inspections(db, elevator_id, limit=20):
    """Return an elevator's inspection records, newest first."""
    return await db.inspections.find({"elevator_id": elevator_id}).sort("date", -1).limit(limit).to_list(None)


async def find_supervisions(db, elevator_id, limit=20):
    """Return an elevator's supervision records, newest first (all of them with limit 0)."""
    return await db.supervisions.find({"elevator_id": elevator_id}).sort("date", -1).limit(limit).to_list(None)


async def find_elevator_ids_served_by(db, person_id):
    """Return the elevators whose maintenance records name a person (index technician)."""
    return await db.maintenance_records.distinct("elevator_id", {"technician_ids": person_id})


def _object_id(text):
    """Return the ObjectId a record id in a link stands for, or None."""
    from bson import ObjectId
    from bson.errors import InvalidId
    try:
        return ObjectId(text)
    except (InvalidId, TypeError):
        return None


async def find_maintenance_record(db, record_id):
    """Return one maintenance record by its id as text, or None."""
    oid = _object_id(record_id)
    return await db.maintenance_records.find_one({"_id": oid}) if oid else None


async def confirm_maintenance_record(db, record_id, confirmation):
    """Set a record's confirmation unless it has one: the only change a record ever takes (W5)."""
    oid = _object_id(record_id)
    if oid:
        await db.maintenance_records.update_one({"_id": oid, "confirmed": None}, {"$set": {"confirmed": confirmation}})


async def find_latest_record_of(db, person_id):
    """Return the latest maintenance record naming a person (by visit date, then by saving time), or None."""
    return await db.maintenance_records.find_one({"technician_ids": person_id},
                                                 sort=[("date", -1), ("created_at", -1)])


async def save_pending_correction(db, person_id, record_id, now):
    """Note that a person is writing a correction of a record (one at a time)."""
    await db.pending_corrections.replace_one({"_id": person_id}, {"_id": person_id, "record_id": record_id,
                                                                  "at": now}, upsert=True)


async def find_pending_correction(db, person_id, since):
    """Return a person's correction started after since, or None."""
    return await db.pending_corrections.find_one({"_id": person_id, "at": {"$gt": since}})


async def take_pending_correction(db, person_id, since):
    """Remove and return a person's correction started after since, or None (another process took it)."""
    return await db.pending_corrections.find_one_and_delete({"_id": person_id, "at": {"$gt": since}})


async def find_unconfirmed_records(db, saved_before, limit=1000):
    """Return valid records saved by the bot before a time and still not confirmed, oldest first."""
    query = {"confirmed": None, "created_at": {"$lt": saved_before}, "valid": True}
    return await db.maintenance_records.find(query, {"items": 0, "face": 0, "photo_hashes": 0}) \
        .sort("created_at", 1).limit(limit).to_list(None)
