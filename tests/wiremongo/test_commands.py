"""Commands answer as MongoDB does on the subset, and refuse the rest in MongoDB's error shape."""

import datetime
import logging
import sqlite3

from bson import Int64, ObjectId

from tests.wiremongo.replies import find, ok
from wiremongo import query


def test_it_answers_an_empty_command_with_command_not_found(cmds):
    for command in ({}, {"frobnicate": 1}):
        reply = cmds.run("t", command)
        assert reply["ok"] == 0.0 and reply["code"] == 59 and reply["codeName"] == "CommandNotFound"


def test_it_refuses_a_list_as_id(cmds):
    reply = ok(cmds.run("t", {"insert": "c", "documents": [{"_id": [1, 2]}]}))
    assert reply["n"] == 0 and reply["writeErrors"][0]["code"] == 53
    assert "can't use an array for _id" in reply["writeErrors"][0]["errmsg"]


def test_it_replaces_the_first_match_of_a_non_equality_id_filter(cmds):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": 1, "x": 1}, {"_id": 2, "x": 2}, {"_id": 3, "x": 3}]}))
    reply = ok(cmds.run("t", {"update": "c", "updates": [{"q": {"_id": {"$gt": 1}}, "u": {"x": "new"}}]}))
    assert reply["n"] == 1 and reply["nModified"] == 1
    reply = ok(cmds.run("t", {"findAndModify": "c", "query": {"_id": {"$gt": 2}}, "update": {"y": 1}, "new": True}))
    assert reply["value"] == {"_id": 3, "y": 1}
    assert find(cmds, "t", {"find": "c"}) == [{"_id": 1, "x": 1}, {"_id": 2, "x": "new"}, {"_id": 3, "y": 1}]


def test_it_refuses_to_change_an_id_by_replacement(cmds):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": 1}]}))
    reply = ok(cmds.run("t", {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"_id": 2}}]}))
    assert reply["writeErrors"][0]["code"] == 66


def test_it_upserts_the_equality_conditions_inside_a_top_level_and(cmds):
    command = {"update": "c", "updates": [{"q": {"$and": [{"code": "A"}, {"n": {"$gt": 1}}, {"at.day": 3}]},
                                            "u": {"$set": {"v": 1}}, "upsert": True}]}
    reply = ok(cmds.run("t", command))
    new_id = reply["upserted"][0]["_id"]
    assert find(cmds, "t", {"find": "c"}) == [{"_id": new_id, "code": "A", "at": {"day": 3}, "v": 1}]


def test_it_keeps_types_and_millisecond_datetimes(cmds):
    moment = datetime.datetime(2026, 3, 14, 1, 59, 26, 535_999, tzinfo=datetime.timezone.utc)
    doc = {"_id": ObjectId(), "i": 7, "big": Int64(2**40), "small": Int64(3), "f": 2.5, "t": True, "n": None,
           "at": moment, "nested": {"deep": [1, {"x": moment}]}}
    ok(cmds.run("t", {"insert": "c", "documents": [doc]}))
    got = find(cmds, "t", {"find": "c"})[0]
    assert type(got["small"]) is Int64 and type(got["i"]) is int and type(got["t"]) is bool
    assert got["at"] == datetime.datetime(2026, 3, 14, 1, 59, 26, 535_000)


def test_it_returns_distinct_values_in_bson_order(cmds):
    values = ["b", 2, None, True, "a", 1.5, ObjectId("65a1b2c3d4e5f60718293a4b"), {"k": 1}]
    ok(cmds.run("t", {"insert": "c", "documents": [{"v": v} for v in values]}))
    got = ok(cmds.run("t", {"distinct": "c", "key": "v"}))["values"]
    assert got == [None, 1.5, 2, "a", "b", {"k": 1}, ObjectId("65a1b2c3d4e5f60718293a4b"), True]


def test_it_refuses_unsupported_options_naming_them(cmds):
    refused = [
        ({"find": "c", "collation": {"locale": "fr"}}, 115, "collation"),
        ({"find": "c", "let": {"x": 1}}, 115, "let"),
        ({"aggregate": "c", "pipeline": [{"$lookup": {"from": "d"}}], "cursor": {}}, 115, "$lookup"),
        ({"aggregate": "c", "pipeline": [{"$out": "d"}], "cursor": {}}, 115, "$out"),
        ({"find": "c", "filter": {"$where": "true"}}, 115, "$where"),
        ({"find": "c", "filter": {"$text": {"$search": "x"}}}, 115, "$text"),
        ({"update": "c", "updates": [{"q": {}, "u": [{"$set": {"a": 1}}]}]}, 115, "pipeline update"),
        ({"update": "c", "updates": [{"q": {}, "u": {"$set": {"a.$[x]": 1}}, "arrayFilters": [{"x": 1}]}]}, 115,
         "arrayFilters"),
        ({"find": "c", "tailable": True}, 115, "tailable"),
        ({"find": "c", "bogus": 1}, 40415, "bogus"),
    ]
    for command, code, named in refused:
        reply = cmds.run("t", command)
        errors = reply.get("writeErrors") or [reply]
        assert errors[0]["code"] == code and named in errors[0]["errmsg"], (command, reply)


def test_it_answers_every_malformed_command_with_an_error_reply(cmds, caplog):
    ok(cmds.run("t", {"insert": "c", "documents": [{"a": [1, {"b": 2}]}]}))
    garbage = [{"find": 5}, {"find": "c", "filter": 3}, {"find": "c", "sort": {"a": "up"}}, {"insert": "c"},
               {"insert": "c", "documents": [5]}, {"update": "c", "updates": [{"q": {}, "u": 5}]},
               {"update": "c", "updates": [{"q": {}, "u": {"$bogus": {"a": 1}}}]}, {"delete": "c", "deletes": [5]},
               {"getMore": 12345, "collection": "c"}, {"find": "c", "filter": {"a": {"$frob": 1}}},
               {"aggregate": "c", "pipeline": 7, "cursor": {}}, {"createIndexes": "c", "indexes": [{"key": {}}]},
               {"find": "c", "projection": {"a": 1, "b": 0}}, {"find": "c", "skip": -1},
               {"update": "c", "updates": [{"q": {}, "u": {"$inc": {"a": "x"}}}]}, {"distinct": "c", "key": 3}]
    with caplog.at_level(logging.WARNING):
        for command in garbage:
            reply = cmds.run("t", command)
            errors = reply.get("writeErrors") or [reply]
            assert reply["ok"] in (0.0, 1.0) and errors[0]["code"] not in (None, 0), (command, reply)
    assert "Traceback" not in caplog.text


def test_it_answers_the_handshake_on_its_own(cmds):
    hello = ok(cmds.run("admin", {"hello": 1}))
    assert hello["maxWireVersion"] == 21 and hello["isWritablePrimary"] is True
    assert ok(cmds.run("admin", {"buildInfo": 1}))["version"].startswith("7.0")
    ok(cmds.run("admin", {"ping": 1}))


def test_it_lists_drops_and_renames_collections(cmds):
    ok(cmds.run("t", {"insert": "a", "documents": [{"x": 1}]}))
    ok(cmds.run("t", {"create": "b"}))
    assert cmds.run("t", {"create": "b"})["code"] == 48
    assert [c["name"] for c in find(cmds, "t", {"listCollections": 1})] == ["a", "b"]
    ok(cmds.run("admin", {"renameCollection": "t.a", "to": "t.z"}))
    assert find(cmds, "t", {"find": "z"})[0]["x"] == 1
    ok(cmds.run("t", {"drop": "z"}))
    assert [c["name"] for c in find(cmds, "t", {"listCollections": 1, "nameOnly": True})] == ["b"]
    assert [d["name"] for d in ok(cmds.run("admin", {"listDatabases": 1}))["databases"]] == ["t"]
    ok(cmds.run("t", {"dropDatabase": 1}))
    assert ok(cmds.run("admin", {"listDatabases": 1}))["databases"] == []


def test_it_runs_the_aggregation_stages_of_the_subset(cmds):
    docs = [{"firm": f"F{i % 3}", "n": i, "tags": ["a", "b"][: i % 3]} for i in range(12)]
    ok(cmds.run("t", {"insert": "c", "documents": docs}))
    pipeline = [{"$match": {"n": {"$gte": 3}}}, {"$group": {"_id": "$firm", "total": {"$sum": "$n"},
                                                            "most": {"$max": "$n"}, "avg": {"$avg": "$n"}}},
                {"$sort": {"_id": 1}}, {"$project": {"total": 1, "most": 1}}]
    got = find(cmds, "t", {"aggregate": "c", "pipeline": pipeline, "cursor": {}})
    assert got == [{"_id": "F0", "total": 3 + 6 + 9, "most": 9}, {"_id": "F1", "total": 4 + 7 + 10, "most": 10},
                   {"_id": "F2", "total": 5 + 8 + 11, "most": 11}]
    unwound = find(cmds, "t", {"aggregate": "c", "pipeline": [{"$unwind": "$tags"}, {"$sortByCount": "$tags"}],
                               "cursor": {}})
    assert unwound == [{"_id": "a", "count": 8}, {"_id": "b", "count": 4}]
    assert find(cmds, "t", {"aggregate": "c", "pipeline": [{"$skip": 10}, {"$count": "n"}], "cursor": {}}) == \
        [{"n": 2}]


def test_it_refuses_an_unindexed_sort_beyond_its_memory_limit(cmds, monkeypatch):
    ok(cmds.run("t", {"insert": "c", "documents": [{"n": i, "pad": "x" * 100} for i in range(50)]}))
    monkeypatch.setattr(query, "MAX_SORT_BYTES", 2_000)
    reply = cmds.run("t", {"find": "c", "sort": {"n": -1}})
    assert reply["code"] == 292 and reply["codeName"] == "QueryExceededMemoryLimitNoDiskUseAllowed"
    top = find(cmds, "t", {"find": "c", "sort": {"n": -1}, "limit": 3})
    assert [d["n"] for d in top] == [49, 48, 47]


def test_it_updates_each_match_once_when_the_update_moves_its_index_key(cmds):
    ok(cmds.run("t", {"createIndexes": "c", "indexes": [{"key": {"n": 1}, "name": "n_1"}]}))
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": i, "n": i} for i in range(100)]}))
    reply = ok(cmds.run("t", {"update": "c", "updates": [{"q": {"n": {"$gte": 0}}, "u": {"$inc": {"n": 1000}},
                                                          "multi": True}]}))
    assert reply["n"] == 100 and reply["nModified"] == 100
    assert sorted(d["n"] for d in find(cmds, "t", {"find": "c"})) == list(range(1000, 1100))
    assert len(find(cmds, "t", {"find": "c", "filter": {"n": {"$gte": 1050}}})) == 50


def test_it_keeps_64_bit_integers_through_inc(cmds):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": 1, "n": Int64(5), "m": 1, "deep": {"n": Int64(1)}}]}))
    ok(cmds.run("t", {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"n": 1, "m": Int64(1),
                                                                                 "deep.n": 2}}}]}))
    doc = find(cmds, "t", {"find": "c"})[0]
    assert type(doc["n"]) is Int64 and doc["n"] == 6 and type(doc["m"]) is Int64 and type(doc["deep"]["n"]) is Int64


def test_it_tells_booleans_from_numbers_and_key_orders_apart_in_equality(cmds):
    docs = [{"_id": 1, "v": True}, {"_id": 2, "v": 1}, {"_id": 3, "v": False}, {"_id": 4, "v": 0},
            {"_id": 5, "v": {"x": 1, "y": 2}}, {"_id": 6, "v": {"y": 2, "x": 1}}, {"_id": 7, "v": [1.0, True]}]
    ok(cmds.run("t", {"insert": "c", "documents": docs}))

    def ids(filter_doc):
        return [d["_id"] for d in find(cmds, "t", {"find": "c", "filter": filter_doc})]

    assert ids({"v": 1}) == [2, 7] and ids({"v": True}) == [1, 7] and ids({"v": {"$in": [0]}}) == [4]
    assert ids({"v": {"x": 1, "y": 2}}) == [5] and ids({"$and": [{"v": {"$eq": False}}]}) == [3]
    assert ids({"v": {"$ne": 0}}) == [1, 2, 3, 5, 6, 7] and ids({"v": {"$nin": [True, 1]}}) == [3, 4, 5, 6]
    assert ids({"$or": [{"v": 0}, {"v": {"y": 2, "x": 1}}]}) == [4, 6] and ids({"$nor": [{"v": False}]}) == \
        [1, 2, 4, 5, 6, 7]


def test_it_scans_in_natural_order_both_ways(cmds):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": i} for i in (5, 1, 9, 3)]}))
    assert [d["_id"] for d in find(cmds, "t", {"find": "c", "sort": {"$natural": -1}})] == [3, 9, 1, 5]
    assert [d["_id"] for d in find(cmds, "t", {"find": "c", "hint": {"$natural": 1}})] == [5, 1, 9, 3]


def test_it_matches_by_type_including_null_and_numbers(cmds):
    docs = [{"_id": 1, "v": None}, {"_id": 2, "v": 1}, {"_id": 3, "v": Int64(1)}, {"_id": 4, "v": 1.5},
            {"_id": 5, "v": "s"}, {"_id": 6, "v": [True]}, {"_id": 7}]
    ok(cmds.run("t", {"insert": "c", "documents": docs}))

    def ids(alias):
        return [d["_id"] for d in find(cmds, "t", {"find": "c", "filter": {"v": {"$type": alias}}})]

    assert ids("null") == [1] and ids(10) == [1] and ids("int") == [2] and ids("long") == [3]
    assert ids("number") == [2, 3, 4] and ids(["string", "bool"]) == [5, 6] and ids("array") == [6]
    assert cmds.run("t", {"find": "c", "filter": {"v": {"$type": "nonsense"}}})["code"] == 2


def test_it_refuses_a_statement_field_mongodb_7_does_not_know_for_the_whole_command(cmds):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": 1}, {"_id": 2}]}))
    reply = cmds.run("t", {"update": "c", "updates": [{"q": {}, "u": {"$set": {"x": 1}}, "sort": {"_id": -1}}]})
    assert reply["ok"] == 0.0 and reply["code"] == 40415 and "sort" in reply["errmsg"]
    assert cmds.run("t", {"collMod": "c"})["code"] == 115


def test_it_answers_a_query_on_a_collection_dropped_under_it_with_query_plan_killed(cmds):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": i} for i in range(300)]}))
    first = ok(cmds.run("t", {"find": "c", "batchSize": 2}))["cursor"]
    ok(cmds.run("t", {"drop": "c"}))
    reply = cmds.run("t", {"getMore": first["id"], "collection": "c"})
    assert reply["ok"] == 0.0 and reply["code"] == 175


def test_it_answers_an_internal_failure_with_one_log_line_and_no_traceback(cmds, caplog):
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": 1}]}))
    db_file = next((cmds.dir).glob("d_*.sqlite"))
    other = sqlite3.connect(db_file)  # another program damages the file under the engine
    other.execute(f"UPDATE c{cmds.database('t').collection('c').tid} SET doc = x'0900000000'")
    other.commit()
    other.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        reply = cmds.run("t", {"find": "c", "filter": {}})
    assert reply["ok"] == 0.0 and reply["code"] == 1 and reply["codeName"] == "InternalError"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None and "find" in warnings[0].getMessage()


def test_it_leaves_a_matched_document_alone_when_an_upsert_only_sets_on_insert(cmds):
    upsert = {"update": "c", "updates": [{"q": {"key": "a"}, "u": {"$setOnInsert": {"kind": "k", "n": 1}},
                                          "upsert": True}]}
    assert ok(cmds.run("t", upsert))["n"] == 1
    reply = ok(cmds.run("t", upsert))
    assert reply["n"] == 1 and reply["nModified"] == 0
    [doc] = find(cmds, "t", {"find": "c"})
    assert {k: v for k, v in doc.items() if k != "_id"} == {"key": "a", "kind": "k", "n": 1}
