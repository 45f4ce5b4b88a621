"""Work that must happen is written to the jobs collection first, then done by a worker.

`enqueue` asks for a job; `owing` wraps a write so that the jobs it makes necessary
survive a crash in the middle of it. core/worker.py claims and runs the jobs.
See docs/jobs.md.
"""

import contextlib
import datetime
import secrets

from core import clock
from core.store import jobs as job_store

INTENT = "intent"
# How long an intent waits before it is acted on: longer than any write it covers takes.
INTENT_GRACE = datetime.timedelta(seconds=60)

_wakers = {}  # event -> the kinds its runner takes (None: any kind)


class PermanentError(Exception):
    """A job failed in a way that trying again cannot fix; it is kept, with this reason."""


def job(kind, payload, *, key=None, due=None):
    """Return a job request; without a key it gets a unique one, so it is never merged."""
    return {"kind": kind, "payload": payload, "key": key or f"{kind}:{secrets.token_hex(12)}",
            "due": due or clock.now(), "now": clock.now()}


async def enqueue(db, kind, payload, *, key=None, due=None, once=False):
    """Ask for one job; with a key, a pending job of that key is asked again instead of doubled.

    With once=True a key that was ever asked for (and not yet cleaned up) is left as it is:
    use it for work that must not happen twice, such as one notification of one event.
    """
    request = job(kind, payload, key=key, due=due)
    await job_store.upsert_jobs(db, [request], once=once)
    wake({kind})
    return request["key"]


async def enqueue_many(db, requests, once=False):
    """Ask for many jobs (from job()) in one round trip."""
    await job_store.upsert_jobs(db, requests, once=once)
    # One job wakes its lane alone; a burst wakes every runner, so it spreads over them at once.
    wake({requests[0]["kind"]} if len(requests) == 1 else None)


@contextlib.asynccontextmanager
async def owing(db, requests):
    """Write down the jobs a write makes necessary before it, and ask for them after it.

    If the process dies between the write and the requests, the intent written first
    asks for them once INTENT_GRACE has passed (core.worker runs it).
    """
    if not requests:
        yield
        return
    key = f"{INTENT}:{secrets.token_hex(12)}"
    await job_store.upsert_jobs(db, [job(INTENT, {"jobs": [_plain(r) for r in requests]}, key=key,
                                         due=clock.now() + INTENT_GRACE)])
    try:
        yield
    finally:
        # Also when the write failed: part of it may have landed, and a needless job is harmless.
        await enqueue_many(db, requests)
        await job_store.delete_job(db, key)


def _plain(request):
    return {"kind": request["kind"], "payload": request["payload"], "key": request["key"]}


async def act_on_intent(db, payload):
    """Ask for the jobs of an intent whose writer did not live to ask for them."""
    await enqueue_many(db, [job(r["kind"], r["payload"], key=r["key"]) for r in payload["jobs"]])


def retry_delay(attempts, backoff):
    """Return the seconds to wait after the attempts-th failure (the last step repeats)."""
    return backoff[min(attempts, len(backoff)) - 1] if backoff else 0


def add_waker(event, kinds=None):
    """Have enqueue set event, so a worker in this process starts at once (kinds: its lane's kinds)."""
    _wakers[event] = kinds


def remove_waker(event):
    """Stop setting event on enqueue."""
    _wakers.pop(event, None)


def wake(kinds=None):
    """Tell this process's workers that jobs of kinds (None: any) were asked for.

    When every kind asked for has a lane here, only those lanes are woken: a page rebuild
    then makes one claim, not one per runner, on its way from a write to the new page.
    """
    laned = {kind for lane in _wakers.values() if lane for kind in lane}
    only_lanes = kinds is not None and set(kinds) <= laned
    for event, lane in list(_wakers.items()):
        if not only_lanes or (lane and set(lane) & set(kinds)):
            event.set()
