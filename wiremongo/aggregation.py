"""The aggregate command: a leading $match/$sort/$skip/$limit runs on the indexes, a simple $group
streams (wiremongo/grouping.py), the rest runs in mongomock.

pymongo's count_documents sends [$match, $skip?, $limit?, $group {_id: 1, n: {$sum: 1}}]; that shape
is answered by counting, from index entries alone when the index is exact.
"""

from mongomock import aggregate as mongomock_aggregate

from wiremongo import grouping, query
from wiremongo.errors import CommandError, bad_value, not_supported
from wiremongo.matching import check_filter
from wiremongo.options import check_fields, check_hint_type, collection_name, cursor_batch_size

SUPPORTED = {"$match", "$group", "$sort", "$limit", "$skip", "$count", "$project", "$unwind", "$addFields",
             "$set", "$unset", "$sortByCount", "$replaceRoot"}


def cmd_aggregate(ctx, db_name, cmd):
    check_fields(cmd, {"pipeline", "cursor", "hint", "allowDiskUse"}, {"explain"})
    if cmd["aggregate"] == 1:
        raise not_supported("aggregate on a whole database")
    name = collection_name(db_name, cmd)
    pipeline = _checked(cmd.get("pipeline"))
    cursor = cmd.get("cursor")
    if not isinstance(cursor, dict):
        raise CommandError("The 'cursor' option is required, except for aggregate with the explain argument", 9,
                           "FailedToParse")
    db = ctx.database(db_name)
    coll = db.collection(name) if db is not None else None
    docs = run_pipeline(ctx, db, coll, pipeline, check_hint_type(cmd.get("hint")))
    return ctx.cursors.first_batch(f"{db_name}.{name}", docs, cursor_batch_size(cmd))


def _checked(pipeline):
    if not isinstance(pipeline, list):
        raise CommandError("'pipeline' option must be specified as an array", 14, "TypeMismatch")
    for stage in pipeline:
        if not isinstance(stage, dict) or len(stage) != 1:
            raise bad_value("A pipeline stage specification object must contain exactly one field.")
        name = next(iter(stage))
        if name not in SUPPORTED:
            raise not_supported(f"the aggregation stage {name}")
        _check_stage(name, stage[name])
    return [part for stage in pipeline for part in _rewritten(stage)]


_SHAPES = {"$match": dict, "$group": dict, "$project": dict, "$addFields": dict, "$set": dict, "$sort": dict,
           "$replaceRoot": dict, "$count": str, "$unwind": (str, dict), "$unset": (str, list)}


def _check_stage(name, value):
    """Refuse a stage whose argument has the wrong shape, as MongoDB does before running anything."""
    if name in ("$skip", "$limit"):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "$skip" else 1):
            raise bad_value(f"invalid argument to {name} stage: {value!r}")
    elif name in _SHAPES and not isinstance(value, _SHAPES[name]):
        raise CommandError(f"the {name} stage specification has the wrong type", 14, "TypeMismatch")
    if name == "$match":
        check_filter(value)
    if name == "$sort" and (not value or any(d not in (1, -1) for d in value.values())):
        raise bad_value("$sort key ordering must be 1 (for ascending) or -1 (for descending)")
    if name == "$unset" and isinstance(value, list) and not all(isinstance(f, str) for f in value):
        raise bad_value("$unset specification must be a string or an array of strings")


def _rewritten(stage):
    name, value = next(iter(stage.items()))
    if name == "$sortByCount":
        return [{"$group": {"_id": value, "count": {"$sum": 1}}}, {"$sort": {"count": -1}}]
    if name == "$unset":
        fields = [value] if isinstance(value, str) else value
        return [{"$project": {field: 0 for field in fields}}]
    return [stage]


def run_pipeline(ctx, db, coll, pipeline, hint=None):
    """Return the documents a pipeline yields."""
    counted = _count_shape(pipeline)
    if counted is not None:
        filter_doc, skip, limit, group_id, field = counted
        n = query.count(db, coll, filter_doc, skip, limit, hint, ctx.stats)
        return [{"_id": group_id, field: n}] if n else []
    filter_doc, sort, skip, limit, rest = leading_stages(pipeline)
    docs = query.find(db, coll, filter_doc, sort, skip, limit, hint, stats=ctx.stats)
    if rest and "$group" in rest[0] and grouping.streamable(rest[0]["$group"]):
        docs, rest = grouping.group(docs, rest[0]["$group"]), rest[1:]
    if not rest:
        return docs
    return list(mongomock_aggregate.process_pipeline(list(docs), None, rest, None))


def _count_shape(pipeline):
    """Return (filter, skip, limit, group _id, field) if the pipeline only counts matches, else None."""
    if not pipeline or "$match" not in pipeline[0]:
        return None
    skip = limit = 0
    for stage in pipeline[1:-1]:
        if "$skip" in stage and not limit:
            skip = stage["$skip"]
        elif "$limit" in stage and not limit:
            limit = stage["$limit"]
        else:
            return None
    group = pipeline[-1].get("$group") if len(pipeline) > 1 else None
    if not isinstance(group, dict) or len(group) != 2 or group.get("_id") not in (1, None):
        return None
    field = next(k for k in group if k != "_id")
    if group[field] != {"$sum": 1} or not isinstance(skip, int) or not isinstance(limit, int):
        return None
    return pipeline[0]["$match"], skip, limit, group["_id"], field


def leading_stages(pipeline):
    """Split off the leading $match, $sort, $skip and $limit the indexes can run."""
    filter_doc, sort, skip, limit, i = {}, None, 0, 0, 0
    if i < len(pipeline) and "$match" in pipeline[i]:
        filter_doc, i = pipeline[i]["$match"], i + 1
    if i < len(pipeline) and "$sort" in pipeline[i]:
        sort, i = pipeline[i]["$sort"], i + 1
    if i < len(pipeline) and "$skip" in pipeline[i] and isinstance(pipeline[i]["$skip"], int):
        skip, i = pipeline[i]["$skip"], i + 1
    if i < len(pipeline) and "$limit" in pipeline[i] and isinstance(pipeline[i]["$limit"], int):
        limit, i = pipeline[i]["$limit"], i + 1
    if skip < 0 or limit < 0:
        raise bad_value("$skip and $limit must be non-negative")
    return filter_doc, sort, skip, limit, pipeline[i:]


HANDLERS = {"aggregate": cmd_aggregate}
