"""TTL indexes expire documents in the background; reads never look for expired ones."""

import datetime
import time

from tests.wiremongo.replies import find, ok
from wiremongo.commands import Commands

NOW = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def fill(cmds, direction=1):
    ok(cmds.run("t", {"createIndexes": "sessions", "indexes": [{"key": {"at": direction}, "name": "at",
                                                                "expireAfterSeconds": 3600}]}))
    docs = [{"_id": "old", "at": NOW - datetime.timedelta(hours=2)},
            {"_id": "older-in-array", "at": [NOW + datetime.timedelta(days=1), NOW - datetime.timedelta(days=3)]},
            {"_id": "fresh", "at": NOW}, {"_id": "not-a-date", "at": "yesterday"}, {"_id": "none"}]
    ok(cmds.run("t", {"insert": "sessions", "documents": docs}))


def ids(cmds):
    return [d["_id"] for d in find(cmds, "t", {"find": "sessions", "sort": {"_id": 1}})]


def test_it_expires_documents_past_their_ttl_in_a_sweep(cmds):
    fill(cmds)
    assert cmds.ttl.sweep() == 2
    assert ids(cmds) == ["fresh", "none", "not-a-date"]


def test_it_expires_through_a_descending_ttl_index_too(cmds):
    fill(cmds, -1)
    assert cmds.ttl.sweep() == 2
    assert ids(cmds) == ["fresh", "none", "not-a-date"]


def test_it_reads_without_scanning_for_expired_documents(cmds):
    fill(cmds)
    ok(cmds.run("t", {"insert": "sessions", "documents": [{"at": NOW} for _ in range(2_000)]}))
    before = cmds.stats.docs
    assert find(cmds, "t", {"find": "sessions", "filter": {"_id": "fresh"}})[0]["_id"] == "fresh"
    assert cmds.stats.docs - before == 1


def test_it_sweeps_on_its_own_in_the_background(tmp_path):
    cmds = Commands(tmp_path, ttl_interval=0.2)
    try:
        fill(cmds)
        deadline = time.monotonic() + 10
        while "old" in ids(cmds) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ids(cmds) == ["fresh", "none", "not-a-date"]
    finally:
        cmds.close()
