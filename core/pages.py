"""The per-elevator page summary: everything the public page shows, kept current on every write.

The public page must load with one database read on a weak mobile link, so each write
that changes what a passenger sees rebuilds this one document (see docs/storage.md).
"""

import datetime

from core import credit, schedule, standing
from core.checklists import INTERVALS
from core.config import Config
from core.store import elevators as elevator_store
from core.store import meta as meta_store
from core.store import orgs as org_store
from core.store import records as record_store
from core.timeutil import local_date, local_midnight_utc, utcnow

HISTORY_LIMIT = 24
INSPECTION_LIMIT = 10
SUPERVISION_LIMIT = 10


def mask_name(name):
    """Keep a person's family name and hide the rest (林**)."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def firm_summary(firm):
    """Return the part of a firm that elevator pages show."""
    return {"id": firm["_id"], "name": firm["name"], "name_en": firm.get("name_en", ""),
            "phone": firm.get("public_phone", ""), "duty_phone": firm.get("duty_phone", ""),
            "grade": (firm.get("credit") or {}).get("grade", "")}


def unit_summary(unit):
    """Return the part of a using unit that elevator pages show."""
    return {"id": unit["_id"], "name": unit["name"], "name_en": unit.get("name_en", ""),
            "phone": unit.get("public_phone", "")}


def _visit_row(record, names):
    return {"date": record["date"], "interval": record["interval"], "valid": record["valid"],
            "reasons": record.get("invalid_reasons", []),
            "technicians": [mask_name(names.get(pid, "")) for pid in record.get("technician_ids", [])]}


def last_by_interval(records):
    """Return, per interval, the latest valid visit time that covers it."""
    visits = [(r["date"], r["interval"]) for r in records if r["valid"]]
    return {interval: schedule.last_covering(visits, interval) for interval in INTERVALS}


def build_page(elevator, unit, firm, names, maintenance, inspections, supervisions, read_at, config=None):
    """Assemble the page summary document of one elevator."""
    latest_inspection = inspections[0] if inspections else None
    page = {
        "_id": elevator["_id"], "codes": elevator["codes"],
        "registration_code": elevator.get("registration_code", ""),
        "equipment_code": elevator.get("equipment_code", ""),
        "category": elevator["category"], "address": elevator["address"],
        "address_en": elevator.get("address_en", ""), "building": elevator.get("building", ""),
        "building_en": elevator.get("building_en", ""),
        "status": elevator.get("status", "in_service"),
        "unit": unit_summary(unit), "firm": firm_summary(firm),
        "maintenance_start": elevator["maintenance_start"],
        "last_by_interval": last_by_interval(maintenance),
        "maintenance": [_visit_row(r, names) for r in maintenance[:HISTORY_LIMIT]],
        "inspections": [{k: i.get(k) for k in ("date", "body", "result", "next_due", "report_no")}
                        for i in inspections[:INSPECTION_LIMIT]],
        "next_inspection_due": latest_inspection["next_due"] if latest_inspection else None,
        "inspection_result": latest_inspection["result"] if latest_inspection else None,
        "supervisions": [{k: s.get(k) for k in ("date", "authority", "result", "findings")}
                         for s in supervisions[:SUPERVISION_LIMIT]],
        "updated_at": read_at,
    }
    # Due dates, not states: they do not go stale at midnight, and firm pages count by them.
    page["due"] = standing.due_dates(page, config or Config.from_env())
    return page


async def refresh_elevator_page(db, elevator_id, config=None):
    """Rebuild and store the page summary of one elevator from its records."""
    # Stamped before reading: of two concurrent rebuilds, the one that read later wins.
    read_at = utcnow()
    elevator = await elevator_store.find_elevator(db, elevator_id)
    if elevator is None:
        return None
    unit = await org_store.find_unit(db, elevator["unit_id"])
    firm = await org_store.find_firm(db, elevator["firm_id"])
    maintenance = await record_store.find_maintenance_records(db, elevator_id)
    inspections = await record_store.find_inspections(db, elevator_id, INSPECTION_LIMIT)
    supervisions = await record_store.find_supervisions(db, elevator_id, SUPERVISION_LIMIT)
    ids = {pid for r in maintenance[:HISTORY_LIMIT] for pid in r.get("technician_ids", [])}
    names = {p["_id"]: p["name"] for p in await org_store.find_people(db, ids)}
    page = build_page(elevator, unit, firm, names, maintenance, inspections, supervisions, read_at, config)
    if await elevator_store.replace_elevator_page(db, page):
        await meta_store.record_page_change(db, elevator_id)
    return page


async def assess_firm(db, firm, today, config):
    """Recompute a firm's provisional credit and copy it into its elevators' pages."""
    counts = await standing.firm_counts(db, firm["_id"], today, config)
    since = local_midnight_utc(today - datetime.timedelta(days=365), config.timezone)
    valid, invalid = await record_store.count_firm_visits(db, firm["_id"], since)
    findings = await record_store.count_firm_findings(db, firm["_id"], since)
    expired = any(local_date(lic["expires"], config.timezone) < today for lic in firm.get("licences", []))
    facts = credit.FirmFacts(counts["elevators"], counts["maintenance_overdue"], valid, invalid, findings, expired)
    firm["credit"] = {**credit.assess(facts), "assessed_at": utcnow()}
    await org_store.set_firm_credit(db, firm["_id"], firm["credit"])
    await elevator_store.set_firm_on_pages(db, firm["_id"], firm_summary(firm))
    await meta_store.record_page_changes(db, await elevator_store.find_elevator_ids(db, firm["_id"]))
    return firm["credit"]
