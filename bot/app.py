"""The technician bot: one python-telegram-bot Application, fed by long polling or by the portal's webhook."""

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot import confirmation, correction, history, repair, rescue, start, today, visit
from bot.texts import _, lang_of, say
from core import clock
from core.store import technicians as store

log = logging.getLogger(__name__)


async def update_seen(update, context):
    """Stop an update Telegram delivered before (a retry) from being handled twice."""
    if not await store.record_update(context.bot_data["db"], update.update_id, clock.now()):
        log.info("update %s delivered again; already handled", update.update_id)
        raise ApplicationHandlerStop


async def error_raised(update, context):
    """Log an error first, then tell the technician something went wrong."""
    log.error("update %s failed", getattr(update, "update_id", None), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        await say(update, lang_of(update, None), _("Something went wrong. Please try again in a moment."))


def build_application(config, db, polling=False):
    """Build the bot's Application on the configured Bot API server, with every handler."""
    api = config.telegram_api_url
    builder = (Application.builder().token(config.telegram_token)
               .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot"))
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data.update(db=db, config=config)
    application.add_handler(TypeHandler(Update, update_seen), group=-1)
    start.add_handlers(application)
    today.add_handlers(application)
    history.add_handlers(application)
    visit.add_handlers(application)
    repair.add_handlers(application)
    correction.add_handlers(application)
    confirmation.add_handlers(application)
    rescue.add_handlers(application)
    application.add_error_handler(error_raised)
    return application


async def run_polling(config, db, stop=None):
    """Run the bot with long polling until stop is set (or SIGINT/SIGTERM)."""
    if stop is None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    application = build_application(config, db, polling=True)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=10,
                                                allowed_updates=Update.ALL_TYPES)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


async def set_webhook(config):
    """Register LIFTWATCH_PUBLIC_URL/telegram/webhook with Telegram, with the secret token."""
    application = build_application(config, None)
    async with application:
        url = f"{config.public_url}/telegram/webhook"
        await application.bot.set_webhook(url, secret_token=config.telegram_webhook_secret or None,
                                          allowed_updates=Update.ALL_TYPES)
    return url
