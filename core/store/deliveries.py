"""Storage of deliveries: one per notification and recipient, written before anything is sent."""

import datetime

from pymongo import ASCENDING, InsertOne, ReturnDocument, UpdateMany

from core.store import batch


async def insert_deliveries(db, docs):
    """Insert deliveries; those already recorded (same _id) are left as they are. Return the ids inserted.

    The inserts leave with other tasks' writes to deliveries in the same turn (core/store/batch.py).
    """
    if not docs:
        return set()
    errors = await _writes.ask(db.deliveries, [InsertOne(doc) for doc in docs])
    if any(e["code"] != batch.DUPLICATE_KEY for e in errors):
        raise batch.refused(errors)
    refused = {e["index"] for e in errors}
    return {doc["_id"] for n, doc in enumerate(docs) if n not in refused}


def leased(docs, now, lease_seconds, token):
    """Return delivery documents as taken for sending by the writer (insert them to record and claim at once)."""
    lease = {"lease_until": now + datetime.timedelta(seconds=lease_seconds), "lease_token": token,
             "last_attempt_at": now, "attempts": 1}
    return [{**doc, **lease} for doc in docs]


async def find_delivery(db, delivery_id):
    """Return one delivery, or None."""
    return await db.deliveries.find_one({"_id": delivery_id})


async def find_deliveries(db, notification_id):
    """Return the deliveries of one notification, in the order they were recorded."""
    return await db.deliveries.find({"notification_id": notification_id}).sort("seq", ASCENDING).to_list(None)


async def claim_delivery(db, delivery_id, now, lease_seconds):
    """Take a pending delivery for sending, or return None when it is not pending or another holds it."""
    query = {"_id": delivery_id, "state": "pending",
             "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]}
    update = {"$set": {"lease_until": now + datetime.timedelta(seconds=lease_seconds), "last_attempt_at": now},
              "$inc": {"attempts": 1}}
    return await db.deliveries.find_one_and_update(query, update, return_document=ReturnDocument.AFTER)


async def claim_deliveries(db, delivery_ids, now, lease_seconds, token):
    """Take those of some deliveries that are pending and not held, in two round trips; return them."""
    query = {"_id": {"$in": list(delivery_ids)}, "state": "pending",
             "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]}
    update = {"$set": {"lease_until": now + datetime.timedelta(seconds=lease_seconds), "lease_token": token,
                       "last_attempt_at": now}, "$inc": {"attempts": 1}}
    await db.deliveries.update_many(query, update)
    return await db.deliveries.find({"_id": {"$in": list(delivery_ids)}, "lease_token": token}).to_list(None)


async def mark_all_sent(db, delivery_ids, now):
    """Record that the far ends accepted these deliveries, with other tasks' writes to deliveries in the same turn."""
    if delivery_ids:
        update = UpdateMany({"_id": {"$in": list(delivery_ids)}},
                            {"$set": {"state": "sent", "sent_at": now, "lease_until": None}})
        errors = await _writes.ask(db.deliveries, [update])
        if errors:
            raise batch.refused(errors)


async def _write_together(collection, lists):
    """Send the delivery inserts and updates of a turn of the event loop in one bulk; return each list's errors."""
    return await batch.write_together(collection, lists)


_writes = batch.Gatherer(_write_together)


async def mark_sent(db, delivery_id, now):
    """Record that the far end accepted the delivery."""
    await db.deliveries.update_one({"_id": delivery_id}, {"$set": {"state": "sent", "sent_at": now,
                                                                   "lease_until": None}})


async def mark_failed(db, delivery_id, now, error, permanent):
    """Record a failed try: the delivery stays pending for a retry unless the failure is permanent."""
    state = {"state": "failed", "failed_at": now} if permanent else {}
    await db.deliveries.update_one({"_id": delivery_id}, {
        "$set": {"last_error": error[:500], "lease_until": None, **state}, "$inc": {"fail_count": 1}})


async def find_pending_notifications(db, recorded_before, limit=500):
    """Return {notification id: [delivery ids]} of deliveries still pending that were recorded before a time."""
    query = {"state": "pending", "created_at": {"$lt": recorded_before}}
    cursor = db.deliveries.find(query, {"notification_id": 1}).sort("created_at", ASCENDING).limit(limit)
    found = {}
    async for doc in cursor:
        found.setdefault(doc["notification_id"], []).append(doc["_id"])
    return found
