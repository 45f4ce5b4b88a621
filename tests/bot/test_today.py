"""/today lists the technician's elevators due soon or overdue."""


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
