"""`liftwatch apikeys add` issues a key that the Open311 API then accepts."""

import asyncio

from core.open311 import Open311Error, check_api_key
from core.store.client import open_store
from portal.cli import main


def test_it_issues_a_key_that_is_stored_only_as_a_hash(config, monkeypatch, capsys):
    monkeypatch.setenv("LIFTWATCH_MONGODB_URI", config.mongodb_uri)
    monkeypatch.setenv("LIFTWATCH_DB_NAME", config.db_name)
    main(["apikeys", "add", "city hotline"])
    key = capsys.readouterr().out.strip()

    async def check():
        store = await open_store(config)
        try:
            await check_api_key(store.db, key)
            stored = await store.db.api_keys.find_one({})
            assert stored["name"] == "city hotline" and key not in str(stored)
            try:
                await check_api_key(store.db, key + "x")
            except Open311Error as exc:
                return exc.status
        finally:
            await store.client.drop_database(config.db_name)
            await store.close()

    assert len(key) >= 30 and asyncio.run(check()) == 403
