"""Synthetic elevators, page summaries and maintenance records, shaped like liftwatch's, from seeded streams.

A size n means n maintenance records, about 50 per elevator (two years of half-monthly
visits), so n/50 elevators and as many page summaries. Exactly 2,500 records carry firm
COUNT_FIRM, whatever n, for the count_documents figure.
"""

import datetime
import random
import struct

from bson import ObjectId

RECORDS_PER_ELEVATOR = 50
COUNT_FIRM = "F00"
COUNT_MATCHES = 2500
FIRMS = [f"F{i:02d}" for i in range(1, 51)]
START = datetime.datetime(2024, 1, 1, 1, 30, tzinfo=datetime.timezone.utc)
RESULTS = ["ok"] * 17 + ["adjusted", "repaired", "not_applicable"]
INTERVALS = ["half_monthly"] * 5 + ["quarterly", "half_yearly", "yearly"]

# The indexes the application declares on these collections (core/store/indexes.py).
INDEXES = {
    "elevators": [([("codes", 1)], "codes"), ([("firm_id", 1)], "firm"), ([("unit_id", 1)], "unit")],
    "elevator_pages": [([("codes", 1)], "codes"), ([("firm.id", 1)], "firm")],
    "maintenance_records": [([("elevator_id", 1), ("date", -1)], "elevator_date"),
                            ([("firm_id", 1), ("date", -1)], "firm_date")],
}


def elevator_count(n):
    """Return how many elevators a size of n records has."""
    return max(n // RECORDS_PER_ELEVATOR, 1)


def elevator_code(i):
    """Return the 20-digit registration code of elevator i."""
    return f"3110350520{i:010d}"


def firm_of(i):
    """Return the firm that maintains elevator i."""
    return FIRMS[i % len(FIRMS)]


def record_id(n, i):
    """Return the ObjectId of record i of a size n, the same on every call."""
    rng = random.Random(f"id-{n}-{i}")
    return ObjectId(struct.pack(">I", int(record_date(n, i).timestamp())) + rng.randbytes(8))


def record_date(n, i):
    """Return when record i was made: its elevator's k-th visit, 15 days apart."""
    k, e = divmod(i, elevator_count(n))
    return START + datetime.timedelta(days=15 * k, minutes=(e * 37) % 480)


def record(n, i):
    """Return maintenance record i of a size n."""
    rng = random.Random(f"record-{n}-{i}")
    e = i % elevator_count(n)
    step = max(n // COUNT_MATCHES, 1)
    counted = i % step == 0 and i // step < COUNT_MATCHES
    date = record_date(n, i)
    valid = rng.random() > 0.05
    return {"_id": record_id(n, i), "elevator_id": elevator_code(e),
            "firm_id": COUNT_FIRM if counted else firm_of(e), "unit_id": f"U{e % 300:03d}",
            "date": date, "interval": rng.choice(INTERVALS),
            "technician_ids": [f"P{rng.randint(1, 400):03d}" for _ in range(2)],
            "items": [{"code": f"A{j}", "result": rng.choice(RESULTS), "note": ""}
                      for j in range(1, rng.randint(25, 40))],
            "valid": valid, "invalid_reasons": [] if valid else ["no_photos"],
            "confirmed": {"by": f"U{e % 300:03d}", "at": date + datetime.timedelta(hours=20)},
            "created_at": date + datetime.timedelta(minutes=rng.randint(25, 90))}


def elevator(i):
    """Return elevator i."""
    rng = random.Random(f"elevator-{i}")
    code = elevator_code(i)
    start = START - datetime.timedelta(days=rng.randint(0, 900))
    return {"_id": code, "codes": [code], "registration_code": code, "category": "passenger",
            "registered": f"{2005 + i % 19}-{1 + i % 12:02d}", "manufacturer": "日立电梯",
            "manufacturer_en": "Hitachi Elevator", "address": f"泉州市鲤城区江南街道{i % 997}号",
            "address_en": f"No. {i % 997}, Jiangnan Subdistrict, Licheng, Quanzhou",
            "location": {"lat": 24.87 + rng.random() / 50, "lon": 118.58 + rng.random() / 50},
            "unit_id": f"U{i % 300:03d}", "firm_id": firm_of(i),
            "technician_ids": [f"P{rng.randint(1, 400):03d}" for _ in range(2)],
            "contract": {"start": start, "end": start + datetime.timedelta(days=1095)},
            "status": "in_service", "maintenance_start": start}


def page(n, i):
    """Return the page summary of elevator i of a size n: identity, names, last 24 visits."""
    lift = elevator(i)
    visits = [{"date": record_date(n, i + k * elevator_count(n)), "interval": "half_monthly", "valid": True,
               "reasons": [], "technicians": ["林**", "陈**"]} for k in range(24)]
    return {"_id": lift["_id"], "codes": lift["codes"], "registration_code": lift["_id"], "equipment_code": "",
            "category": lift["category"], "address": lift["address"], "address_en": lift["address_en"],
            "building": "1号楼", "building_en": "Building 1", "status": "in_service",
            "unit": {"id": lift["unit_id"], "name": "鲤城物业", "name_en": "Licheng Property",
                     "phone": "0595-22000000"},
            "firm": {"id": lift["firm_id"], "name": "泉州电梯维保", "name_en": "Quanzhou Lift Care",
                     "phone": "0595-22111111", "duty_phone": "13800000000", "grade": "A"},
            "maintenance_start": lift["maintenance_start"],
            "last_by_interval": {"half_monthly": visits[0]["date"], "quarterly": visits[2]["date"],
                                 "half_yearly": visits[5]["date"], "yearly": visits[11]["date"]},
            "maintenance": visits, "inspections": [], "next_inspection_due": None, "supervisions": [],
            "updated_at": START}
