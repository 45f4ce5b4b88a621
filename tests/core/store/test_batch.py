"""Group commit: the writes and reads of many tasks in one turn of the event loop leave as one command."""

import asyncio
import datetime

import pytest
from pymongo import AsyncMongoClient, monitoring

from core import jobs
from core.store import batch, cache
from core.store import contacts as contact_store
from core.store import deliveries as delivery_store
from core.store import elevators as elevator_store
from core.store import reports as report_store
from core.store import rescues as rescue_store

EXPIRES = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


class CommandLog(monitoring.CommandListener):
    def __init__(self):
        self.sent = []

    def started(self, event):
        self.sent.append((event.command_name, event.command.get(event.command_name)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def count(self, name, collection):
        return self.sent.count((name, collection))


@pytest.fixture
async def watched(store, config):
    """Yield (database seen through a client whose commands are logged, the log)."""
    log = CommandLog()
    client = AsyncMongoClient(config.mongodb_uri, tz_aware=True, event_listeners=[log])
    yield client[config.db_name], log
    await client.close()


def delivery(delivery_id):
    return {"_id": delivery_id, "notification_id": "n", "state": "pending"}


async def test_it_sends_the_job_requests_of_many_tasks_in_one_command(watched):
    db, log = watched
    asked = [[jobs.job("deliver", {"n": n}, key=f"k{n}"), jobs.job("deliver", {"n": n}, key=f"k{n}b")]
             for n in range(50)]
    await asyncio.gather(*(jobs.enqueue_many(db, a, once=True) for a in asked))
    assert log.count("update", "jobs") == 1
    assert await db.jobs.count_documents({}) == 100
    await jobs.enqueue_many(db, asked[0], once=True)  # alone: a command of its own, nothing asked twice
    assert log.count("update", "jobs") == 2
    assert await db.jobs.count_documents({"requests": 1}) == 100


async def test_it_tells_each_caller_of_its_own_duplicates_only(watched):
    db, log = watched
    await db.deliveries.insert_one(delivery("b2"))
    inserted = await asyncio.gather(*(delivery_store.insert_deliveries(db, [delivery(f"{x}1"), delivery(f"{x}2")])
                                      for x in "abc"))
    assert inserted == [{"a1", "a2"}, {"b1"}, {"c1", "c2"}]
    assert log.count("insert", "deliveries") == 2  # the first insert_one, then one for the three callers
    now = datetime.datetime(2026, 11, 26, 5, 36, 29, tzinfo=datetime.timezone.utc)  # whole ms, as BSON keeps them
    await asyncio.gather(delivery_store.mark_all_sent(db, ["a1", "a2"], now),
                         delivery_store.mark_all_sent(db, ["c1"], now + datetime.timedelta(seconds=1)))
    assert log.count("update", "deliveries") == 1
    sent = {d["_id"]: d.get("sent_at") for d in await db.deliveries.find({"state": "sent"}).to_list(None)}
    assert sent == {"a1": now, "a2": now, "c1": now + datetime.timedelta(seconds=1)}


async def test_it_counts_hits_as_one_update_each_would(watched):
    db, log = watched
    counts = await asyncio.gather(*(report_store.count_hit(db, "ip1", EXPIRES) for _ in range(30)),
                                  report_store.count_hit(db, "ip2", EXPIRES))
    assert sorted(counts[:30]) == list(range(1, 31)) and counts[30] == 1
    assert log.count("update", "rate_limits") == 1 and log.count("find", "rate_limits") == 1
    assert await report_store.count_hit(db, "ip1", EXPIRES) == 31


async def test_it_opens_one_call_per_elevator_and_joins_the_callers_of_a_turn(watched):
    db, log = watched

    def fresh(elevator_id, key):
        return {"_id": f"c-{key}", "token": f"t-{key}", "elevator_id": elevator_id, "state": "received", "open": True}

    def join(elevator_id, key):
        caller = {"key": key}
        return rescue_store.join_or_open(db, elevator_id, caller, fresh(elevator_id, key), {"$max": {"people": 1}})

    calls = await asyncio.gather(*(join(f"E{n % 10}", f"key{n}") for n in range(20)))
    assert log.count("update", "rescues") == 1 and log.count("find", "rescues") == 1
    assert len({c["_id"] for c in calls}) == 10
    openers = [c for n, c in enumerate(calls) if c["callers"][0]["key"] == f"key{n}"]
    assert len(openers) == 10
    assert all(len(c["callers"]) == 2 for c in calls)
    assert await join("E0", "key0") is None  # a repeat: the caller's key is in the call already


async def test_it_reads_the_elevators_of_a_turn_in_one_query(watched):
    db, log = watched
    await db.elevators.insert_many([{"_id": f"E{n}", "codes": [f"E{n}", f"X{n}"]} for n in range(5)])
    found = await asyncio.gather(*(elevator_store.find_elevator_by_code(db, code) for code in
                                   ("E0", "E1", "E1", "E4", "nothing")))
    assert [f and f["_id"] for f in found] == ["E0", "E1", "E1", "E4", None]
    assert log.count("find", "elevators") == 2  # one for the four, one for the unknown code's other codes
    assert (await elevator_store.find_elevator_by_code(db, "X3"))["_id"] == "E3"


async def test_it_reads_contacts_asked_at_once_a_single_time(watched):
    db, log = watched
    await contact_store.upsert_contact(db, {"org_id": "F1", "kind": "rescue", "channel": "email",
                                            "address": "duty@f1.example.com", "lang": "zh_Hans"})
    found = await asyncio.gather(*(contact_store.find_contacts_of_orgs(db, ["F1", "U1"]) for _ in range(20)))
    assert all([c["address"] for c in f] == ["duty@f1.example.com"] for f in found)
    assert log.count("find", "contacts") == 1


async def test_it_keeps_no_read_that_a_write_of_this_process_overtook(watched):
    db, _ = watched
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_read(keys):
        started.set()
        await release.wait()
        return {key: "old" for key in keys}

    reading = asyncio.ensure_future(cache.read_many(db, "contacts", ["F9"], slow_read))
    await started.wait()
    cache.forget(db, "contacts")  # a write while the read was on its way
    release.set()
    assert (await reading)["F9"] == "old"
    assert cache.get_many(db, "contacts", ["F9"]) == ({}, ["F9"])


async def test_it_gives_each_caller_its_own_outcome():
    async def run(key, items):
        if "all" in items:
            raise ValueError("the whole batch failed")
        return [KeyError(i) if i == "bad" else i.upper() for i in items]

    gatherer = batch.Gatherer(run)
    good, bad = await asyncio.gather(gatherer.ask("k", "good"), gatherer.ask("k", "bad"), return_exceptions=True)
    assert good == "GOOD" and isinstance(bad, KeyError)
    outcomes = await asyncio.gather(gatherer.ask("k", "x"), gatherer.ask("k", "all"), return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert await gatherer.ask("other", "alone") == "ALONE"


async def test_it_starts_a_full_batch_at_once():
    sizes = []

    async def run(key, items):
        sizes.append(len(items))
        return items

    gatherer = batch.Gatherer(run, most=4)
    assert await asyncio.gather(*(gatherer.ask("k", n) for n in range(10))) == list(range(10))
    assert sizes == [4, 4, 2]
