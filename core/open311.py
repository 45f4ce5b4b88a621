"""Open311 GeoReport v2: our categories as services, our reports as service requests.

Only fault reports are public through Open311 (as on the elevator page); complaints are
accepted but never listed, like their photos.
"""

import datetime
import hashlib
import secrets

from core import reports
from core.codes import InvalidCode, normalise_code
from core.i18n import translations
from core.store import elevators as elevator_store
from core.store import reports as report_store

_ = reports._  # marks text for extraction
GROUPS = {"fault": _("Fault report"), "complaint_firm": _("Complaint about the maintenance firm"),
          "complaint_unit": _("Complaint about the using unit")}


class Open311Error(Exception):
    """An error the API answers with its HTTP status and a description."""

    def __init__(self, status, description):
        super().__init__(description)
        self.status = status
        self.description = description


def services(lang):
    """Return every service: one per fault category, and per complaint target and category."""
    translate = translations(lang).ugettext
    found = [_service(f"fault-{code}", translate(label), translate(GROUPS["fault"]))
             for code, label in reports.FAULT_CATEGORIES.items()]
    for about in ("firm", "unit"):
        group = translate(GROUPS[f"complaint_{about}"])
        found += [_service(f"complaint-{about}-{code}", translate(label), group)
                  for code, label in reports.COMPLAINT_CATEGORIES.items()]
    return found


def _service(code, name, group):
    return {"service_code": code, "service_name": name, "description": f"{group}: {name}",
            "metadata": False, "type": "realtime", "keywords": code.replace("-", ","), "group": group}


def parse_service(code):
    """Return (kind, about, category) of a service code, or raise Open311Error 404."""
    parts = code.split("-") if isinstance(code, str) else []
    if len(parts) == 2 and parts[0] == "fault" and parts[1] in reports.FAULT_CATEGORIES:
        return "fault", None, parts[1]
    if (len(parts) == 3 and parts[0] == "complaint" and parts[1] in reports.COMPLAINT_ABOUT
            and parts[2] in reports.COMPLAINT_CATEGORIES):
        return "complaint", parts[1], parts[2]
    raise Open311Error(404, f"service_code not found: {str(code)[:40]}")


def service_code(report):
    """Return the service code of a report."""
    if report["kind"] == "fault":
        return f"fault-{report['category']}"
    return f"complaint-{report.get('about') or 'firm'}-{report['category']}"


def status_of(report):
    """Map our public state to Open311's open / closed."""
    return "open" if report["state"] in reports.OPEN_STATES else "closed"


def as_request(report, elevator, lang, base_url):
    """Return a report as a GeoReport v2 service request (public fields only, no phone)."""
    names = {s["service_code"]: s["service_name"] for s in services(lang)}
    last = report["history"][-1]
    location = (elevator or {}).get("location") or {}
    photo = report.get("photo_ids") or []
    return {"service_request_id": report["_id"], "status": status_of(report),
            "status_notes": last.get("note") or "", "service_name": names.get(service_code(report), ""),
            "service_code": service_code(report), "description": report["description"],
            "agency_responsible": report.get("firm_id") or "", "service_notice": "",
            "requested_datetime": _iso(report["created_at"]), "updated_datetime": _iso(report["updated_at"]),
            "expected_datetime": "", "address": (elevator or {}).get("address", ""),
            "address_id": report["elevator_id"], "zipcode": "",
            "lat": location.get("lat", ""), "long": location.get("lng", ""),
            "media_url": f"{base_url}/photos/{photo[0]}/thumb" if photo and report["kind"] == "fault" else ""}


def _iso(moment):
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def form_from_post(args):
    """Turn a POST's arguments into (kind, elevator code, form values), or raise Open311Error 400."""
    kind, about, category = parse_service(args.get("service_code"))
    try:
        code = normalise_code(args.get("address_id") or "")
    except InvalidCode:
        raise Open311Error(400, "address_id must be the elevator's 20- or 18-digit code") from None
    raw = {"category": category, "about": about or "", "description": args.get("description", ""),
           "phone": args.get("phone", "")}
    form = reports.check_fault(raw) if kind == "fault" else reports.check_complaint(raw)
    if not form.ok:
        field, _message = next(iter(form.errors.items()))
        raise Open311Error(400, f"{field} is missing or not valid")
    return kind, code, form.values


async def create_request(db, args):
    """Save a report posted through Open311; return its service request id."""
    kind, code, values = form_from_post(args)
    elevator = await elevator_store.find_elevator(db, code)
    if elevator is None:
        raise Open311Error(400, f"no elevator with address_id {code}")
    return await reports.submit(db, kind, elevator, values)


async def find_requests(db, args, lang, base_url, limit=200):
    """Return public service requests matching the standard filters (newest first, at most limit)."""
    query = {"kind": "fault"}
    if args.get("service_request_id"):
        query["_id"] = {"$in": [i for i in str(args["service_request_id"]).split(",")[:100]]}
    if args.get("service_code"):
        query["category"] = {"$in": [parse_service(c)[2] for c in str(args["service_code"]).split(",")[:20]]}
    if args.get("status") in ("open", "closed"):
        states = reports.OPEN_STATES if args["status"] == "open" else tuple(set(reports.STATES) - set(reports.OPEN_STATES))
        query["state"] = {"$in": list(states)}
    query.update(_dates(args))
    found = await report_store.find_reports(db, query, limit)
    return [as_request(r, await elevator_store.find_elevator(db, r["elevator_id"]), lang, base_url) for r in found]


def _dates(args):
    """Return the created_at condition of start_date / end_date (default: the last 90 days)."""
    try:
        start = _parse(args.get("start_date"))
        end = _parse(args.get("end_date"))
    except ValueError:
        raise Open311Error(400, "start_date and end_date must be W3C date-times") from None
    end = end or datetime.datetime.now(datetime.timezone.utc)
    start = start or end - datetime.timedelta(days=90)
    return {"created_at": {"$gte": start, "$lte": end}}


def _parse(text):
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(str(text)[:40].replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def new_api_key():
    """Return a new API key (shown once) and the hash stored for it."""
    key = secrets.token_urlsafe(24)
    return key, hash_api_key(key)


def hash_api_key(key):
    """Return the stored form of an API key."""
    return hashlib.sha256(str(key).encode()).hexdigest()


async def add_api_key(db, name):
    """Issue an API key for a client; return the key (only its hash is kept)."""
    key, hashed = new_api_key()
    await report_store.insert_api_key(db, {"_id": hashed, "name": name,
                                           "created_at": datetime.datetime.now(datetime.timezone.utc)})
    return key


async def check_api_key(db, key):
    """Raise Open311Error 403 unless key is one we issued."""
    if not isinstance(key, str) or not 10 <= len(key) <= 100 or not await report_store.find_api_key(db, hash_api_key(key)):
        raise Open311Error(403, "api_key is missing or not valid")
