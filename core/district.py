"""Writing elevators and their records: every writer goes through these checks."""

from core import models
from core.store import elevators as elevator_store
from core.store import records as record_store


def _checked(docs, check):
    """Run check on every document (raising InvalidDocument), then return them."""
    for doc in docs:
        check(doc)
    return docs


async def add_elevators(db, elevators):
    """Check and store elevators (insert or replace by primary code)."""
    await elevator_store.upsert_elevators(db, _checked(elevators, models.check_elevator))


async def add_maintenance_records(db, records):
    """Check and store maintenance records; they are never altered afterwards."""
    await record_store.insert_maintenance_records(db, _checked(records, models.check_maintenance_record))


async def add_inspections(db, inspections):
    """Check and store periodic inspection records."""
    await record_store.insert_inspections(db, _checked(inspections, models.check_inspection))


async def add_supervisions(db, supervisions):
    """Check and store the regulator's supervision records."""
    await record_store.insert_supervisions(db, _checked(supervisions, models.check_supervision))
