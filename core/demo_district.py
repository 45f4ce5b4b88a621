"""The demo district's organisations, people, elevators and stories, at any size.

The classic district (no size given) is the thirty named using units and five firms of
core/demo_names.py at their natural sizes, about 200 elevators. A larger one repeats the
units as further phases of the same estates and adds firms, until it holds exactly the
number of elevators asked for. F01, the market leader, keeps a quarter of the market at
any size (so a district of 10,000 has a firm of 2,500 elevators); the rest of the market
is shared by F02–F05 and firms F06… that work like them. Every value comes from a random
stream of its own part (core.demo_names.stream), so the same size and day give the same
district.
"""

import datetime
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from core import demo_names as names
from core.codes import make_equipment_code, make_registration_code
from core.demo_history import Plan, add_year, at_local, days_from

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
LEADER = "F01"
ELEVATORS_PER_TECHNICIAN = 5  # the classic district's ratio: 198 elevators, 40 technicians
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class Size:
    """How large a district to build: elevators (None: the classic one) and years of history."""

    elevators: int | None = None
    years: int = 1


@dataclass
class District:
    """Everything the demo writes except the records, built in memory first."""

    today: datetime.date
    tz: ZoneInfo
    size: Size = field(default_factory=Size)
    profiles: dict = field(default_factory=dict)
    firms: list = field(default_factory=list)
    units: list = field(default_factory=list)
    people: list = field(default_factory=list)
    elevators: list = field(default_factory=list)
    plans: dict = field(default_factory=dict)
    phones: set = field(default_factory=set)
    crews: dict = field(default_factory=dict)
    units_by_id: dict = field(default_factory=dict)
    serial: int = 0

    def next_serial(self):
        """Return a new number for a record id."""
        self.serial += 1
        return self.serial

    def unit(self, unit_id):
        """Return one using unit by id."""
        return self.units_by_id[unit_id]

    def technicians(self, firm_id):
        """Return the ids of a firm's technicians."""
        return self.crews[firm_id]


def build_district(today, config, size=Size()):
    """Build the district's organisations, people, elevators and plans in memory for a given day."""
    district = District(today, ZoneInfo(config.timezone), size)
    rows = firm_rows(size.elevators)
    district.profiles = {firm_id: profile for firm_id, *_, profile in rows}
    units = unit_rows(size.elevators)
    sizes = {unit_id: n for unit_id, _, _, _, n in units}
    firm_of = assign_firms(sizes, market_shares(district.profiles))
    district.firms = [make_firm(district, row) for row in rows]
    district.people = make_people(district, technician_counts(district, sizes, firm_of))
    district.crews = {f["_id"]: [p["_id"] for p in district.people
                                 if p["org_id"] == f["_id"] and "technician" in p["roles"]] for f in district.firms}
    district.units = [make_unit(district, row) for row in units]
    district.units_by_id = {u["_id"]: u for u in district.units}
    district.elevators = make_elevators(district, sizes, firm_of)
    district.plans = make_plans(district)
    return district


# -- how many of what ------------------------------------------------------------------


def firm_count(elevators):
    """Return how many firms a district of this many elevators has (five up to about 400)."""
    if elevators is None or elevators < 400:
        return len(names.FIRMS)
    return len(names.FIRMS) + 4 * int(math.log2(elevators / 200))


def firm_rows(elevators):
    """Return (id, name, name_en, street index, profile) of every firm: the five named, then more."""
    rows = list(names.FIRMS)
    for k in range(firm_count(elevators) - len(rows)):
        zh, en = names.TRADE_NAMES[k % len(names.TRADE_NAMES)]
        suffix = "" if k < len(names.TRADE_NAMES) else str(k // len(names.TRADE_NAMES) + 1)
        template = names.FIRMS[1 + k % 4][4]  # works like one of F02–F05
        rows.append((f"F{len(rows) + 1:02d}", f"泉州{zh}{suffix}电梯工程有限公司",
                     f"Quanzhou {en}{suffix} Elevator Engineering Co., Ltd.", k % len(names.STREETS), template))
    return rows


def market_shares(profiles):
    """Return each firm's share of the market: the leader's stays, the others share the rest."""
    leader = profiles[LEADER].share
    others = {f: p.share for f, p in profiles.items() if f != LEADER}
    total = sum(others.values())
    return {LEADER: leader, **{f: (1 - leader) * s / total for f, s in others.items()}}


def unit_rows(elevators):
    """Return (id, kind, name, name_en, size) of every using unit, holding `elevators` in all."""
    rows, held, n = [], 0, 0
    while (elevators is None and n < len(names.UNITS)) or (elevators is not None and held < elevators):
        kind, name, name_en = names.UNITS[n % len(names.UNITS)]
        phase = n // len(names.UNITS) + 1
        if phase > 1:
            name, name_en = f"{name}（{phase}期）", f"{name_en} (phase {phase})"
        unit_id = f"U{n + 1:02d}"
        size = names.stream("size", unit_id).randint(*names.UNIT_KINDS[kind][0])
        if elevators is not None:
            size = min(size, elevators - held)
        rows.append((unit_id, kind, name, name_en, size))
        held, n = held + size, n + 1
    return rows


def assign_firms(sizes, shares):
    """Give each unit, largest first, to the firm furthest below its market share."""
    total = sum(sizes.values())
    held = dict.fromkeys(shares, 0)
    firm_of = {}
    for unit_id in sorted(sizes, key=lambda u: (-sizes[u], u)):
        firm_id = max(held, key=lambda f: (shares[f] * total - held[f], f))
        firm_of[unit_id] = firm_id
        held[firm_id] += sizes[unit_id]
    return firm_of


def technician_counts(district, sizes, firm_of):
    """Return how many technicians each firm employs (the named profiles' staff in the classic district)."""
    if district.size.elevators is None:
        return {f: p.technicians for f, p in district.profiles.items()}
    held = dict.fromkeys(district.profiles, 0)
    for unit_id, n in sizes.items():
        held[firm_of[unit_id]] += n
    return {f: max(3, round(n / ELEVATORS_PER_TECHNICIAN)) for f, n in held.items()}  # a pair and a stand-in


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


def make_people(district, technicians):
    """Return every firm's technicians (P001..) followed by one admin per firm."""
    people = [technician(district, firm["_id"], k) for firm in district.firms for k in range(technicians[firm["_id"]])]
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


def make_unit(district, row):
    """Return one using unit document, with its safety director and officers."""
    unit_id, kind, name, name_en, _ = row
    rng = names.stream("unit", unit_id)
    address, address_en = names.street_address(rng)
    return {"_id": unit_id, "kind": kind, "name": name, "name_en": name_en,
            "public_phone": names.landline(rng), "address": address, "address_en": address_en,
            "location": names.jitter(rng, CENTRE, RADIUS_KM),
            "safety_director": names.contact(rng, district.phones),
            "safety_officers": [names.contact(rng, district.phones) for _ in range(rng.randint(1, 3))]}


# -- elevators -------------------------------------------------------------------------


def make_elevators(district, sizes, firm_of):
    """Return every elevator, all of a unit's kept by one firm, sorted by code."""
    elevators, codes, equipment_codes = [], set(), set()
    for unit in district.units:
        firm_id = firm_of[unit["_id"]]
        categories = unit_categories(unit, sizes[unit["_id"]])
        for index, category in enumerate(categories):
            elevator = make_elevator(district, unit, index, category, firm_id, codes)
            add_equipment_code(elevator, names.stream("equipment", elevator["_id"]), equipment_codes)
            label_lift(elevator, unit["kind"], index, categories[:index + 1].count(category))
            elevators.append(elevator)
    return sorted(elevators, key=lambda e: e["_id"])


def unit_categories(unit, size):
    """Return the equipment categories of a unit's elevators, passenger lifts first."""
    mix = names.UNIT_KINDS[unit["kind"]][1]
    return sorted(names.stream("categories", unit["_id"]).choices(list(mix), weights=list(mix.values()), k=size))


def registration_code(category, year, month, rng, taken):
    """Return a registration code not in taken (the next free sequence number after a random one)."""
    sequence = rng.randint(1, 9999)
    while (code := make_registration_code(category, DIVISION, year, month, sequence)) in taken:
        sequence = sequence % 9999 + 1
    taken.add(code)
    return code


def make_elevator(district, unit, index, category, firm_id, taken):
    """Return one elevator document, still without equipment code and lift label."""
    rng = names.stream("elevator", unit["_id"], index)
    year, month = rng.randint(2005, 2023), rng.randint(1, 12)
    code = registration_code(category, year, month, names.stream("sequence", unit["_id"], index), taken)
    maker, maker_en, _ = rng.choice(names.MANUFACTURERS)
    start, end = (at_local(day, 0, district.tz)
                  for day in contract(rng, district.today, year, month, district.size.years))
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


def contract(rng, today, year, month, years=1):
    """Return the current maintenance contract's first and last day (a few began this year).

    With more years of history most contracts began before it, so the history is that long.
    """
    ago = rng.randint(60, 300) if rng.random() < 0.07 else rng.randint(380, 1500) + 365 * (years - 1)
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


# -- stories -----------------------------------------------------------------------------


def make_plans(district):
    """Decide which elevators are overdue, inspection-late, supervised or stopped."""
    elevators = district.elevators
    plans = {e["_id"]: Plan() for e in elevators}
    weights = {e["_id"]: district.profiles[e["firm_id"]].overdue_weight for e in elevators}
    for code in pick(names.stream("overdue"), weights, intended_overdue(len(elevators))):
        plans[code].overdue = True
    for code in pick(names.stream("inspection"), weights, intended_inspections_overdue(len(elevators))):
        plans[code].inspection_overdue = True
    for code in pick(names.stream("supervised"), weights, round(SUPERVISED_SHARE * len(elevators))):
        plans[code].supervised = True
    # A stopped elevator keeps its maintenance and inspection dates, so its story stays one story.
    worst = {e["_id"]: 1 for e in elevators if e["firm_id"] in WORST_FIRMS
             and not plans[e["_id"]].overdue and not plans[e["_id"]].inspection_overdue}
    for code, cause in zip(sorted(pick(names.stream("stopped"), worst, len(STOP_CAUSES))), STOP_CAUSES):
        plans[code].stopped_by = cause
        plans[code].supervised = plans[code].supervised or cause == "supervision"
    return plans


def intended_overdue(elevators):
    """Return how many elevators the demo means to be overdue for maintenance."""
    return round(OVERDUE_SHARE * elevators)


def intended_inspections_overdue(elevators):
    """Return how many elevators the demo means to have missed their periodic inspection."""
    return round(INSPECTION_OVERDUE_SHARE * elevators)


def pick(rng, weights, k):
    """Return k keys drawn without replacement, each as likely as its weight."""
    keyed = sorted(weights, key=lambda key: rng.random() ** (1 / weights[key]))
    return keyed[len(keyed) - k:]
