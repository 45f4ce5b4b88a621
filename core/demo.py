"""Load a demo district: Licheng, Quanzhou, with a year of maintenance history.

Every value comes from random streams seeded with a fixed key, so the district depends
only on the day it is loaded for: the same day gives the same data, record for record.
Each part (a firm, a unit, an elevator's visits) has its own stream, so changing how one
part is made leaves the others as they were. Names and places are in core/demo_names.py,
the records of each elevator's year in core/demo_history.py.
"""

import datetime
import logging
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from core import demo_names as names
from core.codes import make_equipment_code, make_registration_code
from core.demo_history import Plan, add_history, add_year, at_local, days_from
from core.pages import assess_firm, refresh_elevator_page
from core.standing import FAILED, OVERDUE, elevator_standing
from core.district import add_elevators, add_inspections, add_maintenance_records, add_supervisions
from core.store import meta as meta_store
from core.store import orgs as org_store

log = logging.getLogger(__name__)

META_KEY = "demo"
DIVISION = "350502"
CENTRE = (24.90, 118.58)
RADIUS_KM = 3.5
OVERDUE_SHARE = 0.08
INSPECTION_OVERDUE_SHARE = 0.04
SUPERVISED_SHARE = 0.25
STOP_CAUSES = ("inspection", "supervision", "supervision")
WORST_FIRMS = ("F04", "F05")
EXPIRED_LICENCE_FIRM = "F04"
UNSIGNED_FIRM = "F05"
BATCH = 500
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class DemoError(Exception):
    """The demo cannot be loaded into this database as asked."""


@dataclass
class District:
    """Everything the demo writes, built in memory first."""

    today: datetime.date
    tz: ZoneInfo
    firms: list = field(default_factory=list)
    units: list = field(default_factory=list)
    people: list = field(default_factory=list)
    elevators: list = field(default_factory=list)
    plans: dict = field(default_factory=dict)
    records: list = field(default_factory=list)
    inspections: list = field(default_factory=list)
    supervisions: list = field(default_factory=list)
    phones: set = field(default_factory=set)
    serial: int = 0

    def next_serial(self):
        """Return a new number for a record id."""
        self.serial += 1
        return self.serial

    def unit(self, unit_id):
        """Return one using unit by id."""
        return next(u for u in self.units if u["_id"] == unit_id)

    def technicians(self, firm_id):
        """Return the ids of a firm's technicians."""
        return [p["_id"] for p in self.people if p["org_id"] == firm_id and "technician" in p["roles"]]


# -- loading -------------------------------------------------------------------------


async def load_demo(db, config, today: datetime.date, reset=False) -> dict:
    """Load the demo district once (again after reset) and return its summary."""
    if reset:
        await _clear(db)
    stored = await meta_store.find_meta(db, META_KEY)
    if stored and stored.get("state") == "loaded":
        return {**stored["summary"], "already_loaded": True}
    if stored:
        await _clear(db)  # an earlier load stopped half-way: the data is ours to replace
    elif await meta_store.holds_elevators(db):
        raise DemoError("the database already holds elevators; load the demo with reset to replace them")
    return {**await _load(db, config, today), "already_loaded": False}


async def _clear(db):
    """Drop every collection (drop_all puts the indexes back)."""
    await org_store.drop_all(db)


async def _load(db, config, today):
    """Build, write and summarise the district, noting progress in the meta document."""
    started = time.monotonic()
    await meta_store.save_meta(db, {"_id": META_KEY, "state": "loading", "today": today.isoformat()})
    district = build_district(today, config)
    await write_district(db, district)
    pages, grades = await build_pages(db, district, config)
    summary = summarise(district, pages, grades, config)
    await meta_store.save_meta(db, {"_id": META_KEY, "state": "loaded", "today": today.isoformat(),
                                    "summary": summary})
    log.info("demo district loaded in %.1f s", time.monotonic() - started)
    return summary


async def write_district(db, district):
    """Write organisations, elevators and records with bulk operations."""
    await org_store.upsert_firms(db, district.firms)
    await org_store.upsert_units(db, district.units)
    await org_store.upsert_people(db, district.people)
    await add_elevators(db, district.elevators)
    for chunk in _batches(district.records):
        await add_maintenance_records(db, chunk)
    for chunk in _batches(district.inspections):
        await add_inspections(db, chunk)
    for chunk in _batches(district.supervisions):
        await add_supervisions(db, chunk)


def _batches(docs):
    """Yield docs in slices of BATCH."""
    for start in range(0, len(docs), BATCH):
        yield docs[start:start + BATCH]


async def build_pages(db, district, config):
    """Build every elevator page, then grade every firm; return the pages and the grades."""
    pages = [await refresh_elevator_page(db, e["_id"]) for e in district.elevators]
    grades = {}
    for firm in district.firms:
        grades[firm["_id"]] = (await assess_firm(db, firm, district.today, config))["grade"]
    return pages, grades


def build_district(today, config):
    """Build the whole demo district in memory for a given day."""
    district = District(today, ZoneInfo(config.timezone))
    district.firms = [make_firm(district, row) for row in names.FIRMS]
    district.people = make_people(district)
    district.units = [make_unit(district, index, row) for index, row in enumerate(names.UNITS)]
    district.elevators = make_elevators(district)
    district.plans = make_plans(district.elevators)
    for elevator in district.elevators:
        add_history(district, elevator, config)
    return district


# -- organisations and people -----------------------------------------------------------


def make_firm(district, row):
    """Return one maintenance firm document."""
    firm_id, name, name_en, street, _ = row
    rng = names.stream("firm", firm_id)
    address, address_en = names.street_address(rng, street, rng.randint(10, 300))
    return {"_id": firm_id, "name": name, "name_en": name_en,
            "public_phone": names.landline(rng), "duty_phone": names.mobile(rng, district.phones),
            "address": address, "address_en": address_en,
            "licences": licences(rng, firm_id, district), "commitment_signed": firm_id != UNSIGNED_FIRM}


def licences(rng, firm_id, district):
    """Return a firm's business and special-equipment licences (one firm's has lapsed)."""
    credit_code = "91" + DIVISION + "MA" + "".join(rng.choices(CREDIT_CODE_CHARS, k=8))
    business = days_from(district.today, rng.randint(3000, 7000))
    permit = days_from(district.today, -45 if firm_id == EXPIRED_LICENCE_FIRM else rng.randint(200, 1200))
    return [{"kind": "business", "number": credit_code, "expires": at_local(business, 0, district.tz)},
            {"kind": "special_equipment", "number": f"TS3335{rng.randint(100, 999)}-{permit.year}",
             "expires": at_local(permit, 0, district.tz)}]


def make_people(district):
    """Return every firm's technicians (P001..) followed by one admin per firm."""
    people = [technician(district, firm["_id"], k)
              for firm in district.firms for k in range(names.PROFILES[firm["_id"]].technicians)]
    people += [{"name": names.person_name(names.stream("admin", f["_id"])), "org_id": f["_id"],
                "roles": ["firm_admin"]} for f in district.firms]
    return [{"_id": f"P{number:03d}", "phone": names.mobile(names.stream("phone", number), district.phones),
             **person} for number, person in enumerate(people, start=1)]


def technician(district, firm_id, k):
    """Return one technician of a firm, with a certificate (one has lapsed at the worst firm)."""
    rng = names.stream("technician", firm_id, k)
    lapsed = firm_id == UNSIGNED_FIRM and k == 0
    expires = days_from(district.today, -20 if lapsed else rng.randint(60, 1400))
    return {"name": names.person_name(rng), "org_id": firm_id, "roles": ["technician"],
            "certificate": {"number": f"TSZY-QZ-{rng.randint(2015, 2023)}-{rng.randint(1, 99999):05d}",
                            "expires": at_local(expires, 0, district.tz)}}


def make_unit(district, index, row):
    """Return one using unit document, with its safety director and officers."""
    kind, name, name_en = row
    unit_id = f"U{index + 1:02d}"
    rng = names.stream("unit", unit_id)
    address, address_en = names.street_address(rng)
    return {"_id": unit_id, "kind": kind, "name": name, "name_en": name_en,
            "public_phone": names.landline(rng), "address": address, "address_en": address_en,
            "location": names.jitter(rng, CENTRE, RADIUS_KM),
            "safety_director": names.contact(rng, district.phones),
            "safety_officers": [names.contact(rng, district.phones) for _ in range(rng.randint(1, 3))]}


# -- elevators -------------------------------------------------------------------------


def make_elevators(district):
    """Return every elevator, all of a unit's kept by one firm, sorted by code."""
    sizes = {u["_id"]: names.stream("size", u["_id"]).randint(*names.UNIT_KINDS[u["kind"]][0])
             for u in district.units}
    firm_of = assign_firms(sizes)
    sequences = iter(names.stream("sequences").sample(range(1, 10000), sum(sizes.values())))
    elevators, equipment_codes = [], set()
    for unit in district.units:
        firm_id = firm_of[unit["_id"]]
        categories = unit_categories(unit, sizes[unit["_id"]])
        for index, category in enumerate(categories):
            elevator = make_elevator(district, unit, index, category, next(sequences), firm_id)
            add_equipment_code(elevator, names.stream("equipment", elevator["_id"]), equipment_codes)
            label_lift(elevator, unit["kind"], index, categories[:index + 1].count(category))
            elevators.append(elevator)
    return sorted(elevators, key=lambda e: e["_id"])


def assign_firms(sizes):
    """Give each unit, largest first, to the firm furthest below its market share."""
    total = sum(sizes.values())
    held = dict.fromkeys(names.PROFILES, 0)
    firm_of = {}
    for unit_id in sorted(sizes, key=lambda u: (-sizes[u], u)):
        firm_id = max(held, key=lambda f: (names.PROFILES[f].share * total - held[f], f))
        firm_of[unit_id] = firm_id
        held[firm_id] += sizes[unit_id]
    return firm_of


def unit_categories(unit, size):
    """Return the equipment categories of a unit's elevators, passenger lifts first."""
    mix = names.UNIT_KINDS[unit["kind"]][1]
    return sorted(names.stream("categories", unit["_id"]).choices(list(mix), weights=list(mix.values()), k=size))


def make_elevator(district, unit, index, category, sequence, firm_id):
    """Return one elevator document, still without equipment code and lift label."""
    rng = names.stream("elevator", unit["_id"], index)
    year, month = rng.randint(2005, 2023), rng.randint(1, 12)
    code = make_registration_code(category, DIVISION, year, month, sequence)
    maker, maker_en, _ = rng.choice(names.MANUFACTURERS)
    start, end = (at_local(day, 0, district.tz) for day in contract(rng, district.today, year, month))
    unit_point = (unit["location"]["lat"], unit["location"]["lng"])
    return {"_id": code, "codes": [code], "registration_code": code, "category": category,
            "registered": f"{year}-{month:02d}", "manufacturer": maker, "manufacturer_en": maker_en,
            "address": unit["address"], "address_en": unit["address_en"],
            "location": names.jitter(rng, unit_point, 0.06), "unit_id": unit["_id"], "firm_id": firm_id,
            "technician_ids": sorted(rng.sample(district.technicians(firm_id), 2)),
            "contract": {"start": start, "end": end}, "status": "in_service", "maintenance_start": start}


def add_equipment_code(elevator, rng, taken):
    """Give most elevators registered since 2014 an 18-digit equipment code as well."""
    year = int(elevator["registered"][:4])
    maker = next(m[2] for m in names.MANUFACTURERS if m[0] == elevator["manufacturer"])
    code = make_equipment_code(elevator["category"], maker, year, rng.randrange(1, 100000))
    if year < 2014 or rng.random() < 0.4 or code in taken:
        return
    taken.add(code)
    elevator["equipment_code"] = code
    elevator["codes"].append(code)


def contract(rng, today, year, month):
    """Return the current maintenance contract's first and last day (a few began this year)."""
    ago = rng.randint(60, 300) if rng.random() < 0.07 else rng.randint(380, 1500)
    start = max(days_from(today, -ago), days_from(datetime.date(year, month, 1), 30))
    end = start
    while end <= today:
        end = add_year(end)
    return start, add_year(end) if rng.random() < 0.3 else end


def label_lift(elevator, kind, position, number):
    """Name an elevator's building and lift (at home two lifts a building, elsewhere per category)."""
    if kind == "residential":
        building, building_en = f"{position // 2 + 1}号楼", f"Building {position // 2 + 1}"
        number = position % 2 + 1
    else:
        building, building_en = names.BUILDINGS[kind][position % len(names.BUILDINGS[kind])]
    lift, lift_en = names.LIFT_LABELS[elevator["category"]]
    elevator["building"] = f"{building} {lift.format(n=number)}"
    elevator["building_en"] = f"{building_en}, {lift_en.format(n=number)}"


def make_plans(elevators):
    """Decide which elevators are overdue, inspection-late, supervised or stopped."""
    plans = {e["_id"]: Plan() for e in elevators}
    weights = {e["_id"]: names.PROFILES[e["firm_id"]].overdue_weight for e in elevators}
    for code in pick(names.stream("overdue"), weights, round(OVERDUE_SHARE * len(elevators))):
        plans[code].overdue = True
    for code in pick(names.stream("inspection"), weights, round(INSPECTION_OVERDUE_SHARE * len(elevators))):
        plans[code].inspection_overdue = True
    for code in pick(names.stream("supervised"), weights, round(SUPERVISED_SHARE * len(elevators))):
        plans[code].supervised = True
    worst = {e["_id"]: 1 for e in elevators if e["firm_id"] in WORST_FIRMS and not plans[e["_id"]].overdue}
    for code, cause in zip(sorted(pick(names.stream("stopped"), worst, len(STOP_CAUSES))), STOP_CAUSES):
        plans[code].stopped_by = cause
        plans[code].supervised = plans[code].supervised or cause == "supervision"
    return plans


def pick(rng, weights, k):
    """Return k keys drawn without replacement, each as likely as its weight."""
    keyed = sorted(weights, key=lambda key: rng.random() ** (1 / weights[key]))
    return keyed[len(keyed) - k:]


# -- the summary -------------------------------------------------------------------------


def summarise(district, pages, grades, config):
    """Return the counts and example elevators of a loaded district."""
    standings = {p["_id"]: elevator_standing(p, district.today, config) for p in pages}
    overdue = [p for p in pages if standings[p["_id"]].maintenance_overdue]
    late = [p for p in pages if standings[p["_id"]].inspection.state == OVERDUE]
    return {"today": district.today.isoformat(), "firms": len(district.firms), "units": len(district.units),
            "people": len(district.people), "technicians": sum("technician" in p["roles"] for p in district.people),
            "elevators": len(district.elevators), "maintenance_records": len(district.records),
            "invalid_visits": sum(not r["valid"] for r in district.records),
            "inspections": len(district.inspections), "supervisions": len(district.supervisions),
            "overdue_elevators": len(overdue), "inspections_overdue": len(late),
            "inspections_failed": sum(s.inspection.state == FAILED for s in standings.values()),
            "grades": grades, "examples": examples(pages, overdue, late, standings)}


def examples(pages, overdue, late, standings):
    """Return one elevator per case: on time, overdue, invalid visit, stopped, inspection late."""
    behind = {p["_id"] for p in overdue + late}
    cases = {
        "on_time": [p for p in pages if p["firm"]["id"] == "F01" and p["status"] == "in_service"
                    and p["_id"] not in behind and _all_valid(p)],
        "overdue": sorted(overdue, key=lambda p: -standings[p["_id"]].worst_maintenance.days),
        "invalid_visit": sorted((p for p in pages if p["_id"] not in behind and not _all_valid(p)),
                                key=_last_invalid, reverse=True),
        "out_of_service": [p for p in pages if p["status"] == "out_of_service"],
        "inspection_overdue": late,
    }
    return {case: found[0]["_id"] for case, found in cases.items() if found}


def _all_valid(page):
    return all(v["valid"] for v in page["maintenance"])


def _last_invalid(page):
    return max(v["date"] for v in page["maintenance"] if not v["valid"])
