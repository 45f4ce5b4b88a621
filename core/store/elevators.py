"""Storage of elevators and their public page summaries."""

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from core.store.orgs import upsert_many


async def claim_codes(db, elevators):
    """Record which elevator each code belongs to; a code already held by another raises 11000."""
    claims = [UpdateOne({"_id": code, "elevator_id": e["_id"]}, {"$set": {"elevator_id": e["_id"]}}, upsert=True)
              for e in elevators for code in e["codes"]]
    if claims:
        await db.elevator_codes.bulk_write(claims)


async def upsert_elevators(db, elevators):
    """Insert or replace elevators by primary code, after claiming their codes."""
    if elevators:
        await claim_codes(db, elevators)
        await upsert_many(db.elevators, elevators)


async def find_elevator(db, elevator_id):
    """Return one elevator by primary code, or None."""
    return await db.elevators.find_one({"_id": elevator_id})


async def find_elevators(db, firm_id=None, unit_id=None):
    """Return elevators, optionally of one firm or using unit, ordered by code."""
    query = {}
    if firm_id:
        query["firm_id"] = firm_id
    if unit_id:
        query["unit_id"] = unit_id
    return await db.elevators.find(query).sort("_id", 1).to_list(None)


async def find_elevator_ids(db, firm_id=None):
    """Return the primary codes of all elevators, or of one firm's."""
    query = {"firm_id": firm_id} if firm_id else {}
    return [doc["_id"] async for doc in db.elevators.find(query, {"_id": 1}).sort("_id", 1)]


async def find_elevator_page(db, code):
    """Return the page summary for a registration or equipment code, or None."""
    # Labels carry the primary code, so the common case is a single read by _id.
    page = await db.elevator_pages.find_one({"_id": code})
    if page is None:
        page = await db.elevator_pages.find_one({"codes": code})
    return page


async def replace_elevator_page(db, page):
    """Store a page summary unless a rebuild that started later stored one; tell whether it was stored."""
    older = {"$or": [{"ticket": {"$lt": page["ticket"]}}, {"ticket": {"$exists": False}}]}
    try:
        await db.elevator_pages.replace_one({"_id": page["_id"], **older}, page, upsert=True)
    except DuplicateKeyError:
        return False  # the filter missed because a newer summary exists, so the upsert's insert clashed
    return True


async def find_elevator_pages(db, firm_id, limit=10_000):
    """Return the page summaries of one firm's elevators."""
    cursor = db.elevator_pages.find({"firm.id": firm_id}).sort("_id", 1).limit(limit)
    return await cursor.to_list(None)


async def count_elevators(db, firm_id):
    """Count a firm's elevators (index firm)."""
    return await db.elevators.count_documents({"firm_id": firm_id})


async def count_overdue_pages(db, firm_id, moment):
    """Count a firm's elevators whose maintenance is overdue at moment (index firm_overdue)."""
    return await db.elevator_pages.count_documents({"firm.id": firm_id, "overdue_from": {"$lte": moment}})


async def find_elevator_ids_of_unit(db, unit_id):
    """Return the primary codes of a using unit's elevators."""
    return [doc["_id"] async for doc in db.elevators.find({"unit_id": unit_id}, {"_id": 1})]