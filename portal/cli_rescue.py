"""`liftwatch dispatch-link F01 [--revoke]`: the signed address of a firm's board of open rescue calls."""

import asyncio

from core.config import Config


def add_parser(sub):
    """Add the `dispatch-link` command to the liftwatch parser."""
    link = sub.add_parser("dispatch-link", help="print the signed address of a firm's rescue dispatch board")
    link.add_argument("firm", help="the firm's id, such as F01")
    link.add_argument("--revoke", action="store_true", help="void every address given out before and print a new one")
    link.set_defaults(func=cmd_dispatch_link)


def cmd_dispatch_link(args):
    """Print the board's address (a new one with --revoke)."""
    from portal.cli import database
    with database(Config.from_env()) as config:
        url = asyncio.run(_link(config, args.firm, args.revoke))
    if url is None:
        raise SystemExit(f"liftwatch dispatch-link: no firm {args.firm!r}")
    print(url)


async def _link(config, firm_id, revoke):
    from core import guard
    from core.rescue_board import dispatch_link
    from core.store.client import open_store
    store = await open_store(config)
    try:
        return await dispatch_link(store.db, guard.load_secret_key(config), config.public_url, firm_id, revoke)
    finally:
        await store.close()
