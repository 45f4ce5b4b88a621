"""The wire server's engine sends stored BSON back as it is, with the same answers as in-process."""

import datetime

import bson
from bson.raw_bson import RawBSONDocument

from wiremongo.commands import Commands


def _engines(tmp_path):
    docs = [{"_id": i, "lift": f"L{i % 3}", "at": datetime.datetime(2026, 1, 1) + datetime.timedelta(days=i),
             "items": [{"n": i}]} for i in range(60)]
    plain, raw = Commands(tmp_path / "plain"), Commands(tmp_path / "raw", raw_batches=True)
    for engine in (plain, raw):
        engine.run("t", {"createIndexes": "c", "indexes": [{"key": {"lift": 1, "at": -1}, "name": "lift_at"}]})
        assert engine.run("t", {"insert": "c", "documents": [dict(d) for d in docs]})["n"] == 60
    return plain, raw


def _all(engine, command):
    reply = engine.run("t", command)
    cursor = reply["cursor"]
    docs = list(cursor["firstBatch"])
    while cursor["id"]:
        cursor = engine.run("t", {"getMore": cursor["id"], "collection": "c", "batchSize": 3})["cursor"]
        docs += cursor["nextBatch"]
    return docs


def test_it_answers_finds_with_raw_documents_equal_to_the_decoded_ones(tmp_path):
    plain, raw = _engines(tmp_path)
    try:
        for find in ({"filter": {"lift": "L1"}, "sort": {"at": -1}, "skip": 2, "limit": 7, "batchSize": 4},
                     {"filter": {"lift": "L2"}, "batchSize": 5},
                     {"filter": {"_id": 7}},
                     {"filter": {"lift": "L0", "at": {"$gte": datetime.datetime(2026, 1, 20)}}, "sort": {"_id": 1}},
                     {"filter": {"lift": "L1"}, "projection": {"at": 1}, "limit": 3}):
            expected = _all(plain, {"find": "c", **find})
            got = _all(raw, {"find": "c", **find})
            assert expected and all(type(doc) is RawBSONDocument for doc in got)
            assert [bson.decode(doc.raw) for doc in got] == expected, find
    finally:
        plain.close()
        raw.close()
