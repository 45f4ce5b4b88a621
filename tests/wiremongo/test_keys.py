"""Index keys order values as MongoDB compares them."""

import datetime

from bson import Binary, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp

from wiremongo import keys

IN_ORDER = [
    MinKey(), None, float("nan"), float("-inf"), -2**62, -1.5, 0, 0.5, 1, Int64(2**53 + 1), 2.0**60, float("inf"),
    "", "a", "a\x00", "ab", "b", "电梯", {}, {"a": 1}, {"a": 2}, {"b": 0}, [], [1], [1, 2], [2],
    Binary(b"z"), Binary(b"aa"), ObjectId("000000000000000000000000"), ObjectId("ffffffffffffffffffffffff"),
    False, True, datetime.datetime(1960, 1, 1), datetime.datetime(2026, 1, 1), Timestamp(1, 1), Regex("a"),
    MaxKey(),
]


def test_it_orders_values_across_types_as_mongodb_does():
    encoded = [keys.encode(value) for value in IN_ORDER]
    assert encoded == sorted(encoded)
    assert len(set(encoded)) == len(encoded)


def test_it_gives_equal_numbers_of_any_type_the_same_key():
    assert keys.encode(1) == keys.encode(1.0) == keys.encode(Int64(1))
    assert keys.encode(0.0) == keys.encode(-0.0)
    assert keys.encode(Int64(2**62 + 1)) != keys.encode(Int64(2**62))
    assert keys.encode(Int64(2**62)) < keys.encode(Int64(2**62 + 1)) < keys.encode(float(2**63))


def test_it_keeps_compound_keys_in_component_order():
    docs = [{"a": "x", "b": 2}, {"a": "x", "b": 10}, {"a": "xy", "b": 1}, {"a": "y", "b": -5}]
    compound = [next(iter(keys.index_keys(doc, ["a", "b"]))) for doc in docs]
    assert compound == sorted(compound)


def test_it_gives_one_key_per_array_element_and_null_for_missing():
    assert keys.index_keys({"tags": [1, 2, 2]}, ["tags"]) == {keys.encode(1), keys.encode(2)}
    assert keys.index_keys({}, ["tags"]) == {keys.encode(None)}
    assert keys.index_keys({"a": [{"b": 1}, {"b": 3}]}, ["a.b"]) == {keys.encode(1), keys.encode(3)}
