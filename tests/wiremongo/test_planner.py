"""Whatever index the planner picks, a query returns what a full collection scan returns."""

import datetime
import random

import pytest
from bson import Int64, ObjectId

from tests.wiremongo.replies import find, ok
from wiremongo import keys

DAY = datetime.datetime(2026, 1, 1)
VALUES = [None, 0, 1, 1.5, Int64(2), -3, "a", "b", "ab", "", True, False, DAY, DAY + datetime.timedelta(days=1),
          ObjectId("65a1b2c3d4e5f60718293a4b"), {"x": 1}, [1, 2], ["a", "b"], [], [[1]], [None]]


def random_doc(rng, i, arrays=True):
    values = VALUES if arrays else [v for v in VALUES if not isinstance(v, list)]
    doc = {"_id": i}
    for field in ("a", "b", "c"):
        if rng.random() < 0.85:
            doc[field] = rng.choice(values)
    if rng.random() < 0.5:
        doc["s"] = {"t": rng.choice(values)}
    return doc


def random_condition(rng):
    value = rng.choice([v for v in VALUES if not isinstance(v, list)])
    kind = rng.choice(["eq", "in", "gt", "gte", "lt", "lte", "range", "ne", "exists"])
    if kind == "eq":
        return value
    if kind == "in":
        return {"$in": rng.sample([v for v in VALUES if not isinstance(v, list)], 3)}
    if kind == "range":
        low, high = sorted(rng.sample([0, 1, 1.5, 2, -3], 2))
        return {"$gt": low, "$lte": high}
    if kind == "exists":
        return {"$exists": rng.random() < 0.5}
    return {f"${kind}": value}


def random_filter(rng):
    fields = rng.sample(["a", "b", "c", "s.t"], rng.randint(1, 3))
    filter_doc = {field: random_condition(rng) for field in fields}
    if rng.random() < 0.2:
        filter_doc = {"$and": [{k: v} for k, v in filter_doc.items()]}
    return filter_doc


@pytest.mark.parametrize("arrays", [True, False], ids=["multikey", "single-valued"])
def test_it_returns_what_a_collection_scan_returns_for_random_filters_and_sorts(cmds, arrays):
    rng = random.Random(5)
    ok(cmds.run("t", {"insert": "c", "documents": [random_doc(rng, i, arrays) for i in range(400)]}))
    ok(cmds.run("t", {"createIndexes": "c", "indexes": [
        {"key": {"a": 1}, "name": "a_1"}, {"key": {"b": 1, "a": -1}, "name": "b_1_a_-1"},
        {"key": {"s.t": 1, "c": 1}, "name": "s.t_1_c_1"}, {"key": {"c": -1}, "name": "c_-1"}]}))
    for _ in range(150):
        filter_doc = random_filter(rng)
        sort = rng.choice([None, {"a": 1}, {"b": -1, "a": 1}, {"b": 1, "a": -1}, {"b": 1, "a": 1}, {"c": -1},
                           {"c": 1}, {"_id": -1}, {"s.t": 1, "c": 1}, {"s.t": -1, "c": -1}])
        command = {"find": "c", "filter": filter_doc, **({"sort": sort} if sort else {})}
        planned = find(cmds, "t", command)
        scanned = find(cmds, "t", {**command, "hint": {"$natural": 1}})
        assert sorted(d["_id"] for d in planned) == sorted(d["_id"] for d in scanned), command
        if sort:
            spec = list(sort.items())
            assert [keys.sort_key(d, spec) for d in planned] == [keys.sort_key(d, spec) for d in scanned], command
            limited = find(cmds, "t", {**command, "limit": 3})
            assert [keys.sort_key(d, spec) for d in limited] == [keys.sort_key(d, spec) for d in scanned[:3]], command
            skipped = find(cmds, "t", {**command, "skip": 5, "limit": 4})
            assert [keys.sort_key(d, spec) for d in skipped] == [keys.sort_key(d, spec) for d in scanned[5:9]], command
        else:
            assert len(find(cmds, "t", {**command, "skip": 5})) == max(0, len(scanned) - 5), command
        count = ok(cmds.run("t", {"count": "c", "query": filter_doc}))["n"]
        assert count == len(scanned), command


@pytest.mark.parametrize("direction", [1, -1])
def test_it_skips_index_entries_without_reading_their_documents(cmds, direction):
    docs = [{"_id": i, "f": i % 3, "d": DAY + datetime.timedelta(days=i % 97)} for i in range(3000)]
    ok(cmds.run("t", {"insert": "c", "documents": docs}))
    ok(cmds.run("t", {"createIndexes": "c", "indexes": [{"key": {"f": 1, "d": 1, "_id": 1}, "name": "f_d"}]}))
    command = {"find": "c", "filter": {"f": 1}, "sort": {"f": direction, "d": direction, "_id": direction},
               "skip": 950, "limit": 25}
    expected = sorted((d for d in docs if d["f"] == 1), key=lambda d: (d["d"], d["_id"]), reverse=direction < 0)
    assert [d["_id"] for d in find(cmds, "t", command)] == [d["_id"] for d in expected[950:975]]
    stats = ok(cmds.run("t", {"explain": command}))["executionStats"]
    assert stats["nReturned"] == 25
    assert stats["totalDocsExamined"] <= 26
    assert [d["_id"] for d in find(cmds, "t", {**command, "skip": 999})] == [expected[-1]["_id"]]
    assert find(cmds, "t", {**command, "skip": 1000}) == []


@pytest.mark.parametrize("arrays", [False, True], ids=["single-valued", "multikey"])
def test_it_counts_a_range_after_equalities_from_index_entries_alone(cmds, arrays):
    # With an array, each range operator may hold on another element: [day 5, day 50] is in [10, 40).
    spread = [DAY + datetime.timedelta(days=5), DAY + datetime.timedelta(days=50)]
    docs = [{"_id": i, "f": i % 3, "d": spread if arrays and i == 7 else DAY + datetime.timedelta(days=i % 97)}
            for i in range(600)]
    ok(cmds.run("t", {"insert": "c", "documents": docs}))
    ok(cmds.run("t", {"createIndexes": "c", "indexes": [{"key": {"f": 1, "d": 1}, "name": "f_d"}]}))
    low, high = DAY + datetime.timedelta(days=10), DAY + datetime.timedelta(days=40)
    command = {"count": "c", "query": {"f": 1, "d": {"$gte": low, "$lt": high}}}
    scanned = find(cmds, "t", {"find": "c", "filter": command["query"], "hint": {"$natural": 1}})
    assert ok(cmds.run("t", command))["n"] == len(scanned) > 0
    read = ok(cmds.run("t", {"explain": command}))["executionStats"]["totalDocsExamined"]
    assert (read > 0) if arrays else (read == 0)
