"""The worker's side of passengers' reports: the `deliver` job handler and the 24-hour escalation sweep.

core.followup.notify_report enqueues one `deliver` job per delivery it records; core/worker.py
loads this module (HANDLER_MODULES) and runs both.
"""

from core import guard
from core.followup import escalate_unacknowledged
from core.notify import Notifier, NotifySettings
from core.notify.deliveries import deliver
from core.worker import handler, sweep

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
    await deliver(db, payload["delivery_id"], await shared_notifier())


@sweep
async def run_escalation(db, config):
    """Re-send each report nobody acknowledged in 24 hours to the firm's fallback, copying the regulator."""
    return await escalate_unacknowledged(db, key=guard.load_secret_key(config), base_url=config.public_url)
