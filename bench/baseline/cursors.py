"""Server-side cursors of the embedded server: large results go back in getMore batches."""

import itertools
import time

import bson

FIRST_BATCH = 101
MAX_BATCH_BYTES = 8 * 1024 * 1024
CURSOR_IDLE_SECONDS = 600


class Cursors:
    """Keep the rest of large results until the client asks for them with getMore."""

    def __init__(self):
        self._ids = itertools.count(1)
        self._open = {}

    def first_batch(self, ns, docs, batch_size, single_batch=False):
        """Return a cursor document holding the first batch, remembering the rest."""
        batch, rest = _take(docs, batch_size or FIRST_BATCH)
        cursor_id = 0
        if rest and not single_batch:
            cursor_id = next(self._ids)
            self._open[cursor_id] = (ns, rest, time.monotonic())
        self._expire()
        return {"cursor": {"id": bson.Int64(cursor_id), "ns": ns, "firstBatch": batch}}

    def next_batch(self, cursor_id, batch_size):
        """Return the next batch of an open cursor, or None if there is no such cursor."""
        if cursor_id not in self._open:
            return None
        ns, docs, _ = self._open.pop(cursor_id)
        batch, rest = _take(docs, batch_size or len(docs))
        if rest:
            self._open[cursor_id] = (ns, rest, time.monotonic())
        else:
            cursor_id = 0
        return {"cursor": {"id": bson.Int64(cursor_id), "ns": ns, "nextBatch": batch}}

    def kill(self, cursor_ids):
        """Forget cursors the client no longer needs."""
        for cursor_id in cursor_ids:
            self._open.pop(cursor_id, None)
        return {"cursorsKilled": list(cursor_ids), "cursorsNotFound": [], "cursorsAlive": [],
                "cursorsUnknown": []}

    def _expire(self):
        limit = time.monotonic() - CURSOR_IDLE_SECONDS
        for cursor_id in [c for c, (_, _, seen) in self._open.items() if seen < limit]:
            del self._open[cursor_id]


def _take(docs, batch_size):
    """Split docs into a batch no larger than the count or byte limit, and the rest."""
    size = 0
    count = 0
    for doc in docs[:batch_size]:
        size += len(bson.encode(doc))
        if count and size > MAX_BATCH_BYTES:
            break
        count += 1
    return docs[:count], docs[count:]
