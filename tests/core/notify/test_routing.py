"""Routing as data: each kind of message reaches the right parties' contacts, or their fallback."""

import pytest

from core.notify.contacts import ContactError, REGULATOR, add_contact, add_demo_contacts, demo_contacts
from core.notify.routing import CONTACT_KINDS, ROUTES, resolve
from core.store import contacts as contact_store
from core.store import orgs as org_store

ELEVATOR = {"_id": "35020001", "firm_id": "F1", "unit_id": "U1"}


@pytest.fixture
async def db(store):
    """Return a database with a firm, a using unit, a regulator and their contacts."""
    db = store.db
    await org_store.upsert_firms(db, [{"_id": "F1", "name": "示例电梯"}])
    await org_store.upsert_units(db, [{"_id": "U1", "name": "示例物业"}])
    await org_store.upsert_regulators(db, [REGULATOR])
    for org, kind, channel, address, lang in [
            ("F1", "fault", "email", "repair@f1.example.com", "zh_Hans"),
            ("F1", "fault", "telegram", "4242", "en"),
            ("F1", "fallback", "email", "office@f1.example.com", "zh_Hans"),
            ("U1", "fallback", "wecom", "u1-webhook-key", "zh_Hans"),
            ("R01", "complaint_unit", "email", "12315@amr.example.com", "zh_Hans"),
            ("R01", "fallback", "console", "duty officer", "en")]:
        await add_contact(db, org, kind, channel, address, lang)
    return db


def addresses(found):
    return [(a.org_id, a.recipient.channel, a.recipient.address, a.copy) for a in found]


async def test_it_sends_faults_to_the_firm_with_a_copy_to_the_unit(db):
    found = await resolve(db, "fault", ELEVATOR)
    assert addresses(found) == [("F1", "email", "repair@f1.example.com", False),
                                ("F1", "telegram", "4242", False), ("U1", "wecom", "u1-webhook-key", True)]
    assert found[1].recipient.lang == "en"


async def test_it_falls_back_when_an_organisation_has_no_contact_for_the_kind(db):
    found = await resolve(db, "complaint_maintenance", ELEVATOR)
    assert addresses(found) == [("F1", "email", "office@f1.example.com", False),
                                ("U1", "wecom", "u1-webhook-key", True)]


async def test_it_sends_complaints_about_the_unit_to_the_unit_and_the_regulator(db):
    found = await resolve(db, "complaint_unit", ELEVATOR)
    assert addresses(found) == [("U1", "wecom", "u1-webhook-key", False),
                                ("R01", "email", "12315@amr.example.com", False)]
    assert "F1" not in {a.org_id for a in found}


async def test_it_escalates_to_the_firm_fallback_and_copies_the_regulator(db):
    found = await resolve(db, "unacknowledged", ELEVATOR)
    assert addresses(found) == [("F1", "email", "office@f1.example.com", False),
                                ("R01", "console", "duty officer", True)]


async def test_it_tells_nobody_twice_and_nobody_unrelated(db):
    await add_contact(db, "U1", "fault", "email", "repair@f1.example.com")  # the unit shares the firm's address
    found = await resolve(db, "fault", ELEVATOR)
    assert [a.recipient.address for a in found].count("repair@f1.example.com") == 1
    assert addresses(await resolve(db, "digest")) == [("R01", "console", "duty officer", False)]
    assert addresses(await resolve(db, "fault", {"firm_id": "F9", "unit_id": "U9"})) == []


async def test_it_refuses_contacts_it_could_never_use(db):
    bad = [("F1", "gossip", "email", "a@b.example.com"), ("F1", "fault", "fax", "0595"),
           ("F1", "fault", "email", "not an address"), ("F1", "fault", "telegram", "bob"),
           ("F1", "fault", "email", "a@b.example.com", "fr"), ("F99", "fault", "email", "a@b.example.com")]
    for args in bad:
        with pytest.raises(ContactError):
            await add_contact(db, *args)
    assert len(await contact_store.find_contacts(db, "F1")) == 3


async def test_it_routes_every_kind_and_gives_the_demo_district_contacts(store):
    assert set(ROUTES) | {"fallback"} == set(CONTACT_KINDS)
    firms, units = [{"_id": "F01"}, {"_id": "F02"}], [{"_id": "U01"}]
    await add_demo_contacts(store.db, firms, units)
    await add_demo_contacts(store.db, firms, units)  # idempotent
    assert len(await contact_store.find_contacts(store.db)) == len(demo_contacts(firms, units))
    assert [r["_id"] for r in await org_store.find_regulators(store.db)] == ["R01"]
    for kind in ROUTES:
        found = await resolve(store.db, kind, {"firm_id": "F01", "unit_id": "U01"})
        assert found and all(a.recipient.address.endswith("example.com") or a.recipient.channel == "console"
                             for a in found), kind
