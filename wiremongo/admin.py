"""Collections, databases and indexes: create, drop, list, rename, stats."""

import os

from wiremongo import names
from wiremongo.errors import CommandError, not_supported
from wiremongo.matching import check_filter, matches
from wiremongo.options import check_collation, check_fields, collection_name, cursor_batch_size

_INDEX_OPTIONS = {"key", "name", "unique", "sparse", "expireAfterSeconds", "partialFilterExpression", "background",
                  "v", "ns"}
_REFUSED_KINDS = {"2dsphere", "2d", "text", "hashed", "geoHaystack", "wildcard"}


def cmd_create(ctx, db_name, cmd):
    check_fields(cmd, set(), {"capped", "size", "max", "validator", "validationLevel", "validationAction",
                              "viewOn", "pipeline", "timeseries", "clusteredIndex", "changeStreamPreAndPostImages",
                              "expireAfterSeconds", "storageEngine", "indexOptionDefaults", "encryptedFields"})
    name = collection_name(db_name, cmd)
    with ctx.writing(db_name) as txn:
        if txn.collection(name, create=False) is not None:
            raise CommandError(f"Collection {db_name}.{name} already exists.", 48, "NamespaceExists")
        txn.collection(name)
    return {}


def cmd_drop(ctx, db_name, cmd):
    check_fields(cmd, set())
    name = collection_name(db_name, cmd)
    db = ctx.database(db_name)
    if db is not None and db.collection(name) is not None:
        with db.writing() as txn:
            txn.drop_collection(name)
    return {"ns": f"{db_name}.{name}", "nIndexesWas": 0}


def cmd_drop_database(ctx, db_name, cmd):
    check_fields(cmd, set())
    ctx.drop_database(db_name)
    return {"dropped": db_name}


def cmd_list_collections(ctx, db_name, cmd):
    check_fields(cmd, {"filter", "nameOnly", "authorizedCollections", "cursor"})
    db = ctx.database(db_name)
    wanted = check_filter(cmd.get("filter") or {})
    docs = []
    for name in sorted(db.catalog if db is not None else {}):
        doc = {"name": name, "type": "collection", "options": {}, "info": {"readOnly": False},
               "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"}}
        if matches(wanted, doc):
            docs.append({"name": name, "type": "collection"} if cmd.get("nameOnly") else doc)
    return ctx.cursors.first_batch(f"{db_name}.$cmd.listCollections", docs, cursor_batch_size(cmd))


def cmd_list_databases(ctx, db_name, cmd):
    check_fields(cmd, {"filter", "nameOnly", "authorizedDatabases"})
    wanted = check_filter(cmd.get("filter") or {})
    docs, total = [], 0
    for name in ctx.database_names():
        size = os.path.getsize(ctx.dir / names.db_file_name(name))
        doc = {"name": name, "sizeOnDisk": size, "empty": False}
        if matches(wanted, doc):
            docs.append({"name": name} if cmd.get("nameOnly") else doc)
            total += size
    return {"databases": docs, "totalSize": total}


def cmd_create_indexes(ctx, db_name, cmd):
    check_fields(cmd, {"indexes", "commitQuorum"})
    name = collection_name(db_name, cmd)
    specs = cmd.get("indexes")
    if not isinstance(specs, list) or not specs:
        raise CommandError("Must specify at least one index to create", 2, "BadValue")
    checked = [_checked_index_spec(spec) for spec in specs]
    with ctx.writing(db_name) as txn:
        created = txn.collection(name, create=False) is None
        coll = txn.collection(name)
        before = 1 + len(coll.indexes)
        for spec in checked:
            if not _exists(txn.collection(name), spec):
                txn.add_index(txn.collection(name), spec["name"], spec)
        after = 1 + len(txn.collection(name).indexes)
    reply = {"numIndexesBefore": before, "numIndexesAfter": after, "createdCollectionAutomatically": created}
    if before == after:
        reply["note"] = "all indexes already exist"
    return reply


def _checked_index_spec(spec):
    """Return an index spec as stored, refusing kinds and options wiremongo does not implement."""
    if not isinstance(spec, dict) or not isinstance(spec.get("key"), dict) or not spec["key"]:
        raise CommandError("index specification must have a non-empty 'key' object", 67, "CannotCreateIndex")
    check_collation(spec.get("collation"))
    for field, kind in spec["key"].items():
        if isinstance(kind, str) and kind in _REFUSED_KINDS:
            raise CommandError(f"{kind} indexes are not supported by wiremongo", 67, "CannotCreateIndex")
        if isinstance(kind, bool) or not isinstance(kind, (int, float)) or kind == 0:
            raise CommandError(f"Values in the index key pattern must be 1 or -1: {field}: {kind!r}", 67,
                               "CannotCreateIndex")
    unknown = set(spec) - _INDEX_OPTIONS - {"collation"}
    if unknown:
        raise CommandError(f"The field '{unknown.pop()}' is not valid for an index specification in wiremongo",
                           197, "InvalidIndexSpecificationOption")
    ttl = spec.get("expireAfterSeconds")
    if "expireAfterSeconds" in spec and (isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl < 0):
        raise CommandError("expireAfterSeconds must be a number of seconds, zero or more", 67, "CannotCreateIndex")
    if "expireAfterSeconds" in spec and len(spec["key"]) != 1:
        raise CommandError("TTL indexes are single-field indexes, compound indexes do not support TTL", 67,
                           "CannotCreateIndex")
    if "partialFilterExpression" in spec:
        check_filter(spec["partialFilterExpression"])
    key = {field: (1 if kind > 0 else -1) for field, kind in spec["key"].items()}
    name = spec.get("name") or "_".join(f"{field}_{kind}" for field, kind in key.items())
    stored = {"v": 2, "key": key, "name": name}
    stored.update({k: v for k, v in spec.items() if k in ("unique", "sparse", "expireAfterSeconds",
                                                             "partialFilterExpression") and v is not False})
    return stored


def _exists(coll, spec):
    """Tell whether an identical index exists; refuse a conflicting one as MongoDB does."""
    if spec["key"] == {"_id": 1}:
        return True
    same_name = coll.index_named(spec["name"]) if spec["name"] != "_id_" else None
    if spec["name"] == "_id_":
        raise CommandError("The index name '_id_' is reserved for the _id index", 197,
                           "InvalidIndexSpecificationOption")
    if same_name is not None:
        if list(same_name.spec["key"].items()) != list(spec["key"].items()):
            raise CommandError(f"An existing index has the same name as the requested index: {spec['name']}", 86,
                               "IndexKeySpecsConflict")
        if same_name.spec != spec:
            raise CommandError(f"An index with the same name and key exists with different options: {spec['name']}",
                               85, "IndexOptionsConflict")
        return True
    for index in coll.indexes:
        if list(index.spec["key"].items()) == list(spec["key"].items()):
            raise CommandError(f"Index already exists with a different name: {index.name}", 85, "IndexOptionsConflict")
    return False


def cmd_list_indexes(ctx, db_name, cmd):
    check_fields(cmd, {"cursor"})
    name = collection_name(db_name, cmd)
    db = ctx.database(db_name)
    coll = db.collection(name) if db is not None else None
    if coll is None:
        raise CommandError(f"ns does not exist: {db_name}.{name}", 26, "NamespaceNotFound")
    docs = [{"v": 2, "key": {"_id": 1}, "name": "_id_"}] + [dict(index.spec) for index in coll.indexes]
    return ctx.cursors.first_batch(f"{db_name}.{name}", docs, cursor_batch_size(cmd))


def cmd_drop_indexes(ctx, db_name, cmd):
    check_fields(cmd, {"index"})
    name = collection_name(db_name, cmd)
    db = ctx.database(db_name)
    if db is None or db.collection(name) is None:
        raise CommandError(f"ns not found {db_name}.{name}", 26, "NamespaceNotFound")
    wanted = cmd.get("index", "*")
    with db.writing() as txn:
        coll = txn.collection(name)
        before = 1 + len(coll.indexes)
        for index in _indexes_named(coll, wanted):
            txn.drop_index(txn.collection(name), index)
    return {"nIndexesWas": before}


def _indexes_named(coll, wanted):
    if wanted == "*":
        return list(coll.indexes)
    wanted_list = wanted if isinstance(wanted, list) else [wanted]
    found = []
    for item in wanted_list:
        if item == "_id_" or item == {"_id": 1}:
            raise CommandError("cannot drop _id index", 72, "InvalidOptions")
        index = next((i for i in coll.indexes if i.name == item or
                      (isinstance(item, dict) and list(i.spec["key"].items()) == list(item.items()))), None)
        if index is None:
            raise CommandError(f"index not found with name [{item}]", 27, "IndexNotFound")
        found.append(index)
    return found


def cmd_rename_collection(ctx, db_name, cmd):
    check_fields(cmd, {"to", "dropTarget", "stayTemp"})
    if db_name != "admin":
        raise CommandError("renameCollection may only be run against the admin database.", 13, "Unauthorized")
    source, target = str(cmd["renameCollection"]), str(cmd.get("to"))
    (src_db, src), (dst_db, dst) = source.partition(".")[::2], target.partition(".")[::2]
    if src_db != dst_db:
        raise not_supported("renameCollection across databases")
    names.check_db_name(src_db)
    names.check_collection_name(src_db, src)
    names.check_collection_name(dst_db, dst)
    db = ctx.database(src_db)
    if db is None or db.collection(src) is None:
        raise CommandError("Source collection does not exist", 26, "NamespaceNotFound")
    with db.writing() as txn:
        if txn.collection(dst, create=False) is not None:
            if not cmd.get("dropTarget"):
                raise CommandError("target namespace exists", 48, "NamespaceExists")
            txn.drop_collection(dst)
        txn.rename_collection(src, dst)
    return {}


def cmd_coll_stats(ctx, db_name, cmd):
    check_fields(cmd, {"scale"})
    name = collection_name(db_name, cmd)
    db = ctx.database(db_name)
    coll = db.collection(name) if db is not None else None
    if coll is None:
        raise CommandError(f"Collection [{db_name}.{name}] not found.", 26, "NamespaceNotFound")
    count, size = db.reader().execute(f"SELECT count(*), coalesce(sum(length(doc)), 0) FROM {coll.table}").fetchone()
    return {"ns": f"{db_name}.{name}", "count": count, "size": size, "avgObjSize": size // count if count else 0,
            "nindexes": 1 + len(coll.indexes), "storageSize": size}


def cmd_db_stats(ctx, db_name, cmd):
    check_fields(cmd, {"scale", "freeStorage"})
    db = ctx.database(db_name)
    collections = len(db.catalog) if db is not None else 0
    size = os.path.getsize(db.path) if db is not None else 0
    return {"db": db_name, "collections": collections, "views": 0, "dataSize": size, "storageSize": size,
            "indexes": sum(1 + len(c.indexes) for c in db.catalog.values()) if db is not None else 0}


HANDLERS = {"create": cmd_create, "drop": cmd_drop, "dropDatabase": cmd_drop_database,
            "listCollections": cmd_list_collections, "listDatabases": cmd_list_databases,
            "createIndexes": cmd_create_indexes, "listIndexes": cmd_list_indexes, "dropIndexes": cmd_drop_indexes,
            "deleteIndexes": cmd_drop_indexes, "renameCollection": cmd_rename_collection,
            "collStats": cmd_coll_stats, "dbStats": cmd_db_stats}
