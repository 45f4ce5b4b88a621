"""`liftwatch bot`: run the technician bot with long polling, or register the webhook."""

import asyncio

from core.config import Config


def add_parser(sub):
    """Add the `bot` command to the liftwatch parser."""
    bot = sub.add_parser("bot", help="run the technician bot with long polling (development)")
    bot.add_argument("--set-webhook", action="store_true",
                     help="register LIFTWATCH_PUBLIC_URL/telegram/webhook with Telegram instead, and exit")
    bot.set_defaults(func=cmd_bot)


def cmd_bot(args):
    """Run the bot until interrupted, or register its webhook."""
    config = Config.from_env()
    if not config.telegram_token:
        raise SystemExit("liftwatch bot: set LIFTWATCH_TELEGRAM_TOKEN (the token @BotFather gave you)")
    if args.set_webhook:
        if not config.telegram_webhook_secret:
            raise SystemExit("liftwatch bot --set-webhook: set LIFTWATCH_TELEGRAM_WEBHOOK_SECRET first")
        from bot.app import set_webhook
        print(f"webhook registered: {asyncio.run(set_webhook(config))}")
        return
    from portal.cli import database
    with database(config) as config:
        asyncio.run(_poll(config))


async def _poll(config):
    from bot.app import run_polling
    from core import faces
    from core.store.client import open_store
    store = await open_store(config)
    print("liftwatch bot polling; Ctrl-C stops it", flush=True)
    try:
        await run_polling(config, store.db)
    finally:
        await store.close()
        faces.shutdown()
