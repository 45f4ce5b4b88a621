"""The worker: claims due jobs, runs their handlers, retries with back-off, sweeps for debts.

One runs inside every `liftwatch serve` process and alone as `liftwatch worker`; several
are safe together because a claim is one conditional update (see docs/jobs.md).
"""

import asyncio
import datetime
import importlib
import logging
import os
import secrets
import socket
import time


from core import clock, jobs
from core.store import jobs as job_store
from core.store.client import DatabaseError

log = logging.getLogger(__name__)

HANDLERS = {}
GIVE_UP_HOOKS = {}
SWEEPS = []
# Kinds with a lane of their own in every running worker (core.page_writer's pages): a page a
# passenger reads is rebuilt at once, not after a queue of deliveries or a daily round.
LANES = []
# Modules whose handlers and sweeps the worker loads; a new kind of job adds its module here.
HANDLER_MODULES = ("core.page_writer", "core.grading", "core.report_jobs", "core.visits", "core.daily",
                   "core.rescue_jobs")


def register(kind, fn):
    """Make fn(db, config, payload) the handler of jobs of this kind."""
    HANDLERS[kind] = fn
    return fn


def handler(kind):
    """Decorate an async fn(db, config, payload) as the handler of jobs of this kind."""
    return lambda fn: register(kind, fn)


def own_lane(kind):
    """Give jobs of this kind a lane of their own in Worker.run, beside the runners of every kind."""
    if kind not in LANES:
        LANES.append(kind)
    return kind


def on_give_up(kind):
    """Decorate an async fn(db, config, payload, reason) run before a job of this kind is failed for good.

    It makes the failure visible (a delivery marked failed, someone else told). Until it
    succeeds the job is not failed but retried with back-off, so it must be safe to run twice.
    """
    def register_hook(fn):
        GIVE_UP_HOOKS[kind] = fn
        return fn
    return register_hook


def sweep(fn):
    """Decorate an async fn(db, config) that the worker runs every LIFTWATCH_WORKER_SWEEP_SECONDS."""
    if fn not in SWEEPS:
        SWEEPS.append(fn)
    return fn


def load_handlers():
    """Import every module that registers handlers and sweeps."""
    for name in HANDLER_MODULES:
        importlib.import_module(name)


@handler(jobs.INTENT)
async def run_intent(db, config, payload):
    """Ask for the jobs an interrupted write left owed."""
    await jobs.act_on_intent(db, payload)


@sweep
async def remove_done_jobs(db, config):
    """Forget done jobs once LIFTWATCH_JOB_KEEP_DONE_HOURS have passed."""
    await job_store.remove_done_jobs(db, clock.now() - datetime.timedelta(hours=config.job_keep_done_hours))


def _describe(exc):
    return f"{type(exc).__name__}: {exc}"[:500]


class Worker:
    """Claim and run jobs for one process."""

    def __init__(self, db, config, owner=None):
        load_handlers()
        self.db = db
        self.config = config
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"

    async def run_one(self, kinds=None):
        """Claim the job due first (of kinds, or any) and run it; return it, or None when none is due."""
        job = await self._claim(kinds)
        if job is not None:
            await self._run(job)
        return job

    async def _claim(self, kinds=None):
        """Take the job due first, leased to this worker, or return None."""
        now = clock.now()
        until = now + datetime.timedelta(seconds=self.config.job_lease_seconds)
        return await job_store.claim_job(self.db, self.owner, now, until, kinds)

    async def _run(self, job):
        """Run a claimed job's handler and record its outcome."""
        fn = HANDLERS.get(job["kind"])
        try:
            if fn is None:
                raise jobs.PermanentError(f"no handler for jobs of kind {job['kind']!r}")
            await fn(self.db, self.config, job["payload"])
        except jobs.PermanentError as exc:
            log.error("job %s failed for good: %s", job["key"], exc)
            await self._give_up(job, str(exc), clock.now())
        except Exception as exc:  # noqa: BLE001 - any failure of a handler is retried later
            log.warning("job %s failed (attempt %d): %s", job["key"], job["attempts"], _describe(exc))
            await self._retry(job, _describe(exc))
        else:
            await self._settled(job, await job_store.finish_job(self.db, job, clock.now()) != "lost")

    async def _retry(self, job, error):
        """Put a failed job back with back-off, or give up after LIFTWATCH_JOB_GIVE_UP_HOURS."""
        now = clock.now()
        since = job.get("failing_since") or now
        if now - since >= datetime.timedelta(hours=self.config.job_give_up_hours):
            await self._give_up(job, f"gave up after {job['attempts']} attempts: {error}", now, since)
            return
        due = now + datetime.timedelta(seconds=jobs.retry_delay(job["attempts"], self.config.job_backoff))
        await self._settled(job, await job_store.retry_job(self.db, job, due, error, since))

    async def _give_up(self, job, reason, now, since=None):
        """Run the kind's give-up hook, then keep the job as failed; a failing hook is retried instead."""
        hook = GIVE_UP_HOOKS.get(job["kind"])
        try:
            if hook is not None:
                await hook(self.db, self.config, job["payload"], reason[:500])
        except Exception as exc:  # noqa: BLE001 - the failure must not go unseen: try the hook again later
            log.warning("job %s: give-up hook failed: %s", job["key"], _describe(exc))
            due = now + datetime.timedelta(seconds=jobs.retry_delay(job["attempts"], self.config.job_backoff))
            await self._settled(job, await job_store.retry_job(self.db, job, due, reason[:500], since or now))
            return
        await self._settled(job, await job_store.fail_job(self.db, job, reason[:500], now))

    async def _settled(self, job, held):
        if not held:
            # The lease ran out and another worker took the job over: its outcome counts.
            log.info("job %s: another worker got there first", job["key"])

    async def drain(self, limit=100_000, kinds=None):
        """Run jobs (of kinds, or any) until none is due, or limit ran; return how many ran."""
        count = 0
        while count < limit and await self.run_one(kinds) is not None:
            count += 1
        return count

    async def sweep(self):
        """Run every registered sweep once."""
        for fn in SWEEPS:
            await fn(self.db, self.config)

    async def run(self, stop):
        """Run jobs as they fall due, and the sweeps, until stop is set.

        LIFTWATCH_WORKER_CONCURRENCY runners take jobs of every kind; each kind in LANES also
        has a runner of its own, so its jobs never wait behind other work in this process.
        Every runner claims as any worker does, so processes still share the jobs safely.
        """
        idle = []
        runners = [self._runner(stop, idle, first=n == 0) for n in range(max(1, self.config.worker_concurrency))]
        lanes = [self._runner(stop, [], first=False, kinds=(kind,)) for kind in LANES]
        await asyncio.gather(*runners, *lanes)

    async def _runner(self, stop, idle, first, kinds=None):
        """Claim and run jobs (of kinds, or any) one after another; the first runner also sweeps.

        The first runner and each lane poll; the other runners sleep until a job is asked for
        in this process, or until a runner that claimed a job wakes one of them: a burst of
        jobs spreads over the runners while an idle worker polls with few claims.
        """
        woken = asyncio.Event()
        jobs.add_waker(woken, kinds)
        next_sweep = 0.0
        try:
            while not stop.is_set():
                woken.clear()
                try:
                    if first and time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + self.config.worker_sweep_seconds
                        await self.sweep()
                    job = await self._claim(kinds)
                    if job is not None:
                        if idle:
                            idle.pop().set()  # there may be more: let another runner look
                        await self._run(job)
                        continue
                except DatabaseError as exc:
                    log.warning("worker cannot reach the database: %s", exc)
                except Exception:  # noqa: BLE001 - a sweep's bug must not stop the jobs of this process
                    log.exception("worker loop failed; going on")
                idle.append(woken)
                try:
                    polls = first or kinds is not None
                    await _wait_any((woken, stop), self.config.worker_poll_seconds if polls else None)
                finally:
                    if woken in idle:
                        idle.remove(woken)
        finally:
            jobs.remove_waker(woken)


async def _wait_any(events, timeout):
    """Wait until one of the events is set, or timeout seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
