"""Server-side cursors: a result stays a lazy iterator until the client asks for more."""

import secrets
import threading
import time

import bson

FIRST_BATCH = 101
MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024
CURSOR_IDLE_SECONDS = 600
_END = object()


class Cursors:
    """Keep open cursors between getMores; a cursor is used by one thread at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open = {}

    def first_batch(self, ns, docs, batch_size=None, single_batch=False):
        """Return the cursor reply holding the first batch, keeping the rest open."""
        docs = iter(docs)
        size = FIRST_BATCH if batch_size is None else batch_size
        batch, pending = _take(docs, size, None) if size else ([], None)
        cursor_id = 0
        if pending is not _END and not single_batch:
            cursor_id = secrets.randbits(62) + 1
            with self._lock:
                self._expire()
                self._open[cursor_id] = [ns, docs, pending, time.monotonic()]
        return {"cursor": {"firstBatch": batch, "id": bson.Int64(cursor_id), "ns": ns}}

    def next_batch(self, cursor_id, ns, batch_size=None):
        """Return the next batch of an open cursor; None if there is no such cursor on ns."""
        with self._lock:
            entry = self._open.get(cursor_id)
            if entry is None or entry[0] != ns:
                return None
            del self._open[cursor_id]
        _, docs, pending, _ = entry
        batch, pending = _take(docs, batch_size or 0, pending)
        if pending is _END:
            cursor_id = 0
        else:
            with self._lock:
                self._open[cursor_id] = [ns, docs, pending, time.monotonic()]
        return {"cursor": {"nextBatch": batch, "id": bson.Int64(cursor_id), "ns": ns}}

    def kill(self, cursor_ids):
        """Close cursors the client no longer needs."""
        killed, missing = [], []
        with self._lock:
            for cursor_id in cursor_ids:
                (killed if self._open.pop(cursor_id, None) is not None else missing).append(cursor_id)
        return {"cursorsKilled": killed, "cursorsNotFound": missing, "cursorsAlive": [], "cursorsUnknown": []}

    def _expire(self):
        limit = time.monotonic() - CURSOR_IDLE_SECONDS
        for cursor_id in [c for c, entry in self._open.items() if entry[3] < limit]:
            del self._open[cursor_id]


def _take(docs, count, pending):
    """Take up to count documents (0: any number) within the byte limit; return (batch, the next one)."""
    batch, size = [], 0
    item = next(docs, _END) if pending is None else pending
    while item is not _END:
        encoded = len(bson.encode(item))
        if batch and size + encoded > MAX_BATCH_BYTES:
            return batch, item
        batch.append(item)
        size += encoded
        # Look one ahead, so a cursor that is done closes with this batch.
        item = next(docs, _END)
        if count and len(batch) >= count:
            return batch, item
    return batch, _END
