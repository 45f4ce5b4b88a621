"""A few seconds' memory of reads that do not change within a burst of calls (see docs/storage.md).

A rescue burst asks, for every call, for the same firm's contacts and the same technicians'
Telegram chats: kept here for TTL_SECONDS, per database, they cost one query per burst
instead of one per call. Every write of this process to a cached collection forgets that
collection at once; a write by another process (the bot, `liftwatch contacts`) is seen
after TTL_SECONDS at most. Entries are shared: callers must not change what they get.

Keys asked for by many tasks at once are read once (`read_many`): when a burst's requests
move together (core/store/batch.py), 200 calls found the cache empty at the same moment and
read the same contacts 18 times.
"""

import asyncio
import time

TTL_SECONDS = 5.0
MAX_ENTRIES = 4096

_entries = {}  # (database name, collection, key) -> (expires at, value)
_reading = {}  # (database name, collection, key) -> future of the value a task is reading
_generation = {}  # (database name, collection) -> writes forgotten so far: a read from before one is not kept


def get_many(db, collection, keys):
    """Return ({key: value} of the keys still remembered, [keys to read])."""
    now, found, missing = time.monotonic(), {}, []
    for key in keys:
        entry = _entries.get((db.name, collection, key))
        if entry is not None and entry[0] > now:
            found[key] = entry[1]
        else:
            missing.append(key)
    return found, missing


def put_many(db, collection, values):
    """Remember {key: value} read just now from a collection."""
    if len(_entries) + len(values) > MAX_ENTRIES:
        _entries.clear()  # a burst fits many times over; past that, start again rather than grow
    expires = time.monotonic() + TTL_SECONDS
    for key, value in values.items():
        _entries[(db.name, collection, key)] = (expires, value)


def forget(db, collection):
    """Forget what was remembered of a collection of a database (called by every write to it here)."""
    _generation[db.name, collection] = _generation.get((db.name, collection), 0) + 1
    for entries in (_entries, _reading):
        for entry in [e for e in entries if e[0] == db.name and e[1] == collection]:
            entries.pop(entry, None)


async def read_many(db, collection, keys, read):
    """Return {key: value} of keys: remembered, being read by another task, or read here by read(missing).

    read returns {key: value} for every key it is given; what it returns is remembered.
    """
    found, missing = get_many(db, collection, keys)
    loop = asyncio.get_running_loop()
    others = {}
    for key in missing:
        future = _reading.get((db.name, collection, key))
        if future is not None and future.get_loop() is loop:
            others[key] = future
    mine = [key for key in missing if key not in others]
    if mine:
        found.update(await _read(db, collection, mine, read, loop))
    for key, future in others.items():
        found[key] = await asyncio.shield(future)
    return found


async def _read(db, collection, keys, read, loop):
    """Read keys for every task that asks for them meanwhile; remember them unless a write came in between."""
    generation = _generation.get((db.name, collection), 0)
    futures = {key: loop.create_future() for key in keys}
    for key, future in futures.items():
        _reading[db.name, collection, key] = future
    try:
        values = await read(keys)
    except BaseException as exc:
        for future in futures.values():
            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("the read was cancelled"))
            future.exception()  # nobody may wait for it: not an error left unseen
        raise
    finally:
        for key, future in futures.items():
            if _reading.get((db.name, collection, key)) is future:
                del _reading[db.name, collection, key]
    if _generation.get((db.name, collection), 0) == generation:
        put_many(db, collection, values)
    for key, future in futures.items():
        future.set_result(values[key])
    return values
