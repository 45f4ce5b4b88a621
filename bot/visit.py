"""The visit: start, type, place, face, checklist, photos, check-out (issue 8 "The visit")."""

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                      ReplyKeyboardRemove)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import correction, repair, rescue, today
from bot.texts import _, say, technician, tr
from core import rounds, visits
from core.faces import reason_text
from core.store import elevators as elevator_store
from core.store import visits as visit_store

TYPE_NAMES = {"half_monthly": _("Half-monthly maintenance"), "quarterly": _("Quarterly maintenance"),
              "half_yearly": _("Half-yearly maintenance"), "yearly": _("Yearly maintenance"),
              "repair": _("Repair"), "rescue": _("Rescue")}
CHOICE_NAMES = {"d": _("Done"), "a": _("Adjusted"), "f": _("Fault found"), "n": _("N/A")}
REFUSALS = {
    "unknown_elevator": _("No elevator answers to this code."),
    "not_your_firm": _("This elevator is not maintained by your firm; you cannot check in here."),
    "open_elsewhere": _("You have a visit open at elevator %(elevator)s. Finish it before starting another; this attempt is recorded."),
    "forwarded": _("A forwarded location is not accepted. Please share your current location with the button."),
    "venue": _("A venue is not accepted. Please share your current location with the button."),
    "live": _("A moving live location is not a check-in. Please share your current location with the button."),
    "stale": _("This location is older than 2 minutes. Please share your current location again."),
    "far": _("You are %(metres)s m away from the elevator. Please check in at the elevator."),
    "mismatch": _("The face does not match. %(left)s attempts left; every failed attempt is recorded."),
    "face_failed": _("The face did not match three times. This visit is recorded as invalid."),
    "wrong_step": _("That is not what this visit needs now."),
    "report_gone": _("This fault report is no longer open. Please choose again."),
}
FACE_REFUSALS = ("no_face", "face_too_small", "unreadable", "replay")
LOCATION_REFUSALS = ("forwarded", "venue", "live", "stale", "far")


def location_keyboard(lang):
    """Return the keyboard with a button that shares the current location."""
    button = KeyboardButton(tr(lang, _("Share my location")), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def refuse(update, lang, refused):
    """Tell the technician why an input was refused."""
    if refused.code in FACE_REFUSALS:
        await update.effective_chat.send_message(reason_text(refused.code, lang))
    else:
        # A refused location asks again, with the button (the keyboard hides itself after one use).
        again = location_keyboard(lang) if refused.code in LOCATION_REFUSALS else None
        await say(update, lang, REFUSALS[refused.code], reply_markup=again, **refused.details)


async def checkin_command(update, context):
    """List the technician's assigned elevators to start a visit at."""
    person, lang = await technician(update, context)
    if person is None:
        return
    elevators = await rounds.nearest_first(context.bot_data["db"], person["_id"])
    if not elevators:
        await say(update, lang, _("No elevators are assigned to you. Scan the elevator's label to check in."))
        return
    buttons = [[InlineKeyboardButton(f"{e['_id'][-6:]} {e.get('address_en' if lang == 'en' else 'address', '')}"[:60],
                                     callback_data=f"v:{e['_id']}")] for e in elevators[:20]]
    await say(update, lang, _("Which elevator are you at?"), reply_markup=InlineKeyboardMarkup(buttons))


async def elevator_chosen(update, context):
    """Start a visit at the elevator tapped in the /checkin list."""
    await update.callback_query.answer()
    await start_at(update, context, update.callback_query.data.partition(":")[2])


async def start_at(update, context, code):
    """Open a visit at an elevator and ask for its type."""
    person, lang = await technician(update, context)
    if person is None:
        return
    try:
        visit = await visits.start(context.bot_data["db"], person, code)
    except visits.Refused as refused:
        await refuse(update, lang, refused)
        return
    if visit["step"] != "type":
        await ask_next(update, context, lang, visit)
        return
    buttons = [[InlineKeyboardButton(tr(lang, TYPE_NAMES[t]), callback_data=f"t:{t}")] for t in visits.VISIT_TYPES]
    await say(update, lang, _("Visit to elevator %(code)s. What kind of visit is it?"),
              reply_markup=InlineKeyboardMarkup(buttons), code=visit["elevator_id"])


async def type_chosen(update, context):
    """Record the visit type tapped and ask for the location."""
    query = update.callback_query
    await query.answer()
    await step(update, context, visits.choose_type, query.data.partition(":")[2])


async def step(update, context, action, *args, config=False):
    """Run one visit step on the technician's open visit, then ask for what comes next."""
    person, lang = await technician(update, context)
    if person is None:
        return
    db = context.bot_data["db"]
    visit = await visit_store.find_open_visit(db, person["_id"])
    if visit is None:
        await say(update, lang, _("You have no visit open. Send /checkin to start one."))
        return
    try:
        visit = await action(db, visit, *args, *((context.bot_data["config"],) if config else ()))
    except visits.Refused as refused:
        await refuse(update, lang, refused)
        return
    await ask_next(update, context, lang, visit)


async def ask_next(update, context, lang, visit):
    """Ask for what the visit needs next."""
    if "valid" in visit:  # the final record
        await say_record(update, lang, visit)
    elif visit["step"] == "report":
        await repair.ask_report(update, context, lang, visit)
    elif visit["step"] == "place":
        await say(update, lang, _("Please share your current location with the button below."),
                  reply_markup=location_keyboard(lang))
    elif visit["step"] == "checkout":
        await say(update, lang, _("Photos received. When the work is done, share your location to check out."),
                  reply_markup=location_keyboard(lang))
    elif visit["step"] == "face":
        await say(update, lang, _("Location accepted. Now send a selfie taken with the front camera."),
                  reply_markup=ReplyKeyboardRemove())
    elif visit["step"] == "checklist":
        await ask_item(update, context, lang, visit)
    elif visit["step"] == "photos":
        await say(update, lang, _("Send photos of the work: %(done)s of at least %(needed)s received."),
                  done=len(visit["photo_hashes"]), needed=context.bot_data["config"].visit_min_photos)


async def ask_item(update, context, lang, visit):
    """Show the next checklist item with one button per result."""
    if visit.get("note_for"):
        await say(update, lang, _("Fault found: please write what you found."))
        return
    code = visits.next_item(visit)
    elevator = await elevator_store.find_elevator(context.bot_data["db"], visit["elevator_id"])
    name, requirement = visits.item_text(visit, code, lang, elevator["category"])
    buttons = [[InlineKeyboardButton(tr(lang, CHOICE_NAMES[c]), callback_data=f"i:{code}:{c}") for c in pair]
               for pair in ("da", "fn")]
    await update.effective_chat.send_message(
        f"{len(visit['items']) + 1}/{len(visit['due_codes'])} {name}\n{requirement}",
        reply_markup=InlineKeyboardMarkup(buttons))


async def say_record(update, lang, record):
    """Tell the technician the visit is saved, valid or not."""
    buttons = [[b] for b in (repair.close_button(lang, record), correction.correct_button(lang, record)) if b]
    # One message: the location keyboard hides itself after use, so inline buttons can take its place.
    markup = InlineKeyboardMarkup(buttons) if buttons else ReplyKeyboardRemove()
    if record["valid"]:
        await say(update, lang, _("Check-out accepted. The visit is recorded as valid (%(minutes)s minutes)."),
                  reply_markup=markup, minutes=record["duration_s"] // 60)
    else:
        await say(update, lang, _("The visit is recorded as invalid."), reply_markup=markup)


def _location(message, edited=False):
    """Return what a visit step needs to know about a location message."""
    return {"lat": message.location.latitude, "lng": message.location.longitude,
            "accuracy": message.location.horizontal_accuracy, "sent_at": message.date,
            "forwarded": message.forward_origin is not None, "venue": message.venue is not None,
            "edited": edited}


async def location_received(update, context):
    """Take a shared location as a rescue arrival, the check-in or check-out, or the answer /today waits for."""
    location = _location(update.effective_message, edited=update.edited_message is not None)
    person, lang = await technician(update, context)
    if person is None:
        return
    if location["edited"]:  # a live location moving: never a check-in or a check-out, whatever the step
        await refuse(update, lang, visits.Refused("live"))
        return
    if await rescue.take_location(update, context, person, lang, location):
        return  # the arrival at a rescue call the technician accepted (bot/rescue.py)
    visit = await visit_store.find_open_visit(context.bot_data["db"], person["_id"])
    visit_waits = visit is not None and visit["step"] in visits.LOCATION_STEPS
    if not visit_waits and await _for_today(update, context, person, lang, location):
        return  # an answer to /today's "share my location" (bot/today.py)
    if visit is None:  # e.g. /today's button tapped after its 5 minutes
        await say(update, lang, _("Nothing is waiting for a location now. Send /checkin to start a visit, "
                                  "or /today for what is due."), reply_markup=ReplyKeyboardRemove())
    elif visit["step"] == "checkout":
        await step(update, context, _check_out, location, config=True)
    else:
        await step(update, context, _check_in, location, config=True)


async def _for_today(update, context, person, lang, location):
    """Take a location as the answer /today waits for, refusing one that is not fresh; tell whether it was."""
    try:
        return await today.take_location(update, context, person, lang, location)
    except visits.Refused as refused:
        await refuse(update, lang, refused)
        return True


async def _check_in(db, visit, location, config):
    return await visits.check_in(db, visit, location, config.geofence_m)


async def _check_out(db, visit, location, config):
    return await visits.check_out(db, visit, location, config)


async def photo_received(update, context):
    """Take a photo as the selfie or as a work photo, whichever the visit needs."""
    photo = await update.effective_message.photo[-1].get_file()
    data = bytes(await photo.download_as_bytearray())
    person, lang = await technician(update, context)
    if person is None:
        return
    visit = await visit_store.find_open_visit(context.bot_data["db"], person["_id"])
    action = visits.add_photo if visit is not None and visit["step"] == "photos" else visits.take_selfie
    await step(update, context, action, data, config=True)


async def item_answered(update, context):
    """Record the result tapped for a checklist item."""
    query = update.callback_query
    await query.answer()
    _prefix, code, choice = query.data.split(":")
    await query.edit_message_reply_markup(None)
    await step(update, context, visits.answer_item, code, choice)


async def note_received(update, context):
    """Take a text as the correction being written, else as the note a fault needs."""
    if await correction.text_received(update, context):
        return
    await step(update, context, visits.add_note, update.effective_message.text)


def add_handlers(application):
    """Register this conversation's handlers."""
    application.add_handler(CommandHandler("checkin", checkin_command))
    application.add_handler(CallbackQueryHandler(elevator_chosen, pattern=r"^v:"))
    application.add_handler(CallbackQueryHandler(type_chosen, pattern=r"^t:"))
    application.add_handler(CallbackQueryHandler(item_answered, pattern=r"^i:[^:]+:[dafn]$"))
    # Forwarded locations, venues and live-location edits (edited_message) reach location_received
    # too, on purpose: it refuses each with the reason instead of ignoring it.
    application.add_handler(MessageHandler(filters.LOCATION | filters.VENUE, location_received))
    application.add_handler(MessageHandler(filters.PHOTO, photo_received))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, note_received))
