"""Storage of jobs: work that must happen, written down before it is done (see docs/jobs.md).

A pending job is claimable when its `due` time has passed. Claiming sets `due` to the end
of the lease, so a job whose worker died becomes claimable again when the lease runs out,
and one index on (state, due) serves every claim.
"""

import datetime

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne

from core.store import batch

PENDING, DONE, FAILED = "pending", "done", "failed"
# Done and failed jobs are never due; $min in upserts then brings a revived job's due time down.
NEVER = datetime.datetime(9999, 12, 31, tzinfo=datetime.timezone.utc)


def _request(job, once):
    """Return the upsert that asks for one job (kind, key, payload, due)."""
    fresh = {"kind": job["kind"], "payload": job["payload"], "attempts": 0, "created_at": job["now"]}
    if once:
        return UpdateOne({"key": job["key"]}, {"$setOnInsert": {**fresh, "state": PENDING, "due": job["due"],
                                                                "requests": 1}}, upsert=True)
    return UpdateOne({"key": job["key"]},
                     {"$set": {"kind": job["kind"], "payload": job["payload"], "state": PENDING},
                      "$min": {"due": job["due"]}, "$inc": {"requests": 1},
                      "$setOnInsert": {"attempts": 0, "created_at": job["now"]}}, upsert=True)


async def upsert_jobs(db, jobs, once=False):
    """Ask for jobs by key: a pending one is asked again (and run again if it is running).

    The upserts leave with other tasks' writes to jobs in the same turn (core/store/batch.py).
    """
    if not jobs:
        return
    requests = [_request(job, once) for job in jobs]
    await batch.upsert_again_if_raced(db.jobs, requests, await _upserts.ask(db.jobs, requests))


async def _upsert_together(collection, lists):
    """Send the job upserts of a turn of the event loop in one bulk; return each list's write errors."""
    return await batch.write_together(collection, lists)


_upserts = batch.Gatherer(_upsert_together)


async def claim_job(db, owner, now, lease_until, kinds=None):
    """Take the job due first, leasing it to owner; return it, or None when none is due."""
    query = {"state": PENDING, "due": {"$lte": now}}
    if kinds is not None:
        kinds = list(kinds)
        # One kind: an equality, so the kind_state_due index yields that kind's jobs in due order.
        query["kind"] = kinds[0] if len(kinds) == 1 else {"$in": kinds}
    lease = {"owner": owner, "token": ObjectId(), "until": lease_until}
    return await db.jobs.find_one_and_update(
        query, {"$set": {"lease": lease, "due": lease_until, "claimed_at": now}, "$inc": {"attempts": 1}},
        sort=[("due", 1)], return_document=ReturnDocument.AFTER)


def _held(job):
    """Match the job only while this claim of it holds the lease."""
    return {"_id": job["_id"], "lease.token": job["lease"]["token"]}


async def finish_job(db, job, now):
    """Mark a claimed job done; return 'done', 'again' (asked again meanwhile) or 'lost'."""
    done = await db.jobs.update_one(
        {**_held(job), "requests": job["requests"]},
        {"$set": {"state": DONE, "due": NEVER, "finished_at": now, "lease": None, "attempts": 0,
                  "last_error": None, "failing_since": None}})
    if done.matched_count:
        return "done"
    again = await db.jobs.update_one(_held(job), {"$set": {"lease": None, "attempts": 0}})
    return "again" if again.matched_count else "lost"


async def retry_job(db, job, due, error, failing_since):
    """Put a failed claimed job back, due again later; tell whether this claim still held it."""
    result = await db.jobs.update_one(_held(job), {"$set": {
        "due": due, "lease": None, "last_error": error, "failing_since": failing_since}})
    return result.matched_count == 1


async def fail_job(db, job, error, now):
    """Keep a claimed job as failed for good, with its reason; tell whether this claim held it."""
    result = await db.jobs.update_one(_held(job), {"$set": {
        "state": FAILED, "due": NEVER, "lease": None, "last_error": error, "finished_at": now}})
    return result.matched_count == 1


async def delete_job(db, key):
    """Remove a job by key, whatever its state."""
    await db.jobs.delete_one({"key": key})


async def find_job(db, key):
    """Return the job with this key, or None."""
    return await db.jobs.find_one({"key": key})


async def remove_done_jobs(db, before):
    """Delete done jobs finished before a moment; return how many."""
    result = await db.jobs.delete_many({"state": DONE, "finished_at": {"$lt": before}})
    return result.deleted_count


async def count_jobs(db):
    """Return {(kind, state): count} over all jobs."""
    pipeline = [{"$group": {"_id": {"kind": "$kind", "state": "$state"}, "n": {"$sum": 1}}}]
    return {(doc["_id"]["kind"], doc["_id"]["state"]): doc["n"] async for doc in await db.jobs.aggregate(pipeline)}


async def find_failed_jobs(db, limit=50):
    """Return failed jobs, most recent first."""
    cursor = db.jobs.find({"state": FAILED}).sort("finished_at", -1).limit(limit)
    return await cursor.to_list(None)


async def find_retrying_jobs(db, limit=50):
    """Return pending jobs that failed at least once, with their last error."""
    cursor = db.jobs.find({"state": PENDING, "last_error": {"$ne": None}}).sort("due", 1).limit(limit)
    return await cursor.to_list(None)
