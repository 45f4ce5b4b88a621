"""The embedded default behaves as MongoDB does on the subset in docs/storage.md."""

import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from bson import Int64, ObjectId
from pymongo import AsyncMongoClient, InsertOne, MongoClient, ReturnDocument, UpdateOne, monitoring
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, WriteError

from core.store.embedded import EmbeddedProcess
from core.config import Config
from core.store.client import open_store
from core.store.embedded import ROOT
from core.store.indexes import ensure_indexes
from core.timeutil import today
from tests.factories import ON_TIME, TZ, load_small_district
from wiremongo.launcher import socket_uri

UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2026, 3, 14, 1, 59, 26, 535000, tzinfo=UTC)


def sample():
    return {"i": 7, "big": Int64(2**40), "f": 2.5, "t": True, "no": False, "none": None, "at": MOMENT,
            "oid": ObjectId("65a1b2c3d4e5f60718293a4b"), "nested": {"deep": [1, {"x": MOMENT, "ok": True}]},
            "s": "电梯"}


def assert_types_kept(doc):
    assert type(doc["i"]) is int and doc["i"] == 7
    assert doc["big"] == 2**40 and isinstance(doc["big"], int) and type(doc["big"]) is not float
    assert type(doc["f"]) is float and type(doc["t"]) is bool and doc["t"] is True and doc["no"] is False
    assert doc["none"] is None and doc["at"] == MOMENT and doc["at"].tzinfo is not None
    assert isinstance(doc["oid"], ObjectId) and doc["s"] == "电梯"
    assert doc["nested"]["deep"][1] == {"x": MOMENT, "ok": True}


async def test_it_keeps_types_through_every_write_path(store):
    coll = store.db.types
    await coll.insert_one({"_id": "insert", **sample()})
    await coll.update_one({"_id": "set"}, {"$set": sample()}, upsert=True)
    await coll.replace_one({"_id": "replace"}, sample(), upsert=True)
    await coll.find_one_and_update({"_id": "fam"}, {"$set": sample()}, upsert=True)
    await coll.bulk_write([InsertOne({"_id": "bulk", **sample()}),
                           UpdateOne({"_id": "bulkset"}, {"$setOnInsert": sample()}, upsert=True)])
    docs = await coll.find().to_list(None)
    assert len(docs) == 6
    for doc in docs:
        assert_types_kept(doc)


async def test_it_round_trips_timezone_aware_datetimes_as_utc(store):
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    local = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=shanghai)
    await store.db.times.insert_one({"_id": 1, "at": local})
    got = (await store.db.times.find_one({"_id": 1}))["at"]
    assert got == local and got.utcoffset() == datetime.timedelta(0) and got.hour == 1
    assert await store.db.times.count_documents({"at": {"$gt": local - datetime.timedelta(seconds=1)}}) == 1


async def test_it_raises_duplicate_key_with_code_11000(store):
    await store.db.u.create_index("phone", unique=True)
    await store.db.u.insert_one({"phone": "13800000000"})
    with pytest.raises(DuplicateKeyError) as caught:
        await store.db.u.insert_one({"phone": "13800000000"})
    assert caught.value.code == 11000
    await store.db.u.insert_one({"phone": "13900000000"})
    with pytest.raises(DuplicateKeyError):
        await store.db.u.update_one({"phone": "13900000000"}, {"$set": {"phone": "13800000000"}})
    with pytest.raises(BulkWriteError) as bulk:
        await store.db.u.insert_many([{"phone": "1"}, {"phone": "1"}, {"phone": "2"}], ordered=False)
    assert [e["code"] for e in bulk.value.details["writeErrors"]] == [11000]
    assert await store.db.u.count_documents({}) == 4


async def test_it_upserts_only_the_equality_conditions_of_the_filter(store):
    coll = store.db.ups
    await coll.update_one({"code": "A", "n": {"$gt": 1}, "tags": {"$in": ["x"]}, "at.day": 3},
                          {"$set": {"v": 1}, "$setOnInsert": {"created": MOMENT}}, upsert=True)
    doc = await coll.find_one({"code": "A"}, {"_id": 0})
    assert doc == {"code": "A", "at": {"day": 3}, "v": 1, "created": MOMENT}
    await coll.update_one({"code": "A"}, {"$set": {"v": 2}, "$setOnInsert": {"created": None}}, upsert=True)
    assert (await coll.find_one({"code": "A"}))["created"] == MOMENT


async def test_it_leaves_a_matched_document_alone_on_an_upsert_of_only_set_on_insert(store):
    coll = store.db.once
    await coll.insert_one({"key": "daily:1", "state": "done"})
    for upsert in (coll.update_one, lambda f, u, upsert: coll.bulk_write([UpdateOne(f, u, upsert=upsert)])):
        await upsert({"key": "daily:1"}, {"$setOnInsert": {"state": "pending"}}, upsert=True)
    assert await coll.find_one({}, {"_id": 0}) == {"key": "daily:1", "state": "done"}


async def test_it_returns_the_document_before_or_after(store):
    coll = store.db.fam
    await coll.insert_one({"_id": "job", "state": "queued", "tries": 0})
    before = await coll.find_one_and_update({"_id": "job", "state": "queued"},
                                            {"$set": {"state": "claimed"}, "$inc": {"tries": 1}})
    assert before["state"] == "queued" and before["tries"] == 0
    again = await coll.find_one_and_update({"_id": "job", "state": "queued"}, {"$set": {"state": "claimed"}})
    assert again is None  # another worker got there first
    after = await coll.find_one_and_update({"_id": "job"}, {"$inc": {"tries": 1}},
                                           return_document=ReturnDocument.AFTER)
    assert after["tries"] == 2
    made = await coll.find_one_and_update({"_id": "new"}, {"$set": {"x": 1}}, upsert=True,
                                          return_document=ReturnDocument.AFTER, projection={"_id": 0})
    assert made == {"x": 1}
    moved = await coll.find_one_and_update({"state": "fresh"}, {"$set": {"state": "moved"}}, upsert=True,
                                           return_document=ReturnDocument.AFTER)
    assert moved["state"] == "moved" and await coll.count_documents({"_id": moved["_id"]}) == 1
    removed = await coll.find_one_and_delete({"_id": "new"})
    assert removed["x"] == 1 and await coll.count_documents({}) == 2


async def test_it_returns_distinct_values_sorted(store):
    await store.db.d.insert_many([{"g": v} for v in (5, "b", 3, "a", 3, 1.5, None)])
    assert await store.db.d.distinct("g") == [None, 1.5, 3, 5, "a", "b"]


async def test_it_stores_dollar_and_dotted_field_names_as_mongodb_7(store):
    coll = store.db.names
    await coll.insert_one({"_id": 1, "$price": 5, "a.b": 1, "ok": {"$gt": 1}, "ref": {"$db": "x"}})
    await coll.update_one({"_id": 1}, {"$set": {"ok": {"$ne": 1, "c.d": [{"$e": 2}]}}})
    await coll.replace_one({"_id": 2}, {"kept": {"$x": 1, "y.z": 2}}, upsert=True)
    await coll.update_one({"_id": 3}, {"$set": {"$hotel": 320}}, upsert=True)
    assert await coll.find({}, sort=[("_id", 1)]).to_list() == [
        {"_id": 1, "$price": 5, "a.b": 1, "ok": {"$ne": 1, "c.d": [{"$e": 2}]}, "ref": {"$db": "x"}},
        {"_id": 2, "kept": {"$x": 1, "y.z": 2}}, {"_id": 3, "$hotel": 320}]


async def test_it_refuses_dollar_names_in_id_and_top_level_dollar_updates(store):
    coll = store.db.names
    with pytest.raises(WriteError) as caught:
        await coll.insert_one({"_id": {"$a": 1}})
    assert caught.value.code == 52
    await coll.insert_one({"_id": {"a.b": 1}})
    await coll.insert_one({"_id": 3, "$hotel": 1})
    with pytest.raises(WriteError):
        await coll.update_one({"_id": 3}, {"$set": {"$hotel": 2}})
    assert await coll.find({}, sort=[("_id", 1)]).to_list() == [{"_id": 3, "$hotel": 1}, {"_id": {"a.b": 1}}]


class CommandLog(monitoring.CommandListener):
    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


async def test_it_answers_large_results_in_batches(store, config):
    await store.db.many.insert_many([{"n": n, "pad": "x" * 2000} for n in range(3000)])
    listener = CommandLog()
    client = AsyncMongoClient(config.mongodb_uri, event_listeners=[listener])
    try:
        cursor = client[config.db_name].many.find({}, {"n": 1}).sort("n", 1).batch_size(500)
        seen = [doc["n"] async for doc in cursor]
    finally:
        await client.close()
    assert seen == list(range(3000))
    assert listener.names.count("getMore") == 5  # 500 in the first batch, then five more
    top = await store.db.many.find({}, {"n": 1, "_id": 0}).sort("n", -1).skip(1).limit(3).to_list(None)
    assert top == [{"n": 2998}, {"n": 2997}, {"n": 2996}]
    counted = await store.db.many.aggregate([{"$match": {"n": {"$gte": 1000}}}, {"$count": "c"}])
    assert (await counted.to_list(None)) == [{"c": 2000}]


async def test_it_creates_indexes_idempotently(store):
    await ensure_indexes(store.db)
    await ensure_indexes(store.db)
    names = {i["name"] for i in await (await store.db.people.list_indexes()).to_list(None)}
    assert {"_id_", "phone_unique", "org"} <= names


async def test_it_answers_unknown_commands_with_an_error(store):
    with pytest.raises(OperationFailure) as caught:
        await store.db.command("noSuchCommand")
    assert caught.value.code == 59


def start_server(data_dir):
    process = subprocess.Popen([sys.executable, "-m", "wiremongo", "--data-dir", str(data_dir)],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = process.stdout.readline().strip()
    assert line.startswith("wiremongo serving"), line
    return process, socket_uri(data_dir / "wiremongo.sock")


async def write_then_read(data_dir, stop):
    process, uri = start_server(data_dir)
    client = AsyncMongoClient(uri, tz_aware=True)
    await client.keep.rescues.insert_one({"_id": "call-1", "at": MOMENT, "open": True})
    await client.keep.rescues.update_one({"_id": "call-1"}, {"$set": {"acked": MOMENT}})
    await client.close()
    stop(process)
    process.wait(10)
    process.stdout.close()
    process, uri = start_server(data_dir)
    client = AsyncMongoClient(uri, tz_aware=True)
    try:
        return await client.keep.rescues.find_one({"_id": "call-1"})
    finally:
        await client.close()
        process.terminate()
        process.wait(10)
        process.stdout.close()


@pytest.mark.parametrize("stop", [lambda p: p.terminate(), lambda p: os.kill(p.pid, signal.SIGKILL)],
                         ids=["restart", "kill-9"])
async def test_it_keeps_the_data_across_a_restart(tmp_path, stop):
    doc = await write_then_read(tmp_path, stop)
    assert doc == {"_id": "call-1", "at": MOMENT, "open": True, "acked": MOMENT}


def test_it_shares_the_server_that_holds_a_data_dir(tmp_path):
    first = EmbeddedProcess(tmp_path)
    uri = first.start()
    second = EmbeddedProcess(tmp_path)
    try:
        assert second.start() == uri and second.pid == first.pid
        first.stop()
        assert second.lease.data_dir.read_state()["pid"] == second.pid  # still there for the second user
    finally:
        first.stop()
        second.stop()


async def test_it_answers_an_unknown_cursor_with_cursor_not_found(store):
    with pytest.raises(OperationFailure) as caught:
        await store.db.command("getMore", Int64(987654321), collection="nothing")
    assert caught.value.code == 43


# -- the embedded default as liftwatch runs it: loaded only when needed, supervised ------------

NO_EMBEDDED = """
import asyncio, sys
from core.config import Config
from portal.app import create_app
from portal.cli import database

async def check(config):
    app = create_app(config)
    async with app.test_app() as running:
        assert (await running.test_client().get("/healthz")).status_code == 200

with database(Config.from_env()) as config:
    asyncio.run(check(config))
print(sorted({m.split(".")[0] for m in sys.modules} & {"wiremongo", "scramp", "mongomock", "litemongo", "mockupdb"}))
"""


def test_it_never_loads_the_embedded_server_when_a_uri_is_configured(mongo_uri):
    env = {**os.environ, "LIFTWATCH_MONGODB_URI": mongo_uri, "LIFTWATCH_DB_NAME": "t_no_embedded"}
    result = subprocess.run([sys.executable, "-c", NO_EMBEDDED], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def free_port():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def load_district(data_dir):
    uri = socket_uri(json.loads((data_dir / "server.json").read_text())["socket"])
    config = Config.from_env(mongodb_uri=uri, db_name="liftwatch")
    store = await open_store(config)
    try:
        await load_small_district(store.db, today(TZ))
    finally:
        await store.close()


def liftwatch(args, data_dir, **extra):
    env = {**os.environ, "LIFTWATCH_DATA_DIR": str(data_dir), "LIFTWATCH_DB_NAME": "liftwatch", **extra}
    env.pop("LIFTWATCH_MONGODB_URI", None)
    return subprocess.Popen([sys.executable, "-m", "portal.cli", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.skipif(bool(os.environ.get("LIFTWATCH_TEST_MONGODB_URI")), reason="tests the embedded default")
async def test_it_brings_the_portal_back_within_two_seconds_after_kill_9_of_the_database(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = liftwatch(["serve"], tmp_path, LIFTWATCH_PORT=str(port), LIFTWATCH_PAGE_CACHE_SECONDS="0")
    try:
        assert wait_for(lambda: get(base + "/healthz") == 200, 60), "the portal did not start"
        await load_district(tmp_path)
        assert get(f"{base}/e/{ON_TIME}") == 200
        old_pid = json.loads((tmp_path / "server.json").read_text())["pid"]
        os.kill(old_pid, signal.SIGKILL)
        killed = time.monotonic()
        assert wait_for(lambda: get(base + "/healthz") == 200 and get(f"{base}/e/{ON_TIME}") == 200, 10)
        elapsed = time.monotonic() - killed
        print(f"portal back {elapsed:.2f} s after kill -9 of the database")
        assert elapsed <= 2.0
        assert json.loads((tmp_path / "server.json").read_text())["pid"] != old_pid
    finally:
        serve.terminate()
        serve.communicate(timeout=30)
    assert wait_for(lambda: not (tmp_path / "server.json").exists(), 5)  # gone with its last user


@pytest.mark.skipif(bool(os.environ.get("LIFTWATCH_TEST_MONGODB_URI")), reason="tests the embedded default")
def test_it_prints_how_to_connect_and_requires_the_credentials_over_tcp(tmp_path):
    port = free_port()
    db = liftwatch(["db", "--port", str(port)], tmp_path)
    try:
        lines = [db.stdout.readline() for _ in range(3)]
        socket_line, tcp_line = lines[1], lines[2]
        tcp = re.search(r"mongodb://\S+", tcp_line).group(0)
        assert "%2F" in re.search(r"mongodb://\S+", socket_line).group(0) and f"127.0.0.1:{port}" in tcp
        with MongoClient(tcp, serverSelectionTimeoutMS=3000) as client:
            client.app.things.insert_one({"_id": 1})
            assert client.app.things.find_one() == {"_id": 1}
        with MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                         serverSelectionTimeoutMS=3000) as anonymous:
            with pytest.raises(OperationFailure) as caught:
                anonymous.app.things.find_one()
            assert caught.value.code == 13
    finally:
        db.send_signal(signal.SIGINT)
        db.communicate(timeout=30)
    assert db.returncode == 0
    assert wait_for(lambda: not (tmp_path / "server.json").exists(), 5)


@pytest.mark.skipif(bool(os.environ.get("LIFTWATCH_TEST_MONGODB_URI")), reason="tests the embedded default")
def test_it_exits_2_with_one_line_when_the_database_port_is_busy(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = str(taken.getsockname()[1])
        for args, extra in ((["db", "--port", busy], {}), (["demo"], {"LIFTWATCH_DB_PORT": busy})):
            process = liftwatch(args, tmp_path / args[0], **extra)
            out, err = process.communicate(timeout=60)
            assert process.returncode == 2, err
            assert err.count("\n") == 1 and "in use" in err and "Traceback" not in err
