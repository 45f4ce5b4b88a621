"""The engine through the real pymongo driver and the embedded server (or a real MongoDB)."""

import datetime
import os

import pytest
from gridfs import AsyncGridFSBucket
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError, OperationFailure, WriteError

ON_MONGODB = bool(os.environ.get("LIFTWATCH_TEST_MONGODB_URI"))
START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


async def test_it_reads_about_24_documents_for_the_last_24_records(store):
    coll = store.db.records
    await coll.create_index([("elevator_id", 1), ("date", DESCENDING)])
    await coll.insert_many([{"elevator_id": f"E{i % 50}", "date": START + datetime.timedelta(days=i)}
                            for i in range(5_000)])
    cursor = coll.find({"elevator_id": "E7"}).sort("date", DESCENDING).limit(24)
    docs = await cursor.to_list(None)
    assert len(docs) == 24 and docs[0]["date"] == START + datetime.timedelta(days=4_957)
    plan = await coll.find({"elevator_id": "E7"}).sort("date", DESCENDING).limit(24).explain()
    assert plan["executionStats"]["totalDocsExamined"] <= 25
    assert await coll.count_documents({"elevator_id": "E7"}) == 100


async def test_it_replaces_the_first_match_of_a_range_on_id(store):
    coll = store.db.replaced
    await coll.insert_many([{"_id": 1, "v": "a"}, {"_id": 2, "v": "b"}, {"_id": 3, "v": "c"}])
    result = await coll.replace_one({"_id": {"$gt": 1}}, {"v": "new"})
    assert result.matched_count == 1 and result.modified_count == 1
    before = await coll.find_one_and_replace({"_id": {"$gt": 2}}, {"v": "newer"})
    assert before == {"_id": 3, "v": "c"}
    assert await coll.find().sort("_id", 1).to_list(None) == [{"_id": 1, "v": "a"}, {"_id": 2, "v": "new"},
                                                              {"_id": 3, "v": "newer"}]


async def test_it_refuses_a_hint_naming_a_missing_index(store):
    await store.db.hinted.insert_one({"a": 1})
    with pytest.raises(OperationFailure) as caught:
        await store.db.hinted.find({"a": 1}).hint("a_1").to_list(None)
    assert caught.value.code == 2 and "hint" in str(caught.value)


async def test_it_refuses_an_array_as_id(store):
    with pytest.raises(WriteError) as caught:
        await store.db.ids.insert_one({"_id": [1, 2]})
    assert caught.value.code == 53


async def test_it_enforces_a_unique_index_across_array_elements(store):
    await store.db.codes.create_index("codes", unique=True)
    await store.db.codes.insert_one({"_id": "A", "codes": ["X1", "X2"]})
    with pytest.raises(DuplicateKeyError):
        await store.db.codes.insert_one({"_id": "B", "codes": ["X2"]})


@pytest.mark.skipif(ON_MONGODB, reason="MongoDB supports collations; wiremongo refuses them")
async def test_it_refuses_a_collation_instead_of_ignoring_it(store):
    await store.db.coll.insert_one({"name": "a"})
    with pytest.raises(OperationFailure) as caught:
        await store.db.coll.find({"name": "A"}, collation={"locale": "en", "strength": 2}).to_list(None)
    assert caught.value.code == 115 and "collation" in str(caught.value)


async def test_it_stores_and_reads_back_files_through_gridfs(store):
    bucket = AsyncGridFSBucket(store.db, chunk_size_bytes=1024)
    photo = bytes(range(256)) * 20
    file_id = await bucket.upload_from_stream("lift.jpg", photo, metadata={"report": "R1"})
    stream = await bucket.open_download_stream(file_id)
    assert await stream.read() == photo
    names = {i["name"] for i in await (await store.db["fs.chunks"].list_indexes()).to_list(None)}
    assert "files_id_1_n_1" in names
    await bucket.delete(file_id)
    assert await store.db["fs.chunks"].count_documents({}) == 0


async def test_it_leaves_an_existing_document_alone_when_an_upsert_only_sets_on_insert(store):
    from pymongo import UpdateOne
    coll = store.db.once
    await coll.insert_one({"_id": 1, "key": "k", "state": "pending"})
    result = await coll.update_one({"key": "k"}, {"$setOnInsert": {"state": "new"}}, upsert=True)
    await coll.bulk_write([UpdateOne({"key": "k"}, {"$setOnInsert": {"state": "new"}}, upsert=True)])
    assert result.matched_count == 1 and result.modified_count == 0
    assert await coll.find().to_list(None) == [{"_id": 1, "key": "k", "state": "pending"}]
