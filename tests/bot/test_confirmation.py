"""W5: a valid visit asks the using unit to confirm it, and the signed link confirms it once."""

import re
from dataclasses import replace
from urllib.parse import urlsplit

from core.notify.contacts import add_contact
from portal.app import create_app
from tests.bot.test_repair import quick_visit


async def test_it_asks_the_unit_to_confirm_and_the_signed_link_confirms(linked, district, store, bot_config):
    await add_contact(store.db, "U1", "confirmation", "email", "safety@u1.example.com", "en")
    assert "recorded as valid" in await quick_visit(linked, district["on_time"])
    delivery = await store.db.deliveries.find_one({"kind": "confirmation"})
    assert delivery["org_id"] == "U1" and delivery["address"] == "safety@u1.example.com"
    url = urlsplit(delivery["message"]["links"][0]["url"])
    assert delivery["message"]["links"][0]["label"] == "Confirm the record"
    app = create_app(replace(bot_config, worker_in_serve=False, secret_key=""))
    async with app.test_app():
        client = app.test_client()
        forged = await client.get(url.path + "?" + url.query.replace("sig=", "sig=0"))
        assert forged.status_code == 403
        shown = await client.get(f"{url.path}?{url.query}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', await shown.get_data(as_text=True)).group(1)
        done = await client.post(f"{url.path}?{url.query}", form={"csrf": csrf})
        assert "已确认" in await done.get_data(as_text=True)
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert record["confirmed"]["by"] == "signed link"


async def link_officer(store, telegram, user_id=7100):
    """Add U1's safety officer and link their Telegram chat; return (person id, chat)."""
    from core import technicians
    from tests.bot.conftest import Chat
    unit = await store.db.units.find_one({"_id": "U1"})
    person_id, token = await technicians.add_officer(store.db, unit, "陈安全", "13900000100")
    chat = Chat(telegram, user_id=user_id, lang="en")
    assert "confirm maintenance records" in await chat.say(chat.command(f"/start {token}"))
    return person_id, chat


async def test_it_asks_the_linked_safety_officer_in_telegram_and_one_tap_confirms(linked, district, store,
                                                                                  telegram):
    from core.notify import Notifier, NotifySettings
    from core.notify.deliveries import deliver
    await add_contact(store.db, "U1", "confirmation", "email", "safety@u1.example.com", "en")
    person_id, officer = await link_officer(store, telegram)
    assert "recorded as valid" in await quick_visit(linked, district["on_time"])
    deliveries = await store.db.deliveries.find({"kind": "confirmation"}).to_list(None)
    assert [(d["channel"], d["address"]) for d in deliveries] == [("telegram", "7100")]  # not the email contact
    settings = NotifySettings(telegram_token=telegram.token, telegram_api_url=telegram.url)
    async with await Notifier.open(settings) as notifier:
        assert await deliver(store.db, deliveries[0]["_id"], notifier) == "sent"
    sent = officer.replies()[-1]
    button = sent["reply_markup"]["inline_keyboard"][0][0]
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert button == {"text": "Confirm", "callback_data": f"m:{record['_id']}"} and "/m/" in sent["text"]
    assert "Only a safety officer" in await linked.say(linked.tap(button["callback_data"]))
    await store.db.people.update_one({"_id": person_id}, {"$set": {"org_id": "U2"}})  # another unit's officer
    assert "Only a safety officer" in await officer.say(officer.tap(button["callback_data"]))
    await store.db.people.update_one({"_id": person_id}, {"$set": {"org_id": "U1"}})
    assert "confirmed. Thank you" in await officer.say(officer.tap(button["callback_data"]))
    record = await store.db.maintenance_records.find_one({"_id": record["_id"]})
    assert record["confirmed"]["by"] == f"telegram:{person_id}"


async def test_it_lists_records_unconfirmed_after_7_days_to_the_unit_once_a_day(store, config):
    import datetime

    from core import clock, confirmations
    from core.district import add_maintenance_records
    from core.timeutil import today
    from core.worker import Worker, load_handlers
    from tests.factories import TZ, load_small_district
    load_handlers()
    codes = await load_small_district(store.db, today(TZ))
    await add_contact(store.db, "U1", "confirmation", "email", "safety@u1.example.com", "en")
    saved = clock.now() - datetime.timedelta(days=1)
    await add_maintenance_records(store.db, [
        {"elevator_id": code, "firm_id": "F1", "unit_id": "U1", "date": saved, "interval": "half_monthly",
         "type": "half_monthly", "technician_ids": ["P1"], "valid": True, "invalid_reasons": [], "items": [],
         "confirmed": None, "created_at": saved} for code in (codes["on_time"], codes["fresh"])])
    worker = Worker(store.db, config)

    async def rounds():
        for _ in range(2):  # two processes sweeping the same day
            await worker.sweep()
            await worker.drain(kinds=["daily_round"])
        return await store.db.deliveries.find({"kind": "unconfirmed"}).to_list(None)

    assert await rounds() == []  # saved one day ago: not yet
    clock.set_time(clock.now() + datetime.timedelta(days=7))
    listed = await rounds()
    assert len(listed) == 1 and listed[0]["org_id"] == "U1"
    assert codes["on_time"] in listed[0]["message"]["text"] and codes["fresh"] in listed[0]["message"]["text"]
    first = await store.db.maintenance_records.find_one({"elevator_id": codes["fresh"], "created_at": saved})
    await confirmations.confirm(store.db, str(first["_id"]), "signed link")
    clock.set_time(clock.now() + datetime.timedelta(days=3))  # down for three days: one round on coming back
    listed = await rounds()
    assert len(listed) == 2 and codes["fresh"] not in listed[1]["message"]["text"]
