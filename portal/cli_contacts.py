"""`liftwatch contacts`: list, add and remove who is told of what."""

import asyncio

from core.config import Config
from core.notify.routing import CONTACT_KINDS


def add_parser(sub):
    """Add the `contacts` command and its subcommands to the liftwatch parser."""
    contacts = sub.add_parser("contacts", help="list, add or remove notification contacts")
    actions = contacts.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list contacts, of one organisation or of all")
    listing.add_argument("org", nargs="?", help="organisation id (F01, U01, R01, ...)")
    add = actions.add_parser("add", help="add a contact (or change its language)")
    add.add_argument("org", help="organisation id")
    add.add_argument("kind", help=f"kind of message: {', '.join(CONTACT_KINDS)}")
    add.add_argument("channel", help="email, telegram, dingtalk, wecom or console")
    add.add_argument("address", help="email address, chat id, robot token[:secret], robot key or label")
    add.add_argument("--lang", default="zh_Hans", help="language of the messages (zh_Hans or en)")
    remove = actions.add_parser("remove", help="remove an organisation's contacts of a kind")
    remove.add_argument("org", help="organisation id")
    remove.add_argument("kind", help="kind of message")
    remove.add_argument("channel", nargs="?", help="only this channel")
    remove.add_argument("address", nargs="?", help="only this address")
    contacts.set_defaults(func=cmd_contacts)


def cmd_contacts(args):
    """Run one contacts subcommand against the configured database."""
    from portal.cli import database
    with database(Config.from_env()) as config:
        asyncio.run(_run(config, args))


async def _run(config, args):
    from core.store.client import open_store
    store = await open_store(config)
    try:
        await ACTIONS[args.action](store.db, args)
    finally:
        await store.close()


async def _list(db, args):
    from core.notify.contacts import shown_address
    from core.store.contacts import find_contacts
    found = await find_contacts(db, args.org)
    for c in found:
        print(f"{c['org_id']:<6} {c['kind']:<22} {c['channel']:<9} {c['lang']:<8} {shown_address(c)}")
    if not found:
        print("no contacts" + (f" for {args.org}" if args.org else ""))


async def _add(db, args):
    from core.notify.contacts import ContactError, add_contact
    try:
        new = await add_contact(db, args.org, args.kind, args.channel, args.address, args.lang)
    except ContactError as exc:
        raise SystemExit(f"liftwatch contacts add: {exc}") from None
    print(f"{'added' if new else 'updated'}: {args.org} {args.kind} {args.channel} {args.address} ({args.lang})")


async def _remove(db, args):
    from core.notify.contacts import remove_contacts
    count = await remove_contacts(db, args.org, args.kind, args.channel, args.address)
    if not count:
        raise SystemExit(f"liftwatch contacts remove: no such contact of {args.org} for {args.kind}")
    print(f"removed {count} contact{'s' if count != 1 else ''}")


ACTIONS = {"list": _list, "add": _add, "remove": _remove}
