"""/history <code>: the latest visits of one elevator, in the technician's language."""

import datetime

from core import clock
from core.district import add_maintenance_records
from tests.bot.conftest import Chat


async def add_invalid_visit(store, code):
    """Record an invalid half-monthly visit of today (no photos)."""
    await add_maintenance_records(store.db, [{
        "elevator_id": code, "firm_id": "F1", "date": clock.now() - datetime.timedelta(minutes=5),
        "interval": "half_monthly", "type": "half_monthly", "technician_ids": ["P1"], "valid": False,
        "invalid_reasons": ["no_photos"], "items": []}])


async def test_it_lists_the_latest_visits_of_an_elevator(linked, district, store):
    await add_invalid_visit(store, district["on_time"])
    reply = await linked.say(linked.command(f"/history {district['on_time']}"))
    lines = reply.splitlines()
    assert lines[0] == f"Latest visits of elevator {district['on_time']}:" and len(lines) == 11
    assert lines[1].endswith("· Half-monthly · invalid: no photos of the work · 林建明")
    assert any(line.endswith(" · valid · 林建明") for line in lines[2:])


async def test_it_lists_visits_in_the_technicians_language(linked, district, store):
    await add_invalid_visit(store, district["on_time"])
    await linked.say(linked.tap("lang:zh_Hans"))
    reply = await linked.say(linked.command(f"/history {district['on_time']}"))
    assert "半月 · 无效：无作业照片 · 林建明" in reply.splitlines()[1]


async def test_it_refuses_the_history_of_another_firms_elevator(district, running, store, telegram):
    from core import technicians
    await store.db.people.insert_one({"_id": "P9", "name": "外人", "org_id": "F2", "roles": ["technician"]})
    chat = Chat(telegram, user_id=7009)
    await chat.say(chat.command(f"/start {await technicians.invite(store.db, 'P9')}"))
    assert "not maintained by your firm" in await chat.say(chat.command(f"/history {district['on_time']}"))
    assert "No elevator answers" in await chat.say(chat.command("/history 12345"))
