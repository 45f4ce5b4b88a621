"""A few seconds' memory of reads that do not change within a burst of calls (see docs/storage.md).

A rescue burst asks, for every call, for the same firm's contacts and the same technicians'
Telegram chats: kept here for TTL_SECONDS, per database, they cost one query per burst
instead of one per call. Every write of this process to a cached collection forgets that
collection at once; a write by another process (the bot, `liftwatch contacts`) is seen
after TTL_SECONDS at most. Entries are shared: callers must not change what they get.
"""

import time

TTL_SECONDS = 5.0
MAX_ENTRIES = 4096

_entries = {}  # (database name, collection, key) -> (expires at, value)


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
    for entry in [e for e in _entries if e[0] == db.name and e[1] == collection]:
        _entries.pop(entry, None)
