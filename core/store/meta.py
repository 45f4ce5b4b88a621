"""Storage of bookkeeping documents (what was loaded into the database, and when)."""

from bson import ObjectId


async def find_meta(db, key):
    """Return the bookkeeping document with this key, or None."""
    return await db.meta.find_one({"_id": key})


async def save_meta(db, doc):
    """Insert or replace a bookkeeping document by its key."""
    await db.meta.replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def holds_elevators(db):
    """Tell whether the database holds any elevator."""
    return await db.elevators.find_one({}, {"_id": 1}) is not None


def stamped_id(moment, serial):
    """Return a reproducible ObjectId that carries moment as its creation time."""
    return ObjectId(int(moment.timestamp()).to_bytes(4, "big") + serial.to_bytes(8, "big"))
