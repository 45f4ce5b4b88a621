"""/today: the technician's elevators due within a few days or overdue, nearest first, with map links."""

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import CommandHandler

from bot.texts import _, say, technician, tr
from core import rescue_steps, rounds, visits
from core.store import visits as visit_store

# Telegram cuts a message at 4096 characters; an entry takes about 150.
SHOWN = 15
HEADINGS = {
    None: _("Due within %(days)s days or overdue:"),
    "checkin": _("Due within %(days)s days or overdue, nearest to your last check-in first:"),
    "shared": _("Due within %(days)s days or overdue, nearest to you first:"),
}


def _share_keyboard(lang):
    """Return the one-tap keyboard that shares the current location."""
    button = KeyboardButton(tr(lang, _("Share my location")), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def _distance(lang, metres):
    """Return a distance as a technician reads it: metres up to a kilometre, then kilometres."""
    if metres < 1000:
        return tr(lang, _("%(metres)s m"), metres=metres)
    return tr(lang, _("%(km)s km"), km=f"{metres / 1000:.1f}")


def _entry(lang, elevator, pressing, metres):
    """Return one elevator of the list: code, address, how due, distance, map link."""
    address = elevator.get("address_en") if lang == "en" else elevator.get("address")
    when = (tr(lang, _("overdue by %(days)s days"), days=pressing.days_overdue) if pressing.overdue
            else tr(lang, _("due in %(days)s days"), days=pressing.days_left))
    where = f" · {_distance(lang, metres)}" if metres is not None else ""
    lat, lng = elevator["location"]["lat"], elevator["location"]["lng"]
    return (f"{elevator['_id']} · {address} · {when}{where}\n"
            f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}")


def list_text(lang, due, days, sorted_from, offer_share):
    """Return the /today message: heading, entries (at most SHOWN), and what to tap."""
    parts = [tr(lang, HEADINGS[sorted_from], days=days), *(_entry(lang, *d) for d in due[:SHOWN])]
    if len(due) > SHOWN:
        parts.append(tr(lang, _("%(count)s more not shown."), count=len(due) - SHOWN))
    if offer_share:
        parts.append(tr(lang, _("Tap “Share my location” below to sort the list from where you are.")))
    return "\n\n".join(parts)


async def _location_taken_elsewhere(db, person):
    """Tell whether the technician's next location belongs to an open visit or an accepted rescue call."""
    visit = await visit_store.find_open_visit(db, person["_id"])
    if visit is not None and visit["step"] in visits.LOCATION_STEPS:
        return True
    call = await rescue_steps.accepted_call(db, person)
    return call is not None and call["state"] == "accepted"


async def today_command(update, context):
    """List the elevators due soon or overdue from the latest check-in, offering to share a location."""
    person, lang = await technician(update, context)
    if person is None:
        return
    db, config = context.bot_data["db"], context.bot_data["config"]
    near = await rounds.last_position(db, person["_id"])
    due = await rounds.due_elevators(db, person["_id"], config, near)
    if not due:
        await say(update, lang, _("Nothing is due within %(days)s days."), days=config.due_soon_days)
        return
    # While a visit or a rescue call waits for a location, the next one is theirs: no button then.
    offer = not await _location_taken_elsewhere(db, person)
    if offer:
        await rounds.ask_location(db, person["_id"])
    text = list_text(lang, due, config.due_soon_days, "checkin" if near else None, offer)
    await update.effective_chat.send_message(text, reply_markup=_share_keyboard(lang) if offer else None)


async def take_location(update, context, person, lang, location):
    """Sort /today from a location shared in answer to it; return whether it was one."""
    # A forwarded, venue, live or stale location raises visits.Refused; the caller says why.
    config = context.bot_data["config"]
    due = await rounds.due_from_shared(context.bot_data["db"], person["_id"], location, config)
    if due is None:
        return False
    if not due:
        await say(update, lang, _("Nothing is due within %(days)s days."), reply_markup=ReplyKeyboardRemove(),
                  days=config.due_soon_days)
        return True
    await update.effective_chat.send_message(list_text(lang, due, config.due_soon_days, "shared", False),
                                             reply_markup=ReplyKeyboardRemove())
    return True


def add_handlers(application):
    """Register this conversation's handlers (a shared location reaches take_location through bot/visit.py)."""
    application.add_handler(CommandHandler("today", today_command))
