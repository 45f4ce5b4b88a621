"""Who is told of what: routes as data, resolved against each organisation's contacts."""

import logging
from dataclasses import dataclass

from core.notify.message import Recipient
from core.store import contacts as contact_store
from core.store import orgs as org_store

log = logging.getLogger(__name__)

FALLBACK = "fallback"


@dataclass(frozen=True)
class Route:
    """One party told of a kind of message: the elevator's firm, its using unit, or the regulator."""

    party: str
    copy: bool = False
    kind: str | None = None  # ask the party's contacts of this kind instead of the message's own


# The parties each kind of message goes to, the primary ones first. A party with no contact
# for the kind gets it at its fallback contact.
ROUTES = {
    "fault": (Route("firm"), Route("unit", copy=True)),
    "complaint_maintenance": (Route("firm"), Route("unit", copy=True)),
    "complaint_unit": (Route("unit"), Route("regulator")),
    "rescue": (Route("firm"), Route("unit")),
    # Nobody accepted a rescue call within LIFTWATCH_RESCUE_ESCALATE_MINUTES: the firm's managers'
    # contacts (its on-duty technicians are told through the bot, core/rescue_dispatch.py);
    # still nobody after LIFTWATCH_RESCUE_REGULATOR_MINUTES: the regulator's duty contact.
    "rescue_escalation": (Route("firm"), Route("unit", copy=True)),
    "rescue_regulator": (Route("regulator"), Route("firm", copy=True)),
    "unacknowledged": (Route("firm", kind=FALLBACK), Route("regulator", copy=True)),
    "not_fixed": (Route("firm"), Route("regulator", copy=True)),
    # A delivery to the firm (or the unit) failed for good: its fallback and the regulator are told.
    "undelivered_firm": (Route("firm", kind=FALLBACK), Route("regulator")),
    "undelivered_unit": (Route("unit", kind=FALLBACK), Route("regulator")),
    "confirmation": (Route("unit"),),
    "unconfirmed": (Route("unit", kind="confirmation"),),
    "face_failed": (Route("firm"),),
    "reminder": (Route("firm"),),
    "overdue": (Route("firm"), Route("unit")),
    "digest": (Route("regulator"),),
}
KINDS = tuple(ROUTES)
CONTACT_KINDS = KINDS + (FALLBACK,)


@dataclass(frozen=True)
class Addressee:
    """A recipient found by routing, with the organisation and party it stands for."""

    org_id: str
    party: str
    copy: bool
    recipient: Recipient


async def resolve(db, kind, elevator=None):
    """Return the addressees of a kind of message about an elevator (or about none: the regulator)."""
    routes = ROUTES[kind]
    org_ids = await _party_orgs(db, elevator, {r.party for r in routes})
    wanted = {r.kind or kind for r in routes} | {FALLBACK}
    # All of an organisation's contacts, remembered for a few seconds: a burst reads them once.
    contacts = [c for c in await contact_store.find_contacts_of_orgs(db, list(dict.fromkeys(org_ids.values())))
                if c["kind"] in wanted]
    found, seen = [], set()
    for route in routes:
        org_id = org_ids.get(route.party)
        matched = _contacts_for(contacts, org_id, route.kind or kind)
        if org_id and not matched:
            log.warning("no %s contact and no fallback for %s %s", kind, route.party, org_id)
        for contact in matched:
            recipient = Recipient(contact["channel"], contact["address"], contact["lang"])
            if (recipient.channel, recipient.address) not in seen:
                seen.add((recipient.channel, recipient.address))
                found.append(Addressee(org_id, route.party, route.copy, recipient))
    return found


def _contacts_for(contacts, org_id, kind):
    """Return an organisation's contacts for a kind, else its fallback contacts."""
    own = [c for c in contacts if c["org_id"] == org_id and c["kind"] == kind]
    return own or [c for c in contacts if c["org_id"] == org_id and c["kind"] == FALLBACK]


async def _party_orgs(db, elevator, parties):
    """Map each party to the organisation that plays it for this elevator."""
    elevator = elevator or {}
    orgs = {"firm": elevator.get("firm_id"), "unit": elevator.get("unit_id")}
    if "regulator" in parties:
        orgs["regulator"] = elevator.get("regulator_id") or await _district_regulator(db)
    return {party: org_id for party, org_id in orgs.items() if org_id and party in parties}


async def _district_regulator(db):
    """Return the id of the district's regulator (the first one), or None."""
    regulators = await org_store.find_regulators(db)
    return regulators[0]["_id"] if regulators else None
