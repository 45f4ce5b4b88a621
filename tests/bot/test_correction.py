"""Records are final: a correction is a new record linked to the old one, which stays as it was."""

from dataclasses import replace

from core.page_writer import rebuild_page
from portal.app import create_app
from tests.bot.test_repair import quick_visit


async def record_a_visit(chat, code, store):
    """Go through a valid visit (a rescue: no checklist, so it is quick); return its record."""
    assert "recorded as valid" in await quick_visit(chat, code)
    return await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})


async def test_it_saves_a_correction_as_a_new_record_and_keeps_the_old(linked, district, store, bot_config):
    code = district["on_time"]
    old = await record_a_visit(linked, code, store)
    button = linked.replies()[-1]["reply_markup"]["inline_keyboard"][-1][0]
    assert button["callback_data"] == f"c:{old['_id']}"
    assert "stays unchanged" in await linked.say(linked.tap(button["callback_data"]))
    assert "Correction saved" in await linked.say(linked.update(text="第2项应为已调整，不是已完成"))
    assert await store.db.maintenance_records.find_one({"_id": old["_id"]}) == old
    new = await store.db.maintenance_records.find_one({"corrects": old["_id"]})
    assert new["correction"]["note"] == "第2项应为已调整，不是已完成" and new["correction"]["by"] == "P1"
    assert (new["date"], new["type"], new["valid"]) == (old["date"], "rescue", old["valid"])
    page = await rebuild_page(store.db, code)
    rows = [(r["correction"], r["corrected"]) for r in page["maintenance"][:2]]
    assert sorted(rows) == [(False, True), (True, False)]
    app = create_app(replace(bot_config, worker_in_serve=False, page_cache_seconds=0))
    async with app.test_app():
        shown = await (await app.test_client().get(f"/e/{code}?lang=en")).get_data(as_text=True)
    assert "correction of an earlier record" in shown and "corrected by a later record" in shown
    history = await linked.say(linked.command(f"/history {code}"))
    assert "correction of an earlier record: 第2项应为已调整" in history
    # A text now is no correction: nothing is pending any more.
    assert "no visit open" in await linked.say(linked.update(text="再改一次"))
    assert await store.db.maintenance_records.count_documents({"corrects": {"$exists": True}}) == 1


async def test_it_corrects_only_the_latest_record_with_the_command(linked, district, store):
    old = await record_a_visit(linked, district["on_time"], store)
    assert "stays unchanged" in await linked.say(linked.command("/correct"))
    assert "Correction saved" in await linked.say(linked.update(text="备注补充"))
    assert "Only your latest record" in await linked.say(linked.tap(f"c:{old['_id']}"))
    newest = await store.db.maintenance_records.find_one({"corrects": old["_id"]})
    assert "stays unchanged" in await linked.say(linked.tap(f"c:{newest['_id']}"))
