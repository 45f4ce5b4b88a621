"""The streaming $group answers as mongomock's pipeline (the reference it replaces) does."""

import datetime
import random

from bson import Int64
from mongomock import aggregate as mongomock_aggregate

from tests.wiremongo.replies import find, ok
from wiremongo import grouping

GROUPS = [
    {"_id": "$firm", "n": {"$sum": 1}, "total": {"$sum": "$score"}, "avg": {"$avg": "$score"},
     "most": {"$max": "$score"}, "least": {"$min": "$at"}, "first": {"$first": "$name"}, "last": {"$last": "$name"}},
    {"_id": "$valid", "n": {"$count": {}}, "names": {"$push": "$name"}, "kinds": {"$addToSet": "$kind"}},
    {"_id": None, "n": {"$sum": 1}, "big": {"$sum": "$big"}},
    {"_id": "$nested.k", "n": {"$sum": 2}},
]


def random_docs(rng, n=300):
    start = datetime.datetime(2026, 1, 1)
    docs = []
    for i in range(n):
        doc = {"_id": i, "firm": rng.choice(["F1", "F2", "F3", None]), "valid": rng.choice([True, False]),
               "name": f"n{i}", "kind": rng.choice(["a", "b", "c"]), "big": Int64(2**40 + i)}
        if rng.random() < 0.8:
            doc["score"] = rng.choice([1, 2.5, 7, -3])
        if rng.random() < 0.8:
            doc["at"] = start + datetime.timedelta(days=rng.randrange(100))
        if rng.random() < 0.5:
            doc["nested"] = {"k": rng.choice(["x", "y"])}
        docs.append(doc)
    return docs


def normalised(docs):
    out = []
    for doc in docs:
        doc = dict(doc)
        for field in ("kinds",):
            if field in doc:
                doc[field] = sorted(doc[field])
        out.append(doc)
    return sorted(out, key=lambda d: repr(d["_id"]))


def test_it_groups_as_mongomock_does(cmds):
    rng = random.Random(7)
    docs = random_docs(rng)
    ok(cmds.run("t", {"insert": "c", "documents": docs}))
    for spec in GROUPS:
        assert grouping.streamable(spec)
        ours = find(cmds, "t", {"aggregate": "c", "pipeline": [{"$group": spec}], "cursor": {}})
        # mongomock lacks the $count accumulator: {"$sum": 1} is what it means.
        reference = {k: ({"$sum": 1} if v == {"$count": {}} else v) for k, v in spec.items()}
        theirs = list(mongomock_aggregate.process_pipeline(docs, None, [{"$group": reference}], None))
        assert normalised(ours) == normalised(theirs), spec


def test_it_leaves_other_group_shapes_to_the_full_pipeline(cmds):
    assert not grouping.streamable({"_id": {"a": "$a"}, "n": {"$sum": 1}})
    assert not grouping.streamable({"_id": "$a", "n": {"$sum": {"$multiply": ["$x", 2]}}})
    assert not grouping.streamable({"_id": "$a", "n": {"$stdDevPop": "$x"}})
    ok(cmds.run("t", {"insert": "c", "documents": [{"a": 1, "x": 2}, {"a": 1, "x": 3}]}))
    got = find(cmds, "t", {"aggregate": "c", "pipeline": [{"$group": {"_id": {"a": "$a"},
                                                                      "n": {"$sum": {"$multiply": ["$x", 2]}}}}],
                           "cursor": {}})
    assert got == [{"_id": {"a": 1}, "n": 10}]
