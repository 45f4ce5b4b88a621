"""Run the unified format's CRUD operations through pymongo and give results the spec's shape."""

from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.results import BulkWriteResult, DeleteResult, InsertManyResult, InsertOneResult, UpdateResult


class RunnerGap(Exception):
    """The runner does not implement something a test needs (the test is skipped, not failed)."""


# Spec argument name -> pymongo keyword, for the collection methods that name it in snake_case.
# (find_one_and_* pass their other keyword arguments into the command as they are.)
_SNAKE = {"batchSize": "batch_size", "arrayFilters": "array_filters", "allowDiskUse": "allow_disk_use",
          "bypassDocumentValidation": "bypass_document_validation", "maxTimeMS": "max_time_ms",
          "returnDocument": "return_document"}
# Arguments each method takes besides its positional ones; values say how they are passed.
_FIND_ARGS = {"projection", "sort", "skip", "limit", "batchSize", "collation", "hint", "maxTimeMS", "let",
              "comment", "allowDiskUse", "min", "max", "returnKey", "showRecordId", "noCursorTimeout"}
_WRITE_ARGS = {"upsert", "bypassDocumentValidation", "collation", "arrayFilters", "hint", "let", "comment", "sort"}
_FAM_ARGS = {"projection", "sort", "upsert", "returnDocument", "arrayFilters", "hint", "let", "comment",
             "collation", "maxTimeMS", "bypassDocumentValidation"}
_FAM_SNAKE = {"returnDocument", "arrayFilters"}

COLLECTION_OPS = {
    # name: (pymongo method, positional argument names, keyword arguments,
    #        which of them to rename to snake_case: True for all, False for none, or a set)
    "insertOne": ("insert_one", ["document"], {"bypassDocumentValidation", "comment"}, True),
    "insertMany": ("insert_many", ["documents"], {"ordered", "bypassDocumentValidation", "comment"}, True),
    "find": ("find", ["filter"], _FIND_ARGS, True),
    "findOne": ("find_one", ["filter"], _FIND_ARGS, True),
    "countDocuments": ("count_documents", ["filter"], {"skip", "limit", "collation", "hint", "maxTimeMS",
                                                       "comment"}, False),
    "estimatedDocumentCount": ("estimated_document_count", [], {"maxTimeMS", "comment"}, False),
    "distinct": ("distinct", ["fieldName", "filter"], {"collation", "hint", "maxTimeMS", "comment"}, False),
    "updateOne": ("update_one", ["filter", "update"], _WRITE_ARGS, True),
    "updateMany": ("update_many", ["filter", "update"], _WRITE_ARGS - {"sort"}, True),
    "replaceOne": ("replace_one", ["filter", "replacement"], _WRITE_ARGS - {"arrayFilters"}, True),
    "deleteOne": ("delete_one", ["filter"], {"collation", "hint", "let", "comment"}, True),
    "deleteMany": ("delete_many", ["filter"], {"collation", "hint", "let", "comment"}, True),
    "findOneAndUpdate": ("find_one_and_update", ["filter", "update"], _FAM_ARGS, _FAM_SNAKE),
    "findOneAndReplace": ("find_one_and_replace", ["filter", "replacement"], _FAM_ARGS - {"arrayFilters"},
                          _FAM_SNAKE),
    "findOneAndDelete": ("find_one_and_delete", ["filter"], _FAM_ARGS - {"upsert", "returnDocument",
                                                                           "arrayFilters"}, _FAM_SNAKE),
    "aggregate": ("aggregate", ["pipeline"], {"batchSize", "allowDiskUse", "collation", "let", "comment", "hint",
                                              "maxTimeMS", "bypassDocumentValidation"}, False),
    "createIndex": ("create_index", ["keys"], {"name", "unique", "sparse", "expireAfterSeconds",
                                               "partialFilterExpression"}, False),
    "dropIndex": ("drop_index", ["name"], set(), False),
}

_BULK_MODELS = {
    "insertOne": (InsertOne, ["document"], set()),
    "updateOne": (UpdateOne, ["filter", "update"], {"upsert", "collation", "arrayFilters", "hint", "sort"}),
    "updateMany": (UpdateMany, ["filter", "update"], {"upsert", "collation", "arrayFilters", "hint"}),
    "replaceOne": (ReplaceOne, ["filter", "replacement"], {"upsert", "collation", "hint", "sort"}),
    "deleteOne": (DeleteOne, ["filter"], {"collation", "hint"}),
    "deleteMany": (DeleteMany, ["filter"], {"collation", "hint"}),
}


def run_collection_op(collection, name, args):
    """Run one collection operation and return its result in the spec's shape."""
    args = dict(args)
    args.pop("session", None) and _gap("sessions")
    if name == "bulkWrite":
        return _bulk_write(collection, args)
    if name == "count":
        return _count(collection, args)
    if name == "listIndexes":
        return list(collection.list_indexes())
    if name not in COLLECTION_OPS:
        _gap(f"operation {name}")
    method, positional, allowed, snake = COLLECTION_OPS[name]
    values = [_positional(name, p, args) for p in positional]
    kwargs = _keywords(name, args, allowed, snake)
    result = getattr(collection, method)(*values, **kwargs)
    return to_spec(list(result) if name in ("find", "aggregate") else result)


def run_database_op(database, name, args):
    """Run one database operation and return its result in the spec's shape."""
    args = dict(args)
    if name == "aggregate":
        pipeline = args.pop("pipeline")
        return list(database.aggregate(pipeline, **args))
    if name == "createCollection":
        database.create_collection(args.pop("collection"), **args)
        return None
    if name == "dropCollection":
        database.drop_collection(args.pop("collection"))
        return None
    if name == "modifyCollection":
        return database.command({"collMod": args.pop("collection"), **args})
    if name == "runCommand":
        return database.command(args["command"])
    _gap(f"database operation {name}")


def _positional(op, name, args):
    value = args.pop(name, None)
    if name == "filter" and value is None:
        return {}
    if name == "keys":
        return list(value.items())
    return value


def _keywords(op, args, allowed, snake):
    unknown = set(args) - allowed
    if unknown:
        _gap(f"{op} argument(s) {sorted(unknown)}")
    kwargs = {}
    for key, value in args.items():
        if key == "sort" and op in ("find", "findOne") or key in ("hint",) and isinstance(value, dict):
            value = list(value.items())
        if key == "returnDocument":
            value = ReturnDocument.AFTER if value == "After" else ReturnDocument.BEFORE
        rename = snake is True or snake and key in snake
        kwargs[_SNAKE.get(key, key) if rename else key] = value
    return kwargs


def _bulk_write(collection, args):
    requests = []
    for request in args.pop("requests"):
        (kind, spec), = request.items()
        model, positional, allowed = _BULK_MODELS[kind]
        spec = dict(spec)
        values = [spec.pop(p) for p in positional]
        requests.append(model(*values, **_keywords(f"bulkWrite {kind}", spec, allowed, True)))
    kwargs = _keywords("bulkWrite", args, {"ordered", "bypassDocumentValidation", "comment", "let"}, True)
    return to_spec(collection.bulk_write(requests, **kwargs))


def _count(collection, args):
    """Run the deprecated count command, as drivers that still offer count() do."""
    command = {"count": collection.name, "query": args.pop("filter", {})}
    command.update(args)
    return collection.database.command(command)["n"]


def _gap(what):
    raise RunnerGap(f"the runner does not support {what}")


def to_spec(result):
    """Turn a pymongo result object into the document the spec files expect."""
    if isinstance(result, (InsertOneResult, InsertManyResult, UpdateResult, DeleteResult, BulkWriteResult)) \
            and not result.acknowledged:
        return {"acknowledged": False}
    if isinstance(result, InsertOneResult):
        return {"insertedId": result.inserted_id}
    if isinstance(result, InsertManyResult):
        return {"insertedIds": {str(i): _id for i, _id in enumerate(result.inserted_ids)}}
    if isinstance(result, UpdateResult):
        return {"matchedCount": result.matched_count, "modifiedCount": result.modified_count,
                "upsertedCount": int(result.upserted_id is not None), "upsertedId": result.upserted_id}
    if isinstance(result, DeleteResult):
        return {"deletedCount": result.deleted_count}
    if isinstance(result, BulkWriteResult):
        return bulk_result(result.bulk_api_result)
    return result


def bulk_result(raw):
    """Turn pymongo's raw bulk result (also found in a BulkWriteError) into the spec's shape."""
    return {"insertedCount": raw.get("nInserted", 0), "matchedCount": raw.get("nMatched", 0),
            "modifiedCount": raw.get("nModified", 0), "deletedCount": raw.get("nRemoved", 0),
            "upsertedCount": raw.get("nUpserted", 0),
            "upsertedIds": {str(u["index"]): u["_id"] for u in raw.get("upserted", [])}}
