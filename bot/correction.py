"""Correcting a saved record: /correct or the record's button starts it, the next text is the correction."""

from telegram import InlineKeyboardButton
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.texts import _, say, technician, tr
from core import corrections
from core.timeutil import local_date

REFUSALS = {
    "no_record": _("You have no record to correct."),
    "not_latest": _("Only your latest record can be corrected."),
    "visit_open": _("Finish your open visit first."),
    "empty": _("Please write the correction as text."),
}


def correct_button(lang, record):
    """Return the button that starts a correction of a record just saved."""
    return InlineKeyboardButton(tr(lang, _("Correct this record")), callback_data=f"c:{record['_id']}")


async def begin(update, context, record_id):
    """Start a correction and ask for its text."""
    person, lang = await technician(update, context)
    if person is None:
        return
    try:
        record = await corrections.start(context.bot_data["db"], person, record_id)
    except corrections.Refused as refused:
        await say(update, lang, REFUSALS[str(refused)])
        return
    day = local_date(record["date"], context.bot_data["config"].timezone).isoformat()
    await say(update, lang, _("Correcting your record of %(date)s at elevator %(code)s. Write in one message what "
                              "was wrong and what is right. The record itself stays unchanged; the correction "
                              "is saved as a new record linked to it."), date=day, code=record["elevator_id"])


async def correct_command(update, context):
    """Start a correction of the technician's latest record."""
    await begin(update, context, None)


async def correct_tapped(update, context):
    """Start a correction of the record whose button was tapped."""
    await update.callback_query.answer()
    await begin(update, context, update.callback_query.data.partition(":")[2])


async def text_received(update, context):
    """Save a text as the correction being written; tell whether it was one."""
    person, lang = await technician(update, context)
    db = context.bot_data["db"]
    if person is None or not await corrections.pending(db, person["_id"]):
        return person is None
    try:
        record = await corrections.write(db, person, update.effective_message.text, context.bot_data["config"])
    except corrections.Refused as refused:
        await say(update, lang, REFUSALS[str(refused)])
        return True
    if record is None:
        return False
    await say(update, lang, _("Correction saved as a new record linked to the original, which stays unchanged."))
    return True


def add_handlers(application):
    """Register this conversation's handlers (the text goes through bot.visit's text handler)."""
    application.add_handler(CommandHandler("correct", correct_command))
    application.add_handler(CallbackQueryHandler(correct_tapped, pattern=r"^c:"))
