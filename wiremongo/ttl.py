"""Expire documents of TTL indexes in the background, walking the index from its oldest date.

Like MongoDB's TTL monitor it runs about once a minute, so a document may outlive its expiry
by that much; reads never look for expired documents.
"""

import datetime
import logging
import threading

import bson

from wiremongo import keys

log = logging.getLogger(__name__)
BATCH = 1000


class TTLMonitor:
    """A daemon thread that deletes expired documents every interval seconds."""

    def __init__(self, commands, interval):
        self.commands = commands
        self.interval = interval
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Start the sweeping thread."""
        self._thread = threading.Thread(target=self._loop, name="wiremongo-ttl", daemon=True)
        self._thread.start()

    def stop(self):
        """Stop the sweeping thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self):
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception as exc:  # noqa: BLE001 - the monitor must outlive one bad sweep
                log.warning("wiremongo: TTL sweep failed: %s: %s", type(exc).__name__, exc)

    def sweep(self, now=None):
        """Delete every expired document now; return how many."""
        now = now or datetime.datetime.now(datetime.timezone.utc)
        removed = 0
        for name in self.commands.database_names():
            db = self.commands.database(name)
            if db is None:
                continue
            for coll in list(db.catalog.values()):
                for index in coll.indexes:
                    if "expireAfterSeconds" in index.spec:
                        removed += _expire(db, coll.name, index, now)
        return removed


def _expire(db, coll_name, index, now):
    cutoff = now - datetime.timedelta(seconds=float(index.spec["expireAfterSeconds"]))
    lo, hi = bytes([keys.DATE]), keys.encode(cutoff)
    if list(index.spec["key"].values())[0] < 0:  # stored byte-inverted: older dates sort last
        lo, hi = keys.prefix_end(keys.invert(hi)), bytes([256 - keys.DATE])
    removed = 0
    while True:
        with db.writing() as txn:
            coll = txn.collection(coll_name, create=False)
            if coll is None or coll.index_named(index.name) is None:
                return removed
            rows = txn.conn.execute(f"SELECT DISTINCT c.rid, c.doc FROM {index.table} i JOIN {coll.table} c "
                                    f"ON c.rid = i.rid WHERE i.k >= ? AND i.k < ? LIMIT ?", (lo, hi, BATCH)).fetchall()
            for rid, raw in rows:
                txn.delete(coll, rid, bson.decode(raw))
            removed += len(rows)
        if len(rows) < BATCH:
            return removed
