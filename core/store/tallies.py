"""Storage of firm tallies: the counts grading reads, one document per firm (see core/tally.py)."""


async def add_to_tally(db, firm_id, increments):
    """Add increments ({dotted path: n}) to a firm's tally."""
    if increments:
        await db.firm_tallies.update_one({"_id": firm_id}, {"$inc": increments}, upsert=True)


async def find_tally(db, firm_id):
    """Return a firm's tally, or None."""
    return await db.firm_tallies.find_one({"_id": firm_id})


async def replace_tally(db, firm_id, tally):
    """Replace a firm's tally with one counted afresh."""
    await db.firm_tallies.replace_one({"_id": firm_id}, {**tally, "_id": firm_id}, upsert=True)
