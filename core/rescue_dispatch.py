"""Telling people of a rescue call at once, and escalating it on the durable worker's clock.

When a call opens, the portal asks in one write for its jobs (`call_jobs`): the dispatch's
fallback, the timed steps (escalation to the firm's on-duty technicians and managers, then
to the regulator, then the arrival target) and its figures. Then `dispatch_now` records
every first message of the call (the elevator's technicians in the bot, with Accept; the
firm's and the using unit's `rescue` contacts), already taken for sending, and sends them.
The fallback job (`dispatch`, FALLBACK later) finds them sent, or records and hands to the
worker what is missing. Every part is idempotent (delivery ids and job keys are derived
from the call), so the portal's immediate run, the fallback job and the sweep may overlap.
"""

import asyncio
import datetime
import logging

from core import clock, jobs
from core.notify.compose import compose
from core.notify.deliveries import deliver_job, delivery_docs, record_taken, send_taken, send_when_quiet, urgent
from core.notify.message import Recipient
from core.notify.routing import Addressee, resolve
from core.store import deliveries as delivery_store
from core.rescue import dispatch_notification
from core.store import elevators as elevator_store
from core.store import rescues as store
from core.store import technicians as people_store

log = logging.getLogger(__name__)


def _(text):
    """Mark text for extraction; compose() translates it for each reader."""
    return text


ACCEPT = _("Accept the rescue call")
FOLLOW = _("Follow the call")
YES, NO = _("Yes"), _("No")
DISPATCH, STEP = "rescue_dispatch", "rescue_step"
# The portal sends the first messages itself; these jobs only catch what it could not finish.
FALLBACK = datetime.timedelta(seconds=30)
# The sweep asks again for the fallback of calls still `received` this long after they began
# (a process killed between storing the call and asking for its jobs), up to SWEEP_WITHIN.
SWEEP_AFTER = datetime.timedelta(minutes=2)
SWEEP_WITHIN = datetime.timedelta(hours=1)
# The party whose first message goes after the others' in a burst: the using unit's copy.
# The technicians and the firm's duty contacts act on theirs; the unit's plan starts with them.
LATER = "unit"


def step_times(rescue, config):
    """Return {step: due time} of a call's timed steps."""
    start = rescue["created_at"]
    return {"escalate": start + datetime.timedelta(minutes=config.rescue_escalate_minutes),
            "regulator": start + datetime.timedelta(minutes=config.rescue_regulator_minutes),
            "target": start + datetime.timedelta(minutes=config.rescue_arrive_minutes)}


def step_key(rescue_id, step):
    """Return the job key of one timed step of a call (asked once)."""
    return f"rescue:{rescue_id}:{step}"


def facts(rescue, elevator):
    """Return what every message about a call states."""
    place = " ".join(filter(None, (elevator.get("address"), elevator.get("building"))))
    hurt = rescue.get("hurt")
    return {"code": rescue["elevator_id"], "place": place, "people": rescue.get("people") or None,
            "hurt": {"msgid": YES} if hurt else None,
            "phone": ", ".join(c["phone"] for c in rescue.get("callers", ()) if c.get("phone")) or None,
            "called_at": rescue["created_at"].strftime("%Y-%m-%d %H:%M:%S UTC")}


def _status_link(rescue, base_url):
    return [(FOLLOW, f"{base_url}/rescue/{rescue['token']}")]


async def technician_addressees(db, firm_id, person_ids):
    """Return the bot chats of these people of a firm, as addressees (chats remembered a few seconds)."""
    if not person_ids:
        return []
    accounts = await people_store.find_accounts_of_cached(db, person_ids)
    return [Addressee(firm_id, "technician", False, Recipient("telegram", str(a["_id"]), a.get("lang") or "zh_Hans"))
            for a in sorted(accounts, key=lambda a: a["_id"])]


async def _compose(db, rescue, elevator, kind, notification_id, technicians, base_url):
    """Return the delivery documents of one notification of a call: technicians with Accept, then the routed contacts.

    technicians is an awaitable of their addressees, read side by side with the routing's.
    """
    told, links = facts(rescue, elevator), _status_link(rescue, base_url)
    accept = [(ACCEPT, f"ra:{rescue['_id']}")]
    technicians, contacts = await asyncio.gather(technicians, resolve(db, kind, elevator))
    now = clock.now()

    def with_accept(lang, copy):
        return compose(kind, lang, told, links, copy, accept)

    def plain(lang, copy):
        return compose(kind, lang, told, links, copy)

    docs = delivery_docs(notification_id, kind, technicians, with_accept, now)
    docs += delivery_docs(notification_id, kind, contacts, plain, now, len(docs))
    if not docs:
        log.warning("%s %s: nobody to tell", kind, notification_id)
    return docs


async def _record(db, rescue, elevator, kind, notification_id, technicians, base_url):
    """Record one notification of a call in one write; return the delivery documents."""
    docs = await _compose(db, rescue, elevator, kind, notification_id, technicians, base_url)
    await delivery_store.insert_deliveries(db, docs)
    return docs


def deliver_jobs(notification_id, docs, due):
    """Return the deliver job of a notification's deliveries (none when nobody is told), due at a time."""
    return [deliver_job(notification_id, [d["_id"] for d in docs], due)] if docs else []


def dispatch_key(rescue_id):
    """Return the job key of a call's dispatch fallback (asked once)."""
    return f"rescue:{rescue_id}:dispatch"


def call_jobs(rescue, config, fallback=True):
    """Return the jobs a call asks for when it opens: the dispatch fallback, its timed steps and its figures."""
    rescue_id = rescue["_id"]
    asked = [jobs.job(DISPATCH, {"rescue_id": rescue_id}, key=dispatch_key(rescue_id),
                      due=clock.now() + FALLBACK)] if fallback else []
    asked += [jobs.job(STEP, {"rescue_id": rescue_id, "step": s}, key=step_key(rescue_id, s), due=at)
              for s, at in step_times(rescue, config).items()]
    asked.append(jobs.job("rescue_figures", {"rescue_id": rescue_id}, key=f"rescue:{rescue_id}:figures:call"))
    return asked


async def ask_for_call_jobs(db, config, rescue):
    """Ask for a just-opened call's jobs in one write, before the caller is answered."""
    await jobs.enqueue_many(db, call_jobs(rescue, config), once=True)


async def dispatch_now(db, config, rescue, elevator, notifier):
    """Record a just-opened call's first messages, taken for sending, and send them at once, side by side.

    The using unit's is recorded with the others but sent once no call's first messages of this
    process are still on their way (at once outside a burst).

    Return {delivery id: outcome}; a failure stays recorded for the fallback job to hand on.
    """
    technicians = technician_addressees(db, rescue["firm_id"], elevator.get("technician_ids") or [])
    try:
        async with urgent():
            docs = await record_taken(db, await _compose(db, rescue, elevator, "rescue", dispatch_notification(rescue),
                                                         technicians, config.public_url))
            results = await send_taken(db, [d for d in docs if d["party"] != LATER], notifier)
        later = [d for d in docs if d["party"] == LATER]
        if later:  # recorded with the others, so never lost; sent once no call's first messages wait
            results.update(await send_when_quiet(db, later, notifier))
    except Exception as exc:  # the database went away meanwhile: the fallback job dispatches the call
        log.warning("rescue call %s not dispatched yet: %s", rescue["_id"], exc)
        return {}
    for delivery_id, result in results.items():
        if isinstance(result, Exception):
            log.warning("rescue delivery %s not sent yet: %s", delivery_id, result)
    return results


async def dispatch(db, config, rescue_id):
    """Make sure a call's first messages are recorded and on their way; return the deliveries recorded here.

    The worker's fallback: when the portal sent every first message it reads them and stops;
    otherwise it records what is missing and asks for their deliver job (due now) with the
    call's other jobs (asked once: those the portal asked for are left as they are).
    """
    notification_id = dispatch_notification({"_id": rescue_id})
    recorded = await delivery_store.find_deliveries(db, notification_id)
    if recorded and all(d["state"] != "pending" for d in recorded):
        return []  # the usual case, in one read: the portal sent them all
    rescue = await store.find_rescue(db, rescue_id)
    if rescue is None or not rescue["open"]:
        return []
    elevator = await elevator_store.find_elevator(db, rescue["elevator_id"]) or {"_id": rescue["elevator_id"]}
    technicians = technician_addressees(db, rescue["firm_id"], elevator.get("technician_ids") or [])
    docs = await _record(db, rescue, elevator, "rescue", notification_id, technicians, config.public_url)
    await jobs.enqueue_many(db, deliver_jobs(notification_id, docs, clock.now()) +
                            call_jobs(rescue, config, fallback=False), once=True)
    return docs
