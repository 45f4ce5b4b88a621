"""Storage of elevators and their public page summaries."""

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from core.models import INSPECTION_RESULTS
from core.store import batch
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


async def find_elevator_by_code(db, code):
    """Return the elevator of a registration or equipment code, or None."""
    # As for pages: labels carry the primary code, so the common case is one read by _id.
    # The read by _id leaves with other tasks' in the same turn (core/store/batch.py): a burst of
    # rescue calls for 200 elevators is a few commands, not 200.
    return await _by_id.ask(db.elevators, code) or await db.elevators.find_one({"codes": code})


async def _find_together(collection, ids):
    """Read the elevators asked for by _id during a turn of the event loop in one query."""
    return await batch.find_together(collection, ids)


_by_id = batch.Gatherer(_find_together)


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
    # Labels carry the primary code, so the common case is a single read by _id. The tally
    # (the elevator's share of its firm's counts, core/tally.py) is for grading, not the page.
    page = await db.elevator_pages.find_one({"_id": code}, {"tally": 0})
    if page is None:
        page = await db.elevator_pages.find_one({"codes": code}, {"tally": 0})
    return page


async def swap_elevator_page(db, page):
    """Store a page summary unless a rebuild that started later stored one.

    Return (stored, the replaced page's firm and tally or None).
    """
    older = {"$or": [{"ticket": {"$lt": page["ticket"]}}, {"ticket": {"$exists": False}}]}
    try:
        old = await db.elevator_pages.find_one_and_replace({"_id": page["_id"], **older}, page, upsert=True,
                                                           projection={"firm.id": 1, "tally": 1})
    except DuplicateKeyError:
        return False, None  # the filter missed because a newer summary exists, so the upsert's insert clashed
    return True, old


async def replace_elevator_page(db, page):
    """Store a page summary unless a rebuild that started later stored one; tell whether it was stored."""
    return (await swap_elevator_page(db, page))[0]


async def find_page_tallies(db, firm_id):
    """Return the tallies of a firm's pages (the daily recount reads them)."""
    return [p.get("tally") async for p in db.elevator_pages.find({"firm.id": firm_id}, {"tally": 1})]


async def find_elevator_ids_of_unit(db, unit_id):
    """Return the primary codes of a using unit's elevators."""
    return [doc["_id"] async for doc in db.elevators.find({"unit_id": unit_id}, {"_id": 1})]

# Fields a firm page's elevator list shows, and what an elevator's standing is computed from.
LISTED_FIELDS = ("address", "address_en", "building", "building_en", "status", "maintenance_start",
                 "last_by_interval", "next_inspection_due", "inspection_result", "due")


async def find_firm_page_rows(db, firm_id, skip, limit):
    """Return one slice of a firm's elevators, most overdue maintenance first (index firm_due)."""
    cursor = (db.elevator_pages.find({"firm.id": firm_id}, dict.fromkeys(LISTED_FIELDS, 1))
              .sort([("firm.id", 1), ("due.maintenance", 1), ("_id", 1)]).skip(skip).limit(limit))
    return await cursor.to_list(None)


async def count_firm_pages(db, firm_id, today_start, soon_end):
    """Count a firm's elevators by maintenance and inspection state, from stored due dates."""
    def count(**conditions):
        return db.elevator_pages.count_documents({"firm.id": firm_id, **conditions})
    # $in rather than $ne: points on the firm_inspection index, not a scan of the firm's entries.
    not_failed = {"inspection_result": {"$in": [None, *(r for r in INSPECTION_RESULTS if r != "fail")]}}
    return {
        "elevators": await count(),
        "maintenance_overdue": await count(**{"due.maintenance": {"$lt": today_start}}),
        "maintenance_due_soon": await count(**{"due.maintenance": {"$gte": today_start, "$lt": soon_end}}),
        "inspection_failed": await count(inspection_result="fail"),
        "inspection_overdue": (await count(**not_failed, **{"due.inspection": {"$lt": today_start}})
                               + await count(**not_failed, **{"due.inspection": None})),
    }
