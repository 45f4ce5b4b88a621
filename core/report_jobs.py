"""The worker's side of passengers' reports: the `deliver` job, its give-up hook, and the 24-hour escalation sweep.

core.followup.notify_report enqueues one `deliver` job per notification it records; core/worker.py
loads this module (HANDLER_MODULES) and runs them. A delivery that fails for good, refused by
the far end or given up after a day of retries, is never silent (core.followup.delivery_failed).
"""

import datetime

from core import clock, guard, jobs
from core.followup import delivery_failed, escalate_unacknowledged
from core.notify import Notifier, NotifySettings
from core.notify.deliveries import deliver_job, deliver_many
from core.store import deliveries as delivery_store
from core.worker import handler, on_give_up, sweep

_notifier = None


async def shared_notifier():
    """Return this process's notifier, opened on first use (nothing connects at import time)."""
    global _notifier
    if _notifier is None:
        _notifier = await Notifier.open(NotifySettings.from_env())
    return _notifier


async def close_notifier():
    """Close this process's notifier if it was opened."""
    global _notifier
    if _notifier is not None:
        await _notifier.close()
        _notifier = None


@handler("deliver")
async def run_deliver(db, config, payload):
    """Send a notification's deliveries side by side; a temporary TransportError propagates so the worker retries.

    A retry sends only those still pending: the others are found sent (or failed) and skipped.
    """
    ids = _ids(payload)
    outcomes = await deliver_many(db, ids, await shared_notifier())
    for delivery_id in ids:
        if outcomes[delivery_id] == "failed":  # refused for good (address bounced, bot blocked): never silent
            await _failed(db, config, delivery_id, None)
    errors = [o for o in outcomes.values() if isinstance(o, BaseException)]
    if errors:
        raise errors[0]


@on_give_up("deliver")
async def give_up_deliver(db, config, payload, reason):
    """Mark deliveries the worker stopped retrying as failed, and tell their party's fallback and the regulator."""
    for delivery_id in _ids(payload):
        await _failed(db, config, delivery_id, reason)


def _ids(payload):
    """Return a deliver job's delivery ids (older jobs, and callers that ask for one, carry one `delivery_id`)."""
    return payload.get("delivery_ids") or [payload["delivery_id"]]


async def _failed(db, config, delivery_id, reason):
    await delivery_failed(db, delivery_id, reason or "failed", key=guard.load_secret_key(config),
                          base_url=config.public_url)


@sweep
async def run_escalation(db, config):
    """Re-send each report nobody acknowledged in 24 hours to the firm's fallback, copying the regulator."""
    return await escalate_unacknowledged(db, key=guard.load_secret_key(config), base_url=config.public_url)


# Longer than recording a notification and asking for its job take, by far.
LOST_AFTER = datetime.timedelta(minutes=2)


@sweep
async def ask_for_lost_deliveries(db, config):
    """Ask again for the deliver job of deliveries a process recorded and died before asking for.

    Asked for once by the notification's key: a job that exists (retrying, or being run)
    is left alone, so this adds a job only where none was ever written.
    """
    pending = await delivery_store.find_pending_notifications(db, clock.now() - LOST_AFTER)
    if pending:
        await jobs.enqueue_many(db, [deliver_job(n, ids) for n, ids in pending.items()], once=True)
    return len(pending)
