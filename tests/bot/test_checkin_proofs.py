"""What a check-in must prove, and how it refuses what proves nothing: face failures, replays, live edits, check-out."""

import asyncio
import datetime

from core import clock, photos
from core.notify.contacts import add_contact
from core.store import visits as visit_store
from tests import face_samples as samples
from tests.bot.test_visit import FAR, begin, selfie, work_photo


async def test_it_makes_a_visit_invalid_after_three_face_failures_and_tells_the_firm(linked, district, store):
    await add_contact(store.db, "F1", "face_failed", "email", "quality@f1.example.com", "en")
    await begin(linked, district["on_time"])
    await linked.say(linked.location())
    stranger = samples.encode(samples.hopper())
    assert "2 attempts left" in await linked.say(linked.photo(stranger))
    assert "1 attempts left" in await linked.say(linked.photo(samples.encode(samples.brighten(samples.hopper(), 1.2))))
    assert "recorded as invalid" in await linked.say(linked.photo(samples.encode(samples.crop(samples.hopper(), 0.1))))
    assert await store.db.visits.count_documents({"open": True}) == 0
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert not record["valid"] and "face_mismatch" in record["invalid_reasons"]
    assert [a["reason"] for a in record["face"]] == ["mismatch"] * 3 and "face_mismatch_attempt" in record["flags"]
    told = await store.db.deliveries.find_one({"kind": "face_failed"})
    assert told["org_id"] == "F1" and "did not match three times" in told["message"]["text"]
    assert "林建明" in told["message"]["text"]


async def test_it_refuses_a_near_copy_of_an_earlier_selfie_as_a_replay(linked, district, store):
    await add_contact(store.db, "F1", "face_failed", "email", "quality@f1.example.com", "en")
    earlier = samples.variations(samples.astronaut())["crop+rotate+bright+jpeg"]
    await visit_store.push_selfie_hash(store.db, "P1", photos.phash(samples.encode(earlier)))
    await begin(linked, district["on_time"])
    await linked.say(linked.location())
    near_copy = samples.encode(samples.reencode(samples.brighten(earlier, 1.1), 70))
    assert "copy of an earlier photo" in await linked.say(linked.photo(near_copy))
    visit = await store.db.visits.find_one({"open": True})
    assert "selfie_replay" in visit["flags"] and visit["face_attempts"][-1]["reason"] == "replay"
    assert visit["step"] == "face"
    told = await store.db.deliveries.find_one({"kind": "face_failed"})
    assert "copy of an earlier photo" in told["message"]["text"]


async def test_it_does_not_take_a_live_location_edit_as_a_new_check_in(linked, district, store):
    await begin(linked, district["on_time"])
    assert "selfie" in await linked.say(linked.location())
    checked_in = (await store.db.visits.find_one({"open": True}))["checkin"]
    moved = linked.location(*FAR)
    edit = {"update_id": moved["update_id"], "edited_message": {**moved["message"], "edit_date": int(clock.now().timestamp())}}
    assert "live location is not a check-in" in await linked.say(edit)
    visit = await store.db.visits.find_one({"open": True})
    assert visit["step"] == "face" and visit["checkin"] == checked_in


async def test_it_refuses_a_check_out_outside_the_geofence_and_flags_only_a_short_visit(linked, district, store):
    # A repair: no checklist to go through, and a minimum of 10 minutes (a short one is flagged in test_repair).
    await linked.say(linked.command(f"/start v_{district['on_time']}"))
    await linked.say(linked.tap("t:repair"))
    await linked.say(linked.location())
    await linked.say(linked.photo(selfie()))
    for name in ("coffee", "rocket", "horse"):
        await linked.say(linked.photo(work_photo(name)))
    assert "You are 1108 m away" in await linked.say(linked.location(*FAR))
    assert (await store.db.visits.find_one({"open": True}))["step"] == "checkout"
    half_hour = datetime.timedelta(minutes=30)
    clock.set_time(clock.now() + half_hour)
    assert "recorded as valid (30 minutes)" in await linked.say(linked.location(age=-int(half_hour.total_seconds())))
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert "too_short" not in record["flags"] and record["checkout"]["metres"] == 0


async def test_it_handles_an_update_polled_twice_once(linked):
    update = linked.command("/checkin")
    before = len(linked.replies())
    linked.telegram.push(update, update)  # Telegram handing out the same update again
    linked.telegram.push(linked.command("/today"))
    # Updates are handled in order: once /today is answered, both copies have been through.
    while not any("Due within" in m["text"] for m in linked.replies()[before:]):
        await asyncio.sleep(0.02)
    texts = [m["text"] for m in linked.replies()[before:]]
    assert sum("Which elevator" in t for t in texts) == 1, texts
