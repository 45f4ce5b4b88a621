"""Open and close the MongoDB client: the real server when configured, else the embedded default."""

import logging

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from core.store.embedded import EmbeddedProcess
from core.store.indexes import ensure_indexes

log = logging.getLogger(__name__)

# What callers outside core/store catch when the database cannot answer.
DatabaseError = PyMongoError


class Store:
    """The database handle the app and the bot share, plus what it started."""

    def __init__(self, client, db, embedded=None):
        self.client = client
        self.db = db
        self.embedded = embedded

    async def ping(self):
        """Tell whether the database answers."""
        try:
            await self.db.command("ping")
            return True
        except PyMongoError:
            return False

    async def close(self):
        """Close the client and stop an embedded server this store started."""
        await self.client.close()
        if self.embedded is not None:
            self.embedded.stop()


def resolve_uri(config):
    """Return (uri, embedded process or None), starting the embedded server if no URI is set."""
    if config.mongodb_uri:
        return config.mongodb_uri, None
    embedded = EmbeddedProcess(config.data_dir)
    return embedded.start(), embedded


async def open_store(config, uri=None, db_name=None, create_indexes=True):
    """Connect to the configured database and make sure its indexes exist."""
    embedded = None
    if uri is None:
        uri, embedded = resolve_uri(config)
    # tz_aware: datetimes come back in UTC with tzinfo, and the pages convert to local time.
    # timeoutMS bounds every operation as a whole (server selection, connecting, waiting for a
    # pooled connection, the reply): without it a frozen server held requests for 20-28 s.
    client = AsyncMongoClient(uri, tz_aware=True, timeoutMS=config.db_timeout_ms,
                              serverSelectionTimeoutMS=config.db_timeout_ms,
                              maxPoolSize=20, appname="liftwatch")
    db = client[db_name or config.db_name]
    if create_indexes:
        await ensure_indexes(db)
    return Store(client, db, embedded)
