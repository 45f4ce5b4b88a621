"""/today: the technician's elevators due within a few days or overdue, with addresses and map links."""

from telegram.ext import CommandHandler

from bot.texts import _, say, technician, tr
from core import rounds


async def today_command(update, context):
    """List the elevators due soon or overdue, nearest to the last check-in first."""
    person, lang = await technician(update, context)
    if person is None:
        return
    db, config = context.bot_data["db"], context.bot_data["config"]
    near = await rounds.last_position(db, person["_id"])
    due = await rounds.due_elevators(db, person["_id"], config, near)
    if not due:
        await say(update, lang, _("Nothing is due within %(days)s days."), days=config.due_soon_days)
        return
    lines = [tr(lang, _("Due within %(days)s days or overdue:"), days=config.due_soon_days)]
    for elevator, pressing, metres in due:
        address = elevator.get("address_en") if lang == "en" else elevator.get("address")
        when = (tr(lang, _("overdue by %(days)s days"), days=pressing.days_overdue) if pressing.overdue
                else tr(lang, _("due in %(days)s days"), days=pressing.days_left))
        where = f" · {metres} m" if metres is not None else ""
        lat, lng = elevator["location"]["lat"], elevator["location"]["lng"]
        lines.append(f"{elevator['_id']} · {address} · {when}{where}\n"
                     f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}")
    await update.effective_chat.send_message("\n\n".join(lines))


def add_handlers(application):
    """Register this conversation's handlers."""
    application.add_handler(CommandHandler("today", today_command))
