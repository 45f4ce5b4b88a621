"""Telling people of a rescue call at once, and escalating it on the durable worker's clock.

`dispatch` records every first message of a call (the elevator's technicians in the bot,
with Accept; the firm's and the using unit's `rescue` contacts) and the call's timed steps
as jobs: escalation to the firm's on-duty technicians and managers, then to the regulator,
then the arrival target. Every part is idempotent (delivery ids and job keys are derived
from the call), so the portal's immediate run, the fallback job and the sweep may overlap.
"""

import asyncio
import datetime
import logging

from core import clock, jobs
from core.notify.compose import compose
from core.notify.deliveries import deliver_job, deliver_many, delivery_docs
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
SWEEP_AFTER = datetime.timedelta(minutes=2)


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
    """Return the bot chats of these people of a firm, as addressees."""
    if not person_ids:
        return []
    accounts = await people_store.find_accounts_of(db, person_ids)
    return [Addressee(firm_id, "technician", False, Recipient("telegram", str(a["_id"]), a.get("lang") or "zh_Hans"))
            for a in sorted(accounts, key=lambda a: a["_id"])]


async def _record(db, rescue, elevator, kind, notification_id, technicians, base_url):
    """Record one notification of a call in one write: technicians with Accept, then the routed contacts.

    technicians is an awaitable of their addressees, read side by side with the routing's.
    Return the delivery documents.
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
    await delivery_store.insert_deliveries(db, docs)
    return docs


def deliver_jobs(notification_id, docs, due):
    """Return the deliver job of a notification's deliveries (none when nobody is told), due at a time."""
    return [deliver_job(notification_id, [d["_id"] for d in docs], due)] if docs else []


async def dispatch(db, config, rescue_id, rescue=None, elevator=None, notifier=None):
    """Record a call's first messages and its timed steps; return the delivery documents (none when nothing to do).

    The portal passes the call and the elevator it has just read, and its notifier: the
    messages then go out as soon as they are written down, while the jobs are asked for
    (their deliver job is due FALLBACK later, a net). The worker reads the call and sends
    nothing itself: the deliver job does.
    """
    rescue = rescue or await store.find_rescue(db, rescue_id)
    if rescue is None or not rescue["open"] or rescue.get("dispatched_at"):
        return []
    elevator = elevator or await elevator_store.find_elevator(db, rescue["elevator_id"]) or {"_id": rescue["elevator_id"]}
    technicians = technician_addressees(db, rescue["firm_id"], elevator.get("technician_ids") or [])
    notification_id = dispatch_notification(rescue)
    docs = await _record(db, rescue, elevator, "rescue", notification_id, technicians, config.public_url)
    due = clock.now() + (FALLBACK if notifier is not None else datetime.timedelta(0))
    asked = _ask_for_jobs(db, config, rescue, deliver_jobs(notification_id, docs, due))
    if notifier is None:
        await asked
    else:
        await asyncio.gather(asked, send_now(db, docs, notifier))
    return docs


async def _ask_for_jobs(db, config, rescue, delivering):
    """Ask for a call's deliver job, timed steps and figures in one write, then mark it dispatched."""
    rescue_id = rescue["_id"]
    steps = [jobs.job(STEP, {"rescue_id": rescue_id, "step": s}, key=step_key(rescue_id, s), due=at)
             for s, at in step_times(rescue, config).items()]
    figures = jobs.job("rescue_figures", {"rescue_id": rescue_id}, key=f"rescue:{rescue_id}:figures:call")
    await jobs.enqueue_many(db, delivering + steps + [figures], once=True)
    await store.advance(db, rescue_id, {"dispatched_at": None}, {"dispatched_at": clock.now()})


async def send_now(db, docs, notifier):
    """Send just-recorded deliveries at once, side by side; a failure stays recorded for their job to retry.

    Return {delivery id: "sent", "failed", ... or the temporary TransportError}.
    """
    if not docs:
        return {}
    try:
        results = await deliver_many(db, [d["_id"] for d in docs], notifier, docs=docs)
    except Exception as exc:  # the database went away meanwhile: the deliver job sends them
        log.warning("rescue deliveries of %s not sent yet: %s", docs[0]["notification_id"], exc)
        return {}
    for delivery_id, result in results.items():
        if isinstance(result, Exception):
            log.warning("rescue delivery %s not sent yet: %s", delivery_id, result)
    return results


async def dispatch_now(db, config, rescue, elevator, notifier):
    """Dispatch a call that was just opened and send its first messages at once."""
    await dispatch(db, config, rescue["_id"], rescue, elevator, notifier)


def fallback_job(rescue_id):
    """Return the job that dispatches a call if the portal could not (due FALLBACK later)."""
    return jobs.job(DISPATCH, {"rescue_id": rescue_id}, key=f"rescue:{rescue_id}:dispatch",
                    due=clock.now() + FALLBACK)
