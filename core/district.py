"""Writing elevators, organisations and records: every writer goes through these.

Each one checks its documents, then writes them inside `changing`, so the page of every
elevator it touches is rebuilt by the worker (and each rebuilt page has its firm graded
again), even if this process dies right after the write. The demo, which rebuilds every
page itself afterwards, passes owe=False.
"""

import contextlib

from core import models
from core.page_writer import changing
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.store import records as record_store


def _checked(docs, check):
    """Run check on every document (raising InvalidDocument), then return them."""
    for doc in docs:
        check(doc)
    return docs


def _owed(db, elevator_ids, owe):
    """Return the context a write runs in: the pages it changes owed, or nothing."""
    return changing(db, elevator_ids) if owe else contextlib.nullcontext()


async def add_elevators(db, elevators, owe=True):
    """Check and store elevators (insert or replace by primary code)."""
    _checked(elevators, models.check_elevator)
    async with _owed(db, [e["_id"] for e in elevators], owe):
        await elevator_store.upsert_elevators(db, elevators)


async def _add_records(db, docs, insert, owe):
    async with _owed(db, [d["elevator_id"] for d in docs], owe):
        await insert(db, docs)


async def add_maintenance_records(db, records, owe=True):
    """Check and store maintenance records; they are never altered afterwards."""
    _checked(records, models.check_maintenance_record)
    await _add_records(db, records, record_store.insert_maintenance_records, owe)


async def add_inspections(db, inspections, owe=True):
    """Check and store periodic inspection records."""
    _checked(inspections, models.check_inspection)
    await _add_records(db, inspections, record_store.insert_inspections, owe)


async def add_supervisions(db, supervisions, owe=True):
    """Check and store the regulator's supervision records."""
    _checked(supervisions, models.check_supervision)
    await _add_records(db, supervisions, record_store.insert_supervisions, owe)


async def save_firms(db, firms, owe=True):
    """Store maintenance firms; their elevators' pages and their grades follow."""
    ids = []
    for firm in firms if owe else ():
        ids += await elevator_store.find_elevator_ids(db, firm["_id"])
    async with _owed(db, ids, owe):
        await org_store.upsert_firms(db, firms)


async def save_units(db, units, owe=True):
    """Store using units; their elevators' pages follow."""
    ids = []
    for unit in units if owe else ():
        ids += await elevator_store.find_elevator_ids_of_unit(db, unit["_id"])
    async with _owed(db, ids, owe):
        await org_store.upsert_units(db, units)


async def save_people(db, people, owe=True):
    """Store people; the pages whose maintenance history names them follow."""
    ids = []
    for person in people if owe else ():
        ids += await record_store.find_elevator_ids_served_by(db, person["_id"])
    async with _owed(db, ids, owe):
        await org_store.upsert_people(db, people)
