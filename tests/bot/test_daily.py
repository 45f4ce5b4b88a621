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
