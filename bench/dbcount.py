"""A wiremongo backend that counts the commands it answers, for bench/reports.py.

    python -m wiremongo --data-dir D --backend bench.dbcount:backend

It wraps the engine the wire server runs by default and keeps, per command name and
collection, how many were answered and the seconds the engine spent on them. The command
`benchCommandCounts` (any database) returns those figures; it is answered here and never
reaches the engine. The handshake commands (`hello`, `ping`, ...) are answered by the wire
server itself and are not counted.

With `BENCH_DB_RECORD=FILE` in the environment (the server inherits the bench's), every
command is also appended to FILE, pickled, and each `benchCommandCounts` as a mark, for
bench/dbreplay.py.
"""

import os
import pickle
import threading
import time

from wiremongo.commands import wire_backend

COUNTS = "benchCommandCounts"
RECORD = "BENCH_DB_RECORD"


class CountingBackend:
    """Answer every command through the engine, counting them by name and collection."""

    def __init__(self, inner, record=None):
        self.inner = inner
        self.lock = threading.Lock()
        self.figures = {}  # "find reports" -> [count, seconds]
        self.record = open(record, "ab") if record else None  # noqa: SIM115 - open until close()

    def run(self, db_name, command):
        """Answer one command, or the counts when asked for them."""
        name = next(iter(command))
        if self.record is not None:
            with self.lock:
                pickle.dump(None if name == COUNTS else (db_name, command), self.record)
        if name == COUNTS:
            with self.lock:
                return {"counts": {k: {"n": n, "seconds": s} for k, (n, s) in self.figures.items()}, "ok": 1}
        began = time.perf_counter()
        reply = self.inner.run(db_name, command)
        spent = time.perf_counter() - began
        target = command[name]
        key = f"{name} {target}" if isinstance(target, str) else name
        with self.lock:
            figure = self.figures.setdefault(key, [0, 0.0])
            figure[0] += 1
            figure[1] += spent
        return reply

    def close(self):
        """Close the engine (and the record)."""
        self.inner.close()
        if self.record is not None:
            self.record.close()


def backend(data_dir):
    """Return the counting backend over the default engine of a data directory."""
    return CountingBackend(wire_backend(data_dir), os.environ.get(RECORD))
