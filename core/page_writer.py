"""The one writer of elevator page summaries, fed by `page` jobs (see docs/jobs.md).

A write that changes what a page shows goes through `changing`: it notes the debt
before the write, bumps the elevators' revisions after it and asks for one `page` job
per elevator (key page:<id>, so repeated changes merge into one pending rebuild).
`rebuild_page` is the only code that stores a page summary; each page it stores adds
the change of its share to its firm's tally (core/tally.py) and asks for the firm's
grading (core.grading), which reads that tally.
"""

import asyncio
import contextlib
import datetime

from core import clock, jobs, pages, reports, tally
from core.config import Config
from core.store import elevators as elevator_store
from core.store import meta as meta_store
from core.store import orgs as org_store
from core.store import page_revisions as revision_store
from core.store import records as record_store
from core.store import reports as report_store
from core.store import rescues as rescue_store
from core.store import tallies as tally_store
from core.timeutil import local_date
from core.worker import handler, own_lane, sweep

PAGE = own_lane("page")
_DEFAULT_CONFIG = Config()


def page_key(elevator_id):
    """Return the job key of an elevator's page rebuild."""
    return f"{PAGE}:{elevator_id}"


def page_jobs(elevator_ids):
    """Return the job requests that rebuild these elevators' pages."""
    return [jobs.job(PAGE, {"elevator_id": i}, key=page_key(i)) for i in elevator_ids]


async def inputs_changed(db, elevator_ids):
    """Ask for these pages again after a write that changed what they show (reports, ratings, rescues).

    The revision is bumped first: if the process dies before its job is asked for, the
    sweep still finds the page older than its inputs.
    """
    elevator_ids = sorted(set(elevator_ids))
    await revision_store.bump_revisions(db, elevator_ids, clock.now())
    await jobs.enqueue_many(db, page_jobs(elevator_ids))


@contextlib.asynccontextmanager
async def changing(db, elevator_ids, also=()):
    """Wrap a write that changes the pages of elevator_ids (and asks for jobs also), crash or not."""
    elevator_ids = sorted(set(elevator_ids))
    async with jobs.owing(db, page_jobs(elevator_ids) + list(also)):
        try:
            yield
        finally:
            await revision_store.bump_revisions(db, elevator_ids, clock.now())


def first_overdue_day(page, config):
    """Return the local date on which the first maintenance interval of a page is overdue.

    From the due date core.standing stored in the page: the grade counts an elevator
    overdue exactly when its page says so.
    """
    return local_date(page["due"]["maintenance"], config.timezone) + datetime.timedelta(days=1)


async def rebuild_page(db, elevator_id, config=None, grade=True):
    """Rebuild and store the page summary of one elevator, then have its firm graded again.

    Return the page (None if there is no such elevator). The demo, which grades every
    firm once at the end, passes grade=False.
    """
    page = await build_current_page(db, elevator_id, config)
    if page is not None and await store_page(db, page) and grade:
        from core.grading import grade_jobs  # grading writes pages through this module
        await jobs.enqueue_many(db, grade_jobs([page["firm"]["id"]]))
    return page


async def build_current_page(db, elevator_id, config=None):
    """Read an elevator's inputs and build its page summary, stamped with revision and ticket."""
    config = config or _DEFAULT_CONFIG
    # Taken before reading: of two concurrent rebuilds, the one that started later is kept.
    revision, ticket, stale = await revision_store.take_ticket(db, elevator_id)
    elevator = await elevator_store.find_elevator(db, elevator_id)
    if elevator is None:
        await revision_store.mark_built(db, elevator_id, revision)
        return None
    return await _read_and_build(db, elevator, config, {"revision": revision, "ticket": ticket, "stale": stale})


async def store_page(db, page):
    """Store a built page unless a rebuild that started later stored one; tell whether it was stored."""
    stale = page.pop("stale", True)
    stored, old = await elevator_store.swap_elevator_page(db, page)
    if not stored:
        return False
    # Independent writes, asked together: the rebuild's last steps wait one round trip, not three.
    followers = [_move_tallies(db, old, page), meta_store.record_page_change(db, page["_id"])]
    if stale:
        followers.append(revision_store.mark_built(db, page["_id"], page["revision"]))
    await asyncio.gather(*followers)
    return True


async def _move_tallies(db, old, new):
    """Carry the change of a page's share into its firm's tally (both firms' when it moved)."""
    old_firm = old["firm"]["id"] if old and old.get("firm") else None
    if old_firm == new["firm"]["id"]:
        await tally_store.add_to_tally(db, old_firm, tally.difference(new["tally"], old.get("tally")))
        return
    if old_firm is not None:
        await tally_store.add_to_tally(db, old_firm, tally.difference(None, old.get("tally")))
    await tally_store.add_to_tally(db, new["firm"]["id"], tally.difference(new["tally"], None))


async def _read_and_build(db, elevator, config, stamp):
    """Read an elevator's page inputs and assemble its summary, with its share of the firm's tally."""
    read_at = clock.now()
    # Asked together: on a busy machine each answer waits to be scheduled, and a rebuild stands
    # between a saved record and its new page.
    unit, firm, maintenance, inspections, supervisions, faults, ratings, rescues = await asyncio.gather(
        org_store.find_unit(db, elevator["unit_id"]), org_store.find_firm(db, elevator["firm_id"]),
        record_store.find_maintenance_records(db, elevator["_id"]),
        record_store.find_inspections(db, elevator["_id"], pages.INSPECTION_LIMIT),
        # All of them, for the tally; an elevator sees a few supervision visits a year.
        record_store.find_supervisions(db, elevator["_id"], limit=0),
        # What passengers reported and the rescue figures: the page reads them here, not per request.
        report_store.find_open_reports(db, elevator["_id"], "fault", reports.OPEN_STATES, limit=reports.OPEN_FAULTS_SHOWN),
        report_store.sum_ratings(db, elevator_id=elevator["_id"]),
        rescue_store.find_figures(db, f"elevator:{elevator['_id']}"))
    ids = {pid for r in maintenance[:pages.HISTORY_LIMIT] for pid in r.get("technician_ids", [])}
    names = {p["_id"]: p["name"] for p in await org_store.find_people(db, ids)}
    page = pages.build_page(elevator, unit, firm, names, maintenance, inspections, supervisions, read_at, config)
    overdue_day = first_overdue_day(page, config)
    page.update(stamp, tally=tally.page_tally(maintenance, supervisions, overdue_day, config.timezone),
                reports=reports.summarise_for_page(faults, ratings), rescue_months=(rescues or {}).get("months") or {})
    return page


@handler(PAGE)
async def run_page_job(db, config, payload):
    """Rebuild the page a job asks for."""
    await rebuild_page(db, payload["elevator_id"], config)


@sweep
async def enqueue_stale_pages(db, config):
    """Ask again for pages still older than their inputs a grace period after the write."""
    stale = await revision_store.find_stale(db, clock.now() - jobs.INTENT_GRACE)
    if stale:
        await jobs.enqueue_many(db, page_jobs(stale))
