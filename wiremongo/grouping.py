"""A streaming $group for the common shapes: memory grows with the groups, not with the input.

It takes an `_id` that is a constant or one field path, and the accumulators `$sum`, `$avg`,
`$max`, `$min`, `$first`, `$last`, `$push`, `$addToSet` and `$count` over a constant or one
field path. Any other $group goes to mongomock's pipeline with its input materialised.
"""

import bson

from wiremongo import keys

ACCUMULATORS = {"$sum", "$avg", "$max", "$min", "$first", "$last", "$push", "$addToSet", "$count"}
_MISSING = keys.MISSING


def streamable(group):
    """Tell whether a $group specification is one this module runs."""
    if not isinstance(group, dict) or "_id" not in group or not _simple(group["_id"]):
        return False
    for field, spec in group.items():
        if field == "_id":
            continue
        if "." in field or not isinstance(spec, dict) or len(spec) != 1:
            return False
        op, expr = next(iter(spec.items()))
        if op not in ACCUMULATORS or (op == "$count" and expr != {}) or (op != "$count" and not _simple(expr)):
            return False
    return True


def _simple(expr):
    if isinstance(expr, str):
        return not expr.startswith("$$") and (not expr.startswith("$") or len(expr) > 1)
    return expr is None or isinstance(expr, (bool, int, float))


def _value(expr, doc):
    """Evaluate a constant or a field path ("$a.b") against doc; _MISSING if the path is absent."""
    if not (isinstance(expr, str) and expr.startswith("$")):
        return expr
    value = doc
    for part in expr[1:].split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list):
            value = [item[part] for item in value if isinstance(item, dict) and part in item]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def group(docs, spec):
    """Run a streamable $group over an iterable of documents; return the output documents."""
    fields = [(name, *next(iter(acc.items()))) for name, acc in spec.items() if name != "_id"]
    groups = {}
    for doc in docs:
        group_id = _value(spec["_id"], doc)
        group_id = None if group_id is _MISSING else group_id
        key = keys.encode(group_id)
        state = groups.get(key)
        if state is None:
            state = groups[key] = [group_id, [_start(op) for _, op, _ in fields]]
        for i, (_, op, expr) in enumerate(fields):
            state[1][i] = _step(op, state[1][i], _value(expr, doc) if op != "$count" else 1)
    return [{"_id": group_id, **{name: _finish(op, acc) for (name, op, _), acc in zip(fields, accs)}}
            for group_id, accs in groups.values()]


def _start(op):
    if op in ("$sum", "$count"):
        return [0, False]
    if op == "$avg":
        return [0, 0]
    if op in ("$push", "$addToSet"):
        return {} if op == "$addToSet" else []
    return _MISSING


def _is_number(value):
    return isinstance(value, (int, float, bson.Decimal128)) and not isinstance(value, bool)


def _step(op, acc, value):
    if op in ("$sum", "$count"):
        if _is_number(value):
            acc[0] += value.to_decimal() if isinstance(value, bson.Decimal128) else value
            acc[1] = acc[1] or type(value) is bson.Int64
        return acc
    if op == "$avg":
        if _is_number(value):
            acc[0] += float(str(value)) if isinstance(value, bson.Decimal128) else value
            acc[1] += 1
        return acc
    if op == "$first":
        return (None if value is _MISSING else value) if acc is _MISSING else acc
    if op == "$last":
        return None if value is _MISSING else value
    if op == "$push":
        if value is not _MISSING:
            acc.append(value)
        return acc
    if op == "$addToSet":
        if value is not _MISSING:
            acc.setdefault(keys.encode(value), value)
        return acc
    return _extreme(op, acc, value)


def _extreme(op, acc, value):
    """Keep the largest ($max) or smallest ($min) value in BSON order, ignoring null and missing."""
    if value is _MISSING or value is None:
        return acc
    if acc is _MISSING:
        return value
    larger = keys.encode(value) > keys.encode(acc)
    return value if larger == (op == "$max") else acc


def _finish(op, acc):
    if op in ("$sum", "$count"):
        total, long = acc
        if not isinstance(total, int):
            return bson.Decimal128(total) if not isinstance(total, float) else total
        return bson.Int64(total) if long or not -2**31 <= total < 2**31 else total
    if op == "$avg":
        return acc[0] / acc[1] if acc[1] else None
    if op == "$addToSet":
        return list(acc.values())
    return None if acc is _MISSING else acc
