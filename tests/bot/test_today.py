"""/today lists the technician's elevators due soon or overdue, sorted from where the technician is."""

import pytest

from tests.bot.conftest import ELEVATOR_AT
from tests.bot.test_visit import begin


async def test_it_lists_the_overdue_elevators_with_a_map_link(linked, district):
    reply = await linked.say(linked.command("/today"))
    assert "Due within 3 days or overdue" in reply
    assert district["overdue"] in reply and "overdue by" in reply and "openstreetmap.org/?mlat=24.9" in reply


async def test_it_lists_assigned_elevators_nearest_first_for_checkin(linked, district, store):
    from core import clock
    await store.db.elevators.update_one({"_id": district["fresh"]}, {"$set": {"location": {"lat": 24.95, "lng": 118.6}}})
    await store.db.visits.insert_one({"person_id": "P1", "open": False,
                                      "checkin": {"lat": 24.95, "lng": 118.6, "at": clock.now()}})
    await linked.say(linked.command("/checkin"))
    buttons = linked.replies()[-1]["reply_markup"]["inline_keyboard"]
    assert buttons[0][0]["callback_data"] == f"v:{district['fresh']}" and len(buttons) == 3


async def spread(store, district):
    """Move the fresh elevator about 5.9 km from the others, and put the last check-in beside it."""
    from core import clock
    await store.db.elevators.update_one({"_id": district["fresh"]}, {"$set": {"location": {"lat": 24.95, "lng": 118.6}}})
    await store.db.visits.insert_one({"person_id": "P1", "open": False,
                                      "checkin": {"lat": 24.95, "lng": 118.6, "at": clock.now()}})


async def test_it_sorts_today_from_a_shared_location_instead_of_the_last_check_in(linked, district, store):
    await spread(store, district)
    listed = await linked.say(linked.command("/today"))
    assert "nearest to your last check-in first" in listed
    assert listed.index(district["fresh"]) < listed.index(district["overdue"])
    assert linked.replies()[-1]["reply_markup"]["keyboard"][0][0]["request_location"]
    shared = await linked.say(linked.location(*ELEVATOR_AT))
    assert "nearest to you first" in shared
    assert shared.index(district["overdue"]) < shared.index(district["fresh"])
    assert f"{district['overdue']} · 1 Zhongshan Middle Rd, Licheng · overdue by" in shared
    assert " · 0 m\n" in shared and " · 5.9 km\n" in shared and shared.count("openstreetmap.org/?mlat=") == 2
    assert linked.replies()[-1]["reply_markup"]["remove_keyboard"]
    # The request is answered: another location is no answer to /today.
    assert "Nothing is waiting for a location" in await linked.say(linked.location(*ELEVATOR_AT))


@pytest.mark.parametrize("kind, expected", [("forwarded", "forwarded location is not accepted"),
                                            ("stale", "older than 2 minutes")])
async def test_it_refuses_a_location_for_today_that_proves_nothing_and_waits_on(linked, district, kind, expected):
    await linked.say(linked.command("/today"))
    forwarded = {"forward_origin": {"type": "user", "date": 1, "sender_user": linked.user}}
    refused = linked.location(**forwarded) if kind == "forwarded" else linked.location(age=300)
    assert expected in await linked.say(refused)
    assert linked.replies()[-1]["reply_markup"]["keyboard"][0][0]["request_location"]
    assert "nearest to you first" in await linked.say(linked.location())


async def test_it_gives_a_location_to_the_visit_awaiting_check_in_before_today(linked, district, store):
    await linked.say(linked.command("/today"))  # waits for a location...
    await begin(linked, district["on_time"])  # ...and so does the visit, which comes first
    await linked.say(linked.command("/today"))
    assert not linked.replies()[-1].get("reply_markup") and "Tap" not in linked.replies()[-1]["text"]
    assert "selfie" in await linked.say(linked.location())
    assert (await store.db.visits.find_one({"open": True}))["step"] == "face"


async def test_it_forgets_that_today_waits_for_a_location_after_five_minutes(linked, district):
    from core import clock
    await linked.say(linked.command("/today"))
    clock.advance(minutes=5, seconds=1)
    assert "Nothing is waiting for a location" in await linked.say(linked.location(age=-301))
    assert linked.replies()[-1]["reply_markup"]["remove_keyboard"]


async def test_it_gives_a_location_to_the_accepted_rescue_call_before_today(linked, district, store):
    from core import clock
    await linked.say(linked.command("/today"))  # waits for a location...
    await store.db.rescues.insert_one({"_id": "R1", "elevator_id": district["on_time"], "firm_id": "F1",
                                       "state": "accepted", "open": True, "created_at": clock.now(),
                                       "accepted_by": {"person_id": "P1", "name": "林建明"}})
    # ...but the call the technician accepted comes first: its arrival is refused as too far.
    assert "m away from the elevator" in await linked.say(linked.location(24.95, 118.58))
    await linked.say(linked.command("/today"))
    assert not linked.replies()[-1].get("reply_markup") and "Tap" not in linked.replies()[-1]["text"]


async def test_it_sorts_today_in_chinese_with_distances_in_kilometres(linked, district, store):
    await spread(store, district)
    await store.db.telegram_accounts.update_one({"_id": linked.user["id"]}, {"$set": {"lang": "zh_Hans"}})
    listed = await linked.say(linked.command("/today"))
    assert "离您上次签到处最近的在前" in listed and "点下方“发送我的位置”" in listed
    assert linked.replies()[-1]["reply_markup"]["keyboard"][0][0]["text"] == "发送我的位置"
    shared = await linked.say(linked.location(*ELEVATOR_AT))
    assert "离您最近的在前" in shared and " · 0 米\n" in shared and " · 5.9 公里\n" in shared
    assert "泉州市鲤城区新华路8号" in shared


async def test_it_keeps_a_long_today_list_within_one_telegram_message(linked, district, store):
    import datetime
    from core.codes import make_registration_code
    from core.district import add_elevators
    from tests.factories import elevator
    day = datetime.date.today()
    await add_elevators(store.db, [elevator(make_registration_code("3110", "350502", 2017, 1, n), day)
                                   for n in range(10, 30)])  # 20 more, none ever maintained: overdue
    listed = await linked.say(linked.command("/today"))
    assert "7 more not shown." in listed and listed.count("openstreetmap.org") == 15 and len(listed) < 4096
