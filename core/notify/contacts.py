"""Contacts as data: checked before they are stored, and the demo district's own."""

import re

from core.i18n import LANGUAGES
from core.notify.message import CHANNELS
from core.notify.routing import CONTACT_KINDS
from core.store import contacts as contact_store
from core.store import orgs as org_store

_ADDRESS = {
    "email": re.compile(r"[^@\s<>,;\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"),
    "telegram": re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}"),
    "dingtalk": re.compile(r"[A-Za-z0-9]{8,128}(:SEC[A-Za-z0-9]{8,128})?"),
    "wecom": re.compile(r"[A-Za-z0-9-]{8,64}"),
    "console": re.compile(r"\S.{0,79}"),
}
_FORMAT = {"email": "name@example.com", "telegram": "a chat id such as 123456789 or @channel",
           "dingtalk": "ACCESS_TOKEN or ACCESS_TOKEN:SECxxxx", "wecom": "the webhook key",
           "console": "any label"}

REGULATOR = {"_id": "R01", "name": "泉州市鲤城区市场监督管理局",
             "name_en": "Licheng District Market Supervision Administration, Quanzhou",
             "complaint_phone": "12315"}


class ContactError(ValueError):
    """A contact that cannot be stored, with the reason."""


def make_contact(org_id, kind, channel, address, lang="zh_Hans"):
    """Return a contact document, or raise ContactError saying what is wrong."""
    if kind not in CONTACT_KINDS:
        raise ContactError(f"unknown kind {kind!r}; one of: {', '.join(CONTACT_KINDS)}")
    if channel not in CHANNELS:
        raise ContactError(f"unknown channel {channel!r}; one of: {', '.join(CHANNELS)}")
    if not _ADDRESS[channel].fullmatch(address or ""):
        raise ContactError(f"{address!r} is not a valid {channel} address ({_FORMAT[channel]})")
    if lang not in LANGUAGES:
        raise ContactError(f"unknown language {lang!r}; one of: {', '.join(LANGUAGES)}")
    return {"org_id": org_id, "kind": kind, "channel": channel, "address": address, "lang": lang}


async def add_contact(db, org_id, kind, channel, address, lang="zh_Hans"):
    """Check and store a contact of an existing organisation; return True when it is new."""
    contact = make_contact(org_id, kind, channel, address, lang)
    if await org_store.find_org(db, org_id) is None:
        raise ContactError(f"no organisation {org_id!r} (firms F.., using units U.., regulators R..)")
    return await contact_store.upsert_contact(db, contact)


async def remove_contacts(db, org_id, kind, channel=None, address=None):
    """Remove an organisation's contacts of a kind; a robot's address matches without its secret."""
    removed = 0
    for contact in await contact_store.find_contacts(db, org_id):
        if contact["kind"] == kind and channel in (None, contact["channel"]) and \
                address in (None, contact["address"], contact["address"].partition(":")[0]):
            removed += await contact_store.delete_contacts(db, org_id, kind, contact["channel"], contact["address"])
    return removed


def shown_address(contact):
    """Return an address fit to print: a robot's signing secret is hidden."""
    token, colon, _ = contact["address"].partition(":")
    return f"{token}:SEC…" if contact["channel"] == "dingtalk" and colon else contact["address"]


def demo_contacts(firms, units):
    """Return the demo district's contacts: console for urgent kinds, email at example domains."""
    out = []
    for firm in firms:
        org = firm["_id"]
        lang = "en" if org == "F02" else "zh_Hans"  # one firm reads English, to show both languages
        out += [make_contact(org, kind, "console", f"{org} duty desk", lang)
                for kind in ("fault", "complaint_maintenance", "rescue", "rescue_escalation")]
        out.append(make_contact(org, "fallback", "email", f"service@{org.lower()}.lift.example.com", lang))
    for unit in units:
        org = unit["_id"]
        out.append(make_contact(org, "rescue", "console", f"{org} property office"))
        out.append(make_contact(org, "fallback", "email", f"safety@{org.lower()}.property.example.com"))
    out.append(make_contact("R01", "digest", "console", "R01 special equipment section"))
    out.append(make_contact("R01", "rescue_regulator", "console", "R01 duty officer"))
    out.append(make_contact("R01", "fallback", "email", "tzsb@amr.licheng.example.com"))
    return out


async def add_demo_contacts(db, firms, units):
    """Store the district's regulator (unless one exists) and the demo contacts."""
    if not await org_store.find_regulators(db):
        await org_store.upsert_regulators(db, [REGULATOR])
    await contact_store.upsert_contacts(db, demo_contacts(firms, units))
