"""explain names the plan the planner chooses, for every command the application explains."""

import pytest

from tests.wiremongo.replies import find, ok


@pytest.fixture
def planned(cmds):
    """Hold a collection with an index on (a, b), a collection scan's worth of other fields."""
    ok(cmds.run("t", {"insert": "c", "documents": [{"_id": i, "a": i % 7, "b": i, "z": i % 3} for i in range(200)]}))
    ok(cmds.run("t", {"createIndexes": "c", "indexes": [{"key": {"a": 1, "b": -1}, "name": "a_b"}]}))
    return cmds


def winning(cmds, command):
    return ok(cmds.run("t", {"explain": command, "verbosity": "queryPlanner"}))["queryPlanner"]["winningPlan"]


INDEXED = [
    {"find": "c", "filter": {"a": 3}, "sort": {"b": -1}},
    {"count": "c", "query": {"a": {"$in": [1, 2]}}},
    {"distinct": "c", "key": "b", "query": {"a": 3}},
    {"aggregate": "c", "pipeline": [{"$match": {"a": 3, "b": {"$gt": 10}}}, {"$group": {"_id": "$z"}}], "cursor": {}},
    {"findAndModify": "c", "query": {"a": 1}, "sort": {"a": 1, "b": -1}, "update": {"$set": {"y": 1}}},
    {"update": "c", "updates": [{"q": {"a": 1, "b": 8}, "u": {"$set": {"y": 1}}}]},
    {"delete": "c", "deletes": [{"q": {"a": 5}, "limit": 0}]},
    {"find": "c", "filter": {"_id": 4}},
]
SCANNED = [
    {"find": "c", "filter": {"z": 1}},
    {"count": "c", "query": {"b": 4}},
    {"distinct": "c", "key": "a"},
    {"aggregate": "c", "pipeline": [{"$group": {"_id": "$a", "n": {"$sum": 1}}}], "cursor": {}},
    {"findAndModify": "c", "query": {"z": 2}, "remove": True},
    {"update": "c", "updates": [{"q": {"z": 1}, "u": {"$set": {"y": 1}}, "multi": True}]},
    {"delete": "c", "deletes": [{"q": {"b": {"$gt": 5}}, "limit": 1}]},
]


@pytest.mark.parametrize("command", INDEXED, ids=lambda c: next(iter(c)))
def test_it_names_the_index_the_planner_chooses(planned, command):
    plan = winning(planned, command)
    assert plan["stage"] == "IXSCAN"
    assert plan["indexName"] == ("_id_" if command.get("filter") == {"_id": 4} else "a_b")


@pytest.mark.parametrize("command", SCANNED, ids=lambda c: next(iter(c)))
def test_it_says_collscan_when_no_index_serves_the_filter(planned, command):
    assert winning(planned, command) == {"stage": "COLLSCAN", "indexName": None, "sortInMemory": False}


def test_it_changes_nothing_when_it_explains_a_write(planned):
    for command in (INDEXED[4], INDEXED[5], INDEXED[6], SCANNED[4], SCANNED[5], SCANNED[6]):
        winning(planned, command)
    docs = find(planned, "t", {"find": "c"})
    assert len(docs) == 200 and not any("y" in d for d in docs)


def test_it_says_when_a_sort_is_done_in_memory(planned):
    assert winning(planned, {"find": "c", "filter": {"a": 3}, "sort": {"z": 1}})["sortInMemory"] is True
    assert winning(planned, {"find": "c", "filter": {"a": 3}, "sort": {"b": 1}})["sortInMemory"] is False


def test_it_says_eof_for_a_collection_that_does_not_exist(planned):
    assert winning(planned, {"find": "missing", "filter": {"a": 1}})["stage"] == "EOF"


def test_it_refuses_what_it_cannot_explain(planned):
    reply = planned.run("t", {"explain": {"insert": "c", "documents": [{}]}})
    assert reply["ok"] == 0 and reply["code"] == 115
    reply = planned.run("t", {"explain": {"update": "c", "updates": [{"q": {}, "u": {}}, {"q": {}, "u": {}}]}})
    assert reply["ok"] == 0
    assert planned.run("t", {"explain": {"find": "c"}, "verbosity": "loud"})["ok"] == 0
