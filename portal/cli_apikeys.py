"""`liftwatch apikeys add NAME`: issue an Open311 API key."""

import asyncio

from core.config import Config


def add_parser(sub):
    """Add the `apikeys` command to the liftwatch parser."""
    apikeys = sub.add_parser("apikeys", help="issue Open311 API keys")
    actions = apikeys.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="issue a key for a client and print it (shown once)")
    add.add_argument("name", help="who the key is for")
    apikeys.set_defaults(func=cmd_apikeys)


def cmd_apikeys(args):
    """Issue a key against the configured database and print it."""
    from portal.cli import database
    with database(Config.from_env()) as config:
        print(asyncio.run(_add(config, args.name)))


async def _add(config, name):
    from core.open311 import add_api_key
    from core.store.client import open_store
    store = await open_store(config)
    try:
        return await add_api_key(store.db, name[:100])
    finally:
        await store.close()
