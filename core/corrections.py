"""Correcting a saved record: records are final (TSG T5002 Art. 10), so a correction is a new record.

A technician corrects their own latest record only. The correction copies the record's
proofs (place, face, photos: they cannot be redone after the visit, so its validity is the
record's) and adds what the technician wrote; it points at the record in `corrects`. The old
record stays as it was; pages and /history show both, marked.
"""

import datetime

from core import clock, confirmations, district, guard
from core.store import records as record_store
from core.store import visits as visit_store

PENDING = datetime.timedelta(minutes=30)
NOTE_MAX = 500
KEPT = ("elevator_id", "firm_id", "unit_id", "date", "type", "interval", "report_id", "technician_ids", "items",
        "valid", "invalid_reasons", "flags", "duration_s", "checkin", "checkout", "face", "photo_hashes")


class Refused(Exception):
    """A correction that cannot be started or saved; the message is a reason code."""


async def start(db, person, record_id=None):
    """Start a correction of the person's latest record (record_id, if given, must be it); return the record."""
    record = await record_store.find_latest_record_of(db, person["_id"])
    if record is None:
        raise Refused("no_record")
    if record_id is not None and str(record["_id"]) != record_id:
        raise Refused("not_latest")
    if await visit_store.find_open_visit(db, person["_id"]) is not None:
        raise Refused("visit_open")
    await record_store.save_pending_correction(db, person["_id"], record["_id"], clock.now())
    return record


async def pending(db, person_id):
    """Tell whether the person is writing a correction."""
    return await record_store.find_pending_correction(db, person_id, clock.now() - PENDING) is not None


async def write(db, person, text, config):
    """Save the text as a correction of the record being corrected; return the new record, or None."""
    text = (text or "").strip()
    if not text:
        raise Refused("empty")
    started = await record_store.take_pending_correction(db, person["_id"], clock.now() - PENDING)
    if started is None:
        return None
    old = await record_store.find_maintenance_record(db, str(started["record_id"]))
    now = clock.now()
    record = {key: old.get(key) for key in KEPT if key in old}
    # No _id: the driver gives the new record one as it inserts it.
    record.update(corrects=old["_id"], confirmed=None, created_at=now,
                  correction={"note": text[:NOTE_MAX], "by": person["_id"], "at": now})
    await district.add_maintenance_records(db, [record])
    if record["valid"]:
        await confirmations.ask_confirmation(db, record, guard.load_secret_key(config), config.public_url)
    return record
