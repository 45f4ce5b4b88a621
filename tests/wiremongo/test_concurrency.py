"""Reads run beside a long command and beside a writer; nothing waits for a slow aggregate."""

import threading
import time

from tests.wiremongo.replies import find, ok


def test_it_answers_finds_while_a_long_aggregate_runs(cmds):
    docs = [{"_id": i, "name": f"elevator {i}", "firm": f"F{i % 50}"} for i in range(30_000)]
    for start in range(0, len(docs), 5_000):
        ok(cmds.run("t", {"insert": "e", "documents": docs[start:start + 5_000]}))
    # $addFields sends the rest of the pipeline to mongomock: 0.4-0.7 s here, time for many finds
    # (the floor below is lower, for faster machines).
    pipeline = [{"$match": {"name": {"$regex": "elevator [0-9]+"}}}, {"$addFields": {"x": "$name"}},
                {"$group": {"_id": "$firm", "n": {"$sum": 1}}}, {"$sort": {"n": -1}}]
    finished = []

    def long_aggregate():
        started = time.monotonic()
        find(cmds, "t", {"aggregate": "e", "pipeline": pipeline, "cursor": {}})
        finished.append(time.monotonic() - started)

    worker = threading.Thread(target=long_aggregate)
    worker.start()
    time.sleep(0.05)
    slowest, answered = 0.0, 0
    while not finished:
        started = time.monotonic()
        assert find(cmds, "t", {"find": "e", "filter": {"_id": answered % 30_000}})[0]["_id"] == answered % 30_000
        ok(cmds.run("t", {"insert": "other", "documents": [{"n": answered}]}))
        slowest = max(slowest, time.monotonic() - started)
        answered += 1
    worker.join()
    assert finished[0] > 0.2, "the aggregate must run long enough to overlap"
    # Had the finds waited for the aggregate, one would have taken about as long as it did;
    # the bound is loose because the test machine is shared (load averages of 9 on 2 cores).
    assert answered >= 5 and slowest < finished[0] / 3, (answered, slowest, finished)
