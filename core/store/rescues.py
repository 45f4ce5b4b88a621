"""Storage of rescue calls (issue 9): one document per call, its figures per elevator and firm.

An open call holds `slot` = its elevator's id, and a closed one `slot` = "closed:<id>"; a
unique index on `slot` makes "one open call per elevator" the database's to enforce, so
two people tapping at once join one call instead of opening two.
"""

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne

from core.store import batch


async def find_by_caller_key(db, key):
    """Return the call that a caller's idempotency key already reached, or None."""
    return await db.rescues.find_one({"callers.key": key})


async def join_or_open(db, elevator_id, caller, fresh, merged):
    """Add a caller to the elevator's open call, opening it from fresh when none is open.

    Return the call, or None on a duplicate key: another request opened the call at the same
    moment (ask again), or the caller's key is already in a call (a repeat: find it by the key).
    merged holds the caller's answers folded into the call ($max of people, $addToSet of phones...).
    The callers of one turn of the event loop are written together (core/store/batch.py).
    """
    update = {"$setOnInsert": fresh, "$push": {"callers": caller}, **merged}
    return await _joins.ask(db.rescues, (UpdateOne({"slot": elevator_id, "callers.key": {"$ne": caller["key"]}},
                                                   update, upsert=True), caller["key"]))


async def _join_all(collection, joins):
    """Write the joins [(upsert, caller key)] of a turn in one bulk, then read their calls back in one query.

    A call read back holds every caller of the turn, as a find-and-modify after them all would.
    """
    errors = await batch.write_together(collection, [[upsert] for upsert, _ in joins])
    keys = [key for (_, key), refused in zip(joins, errors) if not refused]
    calls = {}
    if keys:  # none when every caller of the turn was a repeat
        async for doc in collection.find({"callers.key": {"$in": keys}}, batch_size=len(keys)):
            calls.update((c["key"], doc) for c in doc["callers"])
    return [_outcome(calls.get(key), refused) for (_, key), refused in zip(joins, errors)]


def _outcome(call, refused):
    """Return a join's call; None for a duplicate key (ask again, or find by key); else the refusal."""
    if not refused:
        return call
    return None if refused[0]["code"] == batch.DUPLICATE_KEY else batch.refused(refused)


_joins = batch.Gatherer(_join_all)


async def find_rescue(db, rescue_id):
    """Return one call by id, or None."""
    return await db.rescues.find_one({"_id": rescue_id})


async def find_by_token(db, token):
    """Return the call with this status-page token, or None."""
    return await db.rescues.find_one({"token": token})


async def advance(db, rescue_id, expected, changes, push=None):
    """Move a call on only if it matches expected; return it after, or None when it did not match."""
    update = {"$set": changes} if changes else {}
    if push:
        update["$push"] = push
    return await db.rescues.find_one_and_update({"_id": rescue_id, **expected}, update,
                                                return_document=ReturnDocument.AFTER)


async def find_received_between(db, since, before, limit=100):
    """Return the ids of calls still `received` (nobody accepted) that began in [since, before), for the sweep."""
    query = {"state": "received", "created_at": {"$gte": since, "$lt": before}}
    cursor = db.rescues.find(query, {"_id": 1}).sort("created_at", ASCENDING)
    return await cursor.limit(limit).to_list(None)


async def find_open_for_firm(db, firm_id, limit=200):
    """Return a firm's open calls, oldest first (the dispatch board)."""
    cursor = db.rescues.find({"firm_id": firm_id, "open": True}).sort("created_at", ASCENDING)
    return await cursor.limit(limit).to_list(None)


async def find_open_accepted_by(db, person_id):
    """Return the open call a technician accepted and has not yet reached, or None."""
    return await db.rescues.find_one({"accepted_by.person_id": person_id, "open": True},
                                     sort=[("created_at", DESCENDING)])


async def find_over_target(db, since, until):
    """Return calls over the arrival target that began in [since, until), oldest first (the digest)."""
    cursor = db.rescues.find({"over_target": True, "created_at": {"$gte": since, "$lt": until}})
    return await cursor.sort("created_at", ASCENDING).to_list(None)


async def add_to_figures(db, ids, month, field, entry):
    """Add one entry to a month's list in each figures document (idempotent: $addToSet)."""
    for figures_id in ids:
        await db.rescue_figures.update_one({"_id": figures_id}, {"$addToSet": {f"months.{month}.{field}": entry}},
                                           upsert=True)


async def find_figures(db, figures_id):
    """Return an elevator's or a firm's rescue figures document, or None."""
    return await db.rescue_figures.find_one({"_id": figures_id})


async def find_firm_people(db, firm_id):
    """Return the people of a firm."""
    return await db.people.find({"org_id": firm_id}).to_list(None)


async def bump_board_version(db, firm_id):
    """Revoke a firm's dispatch-board links by moving its version on; return the new version."""
    doc = await db.firms.find_one_and_update({"_id": firm_id}, {"$inc": {"dispatch_board_version": 1}},
                                             return_document=ReturnDocument.AFTER)
    return None if doc is None else doc["dispatch_board_version"]
