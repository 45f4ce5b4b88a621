import datetime
import uuid

import pytest

from core.checklists import elevator_type_for_category, load_checklist
from core.codes import code_kind, division_of, normalise_code
from core.config import Config
from core.demo import DemoError, Size, load_demo
from core.demo_district import build_district
from core.standing import elevator_standing
from core.store.client import open_store
from core.timeutil import local_midnight_utc

TODAY = datetime.date(2026, 6, 15)
# These tests read every record of the district in one query; on a busy machine the
# embedded server takes longer than the 5 s a passenger's request may wait.
CONFIG = Config(db_timeout_ms=120_000)
COLLECTIONS = ("firms", "units", "people", "elevators", "elevator_pages",
               "maintenance_records", "inspections", "supervisions")
REASONS = {"no_location_checkin", "outside_geofence", "face_mismatch", "no_photos"}


@pytest.fixture(scope="module")
def server(mongo_uri):
    return mongo_uri


@pytest.fixture(scope="module")
async def demo(server):
    name = f"t_demo_{uuid.uuid4().hex[:12]}"
    store = await open_store(CONFIG, uri=server, db_name=name)
    try:
        yield store.db, await load_demo(store.db, CONFIG, TODAY)
    finally:
        await store.client.drop_database(name)
        await store.close()


@pytest.fixture
async def other_db(server):
    name = f"t_demo_{uuid.uuid4().hex[:12]}"
    store = await open_store(CONFIG, uri=server, db_name=name)
    try:
        yield store.db
    finally:
        await store.client.drop_database(name)
        await store.close()


async def all_docs(db, collection, projection=None):
    return await db[collection].find({}, projection).sort("_id", 1).to_list(None)


async def counts(db):
    return {name: await db[name].count_documents({}) for name in COLLECTIONS}


async def test_it_loads_a_district_of_the_expected_size(demo):
    db, summary = demo
    assert 180 <= await db.elevators.count_documents({}) <= 220
    assert 25 <= await db.units.count_documents({}) <= 35
    assert await db.firms.count_documents({}) == 5
    assert 35 <= await db.people.count_documents({"roles": "technician"}) <= 45
    assert summary["elevators"] == await db.elevators.count_documents({})
    assert summary["already_loaded"] is False


async def test_it_gives_every_elevator_valid_licheng_codes(demo):
    db, _ = demo
    for elevator in await all_docs(db, "elevators"):
        assert code_kind(elevator["_id"]) == "registration"
        assert division_of(elevator["_id"]) == "350502"
        assert all(normalise_code(code) == code for code in elevator["codes"])
    assert await db.elevators.count_documents({"equipment_code": {"$exists": True}}) > 0


async def test_it_places_everything_in_licheng(demo):
    db, _ = demo
    for doc in await all_docs(db, "elevators") + await all_docs(db, "units"):
        assert abs(doc["location"]["lat"] - 24.90) < 0.05
        assert abs(doc["location"]["lng"] - 118.58) < 0.05
        assert doc["address"].startswith("泉州市鲤城区")


async def test_it_makes_a_few_elevators_overdue_mostly_at_worse_firms(demo):
    db, summary = demo
    pages = await all_docs(db, "elevator_pages")
    overdue = [p for p in pages if elevator_standing(p, TODAY, CONFIG).maintenance_overdue]
    assert 0.05 <= len(overdue) / len(pages) <= 0.15
    assert summary["overdue_elevators"] == len(overdue)
    worse = sum(p["firm"]["id"] in ("F04", "F05") for p in overdue)
    assert worse > len(overdue) / 2


async def test_it_keeps_longer_intervals_recurring(demo):
    db, _ = demo
    pages = await all_docs(db, "elevator_pages")
    for position in (1, 2, 3):
        late = [p for p in pages if elevator_standing(p, TODAY, CONFIG).maintenance[position].state == "overdue"]
        assert len(late) / len(pages) < 0.05


async def test_it_fills_visits_from_the_checklist_of_their_interval(demo):
    db, _ = demo
    elevators = {e["_id"]: e for e in await all_docs(db, "elevators")}
    for record in await db.maintenance_records.find().limit(300).to_list(None):
        checklist = load_checklist(elevator_type_for_category(elevators[record["elevator_id"]]["category"]))
        assert [i["code"] for i in record["items"]] == [i.code for i in checklist.items_for(record["interval"])]
        assert record["date"] < local_midnight_utc(TODAY, CONFIG.timezone)


async def test_it_records_some_invalid_visits_with_reasons(demo):
    db, summary = demo
    invalid = await db.maintenance_records.find({"valid": False}).to_list(None)
    assert invalid and summary["invalid_visits"] == len(invalid)
    assert all(r["invalid_reasons"] and set(r["invalid_reasons"]) <= REASONS for r in invalid)
    assert len(invalid) / await db.maintenance_records.count_documents({}) < 0.1


async def test_it_has_an_inspection_past_due(demo):
    db, _ = demo
    start_of_today = local_midnight_utc(TODAY, CONFIG.timezone)
    assert await db.elevator_pages.count_documents({"next_inspection_due": {"$lt": start_of_today}}) >= 1


async def test_it_grades_the_firm_with_a_lapsed_licence_d(demo):
    db, summary = demo
    firms = {f["_id"]: f for f in await all_docs(db, "firms")}
    assert firms["F04"]["credit"]["grade"] == "D"
    assert summary["grades"]["F01"] == "A"


async def test_it_gives_people_unique_phones(demo):
    db, _ = demo
    phones = [p["phone"] for p in await all_docs(db, "people")]
    assert len(phones) == len(set(phones))
    assert all(len(p) == 11 and p[:2] in ("13", "15", "18") for p in phones)


async def test_it_names_an_example_of_each_case(demo):
    db, summary = demo
    cases = summary["examples"]
    assert set(cases) == {"on_time", "overdue", "invalid_visit", "out_of_service", "inspection_overdue"}
    out_of_service = await db.elevators.find_one({"_id": cases["out_of_service"]})
    assert out_of_service["status"] == "out_of_service"


async def test_it_changes_nothing_when_loaded_again(demo):
    db, summary = demo
    before = await counts(db), await all_docs(db, "maintenance_records", {"_id": 1})
    again = await load_demo(db, CONFIG, TODAY)
    assert again["already_loaded"] is True
    assert {k: v for k, v in again.items() if k != "already_loaded"} == \
        {k: v for k, v in summary.items() if k != "already_loaded"}
    assert (await counts(db), await all_docs(db, "maintenance_records", {"_id": 1})) == before


async def test_it_loads_the_same_district_for_the_same_day(demo):
    db, _ = demo
    before = {name: await all_docs(db, name) for name in ("elevators", "maintenance_records", "inspections")}
    summary = await load_demo(db, CONFIG, TODAY, reset=True)
    assert summary["already_loaded"] is False
    for name, docs in before.items():
        assert await all_docs(db, name) == docs


async def test_it_refuses_a_database_that_holds_other_elevators(other_db):
    await other_db.elevators.insert_one({"_id": "31103505022020010001", "codes": ["31103505022020010001"]})
    with pytest.raises(DemoError):
        await load_demo(other_db, CONFIG, TODAY)
    assert await other_db.elevators.count_documents({}) == 1


async def test_it_replaces_a_load_that_stopped_half_way(other_db):
    await other_db.meta.insert_one({"_id": "demo", "state": "loading", "today": TODAY.isoformat()})
    await other_db.elevators.insert_one({"_id": "31103505022020010001", "codes": ["31103505022020010001"]})
    summary = await load_demo(other_db, CONFIG, TODAY)
    assert await other_db.elevators.find_one({"_id": "31103505022020010001"}) is None
    assert await other_db.elevators.count_documents({}) == summary["elevators"]


async def test_it_makes_overdue_only_the_elevators_it_means_to(demo):
    db, summary = demo
    pages = await all_docs(db, "elevator_pages")
    standings = [elevator_standing(p, TODAY, CONFIG) for p in pages]
    assert sum(s.maintenance_overdue for s in standings) == summary["overdue_intended"] == round(0.08 * len(pages))
    assert sum(s.inspection.state == "overdue" for s in standings) == summary["inspections_overdue_intended"]
    assert summary["overdue_elevators"] == summary["overdue_intended"]


async def test_it_records_the_longer_intervals_a_diligent_firm_visits_for(demo):
    db, _ = demo
    for interval in ("quarterly", "half_yearly", "yearly"):
        elevators = await db.maintenance_records.distinct("elevator_id", {"interval": interval, "valid": True})
        assert len(elevators) > 0.9 * await db.elevators.count_documents({}), interval


async def test_it_loads_a_district_of_the_size_asked(other_db):
    summary = await load_demo(other_db, CONFIG, TODAY, size=Size(60, 2))
    assert summary["elevators"] == await other_db.elevators.count_documents({}) == 60
    assert summary["years"] == 2
    oldest = await other_db.maintenance_records.find().sort("date", 1).limit(1).to_list(None)
    assert oldest[0]["date"] < local_midnight_utc(TODAY - datetime.timedelta(days=400), CONFIG.timezone)
    assert summary["overdue_elevators"] == summary["overdue_intended"] == 5


def test_it_builds_the_same_large_district_twice_scaled_with_its_size():
    first, again = (build_district(TODAY, CONFIG, Size(2500)) for _ in range(2))
    assert [e["_id"] for e in first.elevators] == [e["_id"] for e in again.elevators]
    assert first.people == again.people and first.units == again.units
    assert len(first.elevators) == len({e["_id"] for e in first.elevators}) == 2500
    assert len(first.firms) > 5 and len(first.units) > 300
    assert len(first.people) > 400
    leader = sum(e["firm_id"] == "F01" for e in first.elevators)
    assert 0.23 * 2500 <= leader <= 0.27 * 2500  # the market leader keeps a quarter
    classic = build_district(TODAY, CONFIG)
    assert len(classic.firms) == 5 and len(classic.units) == 30


async def test_it_gives_the_regulator_and_every_organisation_contacts(demo):
    from core.notify.routing import ROUTES, resolve
    from core.store.contacts import find_contacts
    db, summary = demo
    orgs = {c["org_id"] for c in await find_contacts(db)}
    assert len(orgs) == summary["firms"] + summary["units"] + 1 and "R01" in orgs
    elevator = await db.elevators.find_one({})
    for kind in ROUTES:
        assert await resolve(db, kind, elevator), kind
