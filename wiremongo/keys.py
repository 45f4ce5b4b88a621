"""Order-preserving byte keys for BSON values, so SQLite's memcmp order is MongoDB's order.

Each value encodes as one type byte (MongoDB's canonical type order: MinKey < null <
numbers < string < object < array < binData < ObjectId < bool < date < timestamp <
regex < MaxKey) and a self-delimiting payload, so compound keys are plain concatenations
and no key is a prefix of another.
"""

import datetime
import math
import re
import struct

import bson
from bson.binary import Binary
from bson.code import Code
from bson.datetime_ms import DatetimeMS
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

MINKEY, NULL, NUMBER, STRING, OBJECT, ARRAY = 0x01, 0x05, 0x10, 0x14, 0x18, 0x1C
BINARY, OID, BOOL, DATE, TIMESTAMP, REGEX, CODE, MAXKEY = 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x7F
_EXACT_DOUBLE = 2.0 ** 53


class Missing:
    """The value of a path a document does not have; it indexes as null, as in MongoDB."""


MISSING = Missing()


def type_byte(value):
    """Return the canonical type byte of a value."""
    return encode(value)[0]


def encode(value):
    """Return the order-preserving key of one value (type byte and payload)."""
    tag = _TAGS.get(type(value)) or _tag(value)
    if tag in (NULL, MINKEY, MAXKEY):
        return _SINGLE[tag]
    return _SINGLE[tag] + _PAYLOADS[tag](value)


def _tag(value):
    if isinstance(value, str):
        return STRING
    if value is None or value is MISSING:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float, Decimal128)):
        return NUMBER
    if isinstance(value, datetime.datetime):
        return DATE
    if isinstance(value, (dict, DBRef)):
        return OBJECT
    if isinstance(value, (list, tuple)):
        return ARRAY
    if isinstance(value, (bytes, Binary)):
        return BINARY
    if isinstance(value, ObjectId):
        return OID
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return DATE
    if isinstance(value, Timestamp):
        return TIMESTAMP
    if isinstance(value, (Regex, re.Pattern)):
        return REGEX
    if isinstance(value, Code):
        return CODE
    if isinstance(value, MinKey):
        return MINKEY
    if isinstance(value, MaxKey):
        return MAXKEY
    raise TypeError(f"cannot index a value of type {type(value).__name__}")


def payload(value):
    """Return the self-delimiting payload of a value, without its type byte."""
    tag = _tag(value)
    if tag in (NULL, MINKEY, MAXKEY):
        return b""
    return _PAYLOADS[tag](value)


def _number(value):
    exact_int = isinstance(value, int)
    if isinstance(value, Decimal128):
        value = float(value.to_decimal())
    number = float(value)
    if math.isnan(number):
        return b"\x00" * 8
    if number == 0:
        number = 0.0
    bits = struct.unpack(">Q", struct.pack(">d", number))[0]
    bits = bits ^ 0xFFFFFFFFFFFFFFFF if bits >> 63 else bits | (1 << 63)
    head = struct.pack(">Q", bits)
    if abs(number) < _EXACT_DOUBLE:
        return head
    # Doubles cannot tell large 64-bit integers apart: the rounding error follows.
    error = value - int(number) if exact_int and math.isfinite(number) else 0
    return head + struct.pack(">Q", (error + (1 << 63)) & 0xFFFFFFFFFFFFFFFF)


def _string(text):
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    return data.replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def _object(value):
    if isinstance(value, DBRef):
        value = value.as_doc()
    parts = [bytes([_tag(item)]) + _string(name) + payload(item) for name, item in value.items()]
    return b"".join(parts) + b"\x00"


def _array(value):
    return b"".join(encode(item) for item in value) + b"\x00"


def _binary(value):
    subtype = value.subtype if isinstance(value, Binary) else 0
    return struct.pack(">IB", len(value), subtype) + bytes(value)


def _date(value):
    if isinstance(value, DatetimeMS):
        millis = int(value)
    else:
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        since = value - _EPOCH
        millis = (since.days * 86_400 + since.seconds) * 1000 + since.microseconds // 1000
    return struct.pack(">Q", (millis + (1 << 63)) & 0xFFFFFFFFFFFFFFFF)


def _regex(value):
    return _string(str(value.pattern)) + _string(str(value.flags))


_PAYLOADS = {
    NUMBER: _number,
    STRING: _string,
    OBJECT: _object,
    ARRAY: _array,
    BINARY: _binary,
    OID: lambda value: value.binary,
    BOOL: lambda value: b"\x01" if value else b"\x00",
    DATE: _date,
    TIMESTAMP: lambda value: struct.pack(">II", value.time, value.inc),
    REGEX: _regex,
    CODE: lambda value: _string(str(value)) + _object(value.scope or {}),
}
# The tags of the commonest exact types, looked up before _tag's chain of isinstance checks.
_TAGS = {str: STRING, type(None): NULL, bool: BOOL, int: NUMBER, float: NUMBER, datetime.datetime: DATE,
         dict: OBJECT, list: ARRAY, ObjectId: OID}
_EPOCH = datetime.datetime(1970, 1, 1)
_SINGLE = {tag: bytes([tag]) for tag in (MINKEY, NULL, NUMBER, STRING, OBJECT, ARRAY, BINARY, OID, BOOL, DATE,
                                         TIMESTAMP, REGEX, CODE, MAXKEY)}


def prefix_end(key):
    """Return the smallest byte string greater than every string that starts with key."""
    stripped = key.rstrip(b"\xff")
    if not stripped:
        return b"\xff" * (len(key) + 1)
    return stripped[:-1] + bytes([stripped[-1] + 1])


def path_values(doc, path, whole_arrays=False):
    """Return the values a dotted path reaches in doc, expanding arrays (MISSING if none).

    With whole_arrays, an array at the end of the path is returned too, not only its elements
    (what equality compares against).
    """
    out = []
    _walk(doc, path.split("."), out, whole_arrays)
    return out or [MISSING]


def _walk(value, parts, out, whole_arrays):
    if not parts:
        if isinstance(value, list) and value:
            out.extend(value)
            if whole_arrays:
                out.append(value)
        else:
            out.append(value)
        return
    if isinstance(value, dict):
        if parts[0] in value:
            _walk(value[parts[0]], parts[1:], out, whole_arrays)
        else:
            out.append(MISSING)
    elif isinstance(value, list):
        if parts[0].isdigit() and int(parts[0]) < len(value):
            _walk(value[int(parts[0])], parts[1:], out, whole_arrays)
        for item in value:
            if isinstance(item, dict):
                _walk(item, parts, out, whole_arrays)
    else:
        out.append(MISSING)


_DEEP = object()


def index_keys(doc, fields, directions=None):
    """Return the set of index keys of doc for an index on fields (one per array element).

    A component of a descending field (direction -1) has its bytes inverted, so one forward
    scan yields the index's declared order.
    """
    keys = [b""]
    for i, field in enumerate(fields):
        value = doc.get(field, MISSING) if "." not in field and isinstance(doc, dict) else _DEEP
        if value is _DEEP or isinstance(value, list):
            components = {encode(item) for item in path_values(doc, field)}
        else:
            components = (encode(value),)  # what path_values gives for a top-level field holding no array
        if directions is not None and directions[i] < 0:
            components = {invert(component) for component in components}
        keys = [key + component for key in keys for component in components]
    return set(keys)


_INVERT = bytes(255 - b for b in range(256))


def invert(key):
    """Return key with every byte inverted: the order of prefix-free keys reverses."""
    return key.translate(_INVERT)


def sort_key(doc, sort):
    """Return a tuple that orders documents as MongoDB's sort spec does (arrays by min/max)."""
    parts = []
    for field, direction in sort:
        keys = [encode(value) for value in path_values(doc, field)]
        if direction < 0:
            parts.append(_Descending(max(keys)))
        else:
            parts.append(min(keys))
    return tuple(parts)


class _Descending:
    """A key that sorts in reverse."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return self.key > other.key

    def __eq__(self, other):
        return self.key == other.key


def encode_document(doc):
    """Return the BSON bytes of doc."""
    return bson.encode(doc)
