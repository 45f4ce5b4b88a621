"""A small, fully known district for tests: one firm, one unit, three elevators."""

import datetime

from core.codes import make_registration_code
from core.config import Config
from core.district import (add_elevators, add_inspections, add_maintenance_records, add_supervisions, save_firms,
                           save_people, save_units)
from core.grading import grade_firm as grade
from core.timeutil import local_midnight_utc
from core.worker import Worker

TZ = "Asia/Shanghai"
ON_TIME = make_registration_code("3110", "350502", 2015, 1, 1)
OVERDUE = make_registration_code("3110", "350502", 2016, 3, 2)
FRESH = make_registration_code("3120", "350502", 2023, 6, 3)
EQUIPMENT_CODE = "311012345201800001"


def at(day, hour=10):
    """Return an aware UTC datetime for a local date and hour."""
    return local_midnight_utc(day, TZ) + datetime.timedelta(hours=hour)


def firm(today):
    return {"_id": "F1", "name": "泉州鲤城示例电梯工程有限公司", "name_en": "Licheng Example Lift Co.",
            "public_phone": "0595-22000001", "duty_phone": "0595-22000002",
            "licences": [{"kind": "special_equipment", "number": "TS3435001-2027",
                          "expires": at(today + datetime.timedelta(days=400))}]}


def unit():
    return {"_id": "U1", "name": "鲤城示例物业", "name_en": "Licheng Example Property",
            "public_phone": "0595-22000003"}


def technician():
    return {"_id": "P1", "name": "林建明", "phone": "13800001234", "org_id": "F1", "roles": ["technician"]}


def elevator(code, today, codes=None, address="泉州市鲤城区中山中路1号", category="3110"):
    return {"_id": code, "codes": codes or [code], "registration_code": code, "category": category,
            "address": address, "address_en": "1 Zhongshan Middle Rd, Licheng", "building": "1号楼 1号梯",
            "location": {"lat": 24.9, "lng": 118.58}, "unit_id": "U1", "firm_id": "F1",
            "technician_ids": ["P1"], "status": "in_service",
            "maintenance_start": at(today - datetime.timedelta(days=400))}


def visit(code, day, interval="half_monthly", valid=True, reasons=()):
    return {"elevator_id": code, "firm_id": "F1", "date": at(day), "interval": interval,
            "technician_ids": ["P1"], "valid": valid, "invalid_reasons": list(reasons), "items": []}


def supervision(code, today, days_ago):
    """Return an on-site check with findings, to make the page as heavy as a real one."""
    return {"elevator_id": code, "firm_id": "F1", "date": at(today - datetime.timedelta(days=days_ago)),
            "authority": "泉州市鲤城区市场监督管理局", "result": "rectify",
            "findings": [{"zh": "轿厢应急照明不亮，五方对讲无法接通值班室", "en": "Car emergency light off; intercom cannot reach the duty room"},
                         {"zh": "维保记录未经使用单位签字确认", "en": "Maintenance record not confirmed by the using unit"}]}


def history(code, today, last_days_ago, count=24):
    """Return a diligent firm's visits every 14 days, the latest last_days_ago days before today."""
    out = []
    yearly = min(20, count - 1)
    for n in range(count):
        day = today - datetime.timedelta(days=last_days_ago + 14 * n)
        interval = ("yearly" if n == yearly else "half_yearly" if n % 12 == 0
                    else "quarterly" if n % 6 == 0 else "half_monthly")
        out.append(visit(code, day, interval))
    return out


async def load_small_district(db, today):
    """Write the test district and build its pages; return the codes."""
    await save_firms(db, [firm(today)])
    await save_units(db, [unit()])
    await save_people(db, [technician()])
    await add_elevators(db, [
        elevator(ON_TIME, today, codes=[ON_TIME, EQUIPMENT_CODE]),
        elevator(OVERDUE, today, address="泉州市鲤城区新华路8号"),
        elevator(FRESH, today, address="泉州市鲤城区温陵路3号", category="3120")])
    records = history(ON_TIME, today, 4) + history(OVERDUE, today, 20, count=5)
    records.append(visit(ON_TIME, today - datetime.timedelta(days=2), valid=False, reasons=["no_photos"]))
    await add_maintenance_records(db, records)
    await add_inspections(db, [
        {"elevator_id": ON_TIME, "body": "泉州市特种设备检验研究院", "result": "pass",
         "date": at(today - datetime.timedelta(days=100)), "next_due": at(today + datetime.timedelta(days=265))},
        {"elevator_id": OVERDUE, "body": "泉州市特种设备检验研究院", "result": "pass_after_rectification",
         "date": at(today - datetime.timedelta(days=400)), "next_due": at(today - datetime.timedelta(days=35))}])
    await add_supervisions(db, [supervision(ON_TIME, today, days_ago) for days_ago in (20, 120, 300)] + [
        {"elevator_id": OVERDUE, "firm_id": "F1", "date": at(today - datetime.timedelta(days=30)),
         "authority": "泉州市鲤城区市场监督管理局", "result": "rectify",
         "findings": [{"zh": "维保记录与现场不符", "en": "Maintenance record does not match the site"}]}])
    await Worker(db, Config()).drain()  # the page jobs those writes asked for, and the grading after them
    return {"on_time": ON_TIME, "overdue": OVERDUE, "fresh": FRESH}


async def grade_firm(db, today, config):
    """Compute the test firm's credit, and bring its pages up to date."""
    graded = await grade(db, "F1", config, today)
    await Worker(db, config).drain()
    return graded
