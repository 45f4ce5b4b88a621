"""The using unit confirms a maintenance record (W5): asked through the notifier with a signed link."""

import time

from core import clock, guard
from core.notify.compose import compose
from core.notify.deliveries import hand_to_worker, record_notification
from core.page_writer import changing
from core.store import elevators as elevator_store
from core.store import records as record_store

LINK_DAYS = 14
ACTION = "confirm_record"


def confirm_url(key, base_url, record_id, now=None):
    """Return the signed link with which the using unit confirms one record, for LINK_DAYS days."""
    expires = str(int((now if now is not None else time.time()) + LINK_DAYS * 86400))
    return f"{base_url}/m/{record_id}/confirm?exp={expires}&sig={guard.link_signature(key, str(record_id), ACTION, expires)}"


def link_ok(key, record_id, expires, signature):
    """Tell whether a confirmation link is ours and not expired."""
    return guard.check_link(key, record_id, ACTION, expires, signature)


async def ask_confirmation(db, record, key, base_url):
    """Record the using unit's confirmation request for a record and hand its deliveries to the worker."""
    elevator = await elevator_store.find_elevator(db, record["elevator_id"]) or {"_id": record["elevator_id"]}
    place = " ".join(filter(None, (elevator.get("address"), elevator.get("building"))))
    facts = {"code": record["elevator_id"], "place": place, "due": record["date"].strftime("%Y-%m-%d %H:%M UTC")}
    links = [("Confirm the record", confirm_url(key, base_url, record["_id"]))]
    ids = await record_notification(db, f"{record['_id']}:confirmation", "confirmation", elevator,
                                    lambda lang, copy: compose("confirmation", lang, facts, links, copy))
    await hand_to_worker(db, f"{record['_id']}:confirmation", ids)
    return ids


async def confirm(db, record_id, by):
    """Mark a record confirmed by the using unit, once; return the record, or None if there is none."""
    record = await record_store.find_maintenance_record(db, record_id)
    if record is None or record.get("confirmed"):
        return record
    async with changing(db, [record["elevator_id"]]):
        await record_store.confirm_maintenance_record(db, record_id, {"by": by, "at": clock.now()})
    return await record_store.find_maintenance_record(db, record_id)
