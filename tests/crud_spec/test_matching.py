"""The spec runner's matching rules, on their own."""

import pytest
from bson.int64 import Int64

from tests.crud_spec.matching import Mismatch, match


def test_it_allows_extra_fields_at_the_root_only():
    """Accept extra fields in a root document, refuse them in a nested one."""
    match({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(Mismatch):
        match({"a": {"x": 1}}, {"a": {"x": 1, "y": 2}})


def test_it_treats_unset_or_matching_and_exists():
    """Let $$unsetOrMatches accept a missing field, and $$exists say whether one is there."""
    match({"a": {"$$unsetOrMatches": 1}}, {})
    match({"a": {"$$unsetOrMatches": 1}}, {"a": 1})
    with pytest.raises(Mismatch):
        match({"a": {"$$unsetOrMatches": 1}}, {"a": 2})
    match({"a": {"$$exists": False}}, {"b": 1})
    with pytest.raises(Mismatch):
        match({"a": {"$$exists": True}}, {"b": 1})


def test_it_compares_numbers_by_value_but_not_booleans():
    """Let 1, Int64(1) and 1.0 match, but never True."""
    match({"n": 1}, {"n": Int64(1)})
    match({"n": 1}, {"n": 1.0})
    with pytest.raises(Mismatch):
        match({"n": 1}, {"n": True})


def test_it_checks_types_and_array_lengths():
    """Match $$type by BSON type name, and arrays element by element with equal length."""
    match({"n": {"$$type": ["int", "long"]}}, {"n": Int64(5)})
    with pytest.raises(Mismatch):
        match({"n": {"$$type": "string"}}, {"n": 5})
    with pytest.raises(Mismatch):
        match([1, 2], [1, 2, 3])
