"""Storage of technicians' face data, invite tokens, linked Telegram accounts and seen updates."""

import functools

from pymongo.errors import DuplicateKeyError

from core.store import cache


async def insert_person(db, person):
    """Insert a new person; return False when the id or the phone is taken."""
    try:
        await db.people.insert_one(person)
    except DuplicateKeyError:
        return False
    return True


async def find_person_ids(db):
    """Return every person's id."""
    return await db.people.distinct("_id")


async def find_person_by_phone(db, phone):
    """Return the person with this phone, or None."""
    return await db.people.find_one({"phone": phone})


async def find_person(db, person_id):
    """Return one person, or None."""
    return await db.people.find_one({"_id": person_id})


async def save_face(db, person_id, face):
    """Store a person's embeddings, reference photos and their hashes (replacing earlier ones)."""
    await db.faces.replace_one({"_id": person_id}, {"_id": person_id, **face}, upsert=True)


async def find_face(db, person_id):
    """Return a person's face data, or None."""
    return await db.faces.find_one({"_id": person_id})


async def drop_reference_photos(db, person_id):
    """Delete a person's reference photos, keeping embeddings and hashes."""
    await db.faces.update_one({"_id": person_id}, {"$unset": {"reference_photos": ""}})


async def insert_invite(db, token_hash, person_id, expires_at):
    """Store an invite by the hash of its token."""
    await db.invites.insert_one({"_id": token_hash, "person_id": person_id, "expires_at": expires_at,
                                 "used_at": None})


async def use_invite(db, token_hash, now):
    """Mark an unused, unexpired invite used and return it; None if there is no such invite."""
    return await db.invites.find_one_and_update(
        {"_id": token_hash, "used_at": None, "expires_at": {"$gt": now}}, {"$set": {"used_at": now}})


async def link_account(db, telegram_user_id, person_id, lang):
    """Link a Telegram account to a person (an account serves one person)."""
    await db.telegram_accounts.replace_one(
        {"_id": telegram_user_id}, {"_id": telegram_user_id, "person_id": person_id, "lang": lang}, upsert=True)
    cache.forget(db, "telegram_accounts")


async def find_account(db, telegram_user_id):
    """Return the linked account of a Telegram user, or None."""
    return await db.telegram_accounts.find_one({"_id": telegram_user_id})


async def set_account_lang(db, telegram_user_id, lang):
    """Store the language a Telegram user chose."""
    await db.telegram_accounts.update_one({"_id": telegram_user_id}, {"$set": {"lang": lang}})
    cache.forget(db, "telegram_accounts")


async def record_update(db, update_id, now):
    """Record that an update arrived; return False when it was seen before."""
    try:
        await db.telegram_updates.insert_one({"_id": update_id, "at": now})
    except DuplicateKeyError:
        return False
    return True


async def find_officer_accounts(db, unit_id):
    """Return the linked Telegram accounts of a using unit's safety officers."""
    officers = await db.people.distinct("_id", {"org_id": unit_id, "roles": "safety_officer"})
    if not officers:
        return []
    return await db.telegram_accounts.find({"person_id": {"$in": officers}}).to_list(None)


async def find_accounts_of(db, person_ids):
    """Return the linked Telegram accounts of some people."""
    if not person_ids:
        return []
    return await db.telegram_accounts.find({"person_id": {"$in": list(person_ids)}}).to_list(None)


async def find_accounts_of_cached(db, person_ids):
    """Return the linked Telegram accounts of some people, remembered for a few seconds (core/store/cache.py)."""
    found = await cache.read_many(db, "telegram_accounts", person_ids, functools.partial(_accounts_by_person, db))
    return [a for person_id in dict.fromkeys(person_ids) for a in found[person_id]]


async def _accounts_by_person(db, person_ids):
    """Return {person id: their linked Telegram accounts}."""
    accounts = {person_id: [] for person_id in person_ids}
    for account in await find_accounts_of(db, person_ids):
        accounts[account["person_id"]].append(account)
    return accounts
