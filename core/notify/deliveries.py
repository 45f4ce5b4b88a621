"""Deliveries: written down before anything is sent, then sent one by one and their outcome recorded.

`record_notification` resolves who is told and writes one pending delivery per recipient,
each message already in that recipient's language. `deliver` sends one delivery; the
coordinator registers it as the handler of the worker's "deliver" jobs. A temporary failure
is recorded and raised again, so the worker retries with back-off; a permanent one is
recorded as `failed` and returns, so nothing tries again.
"""

import asyncio
import contextlib
import datetime
import hashlib
import logging
import secrets
import weakref

from core import jobs
from core.notify.message import Message, Recipient, TransportError
from core.notify.routing import resolve
from core.store import deliveries as delivery_store

log = logging.getLogger(__name__)

# Longer than any channel's timeout: a worker killed while sending leaves the delivery
# to be taken over after this, and one that is merely slow is not sent twice meanwhile.
LEASE_SECONDS = 120
# How many notifications one process sends at once right after recording them (send_taken).
# Unbounded, 200 rescue calls' messages once crowded the 20 pooled database connections out
# and a few taps waited past LIFTWATCH_DB_TIMEOUT_MS (answered 503); 16 kept that away. Since
# the writes of a turn of the loop leave as one command (core/store/batch.py) the sends hold
# few connections, and bench/rescue.py's p99 to the first messages was 680-695 ms with 32,
# 560-625 ms with 64 and 530-600 ms with 128: each channel's own slots bound it further.
SENDING_AT_ONCE = 64
_sending = weakref.WeakKeyDictionary()  # event loop -> the semaphore of its sends
# How long a lower-priority send (send_when_quiet) waits at most for the urgent ones of its
# process: well within the rescue fallback's 30 s and the lease, so nothing else takes it over.
QUIET_WAIT_SECONDS = 10.0
_urgency = weakref.WeakKeyDictionary()  # event loop -> _Urgency


def utcnow():
    """Return the current time in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


def delivery_id(notification_id, recipient):
    """Return the delivery's id: the same notification to the same address is recorded once."""
    key = f"{notification_id}\x00{recipient.channel}\x00{recipient.address}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


async def record_notification(db, notification_id, kind, elevator, compose, clock=utcnow, addressees=None):
    """Write one pending delivery per recipient of a kind of message; return their ids.

    compose(lang, copy) returns the Message for a reader of that language (copy: they are
    told for information). Recording the same notification again adds nothing. addressees,
    when given, replace the routing's (a person reached directly, e.g. in their Telegram chat).
    """
    if addressees is None:
        addressees = await resolve(db, kind, elevator)
    return await record_to(db, notification_id, kind, addressees, compose, clock)


async def record_to(db, notification_id, kind, addressees, compose, clock=utcnow, first_seq=0):
    """Write one pending delivery per addressee (found by routing, or named by the caller); return their ids."""
    docs = delivery_docs(notification_id, kind, addressees, compose, clock(), first_seq)
    if not docs:
        log.warning("%s %s: nobody to tell", kind, notification_id)
    await delivery_store.insert_deliveries(db, docs)
    return [d["_id"] for d in docs]


def delivery_docs(notification_id, kind, addressees, compose, now, first_seq=0):
    """Return the pending delivery documents of a notification, one per addressee, each composed for its reader."""
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
    return docs


def deliver_job(notification_id, ids, due=None):
    """Return the request for the worker's `deliver` job that sends the deliveries of one notification.

    One job per notification, not per recipient: a submission's three messages cost one
    claim and one finish of a job instead of three of each, and they go out side by side.
    Its key is the notification's, asked for once, so recording it again asks for nothing more.
    due (default now) lets a caller that sends at once keep the job as its fallback.
    """
    return jobs.job("deliver", {"delivery_ids": list(ids)}, key=f"deliver:{notification_id}", due=due)


async def hand_to_worker(db, notification_id, ids):
    """Ask the durable worker to send the deliveries of one notification."""
    if ids:
        await jobs.enqueue_many(db, [deliver_job(notification_id, ids)], once=True)


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


async def deliver_many(db, delivery_ids, notifier, clock=utcnow):
    """Send several deliveries side by side; return {id: "sent", "failed", ... or the temporary TransportError}.

    The same steps as deliver() for each, with the claims and the "sent" records taken
    together: three deliveries cost three round trips to the database instead of six.
    """
    token = secrets.token_hex(8)
    claimed = await delivery_store.claim_deliveries(db, delivery_ids, clock(), LEASE_SECONDS, token)
    results = await _send_all(db, claimed, notifier, clock)
    for delivery_id in delivery_ids:
        if delivery_id not in results:
            try:
                results[delivery_id] = await _not_claimed(db, delivery_id)
            except TransportError as exc:
                results[delivery_id] = exc
    return results


async def record_taken(db, docs, clock=utcnow):
    """Record just-composed deliveries already taken for sending by this process; return those recorded here.

    One insert records and claims them: send them with send_taken, which records them sent
    in one update. Two round trips for a notification's messages, against four when
    recorded, then claimed, read back and marked. A delivery recorded before (by a worker's
    fallback) is left to its recorder. One left unsent is taken over after LEASE_SECONDS.
    """
    docs = delivery_store.leased(docs, clock(), LEASE_SECONDS, secrets.token_hex(8))
    mine = await delivery_store.insert_deliveries(db, docs)
    return [d for d in docs if d["_id"] in mine]


async def send_taken(db, docs, notifier, clock=utcnow):
    """Send deliveries recorded by record_taken; return {delivery id: "sent", "failed" or the TransportError}."""
    loop = asyncio.get_running_loop()
    if loop not in _sending:
        _sending[loop] = asyncio.Semaphore(SENDING_AT_ONCE)
    async with _sending[loop]:
        return await _send_all(db, docs, notifier, clock)


class _Urgency:
    """How many urgent sends of one event loop are on their way, and an event set when none is."""

    def __init__(self):
        self.count = 0
        self.quiet = asyncio.Event()
        self.quiet.set()


def _urgency_here():
    loop = asyncio.get_running_loop()
    if loop not in _urgency:
        _urgency[loop] = _Urgency()
    return _urgency[loop]


@contextlib.asynccontextmanager
async def urgent():
    """Hold this process's lower-priority sends back while the block runs (a call's first messages)."""
    state = _urgency_here()
    state.count += 1
    state.quiet.clear()
    try:
        yield
    finally:
        state.count -= 1
        if not state.count:
            state.quiet.set()


async def send_when_quiet(db, docs, notifier, clock=utcnow):
    """Send deliveries recorded by record_taken once no urgent send of this process is on its way.

    At once when none is; at most QUIET_WAIT_SECONDS later in a burst. Return as send_taken.
    """
    state = _urgency_here()
    if state.count:
        try:
            await asyncio.wait_for(state.quiet.wait(), QUIET_WAIT_SECONDS)
        except asyncio.TimeoutError:
            pass
    return await send_taken(db, docs, notifier, clock)


async def record_and_send(db, docs, notifier, clock=utcnow):
    """Record just-composed deliveries taken for sending, send them side by side; return {id: outcome}."""
    return await send_taken(db, await record_taken(db, docs, clock), notifier, clock)


async def _send_all(db, claimed, notifier, clock):
    """Send claimed deliveries side by side and record those sent in one write; return {id: outcome}."""
    outcomes = await asyncio.gather(*(_send(db, doc, notifier, clock) for doc in claimed))
    results = dict(zip((doc["_id"] for doc in claimed), outcomes))
    await delivery_store.mark_all_sent(db, [i for i, outcome in results.items() if outcome == "sent"], clock())
    return results


async def _send(db, doc, notifier, clock):
    """Send one claimed delivery; return "sent", "failed" (recorded) or the temporary TransportError (recorded)."""
    try:
        await notifier.send(Recipient(doc["channel"], doc["address"], doc["lang"]), Message.from_doc(doc["message"]))
    except TransportError as exc:
        await delivery_store.mark_failed(db, doc["_id"], clock(), exc.message, exc.permanent)
        if not exc.permanent:
            return exc
        log.warning("delivery %s to %s failed for good: %s", doc["_id"], doc["channel"], exc.message)
        return "failed"
    return "sent"


async def abandon(db, delivery_id, reason, clock=utcnow):
    """Record a pending delivery as failed for good (the worker gave up retrying it); return the delivery."""
    doc = await delivery_store.find_delivery(db, delivery_id)
    if doc is not None and doc["state"] == "pending":
        await delivery_store.mark_failed(db, delivery_id, clock(), reason, permanent=True)
        doc = await delivery_store.find_delivery(db, delivery_id)
    return doc


async def _not_claimed(db, delivery_id):
    """Explain a delivery that could not be taken: done already, unknown, or being sent elsewhere."""
    current = await delivery_store.find_delivery(db, delivery_id)
    if current is None:
        log.warning("delivery %s does not exist", delivery_id)
        return "missing"
    if current["state"] != "pending":
        return current["state"]  # sent, or failed for good: a repeated job does nothing
    raise TransportError("another worker is sending this delivery", retry_after=LEASE_SECONDS)
