"""/start with an invite token or an elevator link, and /language."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import visit
from bot.texts import _, account_of, lang_of, say
from core import technicians
from core.i18n import LANGUAGES
from core.store import technicians as store

LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}
# By whether the person is a using unit's safety officer (they confirm records) or a technician.
WELCOME = {
    False: _("Welcome, %(name)s. Your Telegram account is linked. Send /checkin when you arrive at an elevator."),
    True: _("Welcome, %(name)s. Your Telegram account is linked: you will be asked here to confirm maintenance records."),
}


async def start_command(update, context):
    """Link the account with an invite token, or start a visit from an elevator's link."""
    payload = context.args[0] if context.args else ""
    if payload.startswith("v_"):
        await visit.start_at(update, context, payload[2:])
        return
    account = await account_of(update, context)
    lang = lang_of(update, account)
    if not payload:
        await say(update, lang, _("Welcome. Send /checkin when you arrive at an elevator.") if account
                  else _("This Telegram account is not linked yet. Please open the invite link your firm gave you."))
        return
    person = await technicians.redeem(context.bot_data["db"], payload, update.effective_user.id, lang)
    if person is None:
        await say(update, lang, _("This invite link is not valid: it was used already or has expired. Ask your firm for a new one."))
        return
    await say(update, lang, WELCOME["safety_officer" in person.get("roles", ())], name=person["name"])


async def language_command(update, context):
    """Offer the languages the bot speaks."""
    lang = lang_of(update, await account_of(update, context))
    buttons = [[InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}") for code in LANGUAGES]]
    await say(update, lang, _("Choose a language."), reply_markup=InlineKeyboardMarkup(buttons))


async def language_chosen(update, context):
    """Store the language the technician tapped."""
    query = update.callback_query
    await query.answer()
    lang = query.data.partition(":")[2]
    if lang not in LANGUAGES:
        return
    await store.set_account_lang(context.bot_data["db"], update.effective_user.id, lang)
    await query.edit_message_reply_markup(None)
    await say(update, lang, _("The bot now speaks English."))


def add_handlers(application):
    """Register this conversation's handlers."""
    application.add_handler(CommandHandler("start", start_command))
    application.add_handler(CommandHandler("language", language_command))
    application.add_handler(CallbackQueryHandler(language_chosen, pattern=r"^lang:"))

