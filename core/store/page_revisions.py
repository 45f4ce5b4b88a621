"""Per-elevator revisions that order page rebuilds (see docs/jobs.md).

`n` counts the writes to an elevator's page inputs; `ticket` counts rebuilds, taken as
each rebuild starts, so the rebuild that started last can be told from the others;
`stale_since` is set by a write and cleared by the first rebuild that started after it.
"""

from pymongo import ReturnDocument, UpdateOne


async def bump_revisions(db, elevator_ids, now):
    """Note that the inputs of these elevators' pages changed."""
    ops = [UpdateOne({"_id": i}, {"$inc": {"n": 1}, "$min": {"stale_since": now}}, upsert=True)
           for i in elevator_ids]
    if ops:
        await db.page_revisions.bulk_write(ops, ordered=False)


async def take_ticket(db, elevator_id):
    """Start a rebuild: return (input revision, ticket, whether marked stale), read in one atomic step."""
    doc = await db.page_revisions.find_one_and_update(
        {"_id": elevator_id}, {"$inc": {"ticket": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
    return doc.get("n", 0), doc["ticket"], "stale_since" in doc


async def mark_built(db, elevator_id, revision):
    """Clear the stale mark, unless the inputs changed again since revision was read."""
    await db.page_revisions.update_one({"_id": elevator_id, "n": revision}, {"$unset": {"stale_since": ""}})


async def find_stale(db, before, limit=1000):
    """Return ids of elevators whose page has been older than its inputs since before."""
    cursor = db.page_revisions.find({"stale_since": {"$lte": before}}, {"_id": 1}).limit(limit)
    return [doc["_id"] async for doc in cursor]


async def find_revision(db, elevator_id):
    """Return the revision document of an elevator, or None."""
    return await db.page_revisions.find_one({"_id": elevator_id})
