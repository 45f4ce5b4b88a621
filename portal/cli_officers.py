"""`liftwatch officers add`: a using unit's safety officer, who confirms maintenance records in Telegram."""

import asyncio

from core.config import Config


def add_parser(sub):
    """Add the `officers` command and its subcommands to the liftwatch parser."""
    officers = sub.add_parser("officers", help="using units' safety officers (they confirm records in the bot)")
    actions = officers.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a safety officer and print a one-time invite link to the bot")
    add.add_argument("--unit", required=True, help="the using unit's id (U01, ...)")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True)
    officers.set_defaults(func=cmd_officers)


def cmd_officers(args):
    """Run one officers subcommand against the configured database."""
    from portal.cli import database
    with database(Config.from_env()) as config:
        asyncio.run(_add(config, args))


async def _add(config, args):
    from core import technicians
    from core.store.client import open_store
    from core.store.orgs import find_unit
    from portal.cli_technicians import _bot_username
    username = await _bot_username(config)
    store = await open_store(config)
    try:
        person_id, token = await technicians.add_officer(store.db, await find_unit(store.db, args.unit),
                                                         args.name, args.phone)
    except technicians.EnrolmentError as exc:
        raise SystemExit(f"liftwatch officers add: {exc}") from None
    finally:
        await store.close()
    print(f"added safety officer {person_id} ({args.name}, {args.unit})")
    print(f"invite link, valid {technicians.INVITE_DAYS} days, usable once: {technicians.invite_link(username, token)}")
