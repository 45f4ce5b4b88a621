"""Declared indexes are real, kept on disk, and used: queries read about what they return."""

import datetime

import pytest

from tests.wiremongo.replies import find, ok
from wiremongo.commands import Commands

N = 50_000
START = datetime.datetime(2020, 1, 1)


def records(n=N, elevators=2_000):
    return [{"_id": i, "elevator_id": f"E{i % elevators:05d}", "date": START + datetime.timedelta(hours=i),
             "firm_id": f"F{i % 20:02d}", "valid": i % 3 != 0} for i in range(n)]


def load(cmds, docs, coll="records"):
    for start in range(0, len(docs), 5_000):
        ok(cmds.run("t", {"insert": coll, "documents": docs[start:start + 5_000]}))


def index(cmds, key, coll="records", **options):
    name = "_".join(f"{k}_{v}" for k, v in key.items())
    ok(cmds.run("t", {"createIndexes": coll, "indexes": [{"key": key, "name": name, **options}]}))


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """An engine holding 50,000 maintenance-record-like documents with the app's indexes."""
    data = tmp_path_factory.mktemp("big")
    engine = Commands(data)
    index(engine, {"elevator_id": 1, "date": -1})
    index(engine, {"firm_id": 1})
    load(engine, records())
    yield engine
    engine.close()


def reads(cmds, command):
    before = cmds.stats.docs
    docs = find(cmds, "t", command)
    return docs, cmds.stats.docs - before


def test_it_reads_only_the_24_documents_of_a_sorted_limited_find(big):
    docs, read = reads(big, {"find": "records", "filter": {"elevator_id": "E00007"}, "sort": {"date": -1},
                             "limit": 24})
    assert [d["_id"] for d in docs] == [48_007 - 2_000 * k for k in range(24)]
    assert read <= 25


def test_it_streams_a_sort_on_an_index_prefix_in_both_directions(big):
    last, read = reads(big, {"find": "records", "sort": {"elevator_id": -1, "date": 1}, "limit": 5})
    assert read <= 6 and [d["_id"] for d in last] == [1_999 + 2_000 * k for k in range(5)]
    first, read = reads(big, {"find": "records", "sort": {"elevator_id": 1, "date": -1}, "limit": 2})
    assert read <= 3 and [d["_id"] for d in first] == [48_000, 46_000]
    oldest, read = reads(big, {"find": "records", "sort": {"firm_id": 1}, "limit": 3})
    assert read <= 4 and all(d["firm_id"] == "F00" for d in oldest)


def test_it_uses_ranges_and_in_on_indexed_fields(big):
    since = START + datetime.timedelta(hours=48_000)
    docs, read = reads(big, {"find": "records", "filter": {"elevator_id": "E00003", "date": {"$gte": since}}})
    assert [d["_id"] for d in docs] == [48_003]
    assert read == 1
    until = START + datetime.timedelta(hours=4_003)
    docs, read = reads(big, {"find": "records", "filter": {"elevator_id": "E00003", "date": {"$lt": until}}})
    assert [d["_id"] for d in docs] == [2_003, 3] and read == 2
    docs, read = reads(big, {"find": "records", "filter": {"elevator_id": {"$in": ["E00001", "E00002"]}}})
    assert len(docs) == 50 and read == 50


def test_it_counts_an_indexed_equality_without_reading_documents(big):
    before = big.stats.docs
    assert ok(big.run("t", {"count": "records", "query": {"firm_id": "F03"}}))["n"] == 2_500
    pipeline = [{"$match": {"firm_id": "F03"}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]
    assert find(big, "t", {"aggregate": "records", "pipeline": pipeline, "cursor": {}}) == [{"_id": 1, "n": 2_500}]
    assert big.stats.docs == before
    assert ok(big.run("t", {"count": "records", "query": {"firm_id": "F03", "valid": True}}))["n"] == 1_666


def test_it_finds_by_id_reading_one_document(big):
    docs, read = reads(big, {"find": "records", "filter": {"_id": 31_337}})
    assert docs[0]["elevator_id"] == "E01337" and read == 1


def test_it_streams_get_more_batches_without_reading_ahead(big):
    reply = ok(big.run("t", {"find": "records", "filter": {"firm_id": "F05"}, "batchSize": 10}))
    assert len(reply["cursor"]["firstBatch"]) == 10 and reply["cursor"]["id"]
    before = big.stats.docs
    more = ok(big.run("t", {"getMore": reply["cursor"]["id"], "collection": "records", "batchSize": 10}))
    assert len(more["cursor"]["nextBatch"]) == 10 and big.stats.docs - before <= 11
    ok(big.run("t", {"killCursors": "records", "cursors": [reply["cursor"]["id"]]}))


def test_it_keeps_indexes_across_a_restart_without_rebuilding_them(tmp_path):
    first = Commands(tmp_path)
    index(first, {"elevator_id": 1, "date": -1})
    load(first, records(5_000, 100))
    first.close()
    second = Commands(tmp_path)
    docs, read = reads(second, {"find": "records", "filter": {"elevator_id": "E00042"}, "sort": {"date": -1},
                                "limit": 24})
    assert len(docs) == 24 and read <= 25
    second.close()


def test_it_refuses_a_hint_naming_no_index(big):
    reply = big.run("t", {"find": "records", "filter": {}, "hint": "missing_1"})
    assert reply["code"] == 2 and "hint provided does not correspond to an existing index" in reply["errmsg"]
    docs, read = reads(big, {"find": "records", "filter": {"firm_id": "F01"}, "hint": {"firm_id": 1}, "limit": 2})
    assert len(docs) == 2 and read == 2


def test_it_enforces_unique_indexes_on_array_elements(cmds):
    index(cmds, {"codes": 1}, coll="elevators", unique=True)
    ok(cmds.run("t", {"insert": "elevators", "documents": [{"_id": "A", "codes": ["1", "2"]}]}))
    reply = ok(cmds.run("t", {"insert": "elevators", "documents": [{"_id": "B", "codes": ["3", "2"]}]}))
    assert reply["n"] == 0 and reply["writeErrors"][0]["code"] == 11000
    reply = ok(cmds.run("t", {"update": "elevators", "updates": [{"q": {"_id": "A"}, "u": {"$push": {"codes": "1"}}}]}))
    assert reply["nModified"] == 1
    ok(cmds.run("t", {"insert": "elevators", "documents": [{"_id": "C", "codes": ["3"]}]}))
    assert [d["_id"] for d in find(cmds, "t", {"find": "elevators", "filter": {"codes": "2"}})] == ["A"]


def test_it_refuses_to_build_a_unique_index_over_duplicates(cmds):
    ok(cmds.run("t", {"insert": "p", "documents": [{"phone": "1"}, {"phone": "1"}]}))
    reply = cmds.run("t", {"createIndexes": "p", "indexes": [{"key": {"phone": 1}, "name": "phone_1", "unique": True}]})
    assert reply["code"] == 11000
    assert [i["name"] for i in find(cmds, "t", {"listIndexes": "p"})] == ["_id_"]


def test_it_refuses_index_kinds_it_cannot_query(cmds):
    for kind in ("2dsphere", "text", "hashed"):
        reply = cmds.run("t", {"createIndexes": "geo", "indexes": [{"key": {"loc": kind}, "name": f"loc_{kind}"}]})
        assert reply["code"] == 67 and kind in reply["errmsg"]


def test_it_applies_unique_only_to_the_documents_a_sparse_or_partial_index_holds(cmds):
    index(cmds, {"phone": 1}, coll="people", unique=True, sparse=True)
    index(cmds, {"code": 1}, coll="people", unique=True, partialFilterExpression={"active": True})
    ok(cmds.run("t", {"insert": "people", "documents": [{"_id": 1}, {"_id": 2}, {"_id": 3, "code": "A"},
                                                         {"_id": 4, "code": "A", "active": True}]}))
    reply = ok(cmds.run("t", {"insert": "people", "documents": [{"_id": 5, "code": "A", "active": True}]}))
    assert reply["writeErrors"][0]["code"] == 11000
    reply = ok(cmds.run("t", {"insert": "people", "documents": [{"_id": 6, "phone": "1"}, {"_id": 7, "phone": "1"}]}))
    assert reply["n"] == 1 and reply["writeErrors"][0]["index"] == 1
    assert [d["_id"] for d in find(cmds, "t", {"find": "people", "filter": {"phone": None}})] == [1, 2, 3, 4]


def test_it_refuses_a_unique_index_on_two_documents_missing_the_field(cmds):
    ok(cmds.run("t", {"insert": "people", "documents": [{"_id": 1}, {"_id": 2}]}))
    reply = cmds.run("t", {"createIndexes": "people", "indexes": [{"key": {"phone": 1}, "name": "phone_1",
                                                                   "unique": True}]})
    assert reply["code"] == 11000


def test_it_checks_a_partial_index_filter_on_timezone_aware_inserts(cmds):
    since = datetime.datetime(2026, 1, 1)
    index(cmds, {"code": 1}, coll="claims", unique=True, partialFilterExpression={"at": {"$gte": since}})
    aware = datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc)
    ok(cmds.run("t", {"insert": "claims", "documents": [{"code": "A", "at": aware}, {"code": "A", "at": since.replace(
        year=2025)}]}))
    reply = ok(cmds.run("t", {"insert": "claims", "documents": [{"code": "A", "at": aware}]}))
    assert reply["writeErrors"][0]["code"] == 11000
