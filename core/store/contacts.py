"""Storage of contacts: who in an organisation hears of which kind of message, on which channel."""

from pymongo import ASCENDING, UpdateOne

KEY = ("org_id", "kind", "channel", "address")


async def upsert_contact(db, contact):
    """Insert a contact, or update the language of the same one; return True when it is new."""
    result = await db.contacts.update_one({k: contact[k] for k in KEY}, {"$set": {"lang": contact["lang"]}},
                                          upsert=True)
    return result.upserted_id is not None


async def upsert_contacts(db, contacts):
    """Insert or update many contacts in one round trip."""
    if contacts:
        await db.contacts.bulk_write([UpdateOne({k: c[k] for k in KEY}, {"$set": {"lang": c["lang"]}}, upsert=True)
                                      for c in contacts])


async def delete_contacts(db, org_id, kind, channel=None, address=None):
    """Delete an organisation's contacts of a kind (one channel, one address); return how many."""
    query = {"org_id": org_id, "kind": kind}
    if channel:
        query["channel"] = channel
    if address:
        query["address"] = address
    return (await db.contacts.delete_many(query)).deleted_count


async def find_contacts(db, org_id=None):
    """Return the contacts of one organisation, or of all, in a stable order."""
    query = {"org_id": org_id} if org_id else {}
    order = [("org_id", ASCENDING), ("kind", ASCENDING), ("channel", ASCENDING), ("address", ASCENDING)]
    return await db.contacts.find(query, {"_id": 0}).sort(order).to_list(None)


async def find_contacts_of_kinds(db, org_ids, kinds):
    """Return the contacts of these organisations for any of these kinds, in one query."""
    query = {"org_id": {"$in": list(org_ids)}, "kind": {"$in": list(kinds)}}
    return await db.contacts.find(query, {"_id": 0}).sort([("channel", ASCENDING), ("address", ASCENDING)]).to_list(None)
