"""Storage of bookkeeping documents (what was loaded into the database, and when)."""

import datetime
import random

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


# Page caches (portal/pagecache.py) learn what changed from two sources: the epoch, a random
# token replaced on every change that touches all pages, and page_changes, a short log of
# single elevators whose page changed. An ObjectId never repeats, so a cache can never mistake
# a database that was dropped and reloaded (demo --reset) for the one it knew.
PAGES_EPOCH = "pages_epoch"
CHANGE_RETENTION = datetime.timedelta(hours=1)
TRIM_CHANCE = 0.02  # trimming on one write in fifty keeps the log short without a delete per write


async def record_page_change(db, elevator_id):
    """Note that one elevator's public page changed, so page caches drop that page only."""
    await record_page_changes(db, [elevator_id])


async def record_page_changes(db, elevator_ids):
    """Note that these elevators' public pages changed."""
    if elevator_ids:
        await db.page_changes.insert_many([{"_id": ObjectId(), "elevator_id": eid} for eid in elevator_ids])
    if random.random() < TRIM_CHANCE:
        await trim_page_changes(db)


async def trim_page_changes(db):
    """Delete page changes older than the retention time (no cache looks back that far)."""
    cutoff = ObjectId.from_datetime(datetime.datetime.now(datetime.timezone.utc) - CHANGE_RETENTION)
    await db.page_changes.delete_many({"_id": {"$lt": cutoff}})


async def record_global_page_change(db):
    """Note that every public page may have changed, so page caches start over."""
    await db.meta.replace_one({"_id": PAGES_EPOCH}, {"_id": PAGES_EPOCH, "token": ObjectId()}, upsert=True)
    await trim_page_changes(db)



async def find_pages_epoch(db):
    """Return the current epoch token as text, starting an epoch if the database has none."""
    doc = await db.meta.find_one({"_id": PAGES_EPOCH})
    if doc is None:  # a new or dropped database: its first epoch is new to every cache
        await db.meta.update_one({"_id": PAGES_EPOCH}, {"$setOnInsert": {"token": ObjectId()}}, upsert=True)
        doc = await db.meta.find_one({"_id": PAGES_EPOCH})
    return str(doc["token"])


async def find_page_changes(db, since):
    """Return [(change id, elevator id)] of page changes recorded after the moment since."""
    cursor = db.page_changes.find({"_id": {"$gt": ObjectId.from_datetime(since)}}, {"elevator_id": 1})
    return [(str(doc["_id"]), doc["elevator_id"]) async for doc in cursor]
