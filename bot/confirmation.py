"""The using unit's safety officer confirms a maintenance record with one tap in Telegram (W5)."""

from telegram.ext import CallbackQueryHandler

from bot.texts import _, say, technician
from core import confirmations


async def confirm_tapped(update, context):
    """Confirm the record whose Confirm button a safety officer of its unit tapped."""
    query = update.callback_query
    await query.answer()
    person, lang = await technician(update, context)
    if person is None:
        return
    record = await confirmations.confirm_by_officer(context.bot_data["db"], query.data.partition(":")[2], person)
    if record is None:
        await say(update, lang, _("Only a safety officer of the elevator's using unit can confirm this record."))
        return
    await query.edit_message_reply_markup(None)
    await say(update, lang, _("Record of elevator %(code)s confirmed. Thank you."), code=record["elevator_id"])


def add_handlers(application):
    """Register this conversation's handlers."""
    application.add_handler(CallbackQueryHandler(confirm_tapped, pattern=r"^m:"))
