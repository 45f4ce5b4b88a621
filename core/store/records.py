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
