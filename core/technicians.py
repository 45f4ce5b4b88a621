"""Enrolling technicians (face data, certificate) and linking their Telegram accounts by invite."""

import datetime
import hashlib
import re
import secrets

from core import clock, faces, photos
from core.store import technicians as store

INVITE_DAYS = 7
PHONE = re.compile(r"^\+?\d{7,15}$")


class EnrolmentError(ValueError):
    """An enrolment that cannot be done; the message says why."""


def token_hash(token):
    """Return the stored form of an invite token (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _next_person_id(db):
    """Return the next free P-number."""
    numbers = [int(i[1:]) for i in await store.find_person_ids(db) if re.fullmatch(r"P\d+", str(i))]
    return f"P{max(numbers, default=0) + 1:03d}"


def _check(firm, name, phone, cert_expires):
    """Raise EnrolmentError unless the technician's details can be stored."""
    if firm is None:
        raise EnrolmentError("no such firm")
    if not name.strip():
        raise EnrolmentError("a name is needed")
    if not PHONE.match(phone):
        raise EnrolmentError(f"{phone!r} is not a phone number")
    if cert_expires <= clock.now():
        raise EnrolmentError("the certificate has expired")


async def enrol(db, config, firm, name, phone, cert, cert_expires, images):
    """Store a technician, their embeddings and reference-photo hashes; return (person id, invite token)."""
    _check(firm, name, phone, cert_expires)
    if await store.find_person_by_phone(db, phone):
        raise EnrolmentError(f"a person with phone {phone} is already enrolled")
    try:
        embeddings = await faces.enrol(images, config.face_min_px)
    except faces.FaceRefused as refused:
        raise EnrolmentError(f"photo {refused.photo + 1}: {faces.reason_text(refused.reason, 'en')}") from None
    person = {"name": name.strip(), "org_id": firm["_id"], "roles": ["technician"], "phone": phone,
              "certificate": {"number": cert, "expires": cert_expires}}
    for _attempt in range(5):
        person["_id"] = await _next_person_id(db)
        if await store.insert_person(db, person):
            break
    else:
        raise EnrolmentError("could not allocate a person id; try again")
    await store.save_face(db, person["_id"], {
        "embeddings": embeddings, "reference_hashes": [photos.phash(i) for i in images],
        "reference_photos": list(images), "enrolled_at": clock.now()})
    return person["_id"], await invite(db, person["_id"])


async def invite(db, person_id, days=INVITE_DAYS):
    """Create a one-time invite for a person; return its token."""
    token = secrets.token_urlsafe(24)
    expires = clock.now() + datetime.timedelta(days=days)
    await store.insert_invite(db, token_hash(token), person_id, expires)
    return token


def invite_link(bot_username, token):
    """Return the t.me link that starts the bot with an invite token."""
    return f"https://t.me/{bot_username}?start={token}"


async def redeem(db, token, telegram_user_id, lang):
    """Link a Telegram account through an invite token; return the person, or None."""
    used = await store.use_invite(db, token_hash(token), clock.now())
    if used is None:
        return None
    await store.link_account(db, telegram_user_id, used["person_id"], lang)
    return await store.find_person(db, used["person_id"])


async def add_officer(db, unit, name, phone):
    """Store a using unit's safety officer, who confirms records in Telegram; return (person id, invite token)."""
    if unit is None:
        raise EnrolmentError("no such using unit")
    if not name.strip():
        raise EnrolmentError("a name is needed")
    if not PHONE.match(phone):
        raise EnrolmentError(f"{phone!r} is not a phone number")
    if await store.find_person_by_phone(db, phone):
        raise EnrolmentError(f"a person with phone {phone} is already enrolled")
    person = {"name": name.strip(), "org_id": unit["_id"], "roles": ["safety_officer"], "phone": phone}
    for _attempt in range(5):
        person["_id"] = await _next_person_id(db)
        if await store.insert_person(db, person):
            return person["_id"], await invite(db, person["_id"])
    raise EnrolmentError("could not allocate a person id; try again")
