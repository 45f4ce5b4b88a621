"""What the bot says, through the Babel catalogues in the technician's language."""

from core.i18n import DEFAULT_LANGUAGE, canonical, translations
from core.store import technicians as store


def _(message):
    """Mark a message for extraction; say() translates it."""
    return message


def tr(lang, message, **params):
    """Translate a message into a language and fill in its %(name)s parameters."""
    text = translations(lang).ugettext(message)
    return text % params if params else text


async def account_of(update, context):
    """Return the linked account of the update's sender, or None."""
    user = update.effective_user
    return await store.find_account(context.bot_data["db"], user.id) if user else None


def lang_of(update, account):
    """Return the language to answer in: the account's choice, else the Telegram app's, else zh_Hans."""
    if account and account.get("lang"):
        return account["lang"]
    user = update.effective_user
    return canonical(user.language_code if user else None) or DEFAULT_LANGUAGE


async def say(update, lang, message, reply_markup=None, **params):
    """Send a translated message to the chat the update came from."""
    await update.effective_chat.send_message(tr(lang, message, **params), reply_markup=reply_markup)


async def technician(update, context):
    """Return (person, lang) of a linked technician, or (None, lang) after telling them to link."""
    account = await account_of(update, context)
    lang = lang_of(update, account)
    person = await store.find_person(context.bot_data["db"], account["person_id"]) if account else None
    if person is None:
        await say(update, lang, _("This Telegram account is not linked yet. Please open the invite link your firm gave you."))
    return person, lang
