"""Group commit: the same kind of command from many tasks of one process, sent as one per turn of the loop.

In a burst every request used to pay pymongo's and the server's fixed cost per command
for each of its writes: 200 rescue calls at once were 1,200 commands, and that cost was
two fifths of the portal's CPU (bench/rescue.py). Here the writes asked for during one
turn of the event loop leave together at the start of the next: a request alone waits for
nothing more than that turn, and under load one command carries the writes of many.

Each caller still learns the outcome of its own writes only (its write errors, with
indexes into what it gave), so the callers' logic is the same as with a command of their own.
Every use has its own Gatherer and run function in the store module of its collection, so
that a query is known by the module that owns it (tests/core/store/test_indexes_used.py).
"""

import asyncio
import weakref

from pymongo.errors import BulkWriteError

# Writes of one collection sent in one command at most (pymongo splits larger ones anyway).
MOST = 1000
DUPLICATE_KEY = 11000


class Gatherer:
    """Gather what tasks ask of one key during one turn of the event loop, and run it as one batch.

    run(key, items) returns one result per item, in order; a result that is an exception is
    raised to that item's caller only, and an exception raised by run reaches every caller.
    """

    def __init__(self, run, most=MOST):
        self.run = run
        self.most = most
        self.open = weakref.WeakKeyDictionary()  # event loop -> {key: [(item, future)]}
        self.running = set()  # keeps the batches' tasks alive until they end

    async def ask(self, key, item):
        """Add one item to the key's batch of this turn; return its result when the batch ran."""
        loop = asyncio.get_running_loop()
        batches = self.open.setdefault(loop, {})
        batch = batches.get(key)
        if batch is None:
            batch = batches[key] = []
            loop.call_soon(self._start, batches, key, batch)
        future = loop.create_future()
        batch.append((item, future))
        if len(batch) >= self.most:
            self._start(batches, key, batch)
        return await future

    def _start(self, batches, key, batch):
        if batches.get(key) is not batch:
            return  # started already, when it was full
        del batches[key]
        task = asyncio.ensure_future(self._go(key, batch))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _go(self, key, batch):
        try:
            results = await self.run(key, [item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every caller, who raises it
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results):
            if future.done():
                continue  # its caller was cancelled: the write went all the same
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)


async def write_together(collection, lists):
    """Write several callers' lists of requests in one unordered bulk; return each list's write errors.

    The errors are those of BulkWriteError.details["writeErrors"], their index into the
    caller's list; any other failure (the server unreachable, a timeout) is raised to all.
    """
    requests = [request for some in lists for request in some]
    try:
        await collection.bulk_write(requests, ordered=False)
        errors = []
    except BulkWriteError as exc:
        if exc.details.get("writeConcernErrors"):
            raise
        errors = exc.details["writeErrors"]
    results, first = [], 0
    for some in lists:
        last = first + len(some)
        results.append([{**e, "index": e["index"] - first} for e in errors if first <= e["index"] < last])
        first = last
    return results


async def find_together(collection, ids):
    """Return the documents of several callers' (hashable) ids in one query, None for those not found."""
    wanted = list(set(ids))
    cursor = collection.find({"_id": {"$in": wanted}}, batch_size=len(wanted))
    found = {doc["_id"]: doc async for doc in cursor}
    return [found.get(i) for i in ids]


async def upsert_again_if_raced(collection, requests, errors):
    """Run again the upserts that lost a race to insert (11000); raise any other write error.

    Two processes upserting the same new key at once: one insert loses with a duplicate key,
    and running its request again finds the other's document.
    """
    if any(e["code"] != DUPLICATE_KEY for e in errors):
        raise refused(errors)
    if errors:
        await collection.bulk_write([requests[e["index"]] for e in errors], ordered=False)


def refused(errors):
    """Return the exception for write errors a caller does not expect."""
    return BulkWriteError({"writeErrors": errors, "writeConcernErrors": [], "nInserted": 0, "nUpserted": 0,
                           "nMatched": 0, "nModified": 0, "nRemoved": 0, "upserted": []})
