"""The daily round of the worker (F3): reminders of maintenance due soon, overdue warnings, the regulator's digest.

A sweep asks for one `daily_round` job per local date (keyed by the date, once), so the round
runs once a day however many processes sweep, and runs at the first sweep after downtime.
"""

from core import clock, confirmations, jobs, rescue_figures, schedule
from core.notify.compose import compose
from core.i18n import translations
from core.notify.deliveries import hand_to_worker, record_notification
from core.notify.message import Recipient
from core.notify.routing import Addressee
from core.store import elevators as elevator_store
from core.store import records as record_store
from core.store import technicians as people_store
from core.timeutil import local_date
from core.worker import handler, sweep

KIND = "daily_round"


def _(message):
    """Mark a message for extraction; it is translated for each reader."""
    return message


SUMMARY = _("%(overdue)s elevators overdue, %(soon)s due within %(days)s days.")


@sweep
async def enqueue_daily_round(db, config):
    """Ask for today's round, once per local date."""
    today = local_date(clock.now(), config.timezone)
    await jobs.enqueue(db, KIND, {"date": today.isoformat()}, key=f"{KIND}:{today.isoformat()}", once=True)


async def pressing_due(db, elevator, today, config):
    """Return the elevator's most pressing Due state."""
    records = await record_store.find_maintenance_records(db, elevator["_id"])
    valid = schedule.maintenance_visits(records, day=lambda moment: local_date(moment, config.timezone))
    start = local_date(elevator["maintenance_start"], config.timezone)
    return min(schedule.all_due(valid, start, today, config.interval_days), key=lambda d: d.days_left)


async def _notify(db, notification_id, kind, elevator, facts, addressees=None):
    """Record one notification (facts, or facts(lang)) and hand its deliveries to the worker."""
    ids = await record_notification(
        db, notification_id, kind, elevator,
        lambda lang, copy: compose(kind, lang, facts(lang) if callable(facts) else facts, (), copy),
        addressees=addressees)
    await hand_to_worker(db, notification_id, ids)
    return len(ids)


async def _technicians(db, elevator):
    """Return the elevator's technicians with a linked Telegram account, as addressees in their own chats."""
    accounts = await people_store.find_accounts_of(db, elevator.get("technician_ids", ()))
    return [Addressee(elevator["firm_id"], "technician", False,
                      Recipient("telegram", str(a["_id"]), a.get("lang") or "zh_Hans")) for a in accounts]


@handler(KIND)
async def run_daily_round(db, config, payload):
    """Warn of every elevator due soon (the firm, its technicians) or overdue (the firm, the unit); digest to the regulator."""
    today = local_date(clock.now(), config.timezone)
    counts = {schedule.DUE_SOON: 0, schedule.OVERDUE: 0}
    for elevator in await elevator_store.find_elevators(db):
        due = await pressing_due(db, elevator, today, config)
        state = due.state(config.due_soon_days)
        if state == schedule.OK:
            continue
        counts[state] += 1
        kind = "overdue" if state == schedule.OVERDUE else "reminder"
        place = " ".join(filter(None, (elevator.get("address"), elevator.get("building"))))
        facts = {"code": elevator["_id"], "place": place, "due": due.due.isoformat()}
        await _notify(db, f"{elevator['_id']}:{kind}:{payload['date']}", kind, elevator, facts)
        technicians = await _technicians(db, elevator) if kind == "reminder" else []
        if technicians:
            await _notify(db, f"{elevator['_id']}:{kind}:{payload['date']}:technicians", kind, elevator, facts,
                          addressees=technicians)
    await confirmations.list_unconfirmed(db, payload["date"], config)
    numbers = {"overdue": counts[schedule.OVERDUE], "soon": counts[schedule.DUE_SOON], "days": config.due_soon_days}
    late = await rescue_figures.over_target_calls(db, today, config)
    await _notify(db, f"digest:{payload['date']}", "digest", None,
                  lambda lang: {"date": payload["date"], "summary": translations(lang).ugettext(SUMMARY) % numbers,
                                "late_rescues": rescue_figures.describe_late(late, lang)})
