"""Storage of organisations (firms, using units) and people."""

from pymongo import ReplaceOne

from core.store.indexes import ensure_indexes


async def upsert_many(collection, docs):
    """Insert or replace documents by _id in one round trip."""
    if docs:
        await collection.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs])


async def upsert_firms(db, firms):
    """Insert or replace maintenance firms."""
    await upsert_many(db.firms, firms)


async def upsert_units(db, units):
    """Insert or replace using units."""
    await upsert_many(db.units, units)


async def upsert_people(db, people):
    """Insert or replace people."""
    await upsert_many(db.people, people)


async def find_firm(db, firm_id):
    """Return one firm, or None."""
    return await db.firms.find_one({"_id": firm_id})


async def find_firms(db):
    """Return all firms ordered by id."""
    return await db.firms.find().sort("_id", 1).to_list(None)


async def find_unit(db, unit_id):
    """Return one using unit, or None."""
    return await db.units.find_one({"_id": unit_id})


async def upsert_regulators(db, regulators):
    """Insert or replace regulators (the market supervision bureau of a district)."""
    await upsert_many(db.regulators, regulators)


async def find_regulators(db):
    """Return all regulators ordered by id."""
    return await db.regulators.find().sort("_id", 1).to_list(None)


async def find_org(db, org_id):
    """Return a firm, a using unit or a regulator by id, or None."""
    for collection in (db.firms, db.units, db.regulators):
        found = await collection.find_one({"_id": org_id})
        if found:
            return found
    return None


async def find_people(db, ids):
    """Return people by id."""
    return await db.people.find({"_id": {"$in": list(ids)}}).to_list(None)


async def set_firm_credit(db, firm_id, credit):
    """Store a firm's computed credit grade."""
    await db.firms.update_one({"_id": firm_id}, {"$set": {"credit": credit}})


async def drop_all(db):
    """Drop every collection of the database (demo --reset), then recreate the indexes."""
    for name in await db.list_collection_names():
        await db.drop_collection(name)
    await ensure_indexes(db)
