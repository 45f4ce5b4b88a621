"""A visit through the Bot API stand-in: place, face, checklist, photos, check-out, the record."""

import datetime
import time

import pytest

from core.store import technicians as people_store
from tests import face_samples as samples
from tests.bot.conftest import Chat

FAR = (24.91, 118.58)  # about 1.1 km north of the elevator


def selfie():
    """Return the astronaut cropped and rotated, as a phone would send her."""
    return samples.encode(samples.variations(samples.astronaut())["crop+rotate+bright+jpeg"])


def work_photo(name):
    """Return one of scikit-image's scenes as a work photo."""
    return samples.encode(samples.scene(name))


async def begin(chat, code):
    """Start a half-monthly visit at an elevator and get to the location step."""
    assert "What kind of visit" in await chat.say(chat.command(f"/start v_{code}"))
    assert "share your current location" in await chat.say(chat.tap("t:half_monthly"))


async def to_checklist(chat, code):
    """Get through place and face."""
    await begin(chat, code)
    assert "selfie" in await chat.say(chat.location())
    return await chat.say(chat.photo(selfie()))


async def through_checklist(chat, code, store):
    """Get through place, face and the checklist (the first item a fault, with its note)."""
    first = await to_checklist(chat, code)
    assert first.startswith("1/")
    total = int(first.split()[0].split("/")[1])
    for n in range(total - 1):
        await chat.say(chat.tap(f"i:{await current_code(store)}:{'f' if n == 0 else 'd'}"))
        if n == 0:
            assert "write what you found" in chat.replies()[-1]["text"]
            await chat.say(chat.update(text="钢丝绳有断丝，已更换"))
    assert "Send photos" in await chat.say(chat.tap(f"i:{await current_code(store)}:d"))
    return total


async def test_it_records_a_full_valid_visit(linked, district, store):
    total = await through_checklist(linked, district["on_time"], store)
    for name in ("coffee", "rocket"):
        assert "Send photos" in await linked.say(linked.photo(work_photo(name)))
    assert "check out" in await linked.say(linked.photo(work_photo("horse")))
    assert "recorded as valid" in await linked.say(linked.location())
    record = await store.db.maintenance_records.find_one({"elevator_id": district["on_time"], "visit_id": {"$exists": True}})
    assert record["valid"] and record["invalid_reasons"] == [] and "too_short" in record["flags"]
    assert len(record["items"]) == total and record["items"][0]["result"] == "issue" and record["items"][0]["note"]
    assert record["face"][0]["ok"] and len(record["photo_hashes"]) == 3
    assert "reference_photos" not in await people_store.find_face(store.db, "P1")
    owed = await store.db.jobs.count_documents({})
    assert owed >= 1  # the page rebuild the record asked of the worker


async def current_code(store):
    """Return the code of the item the open visit waits for."""
    from core.visits import next_item
    return next_item(await store.db.visits.find_one({"open": True}))


async def test_it_refuses_another_persons_face(linked, district, store):
    await begin(linked, district["on_time"])
    await linked.say(linked.location())
    assert "does not match" in await linked.say(linked.photo(samples.encode(samples.hopper())))
    visit = await store.db.visits.find_one({"open": True})
    assert visit["face_attempts"][0]["reason"] == "mismatch"


async def test_it_refuses_a_replayed_reference_photo(linked, district, store):
    await begin(linked, district["on_time"])
    await linked.say(linked.location())
    assert "copy of an earlier photo" in await linked.say(linked.photo(samples.encode(samples.astronaut())))
    assert "selfie_replay" in (await store.db.visits.find_one({"open": True}))["flags"]


@pytest.mark.parametrize("kind, expected", [
    ("forwarded", "forwarded location"), ("venue", "venue is not accepted"), ("stale", "older than 2 minutes"),
    ("far", "m away from the elevator"), ("edited", "live location")])
async def test_it_refuses_a_location_that_proves_nothing(linked, district, kind, expected):
    await begin(linked, district["on_time"])
    chat = linked
    update = {
        "forwarded": lambda: chat.location(forward_origin={"type": "user", "date": 1, "sender_user": chat.user}),
        "venue": lambda: chat.location(venue={"location": {"latitude": 24.9, "longitude": 118.58},
                                              "title": "Lift", "address": "1 Road"}),
        "stale": lambda: chat.location(age=300),
        "far": lambda: chat.location(*FAR),
        "edited": lambda: {**chat.location(), "edited_message": chat.location()["message"] | {"edit_date": 1}},
    }[kind]()
    if kind == "edited":
        update.pop("message")
    reply = await chat.say(update)
    assert expected in reply
    assert telegram_keyboard(chat)[0][0]["request_location"]
    if kind == "far":
        assert "You are 1108 m away" in reply  # geodesic distance, WGS-84


async def test_it_refuses_a_technician_of_another_firm(district, running, store, telegram):
    from core import technicians
    await store.db.firms.insert_one({"_id": "F2", "name": "另一家"})
    await store.db.people.insert_one({"_id": "P9", "name": "外人", "org_id": "F2", "roles": ["technician"],
                                      "phone": "13900000009"})
    chat = Chat(telegram, user_id=7009)
    await chat.say(chat.command(f"/start {await technicians.invite(store.db, 'P9')}"))
    assert "not maintained by your firm" in await chat.say(chat.command(f"/start v_{district['on_time']}"))
    assert await store.db.visits.count_documents({}) == 0


async def test_it_refuses_a_second_open_visit_and_flags_it(linked, district, store):
    await begin(linked, district["on_time"])
    assert "visit open at elevator" in await linked.say(linked.command(f"/start v_{district['overdue']}"))
    visit = await store.db.visits.find_one({"open": True})
    assert visit["elevator_id"] == district["on_time"] and "start_elsewhere_while_open" in visit["flags"]


async def test_it_continues_a_visit_after_a_restart(linked, district, running):
    await begin(linked, district["on_time"])
    await running()
    assert "selfie" in await linked.say(linked.location())


async def test_it_closes_a_visit_left_open_as_invalid(linked, district, store, bot_config):
    from core import clock
    from core.worker import Worker
    await begin(linked, district["on_time"])
    await linked.say(linked.location())
    clock.set_time(clock.now() + datetime.timedelta(hours=bot_config.visit_max_open_hours + 0.1))
    await Worker(store.db, bot_config).sweep()
    assert await store.db.visits.count_documents({"open": True}) == 0
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert not record["valid"]
    assert record["invalid_reasons"] == ["face_mismatch", "no_location_checkin", "no_photos"]


async def test_it_asks_the_longer_intervals_items_the_history_makes_due(linked, district, store):
    from core.checklists import load_checklist
    # Give the overdue elevator only half-monthly visits: its quarterly and longer items are due.
    await store.db.maintenance_records.update_many({"elevator_id": district["overdue"]},
                                                   {"$set": {"interval": "half_monthly"}})
    first = await to_checklist(linked, district["overdue"])
    total = int(first.split()[0].split("/")[1])
    traction = load_checklist("traction")
    assert total > len(traction.items_for("half_monthly"))


async def test_it_flags_a_reused_work_photo(linked, district, store):
    from core import photos
    await store.db.work_photos.insert_one({"firm_id": "F1", "hash": photos.phash(work_photo("coffee"))})
    # A rescue visit: work photos are checked on every kind of visit, and it has no checklist to go through.
    await linked.say(linked.command(f"/start v_{district['on_time']}"))
    await linked.say(linked.tap("t:rescue"))
    await linked.say(linked.location())
    await linked.say(linked.photo(selfie()))
    for name in ("coffee", "rocket", "horse"):
        await linked.say(linked.photo(work_photo(name)))
    assert "recorded as valid" in await linked.say(linked.location())
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert "photo_reused" in record["flags"]


async def test_it_asks_again_for_a_selfie_without_a_face(linked, district, store):
    await begin(linked, district["on_time"])
    await linked.say(linked.location())
    assert "No face was found" in await linked.say(linked.photo(work_photo("rocket")))
    assert (await store.db.visits.find_one({"open": True}))["step"] == "face"
    assert (await linked.say(linked.photo(selfie()))).startswith("1/")


async def test_it_flags_impossible_travel(linked, district, store):
    from core import clock
    beijing = {"lat": 39.9, "lng": 116.4, "at": clock.now() - datetime.timedelta(minutes=30)}
    await store.db.visits.insert_one({"person_id": "P1", "open": False, "checkin": beijing})
    await begin(linked, district["on_time"])
    assert "selfie" in await linked.say(linked.location(accuracy=500))
    flags = (await store.db.visits.find_one({"open": True}))["flags"]
    assert "impossible_travel" in flags and "poor_accuracy" in flags


def telegram_keyboard(chat):
    """Return the reply keyboard of the bot's last message to a chat."""
    return chat.replies()[-1]["reply_markup"]["keyboard"]



async def _elevator_page(client, code):
    """Return the elevator page as a passenger gets it, in English."""
    return await (await client.get(f"/e/{code}?lang=en")).get_data(as_text=True)


async def test_it_shows_a_saved_bot_visit_on_the_elevator_page_once_the_worker_ran(linked, district, store,
                                                                                    bot_config):
    from dataclasses import replace
    from core.timeutil import today
    from core.worker import Worker
    from portal.app import create_app
    from tests.bot.test_repair import quick_visit
    code, row = district["overdue"], f"<tr><td>{today(bot_config.timezone)}</td><td>Rescue</td><td>Valid</td></tr>"
    app = create_app(replace(bot_config, worker_in_serve=False, page_cache_seconds=0))
    async with app.test_app():
        client = app.test_client()
        assert row not in await _elevator_page(client, code)
        assert "recorded as valid" in await quick_visit(linked, code)
        # The page summary has one writer, the worker: saving the record only asks it for a rebuild.
        assert row not in await _elevator_page(client, code)
        started = time.monotonic()
        assert await Worker(store.db, bot_config).drain() >= 1
        assert time.monotonic() - started < 5
        assert row in await _elevator_page(client, code)
