"""Repair and rescue visits: a repair answers an open fault report and closes it once recorded."""

from core import reports
from core.page_writer import rebuild_page
from tests.bot.test_visit import selfie, work_photo


async def fault_report(store, code, category="doors"):
    """File a passenger's fault report on an elevator; return it."""
    elevator = await store.db.elevators.find_one({"_id": code})
    return await reports.submit(store.db, "fault", elevator, {"category": category, "description": "门关不上"})


async def photos_and_checkout(chat):
    """Send three work photos and the check-out location; return the last reply."""
    for name in ("coffee", "rocket"):
        assert "Send photos" in await chat.say(chat.photo(work_photo(name)))
    assert "check out" in await chat.say(chat.photo(work_photo("horse")))
    return await chat.say(chat.location())


async def quick_visit(chat, code, kind="rescue"):
    """Go through a whole visit with no checklist (a rescue, or a repair of no report); return the last reply."""
    assert "What kind of visit" in await chat.say(chat.command(f"/start v_{code}"))
    assert "share your current location" in await chat.say(chat.tap(f"t:{kind}"))
    assert "selfie" in await chat.say(chat.location())
    assert "Send photos" in await chat.say(chat.photo(selfie()))
    return await photos_and_checkout(chat)


async def test_it_links_a_repair_to_its_fault_report_and_closes_it(linked, district, store):
    code = district["on_time"]
    report = await fault_report(store, code)
    await fault_report(store, district["overdue"], "noise")  # another elevator's: not offered
    assert "What kind of visit" in await linked.say(linked.command(f"/start v_{code}"))
    assert "Which fault report" in await linked.say(linked.tap("t:repair"))
    offered = [row[0]["callback_data"] for row in linked.replies()[-1]["reply_markup"]["inline_keyboard"]]
    assert offered == [f"r:{report['_id']}", "r:-"]
    assert "share your current location" in await linked.say(linked.tap(f"r:{report['_id']}"))
    assert (await store.db.reports.find_one({"_id": report["_id"]}))["state"] == "in_progress"
    assert "selfie" in await linked.say(linked.location())
    assert "Send photos" in await linked.say(linked.photo(selfie()))  # a repair has no TSG checklist
    assert "recorded as valid" in await photos_and_checkout(linked)
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert (record["type"], record["interval"], record["report_id"]) == ("repair", None, report["_id"])
    assert "too_short" in record["flags"]
    button = linked.replies()[-1]["reply_markup"]["inline_keyboard"][0][0]
    assert button["callback_data"] == f"x:{record['_id']}"
    assert "marked fixed" in await linked.say(linked.tap(button["callback_data"]))
    closed = await store.db.reports.find_one({"_id": report["_id"]})
    assert closed["state"] == "fixed" and closed["fixed_at"]
    assert "no longer open" in await linked.say(linked.tap(button["callback_data"]))
    page = await rebuild_page(store.db, code)
    assert page["maintenance"][0]["type"] == "repair"


async def test_it_shows_the_reporter_the_fix_to_confirm(linked, district, store, bot_config):
    from dataclasses import replace

    from core.repairs import close_report
    from portal.app import create_app
    code = district["on_time"]
    report = await fault_report(store, code)
    await linked.say(linked.command(f"/start v_{code}"))
    await linked.say(linked.tap("t:repair"))
    await linked.say(linked.tap(f"r:{report['_id']}"))
    await linked.say(linked.location())
    await linked.say(linked.photo(selfie()))
    await photos_and_checkout(linked)
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    await close_report(store.db, record["_id"], "P1")
    app = create_app(replace(bot_config, worker_in_serve=False))
    async with app.test_app():
        page = await (await app.test_client().get(f"/r/{report['token']}?lang=en")).get_data(as_text=True)
    assert "Fixed, says the firm" in page


async def test_it_repairs_with_no_report_when_none_is_open(linked, district, store):
    await linked.say(linked.command(f"/start v_{district['on_time']}"))
    assert "share your current location" in await linked.say(linked.tap("t:repair"))
    visit = await store.db.visits.find_one({"open": True})
    assert visit["type"] == "repair" and "report_id" not in visit


async def test_it_offers_rescue_as_a_visit_type(linked, district, store):
    await linked.say(linked.command(f"/start v_{district['on_time']}"))
    types = [row[0]["callback_data"] for row in linked.replies()[-1]["reply_markup"]["inline_keyboard"]]
    assert types == ["t:half_monthly", "t:quarterly", "t:half_yearly", "t:yearly", "t:repair", "t:rescue"]
    assert "share your current location" in await linked.say(linked.tap("t:rescue"))
    await linked.say(linked.location())
    assert "Send photos" in await linked.say(linked.photo(selfie()))
    assert "recorded as valid" in await photos_and_checkout(linked)
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert (record["type"], record["interval"]) == ("rescue", None)
    assert "too_short" not in record["flags"]  # LIFTWATCH_VISIT_MIN_MINUTES: rescue=0

