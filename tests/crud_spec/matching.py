"""Match actual values against expected ones by the unified test format's rules.

Root-level documents (a command, an operation's result, each document a find returns)
may hold fields the expectation does not name; nested documents must match exactly.
Numbers match by value whatever their BSON type (int, long, double); booleans are not
numbers. The special operators used by the CRUD files are `$$unsetOrMatches`,
`$$exists`, `$$type` and `$$lte`.
"""

import datetime
import numbers

import bson
from bson.decimal128 import Decimal128
from bson.int64 import Int64


class Mismatch(AssertionError):
    """An actual value did not match the expected one; the message names the path."""


_TYPES = {
    "double": lambda v: isinstance(v, float),
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "binData": lambda v: isinstance(v, (bytes, bson.Binary)),
    "objectId": lambda v: isinstance(v, bson.ObjectId),
    "bool": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, datetime.datetime),
    "null": lambda v: v is None,
    "regex": lambda v: isinstance(v, bson.Regex),
    "int": lambda v: isinstance(v, int) and not isinstance(v, (bool, Int64)),
    "long": lambda v: isinstance(v, Int64),
    "decimal": lambda v: isinstance(v, Decimal128),
    "timestamp": lambda v: isinstance(v, bson.Timestamp),
}


def match(expected, actual, root=True, path="$"):
    """Raise Mismatch unless actual matches expected."""
    if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)).startswith("$$"):
        _operator(expected, actual, path)
    elif isinstance(expected, dict):
        _match_document(expected, actual, root, path)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            match(e, a, root, f"{path}[{i}]")
    elif not _same_value(expected, actual):
        raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")


def _match_document(expected, actual, root, path):
    if not isinstance(actual, dict):
        raise Mismatch(f"{path}: expected a document {expected!r}, got {actual!r}")
    for key, value in expected.items():
        if isinstance(value, dict) and "$$exists" in value and len(value) == 1:
            if (key in actual) != value["$$exists"]:
                raise Mismatch(f"{path}.{key}: expected exists={value['$$exists']}")
            continue
        if key not in actual:
            if isinstance(value, dict) and "$$unsetOrMatches" in value and len(value) == 1:
                continue
            raise Mismatch(f"{path}.{key}: missing (expected {value!r}) in {actual!r}")
        match(value, actual[key], False, f"{path}.{key}")
    extra = set(actual) - set(expected)
    if extra and not root:
        raise Mismatch(f"{path}: unexpected fields {sorted(extra)} in {actual!r}")


def _operator(expected, actual, path):
    name, arg = next(iter(expected.items()))
    if name == "$$unsetOrMatches":
        match(arg, actual, True, path)
    elif name == "$$type":
        names = arg if isinstance(arg, list) else [arg]
        if not any(_TYPES[n](actual) for n in names):
            raise Mismatch(f"{path}: expected type {names}, got {actual!r}")
    elif name == "$$lte":
        if not (_is_number(actual) and actual <= arg):
            raise Mismatch(f"{path}: expected <= {arg!r}, got {actual!r}")
    elif name == "$$exists":
        raise Mismatch(f"{path}: $$exists outside a document")
    else:
        raise NotImplementedError(f"matching operator {name} is not supported by this runner")


def _is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _same_value(expected, actual):
    if _is_number(expected) or _is_number(actual):
        return _is_number(expected) and _is_number(actual) and expected == actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, datetime.datetime) and isinstance(actual, datetime.datetime):
        return _utc(expected) == _utc(actual)
    return type(expected) is type(actual) and expected == actual or _loose_equal(expected, actual)


def _loose_equal(expected, actual):
    """Treat Binary subtype 0 and bytes alike, as BSON does."""
    if isinstance(expected, (bytes, bson.Binary)) and isinstance(actual, (bytes, bson.Binary)):
        return bytes(expected) == bytes(actual)
    return False


def _utc(value):
    return value.replace(tzinfo=None) if value.tzinfo is None else \
        value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
