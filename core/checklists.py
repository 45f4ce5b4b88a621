"""Maintenance item lists of TSG T5002-2017, read from data files in core/data/checklists."""

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Shortest first: a visit of one interval also covers every interval before it.
INTERVALS = ("half_monthly", "quarterly", "half_yearly", "yearly")

ELEVATOR_TYPES = ("traction", "hydraulic", "escalator", "dumbwaiter")

TEXT_FIELDS = ("code", "zh", "en", "requirement_zh", "requirement_en")

CATEGORIES = {
    "3110": ("曳引驱动乘客电梯", "Traction passenger elevator"),
    "3120": ("曳引驱动载货电梯", "Traction freight elevator"),
    "3130": ("强制驱动载货电梯", "Positive-drive freight elevator"),
    "3210": ("液压乘客电梯", "Hydraulic passenger elevator"),
    "3220": ("液压载货电梯", "Hydraulic freight elevator"),
    "3310": ("自动扶梯", "Escalator"),
    "3320": ("自动人行道", "Moving walk"),
    "3410": ("防爆电梯", "Explosion-proof elevator"),
    "3420": ("消防员电梯", "Firefighter elevator"),
    "3430": ("杂物电梯", "Dumbwaiter"),
}

# The 3400 family ("other elevators") mixes drive kinds, so its members are
# listed one by one; the other families share one drive kind throughout.
_TYPE_BY_CATEGORY = {"3410": "traction", "3420": "traction", "3430": "dumbwaiter"}
_TYPE_BY_FAMILY = {"31": "traction", "32": "hydraulic", "33": "escalator"}


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    interval: str
    zh: str
    en: str
    requirement_zh: str
    requirement_en: str


@dataclass(frozen=True)
class Checklist:
    elevator_type: str
    source: str
    note: str
    items: tuple[ChecklistItem, ...]

    def items_for(self, interval: str) -> tuple[ChecklistItem, ...]:
        """Return the items due on a visit of this interval, shorter intervals included."""
        rank = interval_rank(interval)
        return tuple(item for item in self.items if INTERVALS.index(item.interval) <= rank)


def interval_rank(interval: str) -> int:
    """Return the position of an interval in INTERVALS, shortest first."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown maintenance interval {interval!r}; expected one of {', '.join(INTERVALS)}")
    return INTERVALS.index(interval)


def elevator_type_for_category(category_code: str) -> str:
    """Return the checklist type for a 4-digit special-equipment category code."""
    code = str(category_code).strip()
    elevator_type = _TYPE_BY_CATEGORY.get(code)
    if elevator_type is None and len(code) == 4 and code.isdigit():
        elevator_type = _TYPE_BY_FAMILY.get(code[:2])
    if elevator_type is None:
        raise ValueError(f"no maintenance checklist for equipment category {category_code!r}")
    return elevator_type


def load_checklist(elevator_type: str, path: str | Path | None = None) -> Checklist:
    """Load and validate the checklist of an elevator type, from `path` if given."""
    if path is None:
        return _load_packaged(elevator_type)
    path = Path(path)
    return _parse(elevator_type, path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=None)
def _load_packaged(elevator_type: str) -> Checklist:
    """Load the checklist shipped with the package, once per process."""
    if elevator_type not in ELEVATOR_TYPES:
        raise ValueError(f"unknown elevator type {elevator_type!r}; expected one of {', '.join(ELEVATOR_TYPES)}")
    resource = resources.files(__package__) / "data" / "checklists" / f"{elevator_type}.json"
    return _parse(elevator_type, resource.read_text(encoding="utf-8"), f"core/data/checklists/{elevator_type}.json")


def _parse(elevator_type: str, text: str, source: str) -> Checklist:
    """Build a Checklist from JSON text, naming `source` in any error."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ValueError(f"{source}: expected an object with an 'items' list")
    if document.get("elevator_type") != elevator_type:
        raise ValueError(f"{source}: elevator_type is {document.get('elevator_type')!r}, expected {elevator_type!r}")
    items = tuple(_parse_item(raw, number, source) for number, raw in enumerate(document["items"], start=1))
    _check_unique_codes(items, source)
    return Checklist(elevator_type, document.get("source", ""), document.get("note", ""), items)


def _parse_item(raw: object, number: int, source: str) -> ChecklistItem:
    """Build one ChecklistItem, rejecting a missing text or an unknown interval."""
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: item #{number} is not an object")
    label = f"item {raw.get('code') or '#' + str(number)}"
    for field in TEXT_FIELDS:
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{source}: {label} has no {field}")
    if raw.get("interval") not in INTERVALS:
        raise ValueError(f"{source}: {label} has unknown interval {raw.get('interval')!r}")
    return ChecklistItem(**{field: raw[field] for field in ("interval", *TEXT_FIELDS)})


def _check_unique_codes(items: tuple[ChecklistItem, ...], source: str) -> None:
    """Reject a checklist in which two items share a code."""
    seen = set()
    for item in items:
        if item.code in seen:
            raise ValueError(f"{source}: item {item.code} appears more than once")
        seen.add(item.code)
