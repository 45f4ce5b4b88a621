"""The per-elevator page summary: everything the public page shows, in one document.

The public page must load with one database read on a weak mobile link, so each write
that changes what a passenger sees has this one document rebuilt, by core.page_writer
through a job (see docs/storage.md and docs/jobs.md).
"""

from core import schedule, standing
from core.checklists import INTERVALS
from core.config import Config

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


def _visit_row(record, names, corrected):
    return {"date": record["date"], "interval": record["interval"], "type": record.get("type") or record["interval"],
            "valid": record["valid"], "reasons": record.get("invalid_reasons", []),
            "correction": bool(record.get("corrects")), "corrected": record["_id"] in corrected,
            "technicians": [mask_name(names.get(pid, "")) for pid in record.get("technician_ids", [])]}


def last_by_interval(records):
    """Return, per interval, the latest valid visit time that covers it."""
    visits = schedule.maintenance_visits(records, day=lambda moment: moment)
    return {interval: schedule.last_covering(visits, interval) for interval in INTERVALS}


def build_page(elevator, unit, firm, names, maintenance, inspections, supervisions, read_at, config=None):
    """Assemble the page summary document of one elevator."""
    latest_inspection = inspections[0] if inspections else None
    corrected = {r["corrects"] for r in maintenance if r.get("corrects")}
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
        "maintenance": [_visit_row(r, names, corrected) for r in maintenance[:HISTORY_LIMIT]],
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
