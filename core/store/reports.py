"""Storage of passengers' reports (faults, complaints), ratings and rate-limit counters."""

from collections import Counter

from pymongo import DESCENDING, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from core.store import batch


async def insert_report(db, report):
    """Insert a new report."""
    await db.reports.insert_one(report)


async def find_report(db, report_id):
    """Return one report by id, or None."""
    return await db.reports.find_one({"_id": report_id})


async def find_report_by_token(db, token):
    """Return the report with this tracking token, or None."""
    return await db.reports.find_one({"token": token})


async def find_open_reports(db, elevator_id, kind, states, since=None, limit=20):
    """Return an elevator's reports of a kind in some states, newest first."""
    query = {"elevator_id": elevator_id, "kind": kind, "state": {"$in": list(states)}}
    if since is not None:
        query["created_at"] = {"$gte": since}
    return await db.reports.find(query).sort("created_at", DESCENDING).limit(limit).to_list(None)


async def change_state(db, report_id, expected, state, entry, stamps):
    """Move a report from one of the expected states to state; return it, or None if it had moved."""
    return await db.reports.find_one_and_update(
        {"_id": report_id, "state": {"$in": list(expected)}},
        {"$set": {"state": state, "updated_at": entry["at"], **stamps}, "$push": {"history": entry}},
        return_document=ReturnDocument.AFTER)


async def note_undelivered(db, report_id, entry):
    """Add a failed delivery to a report's trace, once per delivery; tell whether it was new."""
    result = await db.reports.update_one({"_id": report_id, "undelivered.delivery_id": {"$ne": entry["delivery_id"]}},
                                         {"$push": {"undelivered": entry}})
    return result.modified_count == 1


async def add_metoo(db, report_id, entry):
    """Count one more passenger having the same problem."""
    return await db.reports.find_one_and_update(
        {"_id": report_id}, {"$inc": {"metoo_count": 1}, "$push": {"metoo": entry}},
        return_document=ReturnDocument.AFTER)


async def find_firm_report_times(db, firm_id, limit=500):
    """Return the latest reports of a firm with their creation, acknowledgement and fix times."""
    projection = {"created_at": 1, "acknowledged_at": 1, "fixed_at": 1}
    cursor = db.reports.find({"firm_id": firm_id}, projection).sort("created_at", DESCENDING).limit(limit)
    return await cursor.to_list(None)


async def insert_rating(db, doc):
    """Insert a rating; tell whether it was new (its _id is one voter, elevator and month)."""
    try:
        await db.ratings.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def sum_ratings(db, elevator_id=None, firm_id=None):
    """Return (sum of stars, count) of an elevator's or a firm's ratings."""
    match = {"elevator_id": elevator_id} if elevator_id else {"firm_id": firm_id}
    pipeline = [{"$match": match}, {"$group": {"_id": None, "total": {"$sum": "$stars"}, "n": {"$sum": 1}}}]
    rows = await (await db.ratings.aggregate(pipeline)).to_list(None)
    return (rows[0]["total"], rows[0]["n"]) if rows else (0, 0)


async def _count_hits(collection, hits):
    """Count hits [(key, expires_at)] of a turn of the loop in two round trips; return each one's count.

    The hits of one key are counted in the order given, as one update each would have; a hit
    by another process between the update and the read is counted too (a limit errs strict).
    """
    counts, expires = Counter(key for key, _ in hits), dict(hits)
    requests = [UpdateOne({"_id": key}, {"$inc": {"n": n}, "$setOnInsert": {"expires_at": expires[key]}}, upsert=True)
                for key, n in counts.items()]
    [errors] = await batch.write_together(collection, [requests])
    await batch.upsert_again_if_raced(collection, requests, errors)
    cursor = collection.find({"_id": {"$in": list(counts)}}, {"n": 1}, batch_size=len(counts))
    totals = {doc["_id"]: doc["n"] async for doc in cursor}
    seen, results = Counter(), []
    for key, _ in hits:
        seen[key] += 1
        results.append(totals.get(key, counts[key]) - counts[key] + seen[key])
    return results


_hits = batch.Gatherer(_count_hits)


async def count_hit(db, key, expires_at):
    """Count one more hit on a rate-limit key and return the count in its window (with other tasks' hits)."""
    return await _hits.ask(db.rate_limits, (key, expires_at))


async def find_reports(db, query, limit):
    """Return reports matching a query built by core (never user keys), newest first."""
    return await db.reports.find(query).sort("created_at", DESCENDING).limit(limit).to_list(None)


async def insert_api_key(db, doc):
    """Store an Open311 API key (its hash is the _id)."""
    await db.api_keys.insert_one(doc)


async def find_api_key(db, hashed):
    """Return the API key document with this hash, or None."""
    return await db.api_keys.find_one({"_id": hashed})


async def claim_unacknowledged(db, cutoff, now):
    """Mark one report still open since before cutoff as escalated and return it, or None."""
    return await db.reports.find_one_and_update(
        {"state": "open", "created_at": {"$lte": cutoff}, "escalated_at": None},
        {"$set": {"escalated_at": now}}, sort=[("created_at", 1)], return_document=ReturnDocument.AFTER)
