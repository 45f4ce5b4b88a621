"""Deliveries: written down before anything is sent, then sent one by one and their outcome recorded.

`record_notification` resolves who is told and writes one pending delivery per recipient,
each message already in that recipient's language. `deliver` sends one delivery; the
coordinator registers it as the handler of the worker's "deliver" jobs. A temporary failure
is recorded and raised again, so the worker retries with back-off; a permanent one is
recorded as `failed` and returns, so nothing tries again.
"""

import datetime
import hashlib
import logging

from core.notify.message import Message, Recipient, TransportError
from core.notify.routing import resolve
from core.store import deliveries as delivery_store

log = logging.getLogger(__name__)

# Longer than any channel's timeout: a worker killed while sending leaves the delivery
# to be taken over after this, and one that is merely slow is not sent twice meanwhile.
LEASE_SECONDS = 120


def utcnow():
    """Return the current time in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


def delivery_id(notification_id, recipient):
    """Return the delivery's id: the same notification to the same address is recorded once."""
    key = f"{notification_id}\x00{recipient.channel}\x00{recipient.address}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


async def record_notification(db, notification_id, kind, elevator, compose, clock=utcnow):
    """Write one pending delivery per recipient of a kind of message; return their ids.

    compose(lang, copy) returns the Message for a reader of that language (copy: they are
    told for information). Recording the same notification again adds nothing.
    """
    return await record_to(db, notification_id, kind, await resolve(db, kind, elevator), compose, clock)


async def record_to(db, notification_id, kind, addressees, compose, clock=utcnow, first_seq=0):
    """Write one pending delivery per addressee (found by routing, or named by the caller); return their ids."""
    now = clock()
    docs = []
    for seq, addressee in enumerate(addressees, start=first_seq):
        recipient = addressee.recipient
        message = compose(recipient.lang, addressee.copy)
        docs.append({"_id": delivery_id(notification_id, recipient), "notification_id": notification_id,
                     "seq": seq, "kind": kind, "org_id": addressee.org_id, "party": addressee.party,
                     "copy": addressee.copy, "channel": recipient.channel, "address": recipient.address,
                     "lang": recipient.lang, "message": message.to_doc(), "state": "pending",
                     "attempts": 0, "fail_count": 0, "last_error": None, "lease_until": None,
                     "created_at": now, "sent_at": None})
    if not docs:
        log.warning("%s %s: nobody to tell", kind, notification_id)
    await delivery_store.insert_deliveries(db, docs)
    return [d["_id"] for d in docs]


async def deliver(db, delivery_id, notifier, clock=utcnow):
    """Send one delivery and record the outcome; return its state ("sent" or "failed").

    Raises TransportError for a temporary failure (recorded first), so the worker retries.
    """
    doc = await delivery_store.claim_delivery(db, delivery_id, clock(), LEASE_SECONDS)
    if doc is None:
        return await _not_claimed(db, delivery_id)
    recipient = Recipient(doc["channel"], doc["address"], doc["lang"])
    try:
        await notifier.send(recipient, Message.from_doc(doc["message"]))
    except TransportError as exc:
        await delivery_store.mark_failed(db, delivery_id, clock(), exc.message, exc.permanent)
        if not exc.permanent:
            raise
        log.warning("delivery %s to %s failed for good: %s", delivery_id, recipient.channel, exc.message)
        return "failed"
    await delivery_store.mark_sent(db, delivery_id, clock())
    return "sent"


async def abandon(db, delivery_id, reason, clock=utcnow):
    """Record a pending delivery as failed for good (the worker gave up retrying it)."""
    doc = await delivery_store.find_delivery(db, delivery_id)
    if doc is not None and doc["state"] == "pending":
        await delivery_store.mark_failed(db, delivery_id, clock(), reason, permanent=True)


async def _not_claimed(db, delivery_id):
    """Explain a delivery that could not be taken: done already, unknown, or being sent elsewhere."""
    current = await delivery_store.find_delivery(db, delivery_id)
    if current is None:
        log.warning("delivery %s does not exist", delivery_id)
        return "missing"
    if current["state"] != "pending":
        return current["state"]  # sent, or failed for good: a repeated job does nothing
    raise TransportError("another worker is sending this delivery", retry_after=LEASE_SECONDS)
