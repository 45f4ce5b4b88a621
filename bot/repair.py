"""A repair visit's fault report: which one the repair answers, and closing it once the repair is recorded."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.texts import _, say, technician, tr
from core import repairs, reports, visits
from core.timeutil import local_date

NOT_CLOSABLE = {
    "no_report": _("This record is not a repair of a reported fault."),
    "invalid_record": _("An invalid visit cannot close a fault report."),
    "report_not_open": _("This fault report is no longer open."),
}


async def ask_report(update, context, lang, visit):
    """Ask which open fault report of the elevator the repair answers."""
    config = context.bot_data["config"]
    buttons = []
    for report in (await repairs.open_faults(context.bot_data["db"], visit["elevator_id"]))[:8]:
        day = local_date(report["created_at"], config.timezone).isoformat()
        label = f"{day} · {tr(lang, reports.FAULT_CATEGORIES.get(report['category'], report['category']))}"
        buttons.append([InlineKeyboardButton(label[:60], callback_data=f"r:{report['_id']}")])
    buttons.append([InlineKeyboardButton(tr(lang, _("None of these")), callback_data="r:-")])
    await say(update, lang, _("Which fault report does this repair answer?"), reply_markup=InlineKeyboardMarkup(buttons))


def close_button(lang, record):
    """Return the button that closes the fault report a valid repair record came from, or None."""
    if record.get("type") != "repair" or not record.get("report_id") or not record["valid"]:
        return None
    return InlineKeyboardButton(tr(lang, _("Fault fixed: close the report")), callback_data=f"x:{record['_id']}")


async def report_chosen(update, context):
    """Link the repair to the report tapped (or to none) and ask for the place."""
    from bot.visit import step  # bot.visit imports this module for its questions
    query = update.callback_query
    await query.answer()
    await query.edit_message_reply_markup(None)
    report_id = query.data.partition(":")[2]
    await step(update, context, visits.choose_report, None if report_id == "-" else report_id)


async def close_tapped(update, context):
    """Mark the fault report of the tapped repair record fixed; its reporter is asked to confirm."""
    query = update.callback_query
    await query.answer()
    person, lang = await technician(update, context)
    if person is None:
        return
    try:
        await repairs.close_report(context.bot_data["db"], query.data.partition(":")[2], person["_id"])
    except repairs.NotClosable as refused:
        await say(update, lang, NOT_CLOSABLE[str(refused)])
        return
    await query.edit_message_reply_markup(None)
    await say(update, lang, _("The fault report is marked fixed. The reporter is asked to confirm it."))


def add_handlers(application):
    """Register this conversation's handlers."""
    application.add_handler(CallbackQueryHandler(report_chosen, pattern=r"^r:"))
    application.add_handler(CallbackQueryHandler(close_tapped, pattern=r"^x:"))
