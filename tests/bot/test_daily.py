"""The worker's daily round: overdue warnings to the firm and the unit, the digest to the regulator, once a day."""

import datetime

from core import clock
from core.notify.contacts import add_contact
from core.store.orgs import upsert_regulators
from core.timeutil import today
from core.worker import Worker, load_handlers
from tests.factories import TZ, load_small_district


async def test_it_warns_of_overdue_elevators_once_a_day(store, config):
    load_handlers()
    codes = await load_small_district(store.db, today(TZ))
    await upsert_regulators(store.db, [{"_id": "R1", "name": "鲤城区市场监督管理局"}])
    for org, kind in (("F1", "overdue"), ("U1", "overdue"), ("F1", "reminder"), ("R1", "digest")):
        await add_contact(store.db, org, kind, "email", f"{kind}@{org.lower()}.example.com", "en")
    worker = Worker(store.db, config)
    for _ in range(2):  # two processes sweeping the same day
        await worker.sweep()
        await worker.drain(kinds=["daily_round"])
    overdue = await store.db.deliveries.find({"kind": "overdue"}).to_list(None)
    warned = {d["notification_id"].split(":")[0] for d in overdue}
    assert codes["overdue"] in warned
    assert {d["org_id"] for d in overdue} == {"F1", "U1"}
    digest = await store.db.deliveries.find_one({"kind": "digest"})
    assert "elevators overdue" in digest["message"]["text"]
    clock.set_time(clock.now() + datetime.timedelta(days=1))
    await worker.sweep()
    await worker.drain(kinds=["daily_round"])
    assert await store.db.deliveries.count_documents({"kind": "digest"}) == 2


async def test_it_reminds_once_a_day_with_several_workers_and_catches_up_after_downtime(store, config):
    import asyncio
    load_handlers()
    codes = await load_small_district(store.db, today(TZ))  # on_time: last valid visit 4 days ago, due in 11
    await add_contact(store.db, "F1", "reminder", "email", "plans@f1.example.com", "en")
    workers = [Worker(store.db, config) for _ in range(3)]

    async def all_sweep():
        await asyncio.gather(*(w.sweep() for w in workers))
        await asyncio.gather(*(w.drain(kinds=["daily_round"]) for w in workers))
        return [d["notification_id"] for d in await store.db.deliveries.find({"kind": "reminder"}).to_list(None)]

    await store.db.telegram_accounts.insert_one({"_id": 7001, "person_id": "P1", "lang": "en"})  # P1's chat
    assert not any(n.startswith(codes["on_time"]) for n in await all_sweep())  # not due soon yet
    clock.set_time(clock.now() + datetime.timedelta(days=9))  # nine days down: due in 2 days now
    for _ in range(2):
        reminded = [n for n in await all_sweep() if n.startswith(codes["on_time"])]
        day = f"{codes['on_time']}:reminder:{today(TZ).isoformat()}"
        assert sorted(reminded) == [day, f"{day}:technicians"]
    told = await store.db.deliveries.find({"kind": "reminder", "notification_id": {"$regex": "^" + codes["on_time"]}}) \
        .to_list(None)
    assert sorted((d["channel"], d["address"]) for d in told) == [("email", "plans@f1.example.com"), ("telegram", "7001")]
    # One round for the day the worker came back on, none for the days it missed (the first day's is swept).
    rounds = await store.db.jobs.find({"kind": "daily_round"}).to_list(None)
    assert [(j["key"], j["state"]) for j in rounds] == [(f"daily_round:{today(TZ).isoformat()}", "done")]
