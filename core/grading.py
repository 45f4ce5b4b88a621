"""The one writer of firms' credit grades, fed by `grade` jobs (see docs/jobs.md).

Grading reads only indexed counts (elevators, overdue pages, valid and invalid visits,
supervision findings), never a firm's records themselves, so a firm of 2,500 elevators
grades in milliseconds. A grade letter that changes reaches the firm's elevator pages
through their own rebuild jobs: the page summary keeps its single writer.
"""

import datetime

from core import clock, credit, jobs
from core.page_writer import changing
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.store import records as record_store
from core.timeutil import local_date, local_midnight_utc
from core.worker import handler, sweep

GRADE = "grade"


def grade_key(firm_id):
    """Return the job key of a firm's grading."""
    return f"{GRADE}:{firm_id}"


def grade_jobs(firm_ids):
    """Return the job requests that grade these firms."""
    return [jobs.job(GRADE, {"firm_id": f}, key=grade_key(f)) for f in sorted(set(firm_ids))]


async def firm_facts(db, firm, today, config):
    """Return the FirmFacts of a firm on a day, from indexed counts."""
    midnight = local_midnight_utc(today, config.timezone)  # overdue_from <= midnight: overdue today
    since = local_midnight_utc(today - datetime.timedelta(days=365), config.timezone)
    valid, invalid = await record_store.count_firm_visits(db, firm["_id"], since)
    expired = any(local_date(lic["expires"], config.timezone) < today for lic in firm.get("licences", []))
    return credit.FirmFacts(await elevator_store.count_elevators(db, firm["_id"]),
                            await elevator_store.count_overdue_pages(db, firm["_id"], midnight),
                            valid, invalid, await record_store.count_firm_findings(db, firm["_id"], since),
                            expired)


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


@sweep
async def enqueue_daily_grades(db, config):
    """Ask for the grading of every firm not graded yet today (overdue counts move with the date)."""
    today = local_date(clock.now(), config.timezone)
    due = [f["_id"] for f in await org_store.find_firms(db)
           if not f.get("credit") or local_date(f["credit"]["assessed_at"], config.timezone) < today]
    if due:
        await jobs.enqueue_many(db, grade_jobs(due))
