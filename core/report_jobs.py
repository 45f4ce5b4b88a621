"""The worker's side of passengers' reports: the `deliver` job, its give-up hook, and the 24-hour escalation sweep.

core.followup.notify_report enqueues one `deliver` job per delivery it records; core/worker.py
loads this module (HANDLER_MODULES) and runs them. A delivery that fails for good, refused by
the far end or given up after a day of retries, is never silent (core.followup.delivery_failed).
"""

from core import guard
from core.followup import delivery_failed, escalate_unacknowledged
from core.notify import Notifier, NotifySettings
from core.notify.deliveries import deliver
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
    """Send one delivery; a temporary TransportError propagates so that the worker retries with back-off."""
    if await deliver(db, payload["delivery_id"], await shared_notifier()) == "failed":
        # Refused for good (address bounced, bot blocked): never silent.
        await _failed(db, config, payload["delivery_id"], None)


@on_give_up("deliver")
async def give_up_deliver(db, config, payload, reason):
    """Mark a delivery the worker stopped retrying as failed, and tell its party's fallback and the regulator."""
    await _failed(db, config, payload["delivery_id"], reason)


async def _failed(db, config, delivery_id, reason):
    await delivery_failed(db, delivery_id, reason or "failed", key=guard.load_secret_key(config),
                          base_url=config.public_url)


@sweep
async def run_escalation(db, config):
    """Re-send each report nobody acknowledged in 24 hours to the firm's fallback, copying the regulator."""
    return await escalate_unacknowledged(db, key=guard.load_secret_key(config), base_url=config.public_url)
