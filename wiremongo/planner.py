"""Choose an index for a filter and sort, and turn the filter into key ranges on it.

Index keys hold each component in its declared direction (descending ones byte-inverted),
so a sort that follows an index prefix is a forward scan, and its exact reverse a backward
one. Bounds are a superset: every candidate is checked again by the exact matcher.
"""

import dataclasses
import itertools
import re

import bson

from wiremongo import keys
from wiremongo.errors import bad_value

MAX_POINTS = 2000
_RANGE_OPS = ("$gt", "$gte", "$lt", "$lte")
ID_FIELDS = ["_id"]


@dataclasses.dataclass
class Plan:
    """How to read a collection: an index (None for a collection scan), key ranges, order."""

    index: object = None
    ranges: list = None          # [(lo, hi)] half-open byte ranges, ascending
    backward: bool = False
    sorted: bool = False          # the scan yields documents in the requested sort order
    exact_count: bool = False     # counting index entries in ranges counts the matches
    name: str = "COLLSCAN"
    used: list = dataclasses.field(default_factory=list)
    wants_sort: bool = False


class IdIndex:
    """The _id index: the unique id column of the collection's own table."""

    name = "_id_"
    fields = ID_FIELDS
    multikey = False
    unique = True
    directions = [1]
    spec = {"key": {"_id": 1}, "name": "_id_"}


ID_INDEX = IdIndex()


def plan(coll, filter_doc, sort=None, hint=None):
    """Return the Plan for reading coll with filter_doc in sort order."""
    sort = list((sort or {}).items())
    conditions = _conditions(filter_doc)
    natural = _natural(sort, hint)
    if natural is not None:
        return natural
    if hint is not None:
        return _plan_on(_hinted(coll, hint), conditions, sort, filter_doc)
    # A partial or sparse index lacks documents a query may match: used only when hinted.
    # An index whose first field the filter does not name and the sort does not start with
    # scores (0, 0), as a collection scan does: it is not planned at all.
    first_sorted = sort[0][0] if sort else None
    candidates = [index for index in [ID_INDEX, *coll.indexes]
                  if (index.fields[0] in conditions or index.fields[0] == first_sorted)
                  and "partialFilterExpression" not in index.spec and not index.spec.get("sparse")]
    best = max((_plan_on(index, conditions, sort, filter_doc) for index in candidates), key=_score, default=None)
    return best if best is not None and _score(best) > (0, 0) else Plan(sorted=not sort)


def _natural(sort, hint):
    """Return the collection scan a $natural sort or hint asks for (backward if -1), else None."""
    if sort and sort[0][0] == "$natural":
        if len(sort) > 1:
            raise bad_value("$natural sort cannot be combined with other sort fields")
        return Plan(backward=sort[0][1] < 0, sorted=True)
    if isinstance(hint, dict) and list(hint) == ["$natural"]:
        return Plan(backward=hint["$natural"] < 0, sorted=not sort)
    return None


def _hinted(coll, hint):
    for index in [ID_INDEX] + coll.indexes:
        if hint == index.name or (isinstance(hint, dict) and list(hint.items()) == list(index.spec["key"].items())):
            return index
    raise bad_value("hint provided does not correspond to an existing index")


def _score(p):
    return (len(p.used), int(p.sorted and p.wants_sort))


def _conditions(filter_doc):
    """Return {path: [condition, ...]} for the top-level AND of filter_doc (including $and)."""
    out = {}
    for key, value in filter_doc.items():
        if key == "$and" and isinstance(value, list):
            for part in value:
                if isinstance(part, dict):
                    for path, conds in _conditions(part).items():
                        out.setdefault(path, []).extend(conds)
        elif not key.startswith("$"):
            out.setdefault(key, []).append(value)
    return out


def _points(conds, descending):
    """Return the sorted equality keys of a field's conditions, or None if it has none usable."""
    values = _point_values(conds)
    if values is None:
        return None
    encoded = {keys.encode(v) for v in values}
    return sorted(keys.invert(k) for k in encoded) if descending else sorted(encoded)


def _point_values(conds):
    for cond in conds:
        if _is_operator_doc(cond):
            if "$eq" in cond and _indexable(cond["$eq"]):
                return [cond["$eq"]]
            if "$in" in cond and isinstance(cond["$in"], list) and all(_indexable(v) for v in cond["$in"]):
                return cond["$in"]
        elif _indexable(cond):
            return [cond]
    return None


def _indexable(value):
    return not isinstance(value, (list, re.Pattern, bson.regex.Regex))


def _is_operator_doc(cond):
    return isinstance(cond, dict) and bool(cond) and all(k.startswith("$") for k in cond)


def _range(conds, multikey, descending):
    """Return (lo, hi) bounds for one field's range operators, or None."""
    bounds = []
    for cond in conds:
        if _is_operator_doc(cond):
            bounds += [(op, cond[op]) for op in _RANGE_OPS if op in cond and _indexable(cond[op])]
    if not bounds:
        return None
    if multikey:
        bounds = bounds[:1]  # each condition may hold on a different array element
    lo, hi = b"", b"\xff"
    for op, value in bounds:
        low, high = (_inverted_bounds if descending else _bounds)(op, keys.encode(value))
        lo, hi = max(lo, low), min(hi, high)
    return lo, hi


def _bounds(op, key):
    """Return the (lo, hi) of one range operator on an ascending component, within its type."""
    tag = key[0]
    if op == "$gt":
        return keys.prefix_end(key), bytes([tag + 1])
    if op == "$gte":
        return key, bytes([tag + 1])
    return bytes([tag]), key if op == "$lt" else keys.prefix_end(key)


def _inverted_bounds(op, key):
    """Return the (lo, hi) of one range operator on a descending (byte-inverted) component."""
    inverted, tag = keys.invert(key), key[0]
    if op == "$gt":
        return bytes([255 - tag]), inverted
    if op == "$gte":
        return bytes([255 - tag]), keys.prefix_end(inverted)
    return (keys.prefix_end(inverted) if op == "$lt" else inverted), bytes([256 - tag])


def _plan_on(index, conditions, sort, filter_doc):
    fields = index.fields
    prefixes, used, single = [b""], [], True
    for field, direction in zip(fields, index.directions):
        points = _points(conditions.get(field, []), direction < 0)
        if points is None or len(prefixes) * len(points) > MAX_POINTS:
            break
        single = single and len(points) == 1
        prefixes = [p + k for p, k in itertools.product(prefixes, points)]
        used.append(field)
    eq_count = len(used)
    ranges = [(p, keys.prefix_end(p)) if p else (b"", b"\xff") for p in prefixes]
    rest = fields[eq_count:]
    if rest and rest[0] in conditions:
        bounds = _range(conditions[rest[0]], index.multikey, index.directions[eq_count] < 0)
        if bounds is not None:
            ranges = [(p + bounds[0], p + bounds[1]) for p in prefixes]
            used.append(rest[0])
    in_order, backward = _sort_order(index, eq_count, single, sort)
    result = Plan(index, ranges, backward, in_order, name=index.name)
    result.used, result.wants_sort = used, bool(sort)
    result.exact_count = _exact(conditions, used[:eq_count], filter_doc) or \
        _exact_with_range(conditions, used, eq_count, filter_doc, index.multikey)
    return result


def _sort_order(index, eq_count, single, sort):
    """Tell whether scanning the index yields the sort order, and whether backwards."""
    if not sort:
        return True, False
    if index.multikey:
        return False, False
    fields = index.fields
    names = [f for f, _ in sort]
    if single:
        remaining = [(f, d) for f, d in sort if f not in fields[:eq_count]]
        if not remaining:
            return True, False
        if [f for f, _ in remaining] == fields[eq_count:eq_count + len(remaining)]:
            return _direction(remaining, index.directions[eq_count:])
    if names == fields[:len(names)]:
        return _direction(sort, index.directions)
    return False, False


def _direction(sort, directions):
    """Tell whether the index's own order (forward) or its reverse (backward) is the sort's."""
    same = [(d < 0) == (stored < 0) for (_, d), stored in zip(sort, directions)]
    if all(same):
        return True, False
    if not any(same):
        return True, True
    return False, False


def _exact(conditions, eq_fields, filter_doc, used=None):
    """Tell whether the key ranges hold exactly the matching documents (for counting)."""
    used = eq_fields if used is None else used
    if not used or set(filter_doc) != set(conditions) or set(conditions) != set(used):
        return False
    for field in eq_fields:
        for cond in conditions[field]:
            if not _is_operator_doc(cond):
                values = [cond]
            elif set(cond) == {"$eq"}:
                values = [cond["$eq"]]
            elif set(cond) == {"$in"}:
                values = cond["$in"]
            else:
                return False
            if len(conditions[field]) != 1 or not all(_exact_value(v) for v in values):
                return False
    return True


def _exact_with_range(conditions, used, eq_count, filter_doc, multikey):
    """Tell whether equalities on a prefix and range operators on the next field are exact.

    Range bounds stay within the value's type, as MongoDB's comparisons do (type bracketing),
    so on a single-valued index every entry between them matches.
    """
    if multikey or len(used) != eq_count + 1 or not _exact(conditions, used[:eq_count], filter_doc, used):
        return False
    for cond in conditions[used[-1]]:
        if not _is_operator_doc(cond) or not set(cond) <= set(_RANGE_OPS):
            return False
        if not all(_exact_value(v) and v == v for v in cond.values()):  # v == v: not NaN
            return False
    return True


def _exact_value(value):
    return value is not None and not isinstance(value, (dict, list, bson.decimal128.Decimal128)) \
        and _indexable(value)
