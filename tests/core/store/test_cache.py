"""The few seconds' memory of contacts and Telegram chats, and the retired rescue index."""

import asyncio

from core.notify.contacts import add_contact, remove_contacts
from core.notify.routing import resolve
from core.store import cache
from core.store import orgs as org_store
from core.store import technicians as people_store
from core.store.indexes import ensure_indexes

ELEVATOR = {"_id": "31103505022015010001", "firm_id": "F1", "unit_id": "U1"}


async def addresses(db):
    return [a.recipient.address for a in await resolve(db, "fault", ELEVATOR)]


async def test_it_sees_this_processs_contact_changes_at_once(store):
    db = store.db
    await org_store.upsert_firms(db, [{"_id": "F1", "name": "示例电梯"}])
    await add_contact(db, "F1", "fault", "email", "a@f1.example.com")
    assert await addresses(db) == ["a@f1.example.com"]
    await add_contact(db, "F1", "fault", "email", "b@f1.example.com")
    assert await addresses(db) == ["a@f1.example.com", "b@f1.example.com"]
    await remove_contacts(db, "F1", "fault", "email", "a@f1.example.com")
    assert await addresses(db) == ["b@f1.example.com"]


async def test_it_sees_another_processs_change_after_the_ttl(store, monkeypatch):
    db = store.db
    monkeypatch.setattr(cache, "TTL_SECONDS", 0.3)
    await people_store.link_account(db, 7001, "P1", "en")
    assert [a["_id"] for a in await people_store.find_accounts_of_cached(db, ["P1"])] == [7001]
    await db.telegram_accounts.insert_one({"_id": 7002, "person_id": "P1", "lang": "en"})  # another process
    assert [a["_id"] for a in await people_store.find_accounts_of_cached(db, ["P1"])] == [7001]
    await asyncio.sleep(0.35)
    assert sorted(a["_id"] for a in await people_store.find_accounts_of_cached(db, ["P1"])) == [7001, 7002]


async def test_it_replaces_the_old_caller_key_index_by_a_unique_one(store):
    db = store.db
    await db.rescues.drop_index("caller_key_unique")
    await db.rescues.create_index("callers.key", name="caller_key")  # as an earlier version made it
    await ensure_indexes(db)
    indexes = await db.rescues.index_information()
    assert "caller_key" not in indexes and indexes["caller_key_unique"].get("unique")
