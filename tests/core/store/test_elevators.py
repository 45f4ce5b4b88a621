import pytest
from pymongo.errors import BulkWriteError

from core.store.elevators import find_elevator_page, upsert_elevators
from tests.factories import elevator, load_small_district, ON_TIME, EQUIPMENT_CODE, OVERDUE
from core.timeutil import today


async def test_it_refuses_a_code_that_belongs_to_another_elevator(store):
    day = today("Asia/Shanghai")
    await upsert_elevators(store.db, [elevator(ON_TIME, day, codes=[ON_TIME, EQUIPMENT_CODE])])
    with pytest.raises(BulkWriteError) as caught:
        await upsert_elevators(store.db, [elevator(OVERDUE, day, codes=[OVERDUE, EQUIPMENT_CODE])])
    assert caught.value.details["writeErrors"][0]["code"] == 11000
    await upsert_elevators(store.db, [elevator(ON_TIME, day, codes=[ON_TIME, EQUIPMENT_CODE])])  # same owner: fine


async def test_it_finds_a_page_by_either_code(store):
    await load_small_district(store.db, today("Asia/Shanghai"))
    by_registration = await find_elevator_page(store.db, ON_TIME)
    by_equipment = await find_elevator_page(store.db, EQUIPMENT_CODE)
    assert by_registration["_id"] == by_equipment["_id"] == ON_TIME
    assert await find_elevator_page(store.db, "31103505022099010099") is None


async def test_it_keeps_the_summary_of_the_rebuild_that_started_later(store):
    from core.store.elevators import replace_elevator_page
    assert await replace_elevator_page(store.db, {"_id": ON_TIME, "ticket": 2, "mark": "new"})
    assert not await replace_elevator_page(store.db, {"_id": ON_TIME, "ticket": 1, "mark": "stale"})
    assert not await replace_elevator_page(store.db, {"_id": ON_TIME, "ticket": 2, "mark": "same ticket"})
    assert (await store.db.elevator_pages.find_one({"_id": ON_TIME}))["mark"] == "new"
    assert await replace_elevator_page(store.db, {"_id": ON_TIME, "ticket": 3, "mark": "newer"})
