"""Writing elevators and their records: every writer goes through these checks."""

from core import models
from core.store import elevators as elevator_store
from core.store import records as record_store


async def add_elevators(db, elevators):
    """Check and store elevators (insert or replace by primary code)."""
    for elevator in elevators:
        models.check_elevator(elevator)
    await elevator_store.upsert_elevators(db, elevators)


async def add_maintenance_records(db, records):
    """Check and store maintenance records; they are never altered afterwards."""
    for record in records:
        models.check_maintenance_record(record)
    await record_store.insert_maintenance_records(db, records)


async def add_inspections(db, inspections):
    """Check and store periodic inspection records."""
    for inspection in inspections:
        models.check_inspection(inspection)
    await record_store.insert_inspections(db, inspections)


async def add_supervisions(db, supervisions):
    """Check and store the regulator's supervision records."""
    for supervision in supervisions:
        models.check_supervision(supervision)
    await record_store.insert_supervisions(db, supervisions)
