"""From saving one maintenance record to the portal serving the new page, for bench/portal.py.

The record is saved through the app's own write path (`core.district.add_maintenance_records`,
what the bot's check-out calls), by this process acting as a second app process: like every
`liftwatch serve` process it runs a worker, which its own write wakes at once. The page is
then rebuilt by whichever worker claims the job first (this one, or the portal's, which
polls), and the time runs until the portal answers with the new page.
"""

import asyncio
import datetime
import logging
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.001
GIVE_UP_SECONDS = 10


def fetch_page(base, code):
    """Return the elevator page's HTML as the portal serves it now (uncompressed)."""
    request = urllib.request.Request(f"{base}/e/{code}", headers={"Accept-Language": "zh-CN"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.read()


def new_record(elevator, technician_id, now):
    """Return a valid half-monthly maintenance record of this elevator, done now."""
    return {"elevator_id": elevator["_id"], "firm_id": elevator["firm_id"], "unit_id": elevator["unit_id"],
            "date": now, "interval": "half_monthly", "technician_ids": [technician_id], "items": [],
            "valid": True, "invalid_reasons": [], "flags": [], "confirmed": None, "created_at": now}


async def _one(db, base, code):
    """Save one record for code; return (ms to saved, ms to page summary stored, ms to new page served)."""
    from core.district import add_maintenance_records

    elevator = await db.elevators.find_one({"_id": code})
    technician = await db.people.find_one({"org_id": elevator["firm_id"], "roles": "technician"})
    before_page = await db.elevator_pages.find_one({"_id": code}, {"ticket": 1})
    before_html = await asyncio.to_thread(fetch_page, base, code)
    began = time.perf_counter()
    await add_maintenance_records(db, [new_record(elevator, technician["_id"], datetime.datetime.now(datetime.UTC))])
    saved = time.perf_counter()
    deadline = began + GIVE_UP_SECONDS
    while (await db.elevator_pages.find_one({"_id": code}, {"ticket": 1}))["ticket"] == before_page["ticket"]:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the page of {code} was not rebuilt within {GIVE_UP_SECONDS} s")
        await asyncio.sleep(POLL_SECONDS)
    stored = time.perf_counter()
    while await asyncio.to_thread(fetch_page, base, code) == before_html:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the portal did not serve the new page of {code} within {GIVE_UP_SECONDS} s")
    served = time.perf_counter()
    return tuple(1000 * (t - began) for t in (saved, stored, served))


async def _write_to_page(uri, base, codes, samples):
    sys.path.insert(0, str(ROOT))
    from core.config import Config
    from core.store.client import open_store
    from core.worker import Worker

    config = Config()
    # This process's worker also takes other due jobs (the demo's deliveries fail without SMTP): quietly.
    logging.getLogger("core").setLevel(logging.ERROR)
    store = await open_store(config, uri=uri, create_indexes=False)
    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(store.db, config).run(stop))
    try:
        await asyncio.sleep(0.5)  # let the worker's first sweep pass
        step = max(1, len(codes) // samples)
        return [await _one(store.db, base, code) for code in codes[::step][:samples]]
    finally:
        stop.set()
        await worker
        await store.close()


def write_to_page_ms(uri, base, codes, samples=20):
    """Return the medians and the slowest of (saved, page stored, new page served), in ms."""
    timings = asyncio.run(_write_to_page(uri, base, codes, samples))
    columns = list(zip(*timings))
    return {"saved": statistics.median(columns[0]), "stored": statistics.median(columns[1]),
            "served": statistics.median(columns[2]), "served_max": max(columns[2]), "samples": len(timings)}
