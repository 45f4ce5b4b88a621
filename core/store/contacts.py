"""Storage of contacts: who in an organisation hears of which kind of message, on which channel."""

import functools

from pymongo import ASCENDING, UpdateOne

from core.store import cache

KEY = ("org_id", "kind", "channel", "address")


async def upsert_contact(db, contact):
    """Insert a contact, or update the language of the same one; return True when it is new."""
    result = await db.contacts.update_one({k: contact[k] for k in KEY}, {"$set": {"lang": contact["lang"]}},
                                          upsert=True)
    cache.forget(db, "contacts")
    return result.upserted_id is not None


async def upsert_contacts(db, contacts):
    """Insert or update many contacts in one round trip."""
    if contacts:
        await db.contacts.bulk_write([UpdateOne({k: c[k] for k in KEY}, {"$set": {"lang": c["lang"]}}, upsert=True)
                                      for c in contacts])
    cache.forget(db, "contacts")


async def delete_contacts(db, org_id, kind, channel=None, address=None):
    """Delete an organisation's contacts of a kind (one channel, one address); return how many."""
    query = {"org_id": org_id, "kind": kind}
    if channel:
        query["channel"] = channel
    if address:
        query["address"] = address
    deleted = (await db.contacts.delete_many(query)).deleted_count
    cache.forget(db, "contacts")
    return deleted


async def find_contacts(db, org_id=None):
    """Return the contacts of one organisation, or of all, in a stable order."""
    query = {"org_id": org_id} if org_id else {}
    order = [("org_id", ASCENDING), ("kind", ASCENDING), ("channel", ASCENDING), ("address", ASCENDING)]
    return await db.contacts.find(query, {"_id": 0}).sort(order).to_list(None)


async def find_contacts_of_orgs(db, org_ids):
    """Return every contact of these organisations, remembered for a few seconds (core/store/cache.py)."""
    found = await cache.read_many(db, "contacts", org_ids, functools.partial(_read_contacts_of_orgs, db))
    contacts = [c for org_id in org_ids for c in found[org_id]]
    return sorted(contacts, key=lambda c: (c["channel"], c["address"]))


async def _read_contacts_of_orgs(db, org_ids):
    """Return {organisation id: its contacts} read in one query."""
    contacts = {org_id: [] for org_id in org_ids}
    async for contact in db.contacts.find({"org_id": {"$in": list(org_ids)}}, {"_id": 0}):
        contacts[contact["org_id"]].append(contact)
    return contacts
