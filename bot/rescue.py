"""Rescue calls in the bot: Accept (one winner), Arrived by location, People out, Closed with a cause."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, \
    ReplyKeyboardRemove
from telegram.ext import CallbackQueryHandler

from bot.texts import _, say, technician, tr
from core import rescue_steps
from core.rescue import CAUSES
from core.store import rescues as rescue_store

REFUSALS = {
    "taken": _("%(name)s has already accepted this rescue call."),
    "closed": _("This rescue call is closed."),
    "unknown_call": _("This rescue call no longer exists."),
    "not_your_firm": _("This rescue call belongs to another firm."),
    "wrong_step": _("That is not what this rescue call needs now."),
}


def _location_keyboard(lang):
    button = KeyboardButton(tr(lang, _("I have arrived: share my location")), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def _refuse(update, lang, refused):
    """Tell the technician why a rescue step was refused (location refusals in the visit's words)."""
    if refused.code in REFUSALS:
        await say(update, lang, REFUSALS[refused.code], **refused.details)
        return
    from bot import visit  # the visit's wording of location refusals; imported late, visit imports us
    await say(update, lang, visit.REFUSALS[refused.code], reply_markup=_location_keyboard(lang), **refused.details)


async def accept_tapped(update, context):
    """Make the technician who tapped Accept the owner of the call, or tell them who is."""
    query = update.callback_query
    await query.answer()
    person, lang = await technician(update, context)
    if person is None:
        return
    try:
        call = await rescue_steps.accept(context.bot_data["db"], query.data.partition(":")[2], person)
    except rescue_steps.Refused as refused:
        await _refuse(update, lang, refused)
        return
    await say(update, lang, _("The call is yours. Go to %(place)s (elevator %(code)s) now. When you are there, share your location."),
              reply_markup=_location_keyboard(lang), place=call.get("place") or "", code=call["elevator_id"])


async def take_location(update, context, person, lang, location):
    """Take a location as the arrival at the call the technician accepted; tell whether it did."""
    db = context.bot_data["db"]
    call = await rescue_steps.accepted_call(db, person)
    if call is None or call["state"] != "accepted":
        return False
    try:
        call = await rescue_steps.arrive(db, call, location, context.bot_data["config"])
    except rescue_steps.Refused as refused:
        await _refuse(update, lang, refused)
        return True
    minutes = int((call["arrived_at"] - call["created_at"]).total_seconds() // 60)
    button = InlineKeyboardButton(tr(lang, _("People are out")), callback_data=f"rs:{call['_id']}")
    await say(update, lang, _("Arrival recorded, %(minutes)s min after the call. Tap when the people are out."),
              reply_markup=ReplyKeyboardRemove(), minutes=minutes)
    await update.effective_chat.send_message(tr(lang, _("People are out?")),
                                             reply_markup=InlineKeyboardMarkup([[button]]))
    return True


async def _own_call(update, context):
    """Return (call, lang) of the technician's own open call named by a button, or (None, lang)."""
    query = update.callback_query
    await query.answer()
    person, lang = await technician(update, context)
    if person is None:
        return None, lang
    call = await rescue_store.find_rescue(context.bot_data["db"], query.data.split(":")[1])
    if call is None or (call.get("accepted_by") or {}).get("person_id") != person["_id"]:
        await say(update, lang, REFUSALS["wrong_step"])
        return None, lang
    return call, lang


async def released_tapped(update, context):
    """Record that the people are out and ask for the cause."""
    call, lang = await _own_call(update, context)
    if call is None:
        return
    try:
        await rescue_steps.release(context.bot_data["db"], call)
    except rescue_steps.Refused as refused:
        await _refuse(update, lang, refused)
        return
    buttons = [[InlineKeyboardButton(tr(lang, label), callback_data=f"rc:{call['_id']}:{cause}")]
               for cause, label in CAUSES.items()]
    await say(update, lang, _("Recorded: people out. What caused it?"), reply_markup=InlineKeyboardMarkup(buttons))


async def cause_tapped(update, context):
    """Close the call with the cause tapped."""
    call, lang = await _own_call(update, context)
    if call is None:
        return
    try:
        await rescue_steps.close(context.bot_data["db"], call, update.callback_query.data.split(":")[2])
    except rescue_steps.Refused as refused:
        await _refuse(update, lang, refused)
        return
    await say(update, lang, _("The rescue call is closed. Thank you."))


def add_handlers(application):
    """Register the rescue buttons (the arrival comes through the visit's location handler)."""
    application.add_handler(CallbackQueryHandler(accept_tapped, pattern=r"^ra:"))
    application.add_handler(CallbackQueryHandler(released_tapped, pattern=r"^rs:"))
    application.add_handler(CallbackQueryHandler(cause_tapped, pattern=r"^rc:[^:]+:[a-z_]+$"))
