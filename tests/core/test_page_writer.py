"""One writer per page summary and per grade, fed by jobs: crashes, races, sweeps, grade changes."""

import datetime
import os
import subprocess
import sys
import textwrap
import time

from core import clock, jobs
from core.config import Config
from core.codes import make_registration_code
from core.district import add_elevators, add_maintenance_records, save_people, save_units
from core import tally
from core.grading import firm_facts, recount_tally
from core.store import tallies as tally_store
from core.page_writer import PAGE, build_current_page, store_page
from core.store import jobs as job_store
from core.store import page_revisions as revision_store
from core.store import orgs as org_store
from core.store.elevators import find_elevator_page
from core.timeutil import today
from core.worker import Worker
from tests.factories import FRESH, ON_TIME, OVERDUE, TZ, elevator, load_small_district, visit

KILLED_WRITER = textwrap.dedent("""
    import asyncio, datetime, os, signal, sys
    from core.config import Config
    from core.page_writer import changing
    from core.store.client import open_store
    from core.store.records import insert_maintenance_records
    from core.timeutil import today
    from tests.factories import OVERDUE, TZ, visit

    async def main():
        store = await open_store(Config.from_env(mongodb_uri=sys.argv[1], db_name=sys.argv[2]))
        async with changing(store.db, [OVERDUE]):
            await insert_maintenance_records(store.db, [visit(OVERDUE, today(TZ) - datetime.timedelta(days=1))])
            os.kill(os.getpid(), signal.SIGKILL)  # after the record, before its page job

    asyncio.run(main())
""")


async def test_it_brings_a_page_current_after_the_writer_was_killed_before_asking_for_it(store, config):
    day = today(TZ)
    await load_small_district(store.db, day)
    before = await find_elevator_page(store.db, OVERDUE)
    writer = subprocess.run([sys.executable, "-c", KILLED_WRITER, config.mongodb_uri, config.db_name],
                            cwd=os.getcwd(), capture_output=True, text=True, timeout=60)
    assert writer.returncode == -9, writer.stderr
    assert await store.db.maintenance_records.count_documents({"elevator_id": OVERDUE}) == 6
    restarted = Worker(store.db, config)
    assert await restarted.drain() == 0  # nothing due yet: the intent waits out its grace period
    assert (await find_elevator_page(store.db, OVERDUE))["maintenance"] == before["maintenance"]
    clock.set_time(clock.now() + jobs.INTENT_GRACE + datetime.timedelta(seconds=1))
    assert await restarted.drain() >= 2  # the intent, then the page it owed
    page = await find_elevator_page(store.db, OVERDUE)
    assert len(page["maintenance"]) == 6 and page["ticket"] > before["ticket"]
    assert "stale_since" not in await revision_store.find_revision(store.db, OVERDUE)


async def test_it_rebuilds_a_page_whose_worker_died_holding_the_lease(store, config):
    await load_small_district(store.db, today(TZ))
    clock.set_time(clock.now())
    await add_maintenance_records(store.db, [visit(FRESH, today(TZ))])
    until = clock.now() + datetime.timedelta(seconds=config.job_lease_seconds)
    assert (await job_store.claim_job(store.db, "killed", clock.now(), until))["key"] == f"page:{FRESH}"
    worker = Worker(store.db, config)
    await worker.drain()
    assert (await find_elevator_page(store.db, FRESH))["maintenance"] == []
    clock.set_time(until)
    await worker.drain()
    assert len((await find_elevator_page(store.db, FRESH))["maintenance"]) == 1


async def test_it_keeps_the_newer_revision_when_two_rebuilds_race(store, config):
    day = today(TZ)
    await load_small_district(store.db, day)
    slow = await build_current_page(store.db, FRESH, config)  # read before the new record...
    await add_maintenance_records(store.db, [visit(FRESH, day)])
    await Worker(store.db, config).drain()
    assert not await store_page(store.db, slow)  # ...and stored after the rebuild that read it
    page = await find_elevator_page(store.db, FRESH)
    assert len(page["maintenance"]) == 1 and page["revision"] > slow["revision"]


async def test_it_sweeps_a_page_older_than_its_inputs(store, config):
    await load_small_district(store.db, today(TZ))
    clock.set_time(clock.now())
    await revision_store.bump_revisions(store.db, [ON_TIME], clock.now())  # a write whose jobs were lost
    worker = Worker(store.db, config)
    await worker.sweep()
    # Only page jobs count here: the sweep also asks for the day's daily round (core/daily.py).
    assert await worker.drain(kinds=[PAGE, jobs.INTENT]) == 0
    clock.advance(seconds=jobs.INTENT_GRACE.total_seconds() + 1)
    await worker.sweep()
    ticket = (await find_elevator_page(store.db, ON_TIME))["ticket"]
    assert await worker.drain(kinds=[PAGE, jobs.INTENT]) >= 1
    assert (await find_elevator_page(store.db, ON_TIME))["ticket"] > ticket
    assert await revision_store.find_stale(store.db, clock.now()) == []


async def test_it_brings_a_firm_grade_change_to_every_page_of_the_firm(store, config):
    day = today(TZ)
    await load_small_district(store.db, day)
    before = (await org_store.find_firm(store.db, "F1"))["credit"]["grade"]
    # 27 well-kept elevators join the firm: its shares of overdue elevators and findings fall,
    # so its grade rises, and the three pages no write touched must show the new grade too.
    codes = [make_registration_code("3110", "350502", 2017, 1, n) for n in range(10, 37)]
    await add_elevators(store.db, [elevator(code, day) for code in codes])
    await add_maintenance_records(store.db, [visit(code, day - datetime.timedelta(days=n), interval)
                                             for code in codes for n, interval in ((3, "yearly"), (9, "half_monthly"))])
    await Worker(store.db, config).drain()
    after = (await org_store.find_firm(store.db, "F1"))["credit"]["grade"]
    assert before == "D" and after in ("A", "B")
    for code in (ON_TIME, OVERDUE, FRESH):
        assert (await find_elevator_page(store.db, code))["firm"]["grade"] == after


async def test_it_keeps_each_firm_tally_equal_to_a_fresh_count_of_its_pages(store, config):
    day = today(TZ)
    await load_small_district(store.db, day)
    await add_maintenance_records(store.db, [visit(FRESH, day), visit(ON_TIME, day, valid=False, reasons=["no_photos"])])
    moved = {**(await store.db.elevators.find_one({"_id": FRESH})), "firm_id": "F2"}
    await org_store.upsert_firms(store.db, [{"_id": "F2", "name": "另一家", "licences": []}])
    await add_elevators(store.db, [moved])
    await Worker(store.db, config).drain()
    kept = {f: await tally_store.find_tally(store.db, f) for f in ("F1", "F2")}
    for firm_id in ("F1", "F2"):
        await recount_tally(store.db, firm_id)
        fresh = await tally_store.find_tally(store.db, firm_id)
        assert tally.flatten(fresh) == {k: n for k, n in tally.flatten(kept[firm_id]).items() if n}
    assert (kept["F1"]["elevators"], kept["F2"]["elevators"]) == (2, 1)
    assert sum(kept["F1"]["invalid"].values()) == 2 and sum(kept["F2"]["valid"].values()) == 1


async def test_it_grades_a_firm_of_2500_elevators_from_its_tally_within_100_ms(store):
    config = Config()
    day = today(TZ)
    month = tally.month_key(day)
    shares = [{"_id": f"E{n:05d}", "firm": {"id": "BIG"},
               "tally": {"elevators": 1, "overdue": {(day + datetime.timedelta(days=n % 2 * 2 - 1)).isoformat(): 1},
                         "valid": {month: 9}, "invalid": {month: 1}, "findings": {month: n % 5 == 0}}}
              for n in range(2500)]
    await store.db.elevator_pages.insert_many(shares)
    await recount_tally(store.db, "BIG")
    firm = {"_id": "BIG", "licences": []}
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        facts = await firm_facts(store.db, firm, day, config)
        timings.append(time.perf_counter() - started)
    assert (facts.elevators, facts.overdue_elevators) == (2500, 1250)
    assert (facts.valid_visits, facts.invalid_visits, facts.supervision_findings) == (22500, 2500, 500)
    print(f"grading a firm of 2,500 elevators: {min(timings) * 1000:.1f} ms")
    assert min(timings) <= 0.100, timings


async def test_it_brings_unit_and_people_changes_to_their_pages(store, config):
    day = today(TZ)
    await load_small_district(store.db, day)
    unit = {**(await store.db.units.find_one({"_id": "U1"})), "name": "鲤城新物业"}
    person = {**(await store.db.people.find_one({"_id": "P1"})), "name": "陈建明"}
    await save_units(store.db, [unit])
    await save_people(store.db, [person])
    await Worker(store.db, config).drain()
    for code in (ON_TIME, OVERDUE, FRESH):
        assert (await find_elevator_page(store.db, code))["unit"]["name"] == "鲤城新物业"
    assert (await find_elevator_page(store.db, ON_TIME))["maintenance"][0]["technicians"] == ["陈**"]
