"""The using unit confirms a maintenance record (W5): in Telegram with one tap, or with a signed link.

When the unit has safety officers with a linked Telegram account, each is asked in their own
chat with a Confirm button (and the signed link); otherwise the unit's `confirmation` contacts
get the signed link through the notifier. Records still unconfirmed 7 days after saving are
listed to the unit by the worker's daily round.
"""

import dataclasses
import datetime
import time

from core import clock, guard
from core.i18n import translations
from core.notify.compose import compose
from core.notify.deliveries import hand_to_worker, record_notification
from core.notify.message import Button, Recipient
from core.notify.routing import Addressee
from core.page_writer import changing
from core.store import elevators as elevator_store
from core.store import records as record_store
from core.store import technicians as people_store
from core.timeutil import local_date

LINK_DAYS = 14
ACTION = "confirm_record"
UNCONFIRMED_AFTER = datetime.timedelta(days=7)
LISTED_AT_MOST = 50


def _(message):
    """Mark a message for extraction; it is translated for each reader."""
    return message


CONFIRM = _("Confirm")
MORE = _("and %(count)s more")


def confirm_url(key, base_url, record_id, now=None):
    """Return the signed link with which the using unit confirms one record, for LINK_DAYS days."""
    expires = str(int((now if now is not None else time.time()) + LINK_DAYS * 86400))
    return f"{base_url}/m/{record_id}/confirm?exp={expires}&sig={guard.link_signature(key, str(record_id), ACTION, expires)}"


def link_ok(key, record_id, expires, signature):
    """Tell whether a confirmation link is ours and not expired."""
    return guard.check_link(key, record_id, ACTION, expires, signature)


async def _officers(db, unit_id):
    """Return the unit's safety officers reached in their Telegram chats, as addressees."""
    accounts = await people_store.find_officer_accounts(db, unit_id) if unit_id else []
    return [Addressee(unit_id, "unit", False, Recipient("telegram", str(a["_id"]), a.get("lang") or "zh_Hans"))
            for a in accounts]


async def ask_confirmation(db, record, key, base_url):
    """Record the using unit's confirmation request for a record and hand its deliveries to the worker."""
    elevator = await elevator_store.find_elevator(db, record["elevator_id"]) or {"_id": record["elevator_id"]}
    place = " ".join(filter(None, (elevator.get("address"), elevator.get("building"))))
    facts = {"code": record["elevator_id"], "place": place, "due": record["date"].strftime("%Y-%m-%d %H:%M UTC")}
    links = [("Confirm the record", confirm_url(key, base_url, record["_id"]))]

    def message(lang, copy):
        button = Button(translations(lang).ugettext(CONFIRM), f"m:{record['_id']}")
        return dataclasses.replace(compose("confirmation", lang, facts, links, copy), buttons=(button,))

    officers = await _officers(db, record.get("unit_id"))
    ids = await record_notification(db, f"{record['_id']}:confirmation", "confirmation", elevator, message,
                                    addressees=officers or None)
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


async def confirm_by_officer(db, record_id, person):
    """Confirm a record for a safety officer of its unit; return it, or None when they may not."""
    record = await record_store.find_maintenance_record(db, record_id)
    if record is None or "safety_officer" not in person.get("roles", ()) or person["org_id"] != record.get("unit_id"):
        return None
    return await confirm(db, record_id, f"telegram:{person['_id']}")


async def list_unconfirmed(db, date, config):
    """Tell each using unit which of its valid records are still unconfirmed 7 days after saving; return how many units."""
    by_unit = {}
    for record in await record_store.find_unconfirmed_records(db, clock.now() - UNCONFIRMED_AFTER):
        by_unit.setdefault(record.get("unit_id"), []).append(record)
    for unit_id, records in by_unit.items():
        ids = await record_notification(db, f"unconfirmed:{unit_id}:{date}", "unconfirmed", {"unit_id": unit_id},
                                        lambda lang, copy, rs=records: _unconfirmed(lang, rs, config, copy))
        await hand_to_worker(db, f"unconfirmed:{unit_id}:{date}", ids)
    return len(by_unit)


def _unconfirmed(lang, records, config, copy):
    """Return the message listing a unit's unconfirmed records, one line each."""
    lines = [f"{r['elevator_id']} · {local_date(r['date'], config.timezone).isoformat()}"
             for r in records[:LISTED_AT_MOST]]
    if len(records) > LISTED_AT_MOST:
        lines.append(translations(lang).ugettext(MORE) % {"count": len(records) - LISTED_AT_MOST})
    return compose("unconfirmed", lang, {"summary": "\n".join(lines)}, (), copy)
