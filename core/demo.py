"""Load a demo district: Licheng, Quanzhou, with years of maintenance history, at any size.

Every value comes from random streams seeded with a fixed key, so the district depends
only on its size and the day it is loaded for: the same size and day give the same data,
record for record. Each part (a firm, a unit, an elevator's visits) has its own stream,
so changing how one part is made leaves the others as they were. Names and places are in
core/demo_names.py, organisations and elevators in core/demo_district.py, the records of
each elevator's years in core/demo_history.py.

Records are made and written an elevator batch at a time: a district of 10,000 elevators
and 4 years holds about a million maintenance records, too many to build in memory first.
"""

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass

from core.demo_district import Size, build_district, intended_inspections_overdue, intended_overdue
from core.demo_history import history
from core.district import (add_elevators, add_inspections, add_maintenance_records, add_supervisions, save_firms,
                           save_people, save_units)
from core.grading import grade_firm
from core.notify.contacts import add_demo_contacts
from core.page_writer import PAGE, rebuild_page
from core.progress import Silent
from core.standing import FAILED, OVERDUE, elevator_standing
from core.store import meta as meta_store
from core.store import orgs as org_store

log = logging.getLogger(__name__)

META_KEY = "demo"
ELEVATOR_BATCH = 100
RECORD_BATCH = 2000
PAGES_IN_FLIGHT = 4

__all__ = ["DemoError", "Size", "load_demo"]


class DemoError(Exception):
    """The demo cannot be loaded into this database as asked."""


@dataclass(frozen=True)
class Seen:
    """What the summary needs of one elevator's page, without keeping the page."""

    id: str
    firm_id: str
    status: str
    maintenance_overdue: bool
    days_overdue: int
    inspection_state: str
    all_valid: bool
    last_invalid: object


# -- loading -------------------------------------------------------------------------


async def load_demo(db, config, today, reset=False, size=Size(), progress=None):
    """Load the demo district once (again after reset) and return its summary."""
    if reset:
        await _clear(db)
    stored = await meta_store.find_meta(db, META_KEY)
    if stored and stored.get("state") == "loaded":
        return {**stored["summary"], "already_loaded": True}
    if stored:
        await _clear(db)  # an earlier load stopped half-way: the data is ours to replace
    elif await meta_store.holds_elevators(db):
        raise DemoError("the database already holds elevators; load the demo with reset to replace them")
    return {**await _load(db, config, today, size, progress or Silent()), "already_loaded": False}


async def _clear(db):
    """Drop every collection (drop_all puts the indexes back); page caches start over."""
    await org_store.drop_all(db)
    await meta_store.record_global_page_change(db)


async def _load(db, config, today, size, progress):
    """Build, write and summarise the district, noting progress in the meta document."""
    started = time.monotonic()
    note = {"_id": META_KEY, "today": today.isoformat(), "elevators": size.elevators, "years": size.years}
    await meta_store.save_meta(db, {**note, "state": "loading"})
    district = build_district(today, config, size)
    counts = await write_district(db, district, config, progress)
    # Firms are graded before the pages, so that the pages show a grade, and after them, when
    # the tallies are complete: the pages of a firm whose letter changed are rebuilt by their jobs.
    await grade_firms(db, district, config, Silent())
    seen = await build_pages(db, district, config, progress)
    grades = await grade_firms(db, district, config, progress)
    from core.worker import Worker  # as core/grading.py does: the worker imports the writers
    await Worker(db, config).drain(kinds=(PAGE,))
    summary = summarise(district, counts, seen, grades)
    await meta_store.save_meta(db, {**note, "state": "loaded", "summary": summary})
    log.info("demo district loaded in %.1f s", time.monotonic() - started)
    return summary


async def write_district(db, district, config, progress):
    """Write organisations, then each batch of elevators with its records; return record counts."""
    # Written without owing jobs: build_pages calls the single writers itself afterwards.
    await save_firms(db, district.firms, owe=False)
    await save_units(db, district.units, owe=False)
    await save_people(db, district.people, owe=False)
    await add_demo_contacts(db, district.firms, district.units)
    counts = Counter()
    progress.start("records", len(district.elevators))
    writing = None
    for start in range(0, len(district.elevators), ELEVATOR_BATCH):
        batch = district.elevators[start:start + ELEVATOR_BATCH]
        # Make this batch in a thread while the event loop sends the previous one to the database.
        made = await asyncio.to_thread(lambda: [history(district, elevator, config) for elevator in batch])
        if writing:
            await writing
        writing = asyncio.ensure_future(_write_batch(db, batch, made, counts, progress))
    if writing:
        await writing
    return counts


async def _write_batch(db, batch, made, counts, progress):
    """Store one batch of elevators (after history(), which sets each one's status) and their records."""
    await add_elevators(db, batch, owe=False)
    for kind, writer, docs in (("maintenance_records", add_maintenance_records, [r for m in made for r in m[0]]),
                               ("inspections", add_inspections, [i for m in made for i in m[1]]),
                               ("supervisions", add_supervisions, [s for m in made for s in m[2]])):
        for chunk in range(0, len(docs), RECORD_BATCH):
            await writer(db, docs[chunk:chunk + RECORD_BATCH], owe=False)
        counts[kind] += len(docs)
    counts["invalid_visits"] += sum(not r["valid"] for m in made for r in m[0])
    progress.advance(len(batch))


async def build_pages(db, district, config, progress):
    """Build every elevator page, a few at a time; return what the summary needs of each, in order."""
    progress.start("pages", len(district.elevators))
    slots = asyncio.Semaphore(PAGES_IN_FLIGHT)

    async def build(elevator):
        async with slots:
            page = await rebuild_page(db, elevator["_id"], config, grade=False)
            progress.advance()
            return _seen(page, elevator_standing(page, district.today, config))

    return list(await asyncio.gather(*(build(e) for e in district.elevators)))


async def grade_firms(db, district, config, progress):
    """Grade every firm on the district's day; return the letters by firm id."""
    progress.start("grades", len(district.firms))
    grades = {}
    for firm in district.firms:
        grades[firm["_id"]] = (await grade_firm(db, firm["_id"], config, district.today))["grade"]
        progress.advance()
    return grades


def _seen(page, standing):
    invalid = [v["date"] for v in page["maintenance"] if not v["valid"]]
    return Seen(page["_id"], page["firm"]["id"], page["status"], standing.maintenance_overdue,
                standing.worst_maintenance.days_overdue, standing.inspection.state, not invalid,
                max(invalid) if invalid else None)


# -- the summary -------------------------------------------------------------------------


def summarise(district, counts, seen, grades):
    """Return the counts and example elevators of a loaded district."""
    elevators = len(district.elevators)
    return {"today": district.today.isoformat(), "years": district.size.years, "firms": len(district.firms),
            "units": len(district.units), "people": len(district.people),
            "technicians": sum("technician" in p["roles"] for p in district.people),
            "elevators": elevators, "maintenance_records": counts["maintenance_records"],
            "invalid_visits": counts["invalid_visits"], "inspections": counts["inspections"],
            "supervisions": counts["supervisions"],
            "overdue_elevators": sum(s.maintenance_overdue for s in seen),
            "overdue_intended": intended_overdue(elevators),
            "inspections_overdue": sum(s.inspection_state == OVERDUE for s in seen),
            "inspections_overdue_intended": intended_inspections_overdue(elevators),
            "inspections_failed": sum(s.inspection_state == FAILED for s in seen),
            "grades": grades, "examples": examples(seen)}


def examples(seen):
    """Return one elevator per case: on time, overdue, invalid visit, stopped, inspection late."""
    behind = {s.id for s in seen if s.maintenance_overdue or s.inspection_state == OVERDUE}
    cases = {
        "on_time": [s for s in seen if s.firm_id == "F01" and s.status == "in_service"
                    and s.id not in behind and s.all_valid],
        "overdue": sorted((s for s in seen if s.maintenance_overdue), key=lambda s: -s.days_overdue),
        "invalid_visit": sorted((s for s in seen if s.id not in behind and not s.all_valid),
                                key=lambda s: s.last_invalid, reverse=True),
        "out_of_service": [s for s in seen if s.status == "out_of_service"],
        "inspection_overdue": [s for s in seen if s.inspection_state == OVERDUE],
    }
    return {case: found[0].id for case, found in cases.items() if found}
