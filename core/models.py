"""The shapes of what we store, and the checks a document passes before it is written.

Documents stay plain dicts (docs/storage.md lists the collections); these checks are
the one place that says what a valid elevator or record is, for every writer.
"""

import datetime

from core.checklists import CATEGORIES, INTERVALS
from core.codes import InvalidCode, normalise_code

STATUSES = ("in_service", "under_maintenance", "out_of_service")
# Every visit a record can be of (W4): the maintenance intervals, a repair, a rescue.
VISIT_TYPES = (*INTERVALS, "repair", "rescue")
INVALID_REASONS = ("no_location_checkin", "outside_geofence", "face_mismatch", "no_photos")
ITEM_RESULTS = ("ok", "adjusted", "replaced", "issue")
# The bot also records an item that does not apply to this elevator.
RECORDED_ITEM_RESULTS = (*ITEM_RESULTS, "not_applicable")
INSPECTION_RESULTS = ("pass", "pass_after_rectification", "fail")
SUPERVISION_RESULTS = ("no_issue", "rectify", "stop_use")
LICENCE_KINDS = ("business", "special_equipment")


class InvalidDocument(ValueError):
    """A document that must not be stored as it is."""


def _require(condition, message):
    if not condition:
        raise InvalidDocument(message)


def _aware(value):
    return isinstance(value, datetime.datetime) and value.utcoffset() is not None


def check_elevator(doc):
    """Raise InvalidDocument unless doc is a storable elevator."""
    try:
        codes = [normalise_code(code) for code in doc.get("codes", [])]
    except InvalidCode as exc:
        raise InvalidDocument(f"elevator {doc.get('_id')!r}: {exc}") from None
    _require(codes == doc["codes"] and doc["_id"] in codes, f"elevator {doc['_id']!r}: _id must be one of its codes")
    _require(doc.get("category") in CATEGORIES, f"elevator {doc['_id']}: unknown category {doc.get('category')!r}")
    _require(doc.get("status") in STATUSES, f"elevator {doc['_id']}: unknown status {doc.get('status')!r}")
    _require(doc.get("unit_id") and doc.get("firm_id"), f"elevator {doc['_id']}: needs a using unit and a firm")
    _require(_aware(doc.get("maintenance_start")), f"elevator {doc['_id']}: maintenance_start must be aware")
    location = doc.get("location") or {}
    _require(-90 <= location.get("lat", 999) <= 90 and -180 <= location.get("lng", 999) <= 180,
             f"elevator {doc['_id']}: location out of range")


def check_maintenance_record(doc):
    """Raise InvalidDocument unless doc is a storable maintenance record."""
    label = f"maintenance record of {doc.get('elevator_id')!r}"
    kind = doc.get("type", doc.get("interval"))
    _require(kind in VISIT_TYPES, f"{label}: unknown visit type {kind!r}")
    # A repair or rescue visit maintains nothing on the TSG schedule: it has no interval.
    expected = INTERVALS if kind in INTERVALS else (None,)
    _require(doc.get("interval") in expected and (kind not in INTERVALS or doc["interval"] == kind),
             f"{label}: interval {doc.get('interval')!r} does not fit a {kind} visit")
    _require(_aware(doc.get("date")), f"{label}: date must be timezone-aware")
    _require(isinstance(doc.get("valid"), bool), f"{label}: valid must be true or false")
    reasons = doc.get("invalid_reasons", [])
    _require(set(reasons) <= set(INVALID_REASONS), f"{label}: unknown invalid reason in {reasons}")
    _require(doc["valid"] == (not reasons), f"{label}: a visit is invalid exactly when it has reasons (W4)")
    _require(bool(doc.get("technician_ids")), f"{label}: needs at least one technician")
    _require(all(item.get("result") in RECORDED_ITEM_RESULTS for item in doc.get("items", [])),
             f"{label}: unknown item result")


def check_inspection(doc):
    """Raise InvalidDocument unless doc is a storable inspection record."""
    label = f"inspection of {doc.get('elevator_id')!r}"
    _require(doc.get("result") in INSPECTION_RESULTS, f"{label}: unknown result {doc.get('result')!r}")
    _require(_aware(doc.get("date")) and _aware(doc.get("next_due")), f"{label}: dates must be aware")
    _require(doc["next_due"] > doc["date"], f"{label}: next_due must follow the inspection")


def check_supervision(doc):
    """Raise InvalidDocument unless doc is a storable supervision record."""
    label = f"supervision of {doc.get('elevator_id')!r}"
    _require(doc.get("result") in SUPERVISION_RESULTS, f"{label}: unknown result {doc.get('result')!r}")
    _require(_aware(doc.get("date")), f"{label}: date must be timezone-aware")
    _require(all(f.get("zh") and f.get("en") for f in doc.get("findings", [])),
             f"{label}: findings need Chinese and English text")
