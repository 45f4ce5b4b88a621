"""The worker's side of rescue calls: dispatch fallback, timed steps, figures, and the sweep.

Each timed step is one job asked once, due at its moment (core.rescue_dispatch.step_times);
a server killed before then leaves the job in the database, and whichever worker runs next
runs it once. A step first records its messages (idempotent), then itself on the call.
"""

from core import clock, jobs, rescue_figures
from core.grading import grade_jobs
from core.rescue_dispatch import DISPATCH, STEP, SWEEP_AFTER, SWEEP_WITHIN, _record, deliver_jobs, dispatch, \
    dispatch_key, technician_addressees
from core.store import elevators as elevator_store
from core.store import rescues as store
from core.worker import handler, sweep

MANAGER_ROLES = ("firm_admin", "manager")


@handler(DISPATCH)
async def run_dispatch(db, config, payload):
    """Dispatch a call the portal did not finish dispatching (its deliveries go through their own jobs)."""
    await dispatch(db, config, payload["rescue_id"])


def on_duty(person):
    """Tell whether a person of the firm is alerted when nobody accepts: on-duty technicians and managers."""
    roles = person.get("roles") or ()
    return any(r in roles for r in MANAGER_ROLES) or ("technician" in roles and person.get("on_duty", True))


async def _escalate(db, config, rescue, step, kind, with_people):
    """Tell the next circle of a call nobody accepted, then record the step with its time."""
    if rescue.get("accepted_at") or not rescue["open"]:
        return
    elevator = await elevator_store.find_elevator(db, rescue["elevator_id"]) or {"_id": rescue["elevator_id"]}
    people = [p["_id"] for p in await store.find_firm_people(db, rescue["firm_id"]) if on_duty(p)] if with_people else []
    notification_id = f"rescue:{rescue['_id']}:{step}"
    technicians = technician_addressees(db, rescue["firm_id"], people)
    docs = await _record(db, rescue, elevator, kind, notification_id, technicians, config.public_url)
    await jobs.enqueue_many(db, deliver_jobs(notification_id, docs, clock.now()), once=True)
    await store.advance(db, rescue["_id"], {"escalations.step": {"$ne": step}}, {},
                        push={"escalations": {"step": step, "at": clock.now(), "told": len(docs)}})


async def escalate_to_firm(db, config, rescue):
    """Alert every on-duty technician and the managers of the firm, and its escalation contacts."""
    await _escalate(db, config, rescue, "escalate", "rescue_escalation", True)


async def escalate_to_regulator(db, config, rescue):
    """Alert the regulator's duty contact, copying the firm."""
    await _escalate(db, config, rescue, "regulator", "rescue_regulator", False)


async def arrival_target(db, config, rescue):
    """Record a call nobody reached within the target as over it: a violation against the firm."""
    if rescue.get("arrived_at") is None and rescue["open"]:
        changed = await store.advance(db, rescue["_id"], {"arrived_at": None, "over_target": False},
                                      {"over_target": True})
        if changed is not None:
            await jobs.enqueue_many(db, [rescue_figures.figures_job(rescue["_id"], "target")])


STEPS = {"escalate": escalate_to_firm, "regulator": escalate_to_regulator, "target": arrival_target}


@handler(STEP)
async def run_step(db, config, payload):
    """Run one timed step of a call."""
    rescue = await store.find_rescue(db, payload["rescue_id"])
    if rescue is not None and payload.get("step") in STEPS:
        await STEPS[payload["step"]](db, config, rescue)


@handler(rescue_figures.KIND)
async def run_figures(db, config, payload):
    """Bring the call's elevator and firm figures up to date, and regrade a firm that was late."""
    rescue = await store.find_rescue(db, payload["rescue_id"])
    if rescue is not None:
        await rescue_figures.add_call(db, rescue, config.timezone)
        if rescue.get("over_target") and rescue.get("firm_id"):
            await jobs.enqueue_many(db, grade_jobs([rescue["firm_id"]]))


@sweep
async def dispatch_left_behind(db, config):
    """Ask again, once, for the dispatch fallback of calls still `received` after SWEEP_AFTER.

    A process killed between storing a call and asking for its jobs left none; for every
    other call the job exists (pending, or done and kept LIFTWATCH_JOB_KEEP_DONE_HOURS) and
    asking once changes nothing. Calls older than SWEEP_WITHIN are left: theirs ran long ago.
    """
    now = clock.now()
    left = await store.find_received_between(db, now - SWEEP_WITHIN, now - SWEEP_AFTER)
    await jobs.enqueue_many(db, [jobs.job(DISPATCH, {"rescue_id": r["_id"]}, key=dispatch_key(r["_id"]))
                                 for r in left], once=True)
    return len(left)
