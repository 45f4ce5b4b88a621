"""The one writer of firms' credit grades, fed by `grade` jobs (see docs/jobs.md).

Grading reads one document, the firm's tally (core/tally.py), which the page writer
keeps as the sum of its pages' shares; never a firm's records or pages, so a firm of
2,500 elevators grades in milliseconds. A grade letter that changes reaches the firm's elevator pages
through their own rebuild jobs: the page summary keeps its single writer.
"""

from core import clock, credit, jobs, rescue_figures, tally
from core.page_writer import changing
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.store import tallies as tally_store
from core.timeutil import local_date
from core.worker import handler, sweep

GRADE = "grade"
RECOUNT = "recount"


def grade_key(firm_id):
    """Return the job key of a firm's grading."""
    return f"{GRADE}:{firm_id}"


def grade_jobs(firm_ids):
    """Return the job requests that grade these firms."""
    return [jobs.job(GRADE, {"firm_id": f}, key=grade_key(f)) for f in sorted(set(firm_ids))]


async def firm_facts(db, firm, today, config):
    """Return the FirmFacts of a firm on a day, from its tally: one read, whatever its size."""
    elevators, overdue, valid, invalid, findings = tally.totals(await tally_store.find_tally(db, firm["_id"]), today)
    expired = any(local_date(lic["expires"], config.timezone) < today for lic in firm.get("licences", []))
    late = (await rescue_figures.summary(db, "firm", firm["_id"], today))["late"]
    return credit.FirmFacts(elevators, overdue, valid, invalid, findings, expired, late)


async def recount_tally(db, firm_id):
    """Count a firm's tally afresh from its pages' shares (what a crash may have left undone)."""
    total = {}
    for share in await elevator_store.find_page_tallies(db, firm_id):
        for key, n in tally.flatten(share).items():
            total[key] = total.get(key, 0) + n
    await tally_store.replace_tally(db, firm_id, tally.unflatten(total))


async def grade_firm(db, firm_id, config, today=None):
    """Recompute and store a firm's credit; return it (None if there is no such firm)."""
    firm = await org_store.find_firm(db, firm_id)
    if firm is None:
        return None
    today = today or local_date(clock.now(), config.timezone)
    graded = {**credit.assess(await firm_facts(db, firm, today, config)), "assessed_at": clock.now()}
    before = (firm.get("credit") or {}).get("grade")
    # Pages show the letter only: they are rebuilt when it changes.
    elevator_ids = await elevator_store.find_elevator_ids(db, firm_id) if graded["grade"] != before else []
    async with changing(db, elevator_ids):
        await org_store.set_firm_credit(db, firm_id, graded)
    return graded


@handler(GRADE)
async def run_grade_job(db, config, payload):
    """Grade the firm a job asks for."""
    await grade_firm(db, payload["firm_id"], config)


@handler(RECOUNT)
async def run_recount_job(db, config, payload):
    """Count a firm's tally afresh, then grade the firm."""
    await recount_tally(db, payload["firm_id"])
    await jobs.enqueue_many(db, grade_jobs([payload["firm_id"]]))


@sweep
async def enqueue_daily_grades(db, config):
    """Once a day per firm, count its tally afresh and grade it (overdue counts move with the date)."""
    today = local_date(clock.now(), config.timezone)
    due = sorted(f["_id"] for f in await org_store.find_firms(db)
                 if not f.get("credit") or local_date(f["credit"]["assessed_at"], config.timezone) < today)
    if due:
        await jobs.enqueue_many(db, [jobs.job(RECOUNT, {"firm_id": f}, key=f"{RECOUNT}:{f}") for f in due])
