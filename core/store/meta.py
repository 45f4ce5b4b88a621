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


PAGES_VERSION = "pages_version"


async def bump_pages_version(db):
    """Note that some public page summary changed, so page caches must be dropped."""
    await db.meta.update_one({"_id": PAGES_VERSION}, {"$inc": {"n": 1}}, upsert=True)


async def find_pages_version(db):
    """Return the current page summary version (0 before any change)."""
    doc = await db.meta.find_one({"_id": PAGES_VERSION})
    return doc["n"] if doc else 0
