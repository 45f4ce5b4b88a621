"""`liftwatch technicians add`: enrol a technician with reference face photos and print an invite link."""

import asyncio
import datetime
from pathlib import Path

from core.config import Config


def add_parser(sub):
    """Add the `technicians` command and its subcommands to the liftwatch parser."""
    technicians = sub.add_parser("technicians", help="enrol technicians")
    actions = technicians.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="enrol a technician and print a one-time invite link to the bot")
    add.add_argument("--firm", required=True, help="the firm's id (F01, ...)")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True)
    add.add_argument("--cert", required=True, help="certificate number")
    add.add_argument("--cert-expires", required=True, type=datetime.date.fromisoformat, help="YYYY-MM-DD")
    add.add_argument("--photo", required=True, action="append", type=Path,
                     help="a reference photo of the face alone (repeat for more)")
    technicians.set_defaults(func=cmd_technicians)


def cmd_technicians(args):
    """Run one technicians subcommand against the configured database."""
    from portal.cli import database
    with database(Config.from_env()) as config:
        asyncio.run(_add(config, args))


async def _bot_username(config):
    """Return the bot's username: LIFTWATCH_TELEGRAM_BOT_USERNAME, else getMe."""
    if config.telegram_bot_username:
        return config.telegram_bot_username
    if not config.telegram_token:
        raise SystemExit("liftwatch technicians add: set LIFTWATCH_TELEGRAM_TOKEN or LIFTWATCH_TELEGRAM_BOT_USERNAME")
    import httpx
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"{config.telegram_api_url}/bot{config.telegram_token}/getMe")
    return answer.json()["result"]["username"]


async def _add(config, args):
    from core import faces, technicians
    from core.store.client import open_store
    from core.store.orgs import find_firm
    images = [_read(path) for path in args.photo]
    expires = datetime.datetime.combine(args.cert_expires, datetime.time(), datetime.UTC)
    username = await _bot_username(config)
    store = await open_store(config)
    try:
        person_id, token = await technicians.enrol(
            store.db, config, await find_firm(store.db, args.firm), args.name, args.phone, args.cert, expires, images)
    except technicians.EnrolmentError as exc:
        raise SystemExit(f"liftwatch technicians add: {exc}") from None
    finally:
        await store.close()
        faces.shutdown()
    print(f"enrolled {person_id} ({args.name}, {args.firm}) with {len(images)} reference photo(s)")
    print(f"invite link, valid {technicians.INVITE_DAYS} days, usable once: {technicians.invite_link(username, token)}")


def _read(path):
    """Return a photo file's bytes, or stop with the reason."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SystemExit(f"liftwatch technicians add: cannot read {path}: {exc.strerror}") from None
