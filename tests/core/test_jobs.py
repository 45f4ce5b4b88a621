"""The durable worker on the real database and a controlled clock: claims, leases, back-off."""

import asyncio
import dataclasses
import datetime

import pytest

from core import clock, jobs, worker
from core.store import jobs as job_store

START = datetime.datetime(2026, 11, 25, 2, 0, tzinfo=datetime.timezone.utc)


def recorder(kind, fail=None):
    """Register a handler of kind that notes its payloads and raises fail when given."""
    seen = []

    async def handle(db, config, payload):
        seen.append(payload)
        if fail is not None:
            raise fail

    worker.register(kind, handle)
    return seen


async def test_it_runs_a_job_and_marks_it_done(store, config):
    clock.set_time(START)
    seen = recorder("t-ok")
    key = await jobs.enqueue(store.db, "t-ok", {"n": 1})
    assert await worker.Worker(store.db, config).drain() == 1
    assert seen == [{"n": 1}]
    done = await job_store.find_job(store.db, key)
    assert done["state"] == "done" and done["lease"] is None and done["finished_at"] == START


async def test_it_merges_repeated_requests_for_one_key(store, config):
    clock.set_time(START)
    seen = recorder("t-merge")
    for n in range(3):
        await jobs.enqueue(store.db, "t-merge", {"n": n}, key="merge:1")
    assert await worker.Worker(store.db, config).drain() == 1
    assert seen == [{"n": 2}]
    assert await store.db.jobs.count_documents({"key": "merge:1"}) == 1


async def test_it_runs_a_job_again_when_asked_again_while_it_ran(store, config):
    clock.set_time(START)
    seen = []

    async def handle(db, config, payload):
        seen.append(payload)
        if len(seen) == 1:
            await jobs.enqueue(db, "t-again", {"n": 2}, key="again:1")

    worker.register("t-again", handle)
    await jobs.enqueue(store.db, "t-again", {"n": 1}, key="again:1")
    assert await worker.Worker(store.db, config).drain() == 2
    assert seen == [{"n": 1}, {"n": 2}]
    assert (await job_store.find_job(store.db, "again:1"))["state"] == "done"


async def test_it_runs_a_job_only_when_due(store, config):
    clock.set_time(START)
    seen = recorder("t-later")
    await jobs.enqueue(store.db, "t-later", {}, due=START + datetime.timedelta(minutes=10))
    runner = worker.Worker(store.db, config)
    assert await runner.drain() == 0
    clock.advance(minutes=10)
    assert await runner.drain() == 1 and seen == [{}]


async def test_it_retries_with_back_off_then_gives_up_after_a_day(store, config):
    clock.set_time(START)
    recorder("t-flaky", fail=ConnectionError("smtp down"))
    key = await jobs.enqueue(store.db, "t-flaky", {})
    runner = worker.Worker(store.db, config)
    assert await runner.drain() == 2  # the first retry is at once, the second after a minute
    job = await job_store.find_job(store.db, key)
    assert job["state"] == "pending" and job["attempts"] == 2 and "smtp down" in job["last_error"]
    assert job["due"] == START + datetime.timedelta(seconds=60)
    for wait in (59, 1, 300, 1800, 3600, 3600):
        clock.advance(seconds=wait)
        assert await runner.drain() == (0 if wait == 59 else 1)
    assert (await job_store.find_job(store.db, key))["due"] == clock.now() + datetime.timedelta(hours=1)
    clock.set_time(START + datetime.timedelta(hours=25))
    assert await runner.drain() == 1
    failed = await job_store.find_job(store.db, key)
    assert failed["state"] == "failed" and failed["last_error"].startswith("gave up after")
    clock.advance(days=2)
    assert await runner.drain() == 0


async def test_it_keeps_a_permanent_failure_with_its_reason(store, config):
    clock.set_time(START)
    seen = recorder("t-blocked", fail=jobs.PermanentError("the bot was blocked by the user"))
    key = await jobs.enqueue(store.db, "t-blocked", {"chat": 1})
    runner = worker.Worker(store.db, config)
    assert await runner.drain() == 1
    job = await job_store.find_job(store.db, key)
    assert job["state"] == "failed" and job["last_error"] == "the bot was blocked by the user"
    clock.advance(days=3)
    assert await runner.drain() == 0 and len(seen) == 1
    assert [j["key"] for j in await job_store.find_failed_jobs(store.db)] == [key]


async def test_it_takes_over_a_job_whose_worker_died_holding_the_lease(store, config):
    clock.set_time(START)
    seen = recorder("t-lease")
    key = await jobs.enqueue(store.db, "t-lease", {"n": 1})
    lease_until = START + datetime.timedelta(seconds=config.job_lease_seconds)
    dead = await job_store.claim_job(store.db, "killed-worker", START, lease_until)  # then killed
    survivor = worker.Worker(store.db, config)
    assert await survivor.drain() == 0
    clock.set_time(lease_until)
    assert await survivor.drain() == 1 and seen == [{"n": 1}]
    assert (await job_store.find_job(store.db, key))["state"] == "done"
    # Had the first worker come back, its outcome no longer counts.
    assert await job_store.finish_job(store.db, dead, clock.now()) == "lost"


async def test_it_lets_only_one_of_two_workers_claim_a_job(store, config):
    clock.set_time(START)
    await jobs.enqueue(store.db, "t-race", {})
    until = START + datetime.timedelta(minutes=1)
    claims = await asyncio.gather(*(job_store.claim_job(store.db, f"w{n}", START, until) for n in range(2)))
    assert sorted(c is None for c in claims) == [False, True]  # another worker got there first


async def test_it_does_a_once_job_only_once(store, config):
    clock.set_time(START)
    seen = recorder("t-once")
    runner = worker.Worker(store.db, config)
    for _ in range(2):
        await jobs.enqueue(store.db, "t-once", {"event": 7}, key="once:7", once=True)
        await runner.drain()
    assert seen == [{"event": 7}]


async def test_it_forgets_done_jobs_after_the_keep_time(store, config):
    clock.set_time(START)
    recorder("t-old")
    key = await jobs.enqueue(store.db, "t-old", {})
    runner = worker.Worker(store.db, config)
    await runner.drain()
    await runner.sweep()
    assert await job_store.find_job(store.db, key) is not None
    clock.advance(hours=config.job_keep_done_hours, seconds=1)
    await runner.sweep()
    assert await job_store.find_job(store.db, key) is None


async def test_it_wakes_a_running_worker_when_a_job_is_asked_for(store, config):
    seen = recorder("t-wake")
    stop = asyncio.Event()
    runner = worker.Worker(store.db, dataclasses.replace(config, worker_poll_seconds=30))
    task = asyncio.create_task(runner.run(stop))
    await asyncio.sleep(0.2)
    await jobs.enqueue(store.db, "t-wake", {"n": 1})
    for _ in range(50):
        if seen:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert seen == [{"n": 1}]


def test_it_reads_the_back_off_schedule_from_the_environment(monkeypatch):
    from core.config import Config
    monkeypatch.setenv("LIFTWATCH_JOB_BACKOFF", "5, 10")
    schedule = Config.from_env().job_backoff
    assert schedule == (5, 10) and [jobs.retry_delay(n, schedule) for n in (1, 2, 3, 9)] == [5, 10, 10, 10]
    monkeypatch.setenv("LIFTWATCH_JOB_BACKOFF", "soon")
    with pytest.raises(ValueError, match="LIFTWATCH_JOB_BACKOFF"):
        Config.from_env()


async def test_it_shares_jobs_between_two_workers_without_running_one_twice(store, config):
    clock.set_time(START)
    seen = recorder("t-share")
    for n in range(20):
        await jobs.enqueue(store.db, "t-share", {"n": n})
    ran = await asyncio.gather(*(worker.Worker(store.db, config, owner=f"w{k}").drain() for k in range(2)))
    assert sum(ran) == 20 and sorted(p["n"] for p in seen) == list(range(20))
    assert await store.db.jobs.count_documents({"kind": "t-share", "state": "done"}) == 20


async def test_it_runs_a_job_of_a_kind_with_its_own_lane_while_other_jobs_queue(store, config, monkeypatch):
    monkeypatch.setattr(worker, "LANES", ["t-fast"])
    slow_runs = []

    async def slow(db, config, payload):
        slow_runs.append(payload)
        await asyncio.sleep(0.3)

    worker.register("t-slow", slow)
    fast = recorder("t-fast")
    for n in range(10):
        await jobs.enqueue(store.db, "t-slow", {"n": n})
    stop = asyncio.Event()
    task = asyncio.create_task(worker.Worker(store.db, dataclasses.replace(config, worker_poll_seconds=30, worker_concurrency=1)).run(stop))
    await asyncio.sleep(0.1)
    await jobs.enqueue(store.db, "t-fast", {"n": 1})
    for _ in range(40):
        if fast:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert fast == [{"n": 1}] and len(slow_runs) <= 4


async def test_it_runs_the_give_up_hook_before_failing_a_job_and_retries_while_the_hook_fails(store, config):
    clock.set_time(START)
    recorder("t-hooked", fail=jobs.PermanentError("address refused"))
    seen, hook_fails = [], [True]

    @worker.on_give_up("t-hooked")
    async def noticed(db, config, payload, reason):
        seen.append((payload, reason))
        if hook_fails[0]:
            raise ConnectionError("database went away")

    key = await jobs.enqueue(store.db, "t-hooked", {"n": 1})
    runner = worker.Worker(store.db, dataclasses.replace(config, job_backoff=(60,)))
    assert await runner.drain() == 1
    assert (await job_store.find_job(store.db, key))["state"] == "pending"  # not failed unseen
    hook_fails[0] = False
    clock.advance(seconds=60)
    assert await runner.drain() == 1
    assert seen == [({"n": 1}, "address refused")] * 2
    assert (await job_store.find_job(store.db, key))["state"] == "failed"


async def test_it_runs_up_to_the_worker_concurrency_of_jobs_at_once(store, config):
    running, most, release = [0], [0], asyncio.Event()

    async def handle(db, config, payload):
        running[0] += 1
        most[0] = max(most[0], running[0])
        await release.wait()
        running[0] -= 1

    worker.register("t-parallel", handle)
    for n in range(5):
        await jobs.enqueue(store.db, "t-parallel", {"n": n})
    stop = asyncio.Event()
    task = asyncio.create_task(worker.Worker(store.db, dataclasses.replace(config, worker_concurrency=3)).run(stop))
    for _ in range(100):
        if most[0] == 3:
            break
        await asyncio.sleep(0.02)
    release.set()
    for _ in range(100):
        if await store.db.jobs.count_documents({"kind": "t-parallel", "state": "done"}) == 5:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert most[0] == 3
    assert await store.db.jobs.count_documents({"kind": "t-parallel", "state": "done"}) == 5
